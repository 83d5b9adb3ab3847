// The runtime as real processes on loopback: fedcarbon-server and fedcarbon-client started from
// the built binaries, on a 2,000/500-sample subset of Fashion-MNIST with the MLP.
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/server/checkpoint.h"
#include "runtime_test_util.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class RuntimeProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(MakeTempDir("fedcarbon-runtime"));
    data_ok_ = WriteFashionMnistSubset(*root_ + "/data", 2000, 500);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!std::getenv("FEDCARBON_KEEP_TEST_DIR")) fs::remove_all(*root_, ec);
    delete root_;
  }
  void SetUp() override {
    if (!data_ok_) GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
    dir_ = *root_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
  }

  // Writes dir_/config.json: small MLP defaults with `patch` merged in (RFC 7386).
  std::string Config(const nlohmann::json& patch) {
    nlohmann::json j = {
        {"name", "runtime-test"},
        {"seed", 7},
        {"model", {{"name", "mlp"}}},
        {"data", {{"path", *root_ + "/data"}}},
        {"train", {{"batch_size", 10}, {"lr", 0.001}, {"local_epochs", 1}}},
        {"federation",
         {{"num_clients", 6}, {"clients_per_round", 3}, {"rounds", 3}, {"round_timeout_s", 20.0}}},
        {"runtime", {{"workers", 2}, {"join_timeout_s", 20.0}, {"heartbeat_s", 0.5}}},
        {"clients", {{"device", "jetson_tx2"}, {"countries", "FRA"}}}};
    if (patch.is_object()) j.merge_patch(patch);
    const std::string path = dir_ + "/config.json";
    EXPECT_TRUE(WriteFile(path, j.dump(2)));
    return path;
  }

  Proc StartServer(const std::string& config) {
    return Proc({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-server", config, "--bind",
                 "tcp://127.0.0.1:*", "--out", dir_ + "/out"},
                dir_ + "/server.log");
  }
  std::string WaitEndpoint(Proc& server) {
    std::string ep;
    WaitUntil(
        [&] {
          ep = ReadFile(dir_ + "/out/endpoint");
          while (!ep.empty() && ep.back() == '\n') ep.pop_back();
          return !ep.empty() || !server.Running();
        },
        30s);
    return ep;
  }
  Proc StartWorker(const std::string& endpoint, const std::string& id, int capacity) {
    return Proc({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-client", "--connect", endpoint,
                 "--id", id, "--capacity", std::to_string(capacity), "--hello-timeout", "30",
                 "--silence-timeout", "30"},
                dir_ + "/worker-" + id + ".log");
  }
  std::vector<std::vector<std::string>> Rounds() { return ReadCsv(dir_ + "/out/rounds.csv"); }
  std::string ServerLog() { return ReadFile(dir_ + "/server.log"); }

  static std::string* root_;
  static bool data_ok_;
  std::string dir_;
};

std::string* RuntimeProcessTest::root_ = nullptr;
bool RuntimeProcessTest::data_ok_ = false;

TEST_F(RuntimeProcessTest, ShortMlpRunImprovesAccuracyAndRecordsRoundsLedgerAndSummary) {
  Proc server = StartServer(Config(nlohmann::json::object()));
  const std::string ep = WaitEndpoint(server);
  ASSERT_FALSE(ep.empty()) << ServerLog();
  Proc a = StartWorker(ep, "A", 0);
  Proc b = StartWorker(ep, "B", 0);
  ASSERT_EQ(server.Wait(60s), 0) << ServerLog();
  EXPECT_EQ(a.Wait(10s), 0) << "workers exit on Shutdown";
  EXPECT_EQ(b.Wait(10s), 0);

  const auto rounds = Rounds();
  ASSERT_EQ(rounds.size(), 4u) << ServerLog();
  const int acc = Column(rounds, "accuracy"), down = Column(rounds, "bytes_down"),
            up = Column(rounds, "bytes_up");
  ASSERT_GE(acc, 0);
  uint64_t sum_down = 0, sum_up = 0;
  for (size_t r = 1; r < rounds.size(); ++r) {
    EXPECT_EQ(rounds[r][0], std::to_string(r));
    EXPECT_EQ(rounds[r][1], "3");  // selected
    EXPECT_EQ(rounds[r][2], "3");  // completed
    EXPECT_EQ(rounds[r][3], "0");  // dropped
    // Three fp32 MLPs (199,210 weights = 796,840 bytes) plus a small header each way.
    const uint64_t d = std::stoull(rounds[r][down]), u = std::stoull(rounds[r][up]);
    EXPECT_GT(d, 3u * 796840u);
    EXPECT_LT(d, 3u * 796840u + 3u * 600u);
    EXPECT_GT(u, 3u * 796840u);
    EXPECT_LT(u, 3u * 796840u + 3u * 600u);
    sum_down += d;
    sum_up += u;
  }
  const nlohmann::json s = ReadJson(dir_ + "/out/summary.json");
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["rounds"], 3);
  EXPECT_EQ(s["dropped"], 0);
  EXPECT_EQ(s["rejected_messages"], 0);
  EXPECT_EQ(s["bytes_down"].get<uint64_t>(), sum_down);
  EXPECT_EQ(s["bytes_up"].get<uint64_t>(), sum_up);
  const double initial = s["initial_accuracy"], final_acc = s["final_accuracy"];
  EXPECT_NEAR(final_acc, std::stod(rounds[3][acc]), 1e-6);
  EXPECT_GT(final_acc, initial + 0.2) << "3 rounds of FedAvg must learn something";
  EXPECT_GT(s["energy"]["energy_kwh"].get<double>(), 0.0);
  EXPECT_GT(s["energy"]["comm_share"].get<double>(), 0.0);
  EXPECT_LT(s["energy"]["comm_share"].get<double>(), 1.0);

  // Ledger: 3 client rows + 1 coordinator row per round, with the bytes the coordinator saw.
  const auto ledger = ReadCsv(dir_ + "/out/ledger.csv");
  ASSERT_EQ(ledger.size(), 1u + 3u * 4u);
  const int role = Column(ledger, "role"), country = Column(ledger, "country_iso_code"),
            lup = Column(ledger, "bytes_up"), ldown = Column(ledger, "bytes_down");
  uint64_t ledger_up = 0, ledger_down = 0;
  int clients = 0;
  for (size_t i = 1; i < ledger.size(); ++i) {
    if (ledger[i][role] != "client") continue;
    ++clients;
    EXPECT_EQ(ledger[i][country], "FRA");
    ledger_up += std::stoull(ledger[i][lup]);
    ledger_down += std::stoull(ledger[i][ldown]);
  }
  EXPECT_EQ(clients, 9);
  EXPECT_EQ(ledger_up, sum_up);
  EXPECT_EQ(ledger_down, sum_down);

  // Each client priced itself on its own device and country: re-pricing the recorded activity
  // gives the recorded cost.
  auto rows = energy::ReadLedger(dir_ + "/out/ledger.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  auto catalog = energy::Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  for (const energy::LedgerRow& row : *rows) {
    if (row.role != "client") continue;
    auto cost =
        energy::Price(*catalog, row.activity, {row.device, row.country_iso_code, row.network, 0.0});
    ASSERT_TRUE(cost.ok()) << cost.status().ToString();
    EXPECT_DOUBLE_EQ(cost->energy_kwh, row.cost.energy_kwh);
    EXPECT_DOUBLE_EQ(cost->emissions_kg, row.cost.emissions_kg);
    EXPECT_GT(row.cost.comm_energy_kwh, 0.0);
    EXPECT_GT(row.activity.flops, 0u);
  }

  auto ck = server::ReadCheckpoint(dir_ + "/out/checkpoint.bin");
  ASSERT_TRUE(ck.ok()) << ck.status().ToString();
  EXPECT_EQ(ck->round, 3);
  EXPECT_EQ(ck->params.size(), 199210u);
  EXPECT_TRUE(ReadJson(dir_ + "/out/config.json").is_object());
}

TEST_F(RuntimeProcessTest, Fp16AndInt8ShrinkTheMessagesAndStillLearn) {
  for (const auto& [name, max_bytes_per_weight] :
       std::vector<std::pair<std::string, double>>{{"fp16", 2.0}, {"int8", 1.0}}) {
    SCOPED_TRACE(name);
    fs::remove_all(dir_ + "/out");
    Proc server = StartServer(
        Config({{"federation", {{"compression", name}, {"rounds", 2}, {"clients_per_round", 2}}}}));
    const std::string ep = WaitEndpoint(server);
    ASSERT_FALSE(ep.empty()) << ServerLog();
    Proc a = StartWorker(ep, "A", 0);
    Proc b = StartWorker(ep, "B", 0);
    ASSERT_EQ(server.Wait(60s), 0) << ServerLog();
    const auto rounds = Rounds();
    ASSERT_EQ(rounds.size(), 3u);
    const int down = Column(rounds, "bytes_down"), up = Column(rounds, "bytes_up");
    for (size_t r = 1; r < rounds.size(); ++r) {
      EXPECT_EQ(rounds[r][2], "2");
      // Per message: the payload (plus 6 int8 scales for the MLP's 6 tensors) + < 400 bytes.
      const double payload = 199210 * max_bytes_per_weight + (name == "int8" ? 6 * 4 : 0);
      for (int col : {down, up}) {
        const double per_message = std::stod(rounds[r][col]) / 2;
        EXPECT_GE(per_message, payload);
        EXPECT_LT(per_message, payload + 400);
      }
    }
    const nlohmann::json s = ReadJson(dir_ + "/out/summary.json");
    EXPECT_EQ(s["compression"], name);
    EXPECT_GT(s["final_accuracy"].get<double>(), s["initial_accuracy"].get<double>() + 0.2);
  }
}

TEST_F(RuntimeProcessTest, WorkerKilledMidRoundIsDroppedAndARestartedWorkerRejoins) {
  // Every client every round; 12 local epochs make a round last ~0.4 s so that a kill right
  // after a round is recorded lands inside the next one. The 4 s deadline leaves room for a
  // loaded machine (a spurious drop before the kill is not counted below).
  Proc server = StartServer(Config({{"train", {{"local_epochs", 12}}},
                                    {"federation",
                                     {{"clients_per_round", 6},
                                      {"rounds", 10},
                                      {"round_timeout_s", 4.0},
                                      {"target_accuracy", 1.0}}}}));
  const std::string ep = WaitEndpoint(server);
  ASSERT_FALSE(ep.empty()) << ServerLog();
  Proc a = StartWorker(ep, "A", 3);
  Proc b = StartWorker(ep, "B", 3);
  ASSERT_TRUE(WaitUntil([&] { return Rounds().size() >= 3; }, 60s)) << ServerLog();
  const size_t recorded_before_kill = Rounds().size() - 1;
  b.Signal(SIGKILL);
  size_t drop_row = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto rows = Rounds();
        for (size_t r = recorded_before_kill + 1; r < rows.size() && !drop_row; ++r)
          if (rows[r].size() > 3 && rows[r][3] != "0") drop_row = r;
        return drop_row > 0;
      },
      30s))
      << ServerLog();
  Proc b2 = StartWorker(ep, "B2", 3);
  ASSERT_EQ(server.Wait(90s), 0) << ServerLog();
  EXPECT_EQ(a.Wait(10s), 0);
  EXPECT_EQ(b2.Wait(10s), 0);

  const auto rounds = Rounds();
  ASSERT_EQ(rounds.size(), 11u) << "the run goes on to its last round";
  EXPECT_EQ(rounds[drop_row][3], "3") << "B's three clients are dropped";
  EXPECT_EQ(rounds[drop_row][2], "3") << "A's three complete the round";
  bool full_again = false;
  for (size_t r = drop_row + 1; r < rounds.size(); ++r) full_again |= rounds[r][2] == "6";
  EXPECT_TRUE(full_again) << "after B2 joins, all six clients train again\n" << ServerLog();

  // The clients missing from the drop round (B's) reappear in the ledger after it, via B2.
  const auto ledger = ReadCsv(dir_ + "/out/ledger.csv");
  const int round_col = Column(ledger, "round"), client_col = Column(ledger, "client_id"),
            role = Column(ledger, "role");
  std::set<int> in_drop_round, after;
  for (size_t i = 1; i < ledger.size(); ++i) {
    if (ledger[i][role] != "client") continue;
    const size_t r = std::stoul(ledger[i][round_col]);
    const int c = std::stoi(ledger[i][client_col]);
    if (r == drop_row) in_drop_round.insert(c);
    if (r > drop_row) after.insert(c);
  }
  EXPECT_EQ(in_drop_round.size(), 3u);
  for (int c = 0; c < 6; ++c)
    if (!in_drop_round.count(c)) {
      EXPECT_TRUE(after.count(c)) << "client " << c;
    }
  const nlohmann::json s = ReadJson(dir_ + "/out/summary.json");
  EXPECT_EQ(s["rounds"], 10);
  EXPECT_GE(s["dropped"].get<int>(), 3);
}

TEST_F(RuntimeProcessTest, JoinTimeoutIsAClearErrorNamingHostedClients) {
  Proc server = StartServer(
      Config({{"federation", {{"num_clients", 10}}}, {"runtime", {{"join_timeout_s", 1.5}}}}));
  const std::string ep = WaitEndpoint(server);
  ASSERT_FALSE(ep.empty()) << ServerLog();
  Proc a = StartWorker(ep, "A", 3);
  EXPECT_EQ(server.Wait(20s), 1);
  const std::string log = ServerLog();
  EXPECT_NE(log.find("join timeout"), std::string::npos) << log;
  EXPECT_NE(log.find("host 3 of 10 clients"), std::string::npos) << log;
  EXPECT_EQ(a.Wait(10s), 0) << "the worker that did join is told to shut down";
}

}  // namespace
}  // namespace fedcarbon::testing
