// The `fedcarbon` commands as real processes: price, reproduce, and the exit codes of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "experiment/scratch.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

using testing::Ran;
using testing::RunFedcarbon;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(FEDCARBON_BIN_DIR) + "/fedcarbon")) {
      GTEST_SKIP() << "fedcarbon is not built in " << FEDCARBON_BIN_DIR;
    }
    dir_ = testing::ScratchDir("fedcarbon_cli");
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok());
    energy::LedgerRow r;
    r.run_id = "cli";
    r.round = 1;
    r.client_id = 0;
    r.role = "client";
    r.activity = {441'600'000'000ULL, 6000, 6'660'000, 6'660'000, 20.0, 25.0};
    Result<energy::ResolvedTarget> t = energy::Resolve(*cat, {"jetson_tx2", "USA", "qiu", 0.0});
    ASSERT_TRUE(t.ok());
    r.device = "jetson_tx2";
    r.country_iso_code = "USA";
    r.network = "qiu";
    r.pue = 1;
    r.cost = energy::PriceResolved(r.activity, *t);
    ASSERT_TRUE(energy::WriteLedger((dir_ / "ledger.csv").string(), {r}).ok());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(CliTest, PriceWritesTheRepricedLedgerAndReportsTotals) {
  const Ran r = RunFedcarbon("price " + dir_.string() + " --country France --network intensity");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FRA"));
  EXPECT_THAT(r.output, HasSubstr("g CO2e"));
  Result<std::vector<energy::LedgerRow>> priced =
      energy::ReadLedger((dir_ / "priced-FRA-intensity.csv").string());
  ASSERT_TRUE(priced.ok()) << priced.status().ToString();
  ASSERT_EQ(priced->size(), 1u);
  EXPECT_EQ((*priced)[0].country_iso_code, "FRA");
  EXPECT_DOUBLE_EQ((*priced)[0].cost.carbon_intensity_g_per_kwh, 56.04);
}

TEST_F(CliTest, BadNamesFailWithTheValueInTheMessage) {
  Ran r = RunFedcarbon("price " + dir_.string() + " --device jetsn_tx2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("unknown device 'jetsn_tx2'"));
  r = RunFedcarbon("price " + (dir_ / "missing").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("ledger.csv"));
  r = RunFedcarbon("reproduce " + (dir_ / "no-such-file.json").string() + " --out " +
                   dir_.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("no-such-file.json"));
}

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Bad input exits 2 from every command (ExitCode): a config value out of range, a missing file, a
// sweep file with an unknown key, a usage error.
TEST_F(CliTest, BadInputExitsTwo) {
  const std::string config = (dir_ / "zero-clients.json").string();
  WriteText(config, R"({"name": "zero", "model": {"name": "mlp"},
      "federation": {"num_clients": 0, "clients_per_round": 1, "rounds": 1},
      "runtime": {"workers": 1}})");
  const std::string out = " --out " + (dir_ / "out").string();
  for (const char* command : {"partition ", "centralized ", "run "}) {
    const std::string args = command + config + (command == std::string("partition ") ? "" : out);
    const Ran r = RunFedcarbon(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("num_clients")) << args;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out")) << "nothing runs on a bad config";

  // Bad input found by a child process (the coordinator cannot find the data set: exit 2) is
  // bad input for `fedcarbon run` too.
  const std::string mlp = std::string(FEDCARBON_SOURCE_DIR) + "/experiments/mlp-iid.json";
  const Ran no_data = RunFedcarbon("run " + mlp + " --quiet --out " + (dir_ / "no-data").string() +
                                   " --set data.path=" + (dir_ / "no-such-data").string());
  EXPECT_EQ(no_data.exit_code, 2) << no_data.output;
  EXPECT_THAT(no_data.output, HasSubstr("no-such-data"));

  Ran r = RunFedcarbon("price " + (dir_ / "no-such-run").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no-such-run/ledger.csv"));
  r = RunFedcarbon("report " + (dir_ / "no-such-run").string() + " --no-plots");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no-such-run"));
  r = RunFedcarbon("partition " + (dir_ / "no-such-config.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;

  const std::string sweep = (dir_ / "sweep.json").string();
  WriteText(sweep, R"({"base": ")" + std::string(FEDCARBON_SOURCE_DIR) +
                       R"(/experiments/mlp-iid.json", "grid": {"partition.alpha": [0.1]},
                        "grids": {"federation.rounds": [1]}})");
  r = RunFedcarbon("sweep " + sweep + " --out " + (dir_ / "sweep-out").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unknown key 'grids'"));
  r = RunFedcarbon("sweep " + (dir_ / "no-such-sweep.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;

  // Usage errors: 2 as well, never CLI11's own codes (100 and above).
  r = RunFedcarbon("partition");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunFedcarbon("price " + dir_.string() + " --no-such-option");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunFedcarbon("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("Exit codes: 0 success, 2 bad input"));
}

}  // namespace
}  // namespace fedcarbon::experiment
