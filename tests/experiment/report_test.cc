#include "fedcarbon/experiment/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "experiment/scratch.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok());
    catalog_ = *cat;
    dir_ = testing::ScratchDir("fedcarbon_report");
    for (int c = 0; c < 3; ++c) {
      energy::LedgerRow r;
      r.run_id = "run";
      r.round = 1;
      r.client_id = c;
      r.role = "client";
      r.activity = {441'600'000'000ULL, 6000, 6'660'123, 6'660'456, 20.0, 25.0};
      Result<energy::ResolvedTarget> t =
          energy::Resolve(catalog_, {"jetson_tx2", c == 2 ? "CHN" : "USA", "qiu", 0.0});
      ASSERT_TRUE(t.ok());
      r.device = t->device.name;
      r.country_iso_code = t->country.iso3;
      r.network = t->network.name;
      r.pue = t->pue;
      r.cost = energy::PriceResolved(r.activity, *t);
      rows_.push_back(r);
    }
    ASSERT_TRUE(energy::WriteLedger((dir_ / "ledger.csv").string(), rows_).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  energy::Catalog catalog_;
  std::filesystem::path dir_;
  std::vector<energy::LedgerRow> rows_;
};

TEST_F(ReportTest, PricingARunWithItsOwnTargetsGivesTheRecordedCosts) {
  Result<PricedRun> run = PriceRunDir(dir_.string(), catalog_, {});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->out_path, (dir_ / "priced-original.csv").string());
  Result<std::vector<energy::LedgerRow>> back = energy::ReadLedger(run->out_path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    EXPECT_LE(std::abs((*back)[i].cost.emissions_kg - rows_[i].cost.emissions_kg),
              1e-12 * rows_[i].cost.emissions_kg);
  }
}

TEST_F(ReportTest, OverridesNameTheOutputAndChangeTheCost) {
  energy::RepriceOptions o;
  o.country = "fr";
  o.network = "intensity";
  Result<PricedRun> run = PriceRunDir(dir_.string(), catalog_, o);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->out_path, (dir_ / "priced-FRA-intensity.csv").string());
  const energy::LedgerTotals before = energy::Sum(run->recorded);
  const energy::LedgerTotals after = energy::Sum(run->priced);
  EXPECT_LT(after.emissions_kg, before.emissions_kg);  // France's grid is cleaner
  const std::string report = FormatCostReport(run->priced);
  EXPECT_THAT(report, HasSubstr("FRA"));
  EXPECT_THAT(report, HasSubstr("jetson_tx2"));
  EXPECT_THAT(report, HasSubstr("% of the energy"));

  o = {};
  o.device = "jetsn_tx2";
  Result<PricedRun> bad = PriceRunDir(dir_.string(), catalog_, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown device 'jetsn_tx2'"));
  Result<PricedRun> missing = PriceRunDir((dir_ / "nope").string(), catalog_, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("ledger.csv"));
}

TEST_F(ReportTest, CentralizedPricingWritesALedgerRowAndTheSummaryEnergy) {
  CentralizedResult r;
  r.model = "cnn";
  r.train_flops = 8'832'000'000'000'000ULL / 1000;  // 8.832e12: two epochs of the CNN
  r.samples = 120000;
  r.train_s = 400;
  r.wall_s = 420;
  config::ExperimentConfig cfg;         // coordinator defaults: v100, PUE 1.67, USA
  records::CentralizedSummary written;  // as RunCentralized leaves it: not priced yet
  written.final_accuracy = 0.91;
  ASSERT_TRUE(records::WriteCentralizedSummary((dir_ / "summary.json").string(), written).ok());
  Result<energy::LedgerRow> row = PriceCentralized(r, cfg, dir_.string());
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->role, "centralized");
  EXPECT_EQ(row->device, "v100");
  EXPECT_DOUBLE_EQ(row->pue, 1.67);
  Result<energy::Cost> fresh =
      energy::Price(catalog_, row->activity, {"v100", "USA", cfg.energy.network, 1.67});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(row->cost.emissions_kg, fresh->emissions_kg);
  Result<std::vector<energy::LedgerRow>> ledger =
      energy::ReadLedger((dir_ / "ledger.csv").string());
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(ledger->size(), 1u);
  const nlohmann::json s = nlohmann::json::parse(testing::Slurp(dir_ / "summary.json"));
  EXPECT_DOUBLE_EQ(s.at("final_accuracy").get<double>(), 0.91);  // kept
  EXPECT_DOUBLE_EQ(s.at("energy").at("emissions_kg").get<double>(), fresh->emissions_kg);
  EXPECT_EQ(s.at("energy").at("device").get<std::string>(), "v100");

  cfg.energy.coordinator_device = "raspberry_pi_4";
  Result<energy::LedgerRow> edge = PriceCentralized(r, cfg, dir_.string());
  ASSERT_FALSE(edge.ok());
  EXPECT_THAT(edge.status().message(), HasSubstr("raspberry_pi_4"));
}

}  // namespace
}  // namespace fedcarbon::experiment
