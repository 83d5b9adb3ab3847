// The local launcher (`fedcarbon run`): a run completes with every child reaped, and Ctrl-C or
// the launcher's own death leaves no fedcarbon-server / fedcarbon-client behind.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/experiment/launcher.h"
#include "fedcarbon/records/launch.h"
#include "fedcarbon/records/rounds.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Pids of processes whose command line mentions `needle` (other than this test).
std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (pid == getpid()) continue;
    const std::string cmd = ReadFile(entry.path() / "cmdline");
    if (cmd.find(needle) != std::string::npos) {
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const size_t close = line.rfind(')');
      if (close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z')
        continue;  // a zombie of someone else's: not running
      pids.push_back(pid);
    }
  }
  return pids;
}

// The launcher and server name the output folder; the workers name the endpoint.
std::vector<int> RunProcesses(const std::string& out) {
  std::vector<int> pids = ProcessesMentioning(out);
  std::string ep = ReadFile(out + "/endpoint");
  while (!ep.empty() && ep.back() == '\n') ep.pop_back();
  if (!ep.empty())
    for (int pid : ProcessesMentioning(ep))
      if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  return pids;
}

std::vector<int> OurChildren() {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == getpid()) pids.push_back(std::stoi(name));
  }
  return pids;
}

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("fedcarbon-launcher");
    if (!WriteFashionMnistSubset(dir_ + "/data", 2000, 500))
      GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string WriteConfig(int rounds, int local_epochs) {
    nlohmann::json j = {{"name", "launcher-test"},
                        {"model", {{"name", "mlp"}}},
                        {"data", {{"path", dir_ + "/data"}}},
                        {"train", {{"local_epochs", local_epochs}}},
                        {"federation",
                         {{"num_clients", 4},
                          {"clients_per_round", 2},
                          {"rounds", rounds},
                          {"target_accuracy", 1.0}}},
                        // Ends as soon as both workers have joined: sized for a loaded machine.
                        {"runtime", {{"workers", 2}, {"join_timeout_s", 60.0}}}};
    EXPECT_TRUE(WriteFile(dir_ + "/config.json", j.dump()));
    return dir_ + "/config.json";
  }
  std::string dir_;
};

TEST_F(LauncherTest, RunLocalCompletesAndReapsEveryChild) {
  auto cfg = config::Load(WriteConfig(3, 1));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  experiment::LaunchOptions options;
  options.bin_dir = FEDCARBON_BIN_DIR;
  options.show_progress = false;
  auto r = experiment::RunLocal(*cfg, dir_ + "/out", options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rounds, 3);
  EXPECT_GT(r->final_accuracy, 0.3);
  EXPECT_EQ(fs::path(r->out_dir), fs::absolute(dir_ + "/out"));
  EXPECT_TRUE(fs::exists(dir_ + "/out/summary.json"));
  // launch.json: CPU seconds of every process, as reaped (RunResult::launch says the same).
  Result<records::LaunchRecord> launch =
      records::ReadLaunchRecord(dir_ + "/out/" + records::kLaunchRecordFile);
  ASSERT_TRUE(launch.ok()) << launch.status().ToString();
  EXPECT_EQ(*launch, r->launch);
  EXPECT_EQ(launch->workers, 2);
  EXPECT_EQ(launch->worker_restarts, 0);
  EXPECT_GT(launch->workers_cpu_s, 0.0);
  EXPECT_GT(launch->coordinator_cpu_s, 0.0);
  EXPECT_GE(launch->launcher_cpu_s, 0.0);
  EXPECT_GT(launch->wall_s, 0.0);
  EXPECT_LE(launch->launcher_cpu_s, launch->wall_s * 8);  // a sanity bound, not a measurement
  Result<records::FlRunSummary> summary = records::ReadFlRunSummary(dir_ + "/out/summary.json");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->cpu.has_value());
  EXPECT_GT(summary->cpu->evaluation_s, 0.0);  // the initial evaluation and three rounds'
  EXPECT_GE(summary->cpu->process_s, summary->cpu->evaluation_s);
  EXPECT_GE(launch->coordinator_cpu_s, summary->cpu->evaluation_s);
  EXPECT_GE(launch->coordinator_cpu_s, summary->cpu->process_s);  // wait4 sees it all
  EXPECT_TRUE(OurChildren().empty()) << "no child (not even a zombie) is left";
  EXPECT_TRUE(RunProcesses(dir_ + "/out").empty());
}

TEST_F(LauncherTest, ACrashedWorkerIsRestartedAndTheRunCompletes) {
  const std::string out = dir_ + "/crash-out";
  // The coordinator notices the killed worker at once (its connection closes). The launcher
  // gives each worker room for its share only, so the live worker cannot take the dead one's
  // clients: they are dropped from the round in progress (or, killed between rounds, not
  // selected) until the restarted worker takes them over. 5 local epochs make a normal round
  // ~0.3 s; no round waits for the 6 s deadline (a live worker has ~20x its normal round on a
  // loaded 2-core machine; the last round must complete all four).
  nlohmann::json j = ReadJson(WriteConfig(12, 5));
  j["federation"]["clients_per_round"] = 4;
  j["federation"]["round_timeout_s"] = 6.0;
  ASSERT_TRUE(WriteFile(dir_ + "/crash.json", j.dump()));
  Proc launcher(
      {std::string(FEDCARBON_BIN_DIR) + "/fedcarbon", "run", dir_ + "/crash.json", "--out", out},
      dir_ + "/launcher.log");
  // The waits below end as soon as their condition holds: generous limits cost nothing.
  ASSERT_TRUE(WaitUntil([&] { return RoundsSoFar(out + "/rounds.csv").size() >= 2; }, 90s))
      << ReadFile(dir_ + "/launcher.log");
  std::string ep = ReadFile(out + "/endpoint");
  while (!ep.empty() && ep.back() == '\n') ep.pop_back();
  const std::vector<int> workers = ProcessesMentioning(ep);
  ASSERT_EQ(workers.size(), 2u);
  kill(workers[0], SIGKILL);
  ASSERT_EQ(launcher.Wait(180s), 0) << ReadFile(dir_ + "/launcher.log");
  EXPECT_NE(ReadFile(dir_ + "/launcher.log").find("restarted fedcarbon-client"), std::string::npos);
  const auto rounds = records::ReadRounds(out + "/rounds.csv");
  ASSERT_TRUE(rounds.ok()) << rounds.status().ToString();
  ASSERT_EQ(rounds->size(), 12u);
  int first_short = 0;
  for (const records::RoundRecord& r : *rounds) {
    if (r.completed < 4 && !first_short) first_short = r.round;
    EXPECT_LT(r.collect_s, 6.0) << "round " << r.round << " waited for its deadline";
  }
  ASSERT_GT(first_short, 0) << "the killed worker's clients miss a round (dropped or orphaned)";
  EXPECT_EQ(rounds->back().completed, 4) << "and all four train again by the end";
  // The restart is counted, and the killed worker's CPU seconds stay in workers_cpu_s.
  Result<records::LaunchRecord> launch =
      records::ReadLaunchRecord(out + "/" + records::kLaunchRecordFile);
  ASSERT_TRUE(launch.ok()) << launch.status().ToString();
  EXPECT_EQ(launch->workers, 2);
  EXPECT_EQ(launch->worker_restarts, 1);
  EXPECT_GT(launch->workers_cpu_s, 0.0);
  EXPECT_TRUE(RunProcesses(out).empty());
}

TEST_F(LauncherTest, SigintStopsTheRunAndLeavesNoProcessBehind) {
  const std::string out = dir_ + "/sigint-out";
  Proc launcher(
      {std::string(FEDCARBON_BIN_DIR) + "/fedcarbon", "run", WriteConfig(10000, 3), "--out", out},
      dir_ + "/launcher.log");
  ASSERT_TRUE(WaitUntil([&] { return !RoundsSoFar(out + "/rounds.csv").empty(); }, 90s))
      << ReadFile(dir_ + "/launcher.log");
  EXPECT_EQ(RunProcesses(out).size(), 4u) << "launcher, server and two workers";
  launcher.Signal(SIGINT);
  const auto code = launcher.Wait(60s);  // ends when the launcher does
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(ReadFile(dir_ + "/launcher.log").find("interrupted by SIGINT"), std::string::npos);
  EXPECT_FALSE(fs::exists(out + "/" + records::kLaunchRecordFile)) << "only after a success";
  EXPECT_TRUE(RunProcesses(out).empty());
}

TEST_F(LauncherTest, KillingTheLauncherTakesItsChildrenDown) {
  const std::string out = dir_ + "/kill-out";
  Proc launcher(
      {std::string(FEDCARBON_BIN_DIR) + "/fedcarbon", "run", WriteConfig(10000, 3), "--out", out},
      dir_ + "/launcher.log");
  ASSERT_TRUE(WaitUntil([&] { return !RoundsSoFar(out + "/rounds.csv").empty(); }, 90s))
      << ReadFile(dir_ + "/launcher.log");
  EXPECT_EQ(RunProcesses(out).size(), 4u) << "launcher, server and two workers";
  launcher.Signal(SIGKILL);  // no chance to clean up: PR_SET_PDEATHSIG must do it
  ASSERT_TRUE(launcher.Wait(30s).has_value());
  EXPECT_TRUE(WaitUntil([&] { return RunProcesses(out).empty(); }, 60s));
}

}  // namespace
}  // namespace fedcarbon::testing
