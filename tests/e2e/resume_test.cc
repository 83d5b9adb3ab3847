// A crash-safe coordinator: `fedcarbon run` whose coordinator is killed with kill -9 after round
// 3's checkpoint, its files left with rows after the checkpoint and torn last lines, then
// `fedcarbon run --resume DIR`, ends with the files of an uninterrupted run of the same seed
// (ledger.csv, rounds.csv, summary.json; what may differ is what the golden test ignores: time
// stamps, the run id, measured seconds) and a bit-identical final model and FedAdam state. The
// run exercises every state a resume restores: FedAdam's moments, the simulated clock (diurnal
// availability, a round interval, hourly pricing), over-commitment and clients going offline.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "fedcarbon/common/csv.h"
#include "fedcarbon/server/checkpoint.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kRounds = 6;

// Columns that hold wall-clock time, the run id (its start time) or a host measurement: as in
// golden_test.cc.
const std::set<std::string> kLedgerSkip = {"timestamp", "run_id", "compute_s", "wall_s",
                                           "measured_energy_kwh"};
const std::set<std::string> kRoundsSkip = {"wall_s", "collect_s", "eval_s"};
// "cpu": measured CPU seconds of each run's coordinator process (a resumed run counts its own).
const std::set<std::string> kSummarySkip = {"run_id", "wall_s", "measured_energy_kwh", "cpu"};

// The table without the skipped columns, rows sorted (arrival order does not matter).
std::vector<std::vector<std::string>> Comparable(const std::string& path,
                                                 const std::set<std::string>& skip,
                                                 std::vector<std::string>* header) {
  Result<CsvTable> t = ReadCsv(path);
  EXPECT_TRUE(t.ok()) << t.status().message();
  if (!t.ok()) return {};
  std::vector<size_t> keep;
  for (size_t i = 0; i < t->header().size(); ++i) {
    if (skip.count(t->header()[i])) continue;
    keep.push_back(i);
    header->push_back(t->header()[i]);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t->rows()) {
    std::vector<std::string> row;
    for (size_t i : keep) row.push_back(r[i]);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void ExpectSameCsv(const std::string& want_path, const std::string& got_path,
                   const std::set<std::string>& skip) {
  std::vector<std::string> want_header, got_header;
  const auto want = Comparable(want_path, skip, &want_header);
  const auto got = Comparable(got_path, skip, &got_header);
  ASSERT_EQ(got_header, want_header) << got_path;
  ASSERT_EQ(got.size(), want.size()) << got_path << ": no row lost, none twice";
  for (size_t r = 0; r < want.size(); ++r)
    for (size_t c = 0; c < want_header.size(); ++c)
      EXPECT_EQ(got[r][c], want[r][c])
          << got_path << " sorted row " << r << ", column " << want_header[c];
}

// Exactly equal, key by key (the totals are summed in the same order), but for kSummarySkip.
void ExpectSameJson(const nlohmann::json& want, const nlohmann::json& got, const std::string& at) {
  if (!want.is_object()) {
    EXPECT_EQ(got, want) << at;
    return;
  }
  ASSERT_TRUE(got.is_object()) << at;
  for (const auto& [k, v] : want.items()) {
    if (kSummarySkip.count(k)) continue;
    EXPECT_TRUE(got.contains(k)) << at << "." << k;
    if (got.contains(k)) ExpectSameJson(v, got[k], at + "." + k);
  }
  for (const auto& [k, v] : got.items()) EXPECT_TRUE(want.contains(k)) << at << "." << k;
}

// The fedcarbon-server child of a `fedcarbon run` process; -1 when there is none.
pid_t ServerOf(pid_t launcher) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ReadFile(entry.path() / "stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || stat.size() < close + 4) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    const std::string cmdline = ReadFile(entry.path() / "cmdline");
    const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    if (ppid == launcher && state != 'Z' && argv0.size() >= 16 &&
        argv0.compare(argv0.size() - 16, 16, "fedcarbon-server") == 0)
      return static_cast<pid_t>(std::stoi(name));
  }
  return -1;
}

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("fedcarbon-resume");
    ASSERT_FALSE(dir_.empty());
    if (!WriteFashionMnistSubset(dir_ + "/data", 2000, 500))
      GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure() && !std::getenv("FEDCARBON_KEEP_TEST_DIR")) fs::remove_all(dir_, ec);
  }
  std::string WriteConfig() {
    const nlohmann::json j = {
        {"name", "resume-test"},
        {"seed", 11},
        {"model", {{"name", "mlp"}}},
        {"data", {{"path", dir_ + "/data"}}},
        {"train", {{"optimizer", "sgd"}, {"lr", 0.05}, {"batch_size", 16}, {"local_epochs", 10}}},
        {"federation",
         {{"num_clients", 12},
          {"clients_per_round", 3},
          {"rounds", kRounds},
          {"target_accuracy", 1.0},
          {"strategy", "fedadam"},
          {"server_lr", 0.01},
          {"overcommit", 0.7},
          {"deadline_s", 600},
          {"round_interval_s", 1800},
          {"round_timeout_s", 120.0}}},
        {"clients",
         {{"device", {{"smartphone", 0.5}, {"jetson_tx2", 0.5}}},
          {"countries",
           {"FR", "DE", "US-CAL-CISO", "IN-WE", "FR", "DE", "US-CAL-CISO", "IN-WE", "FR", "DE",
            "USA", "CHN"}},
          {"speed_sigma", 0.5},
          {"link_sigma", 0.5},
          {"availability", "diurnal"},
          {"online_from_h", 18},
          {"online_to_h", 9},
          {"jitter_h", 1},
          {"dropout_p", 0.2}}},
        {"time", {{"start", "2023-03-01T20:00:00Z"}, {"intensity", "hourly"}}},
        {"runtime", {{"workers", 2}, {"join_timeout_s", 120.0}}},
        {"energy", {{"measure_rapl", false}}}};
    EXPECT_TRUE(WriteFile(dir_ + "/resume.json", j.dump(2)));
    return dir_ + "/resume.json";
  }
  Proc Fedcarbon(std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), std::string(FEDCARBON_BIN_DIR) + "/fedcarbon");
    return Proc(args, dir_ + "/" + log);
  }
  std::string Log(const std::string& name) { return ReadFile(dir_ + "/" + name); }

  std::string dir_;
};

TEST_F(ResumeTest, AKilledCoordinatorResumesToTheFilesAndModelOfAnUninterruptedRun) {
  const std::string config = WriteConfig();
  const std::string a = dir_ + "/a", b = dir_ + "/b";

  // A: uninterrupted.
  Proc run_a = Fedcarbon({"run", config, "--out", a, "--quiet"}, "a.log");
  ASSERT_EQ(run_a.Wait(600s), 0) << Log("a.log");

  // B: its coordinator is killed with SIGKILL once round 3's checkpoint is on disk (rounds take
  // about 0.2 s here; polling every 20 ms kills it during round 4 or 5 on a loaded machine).
  Proc run_b = Fedcarbon({"run", config, "--out", b, "--quiet"}, "b.log");
  pid_t server = -1;
  ASSERT_TRUE(
      WaitUntil([&] { return (server = ServerOf(run_b.pid())) > 0 || !run_b.Running(); }, 120s));
  ASSERT_GT(server, 0) << Log("b.log");
  const auto checkpoint_round = [&] {
    Result<server::Checkpoint> ck = server::ReadCheckpoint(b + "/checkpoint.bin");
    return ck.ok() ? ck->round : 0;
  };
  ASSERT_TRUE(WaitUntil([&] { return checkpoint_round() >= 3 || !run_b.Running(); }, 600s));
  ASSERT_EQ(ServerOf(run_b.pid()), server) << "the run ended before its coordinator was killed\n"
                                           << Log("b.log");
  ASSERT_EQ(kill(server, SIGKILL), 0);
  const std::optional<int> b_code = run_b.Wait(120s);
  ASSERT_TRUE(b_code.has_value());
  EXPECT_NE(*b_code, 0) << "the launcher reports the coordinator's death";
  const int killed_after = checkpoint_round();
  ASSERT_GE(killed_after, 3);
  ASSERT_LT(killed_after, kRounds) << "killed before the run ended";

  // What a kill during a round's recording leaves: rows after the checkpoint, torn last lines.
  {
    std::string ledger = ReadFile(b + "/ledger.csv");
    ASSERT_FALSE(ledger.empty());
    const size_t last = ledger.rfind('\n', ledger.size() - 2) + 1;
    const std::string row = ledger.substr(last);
    ASSERT_TRUE(WriteFile(b + "/ledger.csv", ledger + row + row.substr(0, row.size() / 2)));
    const std::string rounds = ReadFile(b + "/rounds.csv");
    ASSERT_TRUE(WriteFile(b + "/rounds.csv", rounds + std::to_string(killed_after + 1) + ",3,"));
  }

  // Resuming with another config is refused (exit 2), naming the key, and changes no file.
  const std::string ledger_before = ReadFile(b + "/ledger.csv");
  Proc wrong =
      Fedcarbon({"run", "--resume", b, "--set", "federation.rounds=7", "--quiet"}, "wrong.log");
  ASSERT_EQ(wrong.Wait(120s), 2) << Log("wrong.log");
  EXPECT_NE(Log("wrong.log")
                .find("checkpoint.bin: the run was made with another config: "
                      "federation.rounds (6, now 7)"),
            std::string::npos)
      << Log("wrong.log");
  EXPECT_EQ(ReadFile(b + "/ledger.csv"), ledger_before);

  Proc resume = Fedcarbon({"run", "--resume", b, "--quiet"}, "resume.log");
  ASSERT_EQ(resume.Wait(600s), 0) << Log("resume.log") << ReadFile(b + "/server.log");
  const std::string server_log = ReadFile(b + "/server.log");
  EXPECT_NE(server_log.find("resuming run"), std::string::npos) << server_log;
  EXPECT_NE(server_log.find("ledger.csv: removed 1 row(s) written after round " +
                            std::to_string(killed_after) + "'s checkpoint and a torn last line"),
            std::string::npos)
      << server_log;

  ExpectSameCsv(a + "/ledger.csv", b + "/ledger.csv", kLedgerSkip);
  ExpectSameCsv(a + "/rounds.csv", b + "/rounds.csv", kRoundsSkip);
  const nlohmann::json summary_a = ReadJson(a + "/summary.json");
  const nlohmann::json summary_b = ReadJson(b + "/summary.json");
  ASSERT_TRUE(summary_a.is_object());
  ASSERT_TRUE(summary_b.is_object());
  ExpectSameJson(summary_a, summary_b, "summary.json");

  // One run: its rows all carry the run id it started with.
  Result<CsvTable> ledger_b = ReadCsv(b + "/ledger.csv");
  ASSERT_TRUE(ledger_b.ok());
  std::set<std::string> run_ids;
  const size_t run_id = *ledger_b->Find("run_id");
  for (const auto& row : ledger_b->rows()) run_ids.insert(row[run_id]);
  EXPECT_EQ(run_ids.size(), 1u);

  // The final model and the server optimizer's state: bit-identical.
  Result<server::Checkpoint> ck_a = server::ReadCheckpoint(a + "/checkpoint.bin");
  Result<server::Checkpoint> ck_b = server::ReadCheckpoint(b + "/checkpoint.bin");
  ASSERT_TRUE(ck_a.ok()) << ck_a.status().message();
  ASSERT_TRUE(ck_b.ok()) << ck_b.status().message();
  EXPECT_EQ(ck_b->round, kRounds);
  ASSERT_EQ(ck_b->params.size(), ck_a->params.size());
  EXPECT_EQ(
      std::memcmp(ck_b->params.data(), ck_a->params.data(), ck_a->params.size() * sizeof(float)),
      0);
  ASSERT_EQ(ck_b->strategy_state.size(), 2u) << "fedadam's m and v";
  EXPECT_EQ(ck_b->strategy_state, ck_a->strategy_state);
  EXPECT_EQ(ck_b->clock, ck_a->clock);
  EXPECT_EQ(ck_b->ledger_rows, ck_a->ledger_rows);
  EXPECT_EQ(ck_b->totals.bytes_down, ck_a->totals.bytes_down);
  EXPECT_EQ(ck_b->totals.bytes_up, ck_a->totals.bytes_up);
  EXPECT_EQ(ck_b->totals.final_accuracy, ck_a->totals.final_accuracy);
}

}  // namespace
}  // namespace fedcarbon::testing
