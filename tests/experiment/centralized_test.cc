// experiment::RunCentralized on a tiny synthetic Fashion-MNIST-shaped dataset written as IDX
// files: evaluation cadence, stopping at the target, exact FLOPs, the files it writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "fedcarbon/experiment/centralized.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/records/curve.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

void WriteBigEndian(std::ofstream& out, uint32_t v) {
  const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.write(b, 4);
}

// Class prototypes plus noise; the last `wrong` samples get a wrong label (caps accuracy).
void WriteIdx(const fs::path& dir, const std::string& prefix, int n, int wrong, uint32_t seed) {
  std::mt19937 proto_rng(7);  // same prototypes for train and test
  std::vector<uint8_t> proto(10 * 784);
  for (auto& p : proto) p = proto_rng() % 10 < 3 ? static_cast<uint8_t>(proto_rng() % 256) : 0;
  std::mt19937 rng(seed);
  std::ofstream img(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream lab(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  WriteBigEndian(img, 0x803);
  WriteBigEndian(img, n);
  WriteBigEndian(img, 28);
  WriteBigEndian(img, 28);
  WriteBigEndian(lab, 0x801);
  WriteBigEndian(lab, n);
  for (int i = 0; i < n; ++i) {
    const int label = i % 10;
    for (int j = 0; j < 784; ++j) {
      const int v = proto[label * 784 + j] + static_cast<int>(rng() % 61) - 30;
      img.put(static_cast<char>(std::clamp(v, 0, 255)));
    }
    lab.put(static_cast<char>(i >= n - wrong ? (label + 1) % 10 : label));
  }
}

class CentralizedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fedcarbon_centralized_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    WriteIdx(dir_ / "data", "train", 300, 0, 1);
    WriteIdx(dir_ / "data", "t10k", 100, 10, 2);  // at most 0.90 test accuracy
    cfg_.data.path = (dir_ / "data").string();
    cfg_.model.name = "mlp";
    cfg_.train.batch_size = 10;
    cfg_.train.max_epochs = 3;
    cfg_.federation.target_accuracy = 0.95;  // unreachable
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  config::ExperimentConfig cfg_;
};

TEST_F(CentralizedTest, EvaluatesEveryEpochAndWritesFiles) {
  const fs::path out = dir_ / "out";
  auto r = RunCentralized(cfg_, out.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->reached_target);
  EXPECT_EQ(r->epochs, 3);
  EXPECT_EQ(r->steps, 90);
  EXPECT_EQ(r->samples, 900);
  ASSERT_EQ(r->curve.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(r->curve[e].epoch, e + 1);
    EXPECT_EQ(r->curve[e].steps, 30 * (e + 1));
  }
  EXPECT_LE(r->best_accuracy, 0.90);
  EXPECT_GT(r->best_accuracy, 0.5);  // it learned the prototypes
  EXPECT_EQ(r->final_accuracy, r->curve.back().test_accuracy);
  auto model = models::MakeModel("mlp", 0).value();
  const uint64_t adam_per_step = 12ULL * model->num_params();
  EXPECT_EQ(r->train_flops, 900 * model->FlopsPerSample().total() + 90 * adam_per_step);
  EXPECT_EQ(r->eval_flops, 3 * 100 * model->FlopsPerSample().forward);
  EXPECT_GE(r->wall_s, r->train_s);

  std::ifstream in(out / "summary.json");
  const nlohmann::json s = nlohmann::json::parse(in);
  EXPECT_EQ(s["model"], "mlp");
  EXPECT_EQ(s["epochs"], 3);
  EXPECT_EQ(s["steps"], 90);
  EXPECT_EQ(s["train_flops"], r->train_flops);
  EXPECT_EQ(s["reached_target"], false);
  EXPECT_DOUBLE_EQ(s["final_accuracy"].get<double>(), r->final_accuracy);
  std::ifstream csv(out / "curve.csv");
  std::string line;
  int rows = 0;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("epoch,steps,samples,train_loss,test_accuracy", 0), 0u);
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 3);
  for (const auto& e : fs::directory_iterator(out))  // no temporary file left behind
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// CPU seconds of the process (not wall seconds), in the result and in summary.json's "cpu"; and
// curve.csv, rewritten whole at every evaluation point, holds exactly the result's curve.
TEST_F(CentralizedTest, RecordsCpuSecondsAndTheCurveItReturns) {
  const fs::path out = dir_ / "out";
  auto r = RunCentralized(cfg_, out.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->train_cpu_s, 0.0);
  EXPECT_GT(r->eval_cpu_s, 0.0);
  EXPECT_GT(r->process_cpu_s, 0.0);
  EXPECT_LE(r->train_cpu_s + r->eval_cpu_s, r->process_cpu_s);

  Result<records::CentralizedSummary> s =
      records::ReadCentralizedSummary((out / "summary.json").string());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->cpu.has_value());
  EXPECT_EQ(s->cpu->train_s, r->train_cpu_s);
  EXPECT_EQ(s->cpu->evaluation_s, r->eval_cpu_s);
  EXPECT_EQ(s->cpu->process_s, r->process_cpu_s);
  std::ifstream in(out / "summary.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_TRUE(j["cpu"]["train_s"].is_number_float());
  EXPECT_TRUE(j["cpu"]["evaluation_s"].is_number_float());
  EXPECT_TRUE(j["cpu"]["process_s"].is_number_float());

  std::ifstream csv(out / "curve.csv", std::ios::binary);
  std::stringstream text;
  text << csv.rdbuf();
  EXPECT_EQ(text.str(), records::FormatCurve(r->curve));
  Result<std::vector<records::CurvePoint>> rows = records::ReadCurve((out / "curve.csv").string());
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), r->curve.size());
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ((*rows)[i].epoch, r->curve[i].epoch);
    EXPECT_EQ((*rows)[i].steps, r->curve[i].steps);
    EXPECT_EQ((*rows)[i].train_flops, r->curve[i].train_flops);
  }
}

// A process following the run's folder sees curve.csv grow: a prefix of the final curve at every
// read (each write is whole and atomic), before the run ends.
TEST_F(CentralizedTest, CurveCsvIsWrittenAtEveryEvaluationPoint) {
  cfg_.train.eval_every_steps = 1;  // 90 points, each a rewrite of curve.csv
  const fs::path out = dir_ / "out";
  const std::string curve = (out / "curve.csv").string();
  std::atomic<bool> done{false};
  std::vector<size_t> seen;  // row counts read while the run went on
  std::vector<std::string> bad;
  std::thread watcher([&] {
    while (!done.load()) {
      if (fs::exists(curve)) {
        Result<std::vector<records::CurvePoint>> rows = records::ReadCurve(curve);
        if (rows.ok())
          seen.push_back(rows->size());
        else if (rows.status().code() != StatusCode::kNotFound)
          bad.push_back(rows.status().ToString());
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  auto r = RunCentralized(cfg_, out.string());
  done.store(true);
  watcher.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->curve.size(), 90u);
  EXPECT_TRUE(bad.empty()) << bad.front();
  size_t partial = 0;
  for (size_t n : seen) {
    EXPECT_LE(n, r->curve.size());
    if (n > 0 && n < r->curve.size()) ++partial;
  }
  EXPECT_GT(partial, 0u) << "curve.csv was only seen whole (" << seen.size() << " reads)";
  std::ifstream in(curve, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), records::FormatCurve(r->curve));
}

TEST_F(CentralizedTest, EvaluatesEveryNStepsAcrossEpochs) {
  cfg_.train.max_epochs = 2;
  cfg_.train.eval_every_steps = 7;
  auto r = RunCentralized(cfg_, "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<int64_t> steps;
  for (const auto& p : r->curve) steps.push_back(p.steps);
  // 60 steps: every 7th, plus the end of training.
  EXPECT_EQ(steps, (std::vector<int64_t>{7, 14, 21, 28, 35, 42, 49, 56, 60}));
  EXPECT_EQ(r->curve[4].epoch, 2);  // step 35 falls in the second epoch
}

TEST_F(CentralizedTest, StopsAtTheTargetAndIsDeterministic) {
  cfg_.federation.target_accuracy = 0.5;
  cfg_.train.eval_every_steps = 5;
  auto a = RunCentralized(cfg_, "");
  auto b = RunCentralized(cfg_, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->reached_target);
  EXPECT_GE(a->final_accuracy, 0.5);
  EXPECT_LT(a->steps, 90);
  ASSERT_EQ(a->curve.size(), b->curve.size());
  for (size_t i = 0; i < a->curve.size(); ++i) {
    EXPECT_EQ(a->curve[i].test_accuracy, b->curve[i].test_accuracy);
    EXPECT_EQ(a->curve[i].train_loss, b->curve[i].train_loss);
  }
  // Every evaluation before the last was below the target.
  for (size_t i = 0; i + 1 < a->curve.size(); ++i) EXPECT_LT(a->curve[i].test_accuracy, 0.5);
}

TEST_F(CentralizedTest, MissingDataIsAnError) {
  cfg_.data.path = (dir_ / "nowhere").string();
  auto r = RunCentralized(cfg_, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nowhere"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace fedcarbon::experiment
