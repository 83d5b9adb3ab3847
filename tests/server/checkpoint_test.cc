// Checkpoints: every field round trips exactly; a truncated, corrupt or old file is an error
// naming it; a run's ledger.csv and rounds.csv are cut back to a checkpoint's lengths; FedAdam's
// saved state continues bit-identically.
#include "fedcarbon/server/checkpoint.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "common/scratch.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/records/rounds.h"
#include "fedcarbon/server/aggregation.h"

namespace fedcarbon::server {
namespace {

using testing::ScratchDir;
using testing::Slurp;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ScratchDir("fedcarbon_ck"); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

Checkpoint Sample() {
  Checkpoint c;
  c.round = 3;
  c.config_json = R"({"name":"ck","seed":7})";
  CoordinatorResult& t = c.totals;
  t.run_id = "ck-20240101-000000-abcdef";
  t.rounds = 3;
  t.final_accuracy = 0.71234567890123;
  t.best_accuracy = 0.75;
  t.reached_target = true;
  t.rounds_to_target = 2;
  t.dropped = 4;
  t.late = 5;
  t.offline = 6;
  t.sim_start = 1677700800.0;
  t.sim_end = 1677712345.678;
  t.sim_to_target = 1677710000.5;
  t.rejected = 7;
  t.bytes_down = 123456789012ULL;
  t.bytes_up = 98765432109ULL;
  t.wall_s = 12.5;
  c.initial = {0.1, 2.3, 4000000ULL, 500ULL, 0.25};
  c.clock = {1677712345.678, 1677711000.25, true};
  c.last_seq = 300;
  c.ledger_rows = 15;
  c.rounds_rows = 3;
  c.measured_kwh = -1.0;
  c.params = {0.5f, -1.25f, 3.0e-8f, std::numeric_limits<float>::denorm_min()};
  c.strategy_state = {{0.1f, 0.2f, 0.3f, 0.4f}, {1.0f, 2.0f, 3.0f, 4.0f}};
  return c;
}

void ExpectSame(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.round, b.round);
  EXPECT_EQ(a.config_json, b.config_json);
  const CoordinatorResult &x = a.totals, &y = b.totals;
  EXPECT_EQ(x.run_id, y.run_id);
  EXPECT_EQ(x.rounds, y.rounds);
  EXPECT_EQ(x.final_accuracy, y.final_accuracy);
  EXPECT_EQ(x.best_accuracy, y.best_accuracy);
  EXPECT_EQ(x.reached_target, y.reached_target);
  EXPECT_EQ(x.rounds_to_target, y.rounds_to_target);
  EXPECT_EQ(x.dropped, y.dropped);
  EXPECT_EQ(x.late, y.late);
  EXPECT_EQ(x.offline, y.offline);
  EXPECT_EQ(x.sim_start, y.sim_start);
  EXPECT_EQ(x.sim_end, y.sim_end);
  EXPECT_EQ(x.sim_to_target, y.sim_to_target);
  EXPECT_EQ(x.rejected, y.rejected);
  EXPECT_EQ(x.bytes_down, y.bytes_down);
  EXPECT_EQ(x.bytes_up, y.bytes_up);
  EXPECT_EQ(x.wall_s, y.wall_s);
  EXPECT_EQ(a.initial, b.initial);
  EXPECT_EQ(a.clock, b.clock);
  EXPECT_EQ(a.last_seq, b.last_seq);
  EXPECT_EQ(a.ledger_rows, b.ledger_rows);
  EXPECT_EQ(a.rounds_rows, b.rounds_rows);
  EXPECT_EQ(a.measured_kwh, b.measured_kwh);
  ASSERT_EQ(a.params.size(), b.params.size());
  EXPECT_EQ(std::memcmp(a.params.data(), b.params.data(), a.params.size() * sizeof(float)), 0)
      << "the weights are bit-identical";
  EXPECT_EQ(a.strategy_state, b.strategy_state);
}

TEST_F(CheckpointTest, EveryFieldRoundTripsExactly) {
  const std::string path = (dir_ / "checkpoint.bin").string();
  const Checkpoint c = Sample();
  ASSERT_TRUE(WriteCheckpoint(path, c).ok());
  Result<Checkpoint> back = ReadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ExpectSame(c, *back);
  EXPECT_EQ(Slurp(path), EncodeCheckpoint(c)) << "the file is the encoding";

  Checkpoint plain = Sample();  // fedavg: no strategy state
  plain.strategy_state.clear();
  Result<Checkpoint> decoded = DecodeCheckpoint(EncodeCheckpoint(plain), "x");
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_TRUE(decoded->strategy_state.empty());
}

TEST_F(CheckpointTest, ATruncatedFileIsAnErrorNamingIt) {
  const std::string bytes = EncodeCheckpoint(Sample());
  const std::string path = (dir_ / "checkpoint.bin").string();
  for (size_t n = 0; n < bytes.size(); ++n) {
    ASSERT_TRUE(WriteFileAtomic(path, bytes.substr(0, n)).ok());
    Result<Checkpoint> c = ReadCheckpoint(path);
    ASSERT_FALSE(c.ok()) << "cut to " << n << " bytes";
    EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(c.status().message().rfind(path + ": ", 0), 0u) << c.status().message();
  }
  ASSERT_TRUE(WriteFileAtomic(path, bytes.substr(0, bytes.size() - 5)).ok());
  EXPECT_NE(ReadCheckpoint(path).status().message().find("truncated or torn"), std::string::npos);
}

TEST_F(CheckpointTest, ACorruptByteIsAnErrorNamingTheFile) {
  const std::string good = EncodeCheckpoint(Sample());
  const std::string path = (dir_ / "checkpoint.bin").string();
  for (size_t at = 0; at < good.size(); at += 7) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    ASSERT_TRUE(WriteFileAtomic(path, bad).ok());
    Result<Checkpoint> c = ReadCheckpoint(path);
    ASSERT_FALSE(c.ok()) << "byte " << at << " flipped";
    EXPECT_EQ(c.status().message().rfind(path + ": ", 0), 0u) << c.status().message();
  }
  std::string bad = good;
  bad[40] = static_cast<char>(bad[40] ^ 1);  // inside the payload
  EXPECT_EQ(DecodeCheckpoint(bad, "ck.bin").status().message(),
            "ck.bin: checksum mismatch (the file is corrupt)");
}

TEST_F(CheckpointTest, OldVersionsAndBadValuesAreErrors) {
  // Version 1: "FCCK", 1, round, num_params, the weights.
  std::string v1 = "FCCK";
  const uint32_t version = 1, round = 3;
  const uint64_t n = 1;
  const float w = 0.5f;
  v1.append(reinterpret_cast<const char*>(&version), 4);
  v1.append(reinterpret_cast<const char*>(&round), 4);
  v1.append(reinterpret_cast<const char*>(&n), 8);
  v1.append(reinterpret_cast<const char*>(&w), 4);
  v1.append(8, '\0');  // long enough to pass the size check of a header
  Result<Checkpoint> old = DecodeCheckpoint(v1, "run/checkpoint.bin");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("run/checkpoint.bin: format version 1"), std::string::npos)
      << old.status().message();
  EXPECT_FALSE(DecodeCheckpoint(std::string("FCCX") + v1.substr(4), "x").ok());

  Checkpoint nan = Sample();
  nan.params[2] = std::nanf("");
  Result<Checkpoint> c = DecodeCheckpoint(EncodeCheckpoint(nan), "ck");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "ck: params: value 2 is not finite");

  Checkpoint state = Sample();
  state.strategy_state[1].pop_back();
  EXPECT_FALSE(DecodeCheckpoint(EncodeCheckpoint(state), "ck").ok());

  Checkpoint rows = Sample();
  rows.rounds_rows = 2;  // one rounds.csv line per round
  EXPECT_FALSE(DecodeCheckpoint(EncodeCheckpoint(rows), "ck").ok());

  const std::string missing = (dir_ / "checkpoint.bin").string();
  EXPECT_EQ(ReadCheckpoint(missing).status().code(), StatusCode::kNotFound);
}

energy::LedgerRow Row(int round, int client) {
  energy::LedgerRow r;
  r.timestamp = 1.0;
  r.run_id = "ck";
  r.round = round;
  r.client_id = client;
  r.role = client >= 0 ? "client" : "coordinator";
  r.country_iso_code = "FRA";
  r.device = "jetson_tx2";
  r.network = "qiu";
  r.activity.flops = 1000;
  return r;
}

// A run folder after 3 rounds of 2 client rows and a coordinator row each, then a 4th round's
// lines and a torn ledger row, as a coordinator killed during round 4's recording leaves it.
void WriteRunFiles(const std::filesystem::path& dir) {
  std::string ledger = energy::LedgerHeader() + "\n";
  std::string rounds = records::RoundsCsvHeader() + "\n";
  for (int round = 1; round <= 4; ++round) {
    records::RoundRecord rec;
    rec.round = round;
    rounds += records::FormatRoundRow(rec) + "\n";
    for (int client : {0, 1, -1}) ledger += energy::FormatLedgerRow(Row(round, client)) + "\n";
  }
  ledger += energy::FormatLedgerRow(Row(5, 0)).substr(0, 30);
  ASSERT_TRUE(WriteFileAtomic((dir / "ledger.csv").string(), ledger).ok());
  ASSERT_TRUE(WriteFileAtomic((dir / "rounds.csv").string(), rounds).ok());
}

TEST_F(CheckpointTest, CutToCheckpointDropsRowsAfterItAndATornLine) {
  const std::filesystem::path& dir = dir_;
  WriteRunFiles(dir);
  Checkpoint c = Sample();  // round 3
  c.ledger_rows = 9;
  Result<RunFilesCut> cut = CutToCheckpoint(dir.string(), c);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  EXPECT_EQ(cut->ledger.lines, 3);
  EXPECT_TRUE(cut->ledger.torn);
  EXPECT_EQ(cut->rounds.lines, 1);
  EXPECT_FALSE(cut->rounds.torn);
  auto rows = energy::ReadLedger((dir / "ledger.csv").string());
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 9u);
  EXPECT_EQ(rows->back().round, 3);
  EXPECT_EQ(rows->back().role, "coordinator");
  auto rounds = records::ReadRounds((dir / "rounds.csv").string());
  ASSERT_TRUE(rounds.ok()) << rounds.status().message();
  ASSERT_EQ(rounds->size(), 3u);
  EXPECT_EQ(rounds->back().round, 3);

  Result<RunFilesCut> again = CutToCheckpoint(dir.string(), c);  // a second resume: nothing
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ledger.bytes + again->rounds.bytes, 0u);
}

TEST_F(CheckpointTest, CutToCheckpointWithRowsMissingOrAnotherFileIsAnError) {
  const std::filesystem::path& dir = dir_;
  WriteRunFiles(dir);
  Checkpoint c = Sample();
  c.ledger_rows = 13;  // more than the 12 complete rows there
  Result<RunFilesCut> cut = CutToCheckpoint(dir.string(), c);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(cut.status().message(),
            (dir / "ledger.csv").string() +
                ": 13 complete lines, 14 expected (lines are missing); checkpoint.bin counts 13 "
                "rows after the header");

  ASSERT_TRUE(WriteFileAtomic((dir / "ledger.csv").string(), "a,b\n1,2\n").ok());
  c.ledger_rows = 1;
  cut = CutToCheckpoint(dir.string(), c);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().message(),
            (dir / "ledger.csv").string() + ": does not start with the header of this version");
}

TEST_F(CheckpointTest, FedAdamStateRestoredContinuesBitIdentically) {
  config::FederationConfig cfg;
  cfg.strategy = "fedadam";
  auto a = MakeStrategy(cfg, 3);
  auto b = MakeStrategy(cfg, 3);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<float> global{0.1f, -0.2f, 0.3f};
  (*a)->Apply(global, std::vector<float>{0.5f, 0.5f, 0.5f});
  (*a)->Apply(global, std::vector<float>{-0.5f, 0.25f, 1.0f});
  ASSERT_TRUE((*b)->SetState((*a)->State()).ok());
  std::vector<float> resumed = global;
  const std::vector<float> mean{0.75f, -0.125f, 0.0f};
  (*a)->Apply(global, mean);
  (*b)->Apply(resumed, mean);
  EXPECT_EQ(std::memcmp(global.data(), resumed.data(), 3 * sizeof(float)), 0);
  EXPECT_FALSE((*b)->SetState({{1.0f}}).ok()) << "a state of another size";

  cfg.strategy = "fedavg";
  auto avg = MakeStrategy(cfg, 3);
  ASSERT_TRUE(avg.ok());
  EXPECT_TRUE((*avg)->State().empty());
  EXPECT_TRUE((*avg)->SetState({}).ok());
  EXPECT_FALSE((*avg)->SetState({{1.0f, 2.0f, 3.0f}}).ok());
}

}  // namespace
}  // namespace fedcarbon::server
