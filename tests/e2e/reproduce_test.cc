// `fedcarbon reproduce --seeds 2` end to end on a Fashion-MNIST subset: six runs side by side as
// real processes, the table with medians and ranges, and the phase breakdown that adds up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/e2e_util.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(ReproduceTest, SeveralSeedsRunSideBySideAndTheirTimeAddsUp) {
  const std::string dir = MakeTempDir("fedcarbon-reproduce");
  if (!WriteFashionMnistSubset(dir + "/data", 2000, 500))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  // The MLP to a low target on 4 clients: seconds per run.
  const nlohmann::json spec = {
      {"base",
       {{"name", "reproduce-test"},
        {"seed", 7},
        {"model", {{"name", "mlp"}}},
        {"data", {{"path", dir + "/data"}}},
        {"train", {{"max_epochs", 2}, {"eval_every_steps", 50}}},
        {"federation",
         {{"num_clients", 4}, {"clients_per_round", 2}, {"rounds", 6}, {"target_accuracy", 0.6}}},
        {"runtime", {{"workers", 2}, {"join_timeout_s", 60.0}}},
        {"energy", {{"network", "qiu"}, {"coordinator_device", "v100"}}}}},
      {"fl_iid", {{"partition", {{"scheme", "iid"}}}}},
      {"fl_noniid",
       {{"partition", {{"scheme", "label_groups"}, {"num_groups", 2}, {"iid_fraction", 0.2}}}}}};
  ASSERT_TRUE(WriteFile(dir + "/spec.json", spec.dump()));
  Proc p({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon", "reproduce", dir + "/spec.json", "--out",
          dir + "/out", "--seeds", "2"},
         dir + "/reproduce.log");
  const std::optional<int> code = p.Wait(600s);
  ASSERT_EQ(code, 0) << ReadFile(dir + "/reproduce.log");
  for (const char* run : {"centralized", "fl_iid", "fl_noniid"}) {
    EXPECT_TRUE(fs::exists(dir + "/out/" + std::string(run) + "/summary.json")) << run;
    EXPECT_TRUE(fs::exists(dir + "/out/" + std::string(run) + "-seed8/summary.json")) << run;
  }
  const std::string csv = ReadFile(dir + "/out/table4.csv");
  EXPECT_THAT(csv.substr(0, csv.find('\n')), HasSubstr(",fl_noniid_low,fl_noniid_high"));
  const std::string log = ReadFile(dir + "/reproduce.log");
  EXPECT_THAT(log, HasSubstr("median over 2 seed(s): 7, 8"));
  EXPECT_THAT(log, HasSubstr("time: "));

  const nlohmann::json s = ReadJson(dir + "/out/reproduce-summary.json");
  ASSERT_TRUE(s.is_object()) << ReadFile(dir + "/out/reproduce-summary.json");
  EXPECT_EQ(s["seeds"], nlohmann::json({7, 8}));
  EXPECT_EQ(s["runs"].size(), 6u);
  const nlohmann::json& ph = s["phases_cpu_s"];
  double sum = 0;
  for (const char* k : {"training", "evaluation", "messaging", "other", "other_programs", "idle"}) {
    ASSERT_TRUE(ph.contains(k)) << k;
    EXPECT_GE(ph[k].get<double>(), 0.0) << k;
    sum += ph[k].get<double>();
  }
  EXPECT_GT(ph["training"].get<double>(), 0.0);
  EXPECT_GT(ph["evaluation"].get<double>(), 0.0);
  // The parts are of cores x wall; only a machine busier than both cores (idle clamped at 0) can
  // make them exceed it.
  const double all = s["cores"].get<double>() * s["wall_s"].get<double>();
  EXPECT_GE(sum, all * 0.999);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace fedcarbon::testing
