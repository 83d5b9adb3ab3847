// CURVE between processes: a worker whose public key is on the coordinator's allow-list runs; one
// that is not (or that speaks plain TCP) never gets a Welcome, and the coordinator's join times
// out. (The key files themselves: tests/wire/curve_test.cc.)
#include <filesystem>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "fedcarbon/records/summary.h"
#include "fedcarbon/wire/curve.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class CurveRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("fedcarbon-curve");
    if (!WriteFashionMnistSubset(dir_ + "/data", 1000, 300))
      GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
    for (const char* who : {"server", "good", "stranger"}) {
      auto keys = wire::GenerateCurveKeyPair();
      ASSERT_TRUE(keys.ok());
      ASSERT_TRUE(wire::WriteCurveKeyFiles(dir_ + "/" + who, *keys).ok());
    }
    ASSERT_TRUE(WriteFile(dir_ + "/allowed", ReadFile(dir_ + "/good.pub")));
    nlohmann::json cfg = {
        {"model", {{"name", "mlp"}}},
        {"data", {{"path", dir_ + "/data"}}},
        {"federation",
         {{"num_clients", 2}, {"clients_per_round", 2}, {"rounds", 2}, {"target_accuracy", 1.0}}},
        // The shut-out test waits out both the join timeout and its workers' hello timeout
        // (kShutOutHelloTimeout): equal, so neither makes it longer than the other. An allowed
        // worker joins in ~0.1 s; 6 s leaves room for a loaded 2-core machine.
        {"runtime", {{"workers", 1}, {"join_timeout_s", 6.0}}}};
    ASSERT_TRUE(WriteFile(dir_ + "/config.json", cfg.dump()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Proc Server() {
    return Proc({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-server", dir_ + "/config.json",
                 "--bind", "tcp://127.0.0.1:*", "--out", dir_ + "/out", "--curve-key",
                 dir_ + "/server.key", "--curve-allow", dir_ + "/allowed"},
                dir_ + "/server.log");
  }
  std::string Endpoint() {
    std::string ep;
    WaitUntil(
        [&] {
          ep = ReadFile(dir_ + "/out/endpoint");
          while (!ep.empty() && ep.back() == '\n') ep.pop_back();
          return !ep.empty();
        },
        60s);
    return ep;
  }
  // A worker that gives up when no Welcome comes within `hello_timeout` seconds.
  Proc Worker(const std::string& ep, const std::vector<std::string>& curve_args,
              const std::string& log, const std::string& hello_timeout) {
    std::vector<std::string> argv = {std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-client",
                                     "--connect", ep, "--hello-timeout", hello_timeout};
    argv.insert(argv.end(), curve_args.begin(), curve_args.end());
    return Proc(argv, dir_ + "/" + log);
  }
  // Shut-out workers wait this long for a Welcome that never comes: the test's duration.
  static constexpr const char* kShutOutHelloTimeout = "6";
  std::string dir_;
};

TEST_F(CurveRunTest, AnAllowedWorkerRunsOverCurve) {
  Proc server = Server();
  const std::string ep = Endpoint();
  ASSERT_FALSE(ep.empty()) << ReadFile(dir_ + "/server.log");
  // Its Welcome comes as soon as it joins: a generous hello timeout costs nothing.
  Proc worker =
      Worker(ep, {"--curve-server-key", dir_ + "/server.pub", "--curve-key", dir_ + "/good.key"},
             "good.log", "60");
  ASSERT_EQ(server.Wait(120s), 0) << ReadFile(dir_ + "/server.log");
  EXPECT_EQ(worker.Wait(30s), 0) << ReadFile(dir_ + "/good.log");
  const auto summary = records::ReadFlRunSummary(dir_ + "/out/summary.json");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rounds, 2);
}

TEST_F(CurveRunTest, UnlistedAndPlaintextWorkersAreShutOut) {
  Proc server = Server();
  const std::string ep = Endpoint();
  ASSERT_FALSE(ep.empty()) << ReadFile(dir_ + "/server.log");
  Proc stranger = Worker(
      ep, {"--curve-server-key", dir_ + "/server.pub", "--curve-key", dir_ + "/stranger.key"},
      "stranger.log", kShutOutHelloTimeout);
  Proc plain = Worker(ep, {}, "plain.log", kShutOutHelloTimeout);
  EXPECT_EQ(server.Wait(60s), 1) << "join timeout";
  const std::string log = ReadFile(dir_ + "/server.log");
  EXPECT_NE(log.find("host 0 of 2 clients"), std::string::npos) << log;
  EXPECT_NE(log.find("denied a CURVE connection"), std::string::npos) << log;
  EXPECT_EQ(log.find("joined"), std::string::npos) << log;
  EXPECT_EQ(stranger.Wait(30s), 1) << "no Welcome within its hello timeout";
  EXPECT_EQ(plain.Wait(30s), 1);
}

}  // namespace
}  // namespace fedcarbon::testing
