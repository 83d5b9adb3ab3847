// A run in simulated time end to end: clients in grid zones, diurnal availability, over-commitment,
// clients going offline, hourly pricing. Every client row is priced at its zone's trace over its
// recorded interval, and re-pricing a run hourly or annually (no retraining) gives exactly the
// rows of a fresh run priced that way with the same seed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "e2e/e2e_util.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/reprice.h"

namespace fedcarbon::testing {
namespace {

namespace fs = std::filesystem;

std::string Config(const std::string& data, const std::string& intensity) {
  return R"({"name": "hourly", "seed": 5, "model": {"name": "mlp"},
    "data": {"path": ")" +
         data + R"("},
    "train": {"optimizer": "sgd", "lr": 0.05, "batch_size": 32},
    "federation": {"num_clients": 12, "clients_per_round": 3, "rounds": 4,
                   "target_accuracy": 1.0, "overcommit": 0.7, "deadline_s": 600,
                   "round_interval_s": 1800},
    "clients": {"device": {"smartphone": 0.5, "jetson_tx2": 0.5},
                "countries": ["FR", "DE", "US-CAL-CISO", "IN-WE", "FR", "DE", "US-CAL-CISO",
                              "IN-WE", "FR", "DE", "USA", "CHN"],
                "speed_sigma": 0.5, "link_sigma": 0.5, "availability": "diurnal",
                "online_from_h": 18, "online_to_h": 9, "jitter_h": 1, "dropout_p": 0.2},
    "time": {"start": "2023-03-01T20:00:00Z", "intensity": ")" +
         intensity + R"("},
    "runtime": {"workers": 2}})";
}

// Runs `fedcarbon run` on `config`; the ledger rows, keyed by (round, client id, role).
std::map<std::tuple<int, int, std::string>, energy::LedgerRow> RunAndReadLedger(
    const std::string& dir, const std::string& config) {
  const std::string path = dir + "/" + std::to_string(std::hash<std::string>{}(config)) + ".json";
  EXPECT_TRUE(WriteFile(path, config));
  const std::string out = path + ".out";
  const std::string cmd = std::string(FEDCARBON_BIN_DIR) + "/fedcarbon run " + path + " --out " +
                          out + " --quiet > " + out + ".log 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(out + ".log");
  auto rows = energy::ReadLedger(out + "/ledger.csv");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::tuple<int, int, std::string>, energy::LedgerRow> by_key;
  for (energy::LedgerRow& r : *rows) by_key[{r.round, r.client_id, r.role}] = std::move(r);
  return by_key;
}

void ExpectSameCosts(const std::vector<energy::LedgerRow>& got,
                     std::map<std::tuple<int, int, std::string>, energy::LedgerRow>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const energy::LedgerRow& g : got) {
    const energy::LedgerRow& w = want.at({g.round, g.client_id, g.role});
    SCOPED_TRACE("round " + std::to_string(g.round) + " client " + std::to_string(g.client_id));
    EXPECT_EQ(g.activity.flops, w.activity.flops);
    EXPECT_EQ(g.activity.bytes_up, w.activity.bytes_up);
    EXPECT_EQ(g.sim_start, w.sim_start);
    EXPECT_EQ(g.sim_end, w.sim_end);
    EXPECT_EQ(g.status, w.status);
    EXPECT_EQ(g.intensity_source, w.intensity_source);
    EXPECT_EQ(g.cost.carbon_intensity_g_per_kwh, w.cost.carbon_intensity_g_per_kwh);
    EXPECT_EQ(g.cost.emissions_kg, w.cost.emissions_kg);
    EXPECT_EQ(g.cost.energy_kwh, w.cost.energy_kwh);
  }
}

TEST(HourlyRunTest, RowsArePricedOverTheirIntervalAndRepricingMatchesAFreshRun) {
  const std::string dir = MakeTempDir("fedcarbon-hourly");
  if (!WriteFashionMnistSubset(dir + "/data", 1200, 300))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  auto hourly = RunAndReadLedger(dir, Config(dir + "/data", "hourly"));
  auto annual = RunAndReadLedger(dir, Config(dir + "/data", "annual"));
  ASSERT_FALSE(hourly.empty());
  auto grid = energy::GridIntensity::Default();
  ASSERT_TRUE(grid.ok());

  std::map<std::string, int> status, source;
  for (const auto& [key, r] : hourly) {
    if (r.role != "client") continue;
    ++status[r.status];
    ++source[r.intensity_source];
    EXPECT_LE(r.sim_start, r.sim_end);
    if (r.intensity_source == "hourly") {
      const energy::Zone* z = grid->FindZone(r.zone);
      ASSERT_NE(z, nullptr) << r.zone;
      EXPECT_DOUBLE_EQ(r.cost.carbon_intensity_g_per_kwh,
                       grid->MeanLca(*z, r.sim_start, r.sim_end));
    } else {
      EXPECT_TRUE(r.country_iso_code == "USA" || r.country_iso_code == "CHN") << r.zone;
    }
  }
  EXPECT_GT(status["used"], 0);
  EXPECT_GT(status["late"] + status["offline"], 0) << "over-commitment and dropouts waste work";
  EXPECT_GT(source["hourly"], 0);

  // Re-pricing needs no retraining: hourly -> annual gives the annual run, and back.
  energy::RepriceOptions to_annual;
  to_annual.intensity = "annual";
  to_annual.grid = &*grid;
  auto catalog = energy::Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  std::vector<energy::LedgerRow> rows;
  for (const auto& [key, r] : hourly) rows.push_back(r);
  auto as_annual = energy::Reprice(*catalog, rows, to_annual);
  ASSERT_TRUE(as_annual.ok()) << as_annual.status().ToString();
  ExpectSameCosts(*as_annual, annual);
  energy::RepriceOptions to_hourly = to_annual;
  to_hourly.intensity = "hourly";
  auto back = energy::Reprice(*catalog, *as_annual, to_hourly);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameCosts(*back, hourly);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace fedcarbon::testing
