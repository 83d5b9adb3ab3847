// `fedcarbon sweep` as real processes: a small MLP sweep runs, an invalid value fails only its
// point, a re-run trains nothing, and after `kill -9` of the sweep no process is left and a
// re-run finishes only the rest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "experiment/scratch.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/sweep_results.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kBin = FEDCARBON_BIN_DIR;

// Two rounds of the MLP on 1 worker, never reaching the target: a point takes a few seconds.
std::string SweepFile(const std::string& alphas) {
  return std::string(R"({"name": "t", "base": ")") + FEDCARBON_SOURCE_DIR +
         R"(/experiments/mlp-iid.json", "grid": {"partition.alpha": [)" + alphas +
         R"(]}, "set": {"partition.scheme": "dirichlet", "federation.rounds": 2,
                      "federation.target_accuracy": 0.99, "runtime.workers": 1,
                      "energy.measure_rapl": false}, "seeds": [3]})";
}

using testing::Ran;

Ran RunSweep(const fs::path& sweep, const fs::path& out) {
  return testing::RunFedcarbon("sweep " + sweep.string() + " --out " + out.string() +
                               " --parallel 1 --no-plots");
}

// Pids of live processes whose command line mentions `needle`.
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = testing::Slurp(e.path() / "cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    const std::string stat = testing::Slurp(e.path() / "stat");
    const bool zombie = stat.find(") Z ") != std::string::npos;
    if (!zombie && cmdline.find(needle) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

std::vector<fs::path> DonePoints(const fs::path& out) {
  std::vector<fs::path> done;
  if (!fs::exists(out / "points")) return done;
  for (const auto& e : fs::directory_iterator(out / "points")) {
    const std::string s = testing::Slurp(e.path() / "summary.json");
    if (s.find("\"energy\"") != std::string::npos && fs::exists(e.path() / "ledger.csv"))
      done.push_back(e.path());
  }
  return done;
}

class SweepProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBin + "/fedcarbon")) GTEST_SKIP() << "fedcarbon is not built";
    dir_ = testing::ScratchDir("fedcarbon_sweep_proc");
  }
  fs::path dir_;
};

TEST_F(SweepProcessTest, RunsRecordsAFailedPointAndSkipsFinishedPointsOnReRun) {
  const fs::path sweep = dir_ / "sweep.json";
  ASSERT_TRUE(WriteFileAtomic(sweep.string(), SweepFile("0.5, -1, 100")).ok());
  const fs::path out = dir_ / "out";
  const Ran first = RunSweep(sweep, out);
  EXPECT_EQ(first.exit_code, 1) << first.output;  // one point failed
  Result<SweepTable> t = ReadSweepResults((out / "results.csv").string());
  ASSERT_TRUE(t.ok()) << t.status().message() << first.output;
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->keys, std::vector<std::string>{"partition.alpha"});
  EXPECT_EQ(t->rows[0].status, "done") << t->rows[0].error;
  EXPECT_EQ(t->rows[0].rounds, 2);
  EXPECT_GT(t->rows[0].co2e_kg, 0.0);
  EXPECT_GT(t->rows[0].client_comm_kwh, 0.0);
  EXPECT_EQ(t->rows[1].status, "failed");
  EXPECT_EQ(t->rows[1].error, "partition.alpha must be > 0, got -1");
  EXPECT_EQ(t->rows[2].status, "done") << t->rows[2].error;
  EXPECT_TRUE(fs::exists(out / "results.md"));

  // A re-run trains nothing: the finished folders are untouched.
  const auto stamp = fs::last_write_time(out / t->rows[0].dir / "summary.json");
  const Ran second = RunSweep(sweep, out);
  EXPECT_THAT(second.output, HasSubstr("2 finished before, 0 to run"));
  EXPECT_EQ(fs::last_write_time(out / t->rows[0].dir / "summary.json"), stamp);

  // A new grid value keeps the finished points and runs only the new one.
  ASSERT_TRUE(WriteFileAtomic(sweep.string(), SweepFile("0.5, -1, 100, 1")).ok());
  const Ran third = RunSweep(sweep, out);
  EXPECT_THAT(third.output, HasSubstr("2 finished before, 1 to run"));
  t = ReadSweepResults((out / "results.csv").string());
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->rows.size(), 4u);
  EXPECT_EQ(t->rows[3].values[0], "1");
  EXPECT_EQ(t->rows[3].status, "done");
}

TEST_F(SweepProcessTest, KillNineLeavesNoProcessAndAReRunFinishesTheRest) {
  const fs::path sweep = dir_ / "sweep.json";
  ASSERT_TRUE(WriteFileAtomic(sweep.string(), SweepFile("0.5, 1, 100")).ok());
  const fs::path out = dir_ / "out";
  Result<pid_t> pid = Spawn({kBin + "/fedcarbon", "sweep", sweep.string(), "--out", out.string(),
                             "--parallel", "1", "--no-plots"},
                            (dir_ / "sweep.log").string(), 0);
  ASSERT_TRUE(pid.ok());
  Child sweep_proc{*pid, "sweep", true, -1};
  // Wait for the first point to finish, then kill the sweep outright.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (DonePoints(out).empty() && std::chrono::steady_clock::now() < deadline) {
    Poll(sweep_proc);
    ASSERT_TRUE(sweep_proc.running) << testing::Slurp(dir_ / "sweep.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(DonePoints(out).size(), 1u) << testing::Slurp(dir_ / "sweep.log");
  const fs::path first_done = DonePoints(out)[0];
  const std::string first_summary = testing::Slurp(first_done / "summary.json");
  kill(*pid, SIGKILL);
  std::vector<Child> one = {sweep_proc};
  ASSERT_TRUE(WaitAll(one, std::chrono::seconds(10)));

  // The point process, its coordinator and its workers go too (parent-death signals).
  std::vector<int> left;
  const auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    left = ProcessesMentioning(out.string());
    for (const auto& e : fs::directory_iterator(out / "points")) {  // workers: by endpoint
      const std::string endpoint = testing::Slurp(e.path() / "endpoint");
      if (endpoint.empty()) continue;
      for (int p : ProcessesMentioning(endpoint.substr(0, endpoint.find('\n')))) left.push_back(p);
    }
  } while (!left.empty() && std::chrono::steady_clock::now() < gone_by);
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) left, first pid " << left[0];

  const Ran rerun = RunSweep(sweep, out);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("1 finished before, 2 to run"));
  EXPECT_EQ(testing::Slurp(first_done / "summary.json"), first_summary);
  Result<SweepTable> t = ReadSweepResults((out / "results.csv").string());
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->rows.size(), 3u);
  for (const SweepRow& r : t->rows) EXPECT_EQ(r.status, "done") << r.id << ": " << r.error;
}

}  // namespace
}  // namespace fedcarbon::experiment
