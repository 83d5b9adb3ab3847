// Safe defaults: fedcarbon-server listens on loopback unless told otherwise, and a bind that
// other hosts can reach without CURVE logs a warning that says how to turn CURVE on.
#include <filesystem>

#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "fedcarbon/server/coordinator.h"
#include "fedcarbon/wire/curve.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(BindDefaultsTest, TheDefaultBindIsLoopback) {
  const std::string bind = server::CoordinatorOptions{}.bind;
  EXPECT_EQ(bind.rfind("tcp://127.0.0.1:", 0), 0u) << bind;
  EXPECT_TRUE(wire::IsLoopbackEndpoint(bind));
}

class ServerBindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("fedcarbon-bind");
    if (!WriteFashionMnistSubset(dir_ + "/data", 200, 100))
      GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
    const nlohmann::json cfg = {{"name", "bind"},
                                {"model", {{"name", "mlp"}}},
                                {"data", {{"path", dir_ + "/data"}}},
                                {"federation", {{"num_clients", 2}, {"clients_per_round", 2}}},
                                {"runtime", {{"workers", 1}, {"join_timeout_s", 60.0}}}};
    ASSERT_TRUE(WriteFile(dir_ + "/config.json", cfg.dump()));
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty() && !std::getenv("FEDCARBON_KEEP_TEST_DIR")) fs::remove_all(dir_, ec);
  }
  // Starts fedcarbon-server with `args` after CONFIG and --out; the endpoint it writes (empty
  // when it exited first). The server is stopped (SIGTERM) and reaped before returning.
  std::string Start(const std::vector<std::string>& args, const std::string& name) {
    std::vector<std::string> argv = {std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-server",
                                     dir_ + "/config.json", "--out", dir_ + "/" + name};
    argv.insert(argv.end(), args.begin(), args.end());
    Proc server(argv, dir_ + "/" + name + ".log");
    std::string ep;
    WaitUntil(
        [&] {
          ep = ReadFile(dir_ + "/" + name + "/endpoint");
          while (!ep.empty() && ep.back() == '\n') ep.pop_back();
          return !ep.empty() || !server.Running();
        },
        60s);
    server.Signal(SIGTERM);
    EXPECT_TRUE(server.Wait(30s).has_value()) << "the server stops on SIGTERM";
    return ep;
  }
  std::string Log(const std::string& name) { return ReadFile(dir_ + "/" + name + ".log"); }
  std::string dir_;
};

TEST_F(ServerBindTest, WithoutBindTheServerListensOnLoopback) {
  const std::string ep = Start({}, "default");
  if (ep.empty() && Log("default").find("Address already in use") != std::string::npos)
    GTEST_SKIP() << "the default port is taken on this machine";
  EXPECT_EQ(ep.rfind("tcp://127.0.0.1:", 0), 0u) << ep << "\n" << Log("default");
  EXPECT_EQ(Log("default").find("without CURVE"), std::string::npos);
}

TEST_F(ServerBindTest, AWildcardBindWithoutCurveIsWarnedAboutWithTheWayToTurnCurveOn) {
  const std::string ep = Start({"--bind", "tcp://*:*"}, "wildcard");
  ASSERT_FALSE(ep.empty()) << Log("wildcard");
  const std::string log = Log("wildcard");
  EXPECT_NE(log.find("without CURVE"), std::string::npos) << log;
  EXPECT_NE(log.find("in the clear"), std::string::npos) << log;
  EXPECT_NE(log.find("--curve-keygen"), std::string::npos) << log;
  EXPECT_NE(log.find("--curve-key server.key --curve-allow"), std::string::npos) << log;

  // With CURVE (a key pair and an allow-list) the same bind is quiet.
  const std::string keys = dir_ + "/server";
  Proc keygen({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-server", "--curve-keygen", keys},
              dir_ + "/keygen.log");
  ASSERT_EQ(keygen.Wait(30s), 0) << ReadFile(dir_ + "/keygen.log");
  const std::string curve_ep =
      Start({"--bind", "tcp://*:*", "--curve-key", keys + ".key", "--curve-allow", keys + ".pub"},
            "curve");
  ASSERT_FALSE(curve_ep.empty()) << Log("curve");
  EXPECT_EQ(Log("curve").find("without CURVE"), std::string::npos) << Log("curve");
}

}  // namespace
}  // namespace fedcarbon::testing
