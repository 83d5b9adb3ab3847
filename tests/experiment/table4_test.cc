#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/scratch.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

energy::LedgerRow Priced(const energy::Catalog& cat, energy::LedgerRow r,
                         const energy::PricingTarget& t) {
  Result<energy::ResolvedTarget> rt = energy::Resolve(cat, t);
  EXPECT_TRUE(rt.ok()) << rt.status().ToString();
  r.device = rt->device.name;
  r.country_iso_code = rt->country.iso3;
  r.network = rt->network.name;
  r.pue = rt->pue;
  r.cost = energy::PriceResolved(r.activity, *rt);
  return r;
}

// An FL ledger: `rounds` rounds of 5 clients on jetson_tx2 spread over two countries, plus a
// coordinator row per round on v100 in the USA.
std::vector<energy::LedgerRow> FlLedger(const energy::Catalog& cat, int rounds) {
  std::vector<energy::LedgerRow> rows;
  for (int round = 1; round <= rounds; ++round) {
    for (int c = 0; c < 5; ++c) {
      energy::LedgerRow r;
      r.run_id = "fl";
      r.round = round;
      r.client_id = c;
      r.role = "client";
      r.activity = {6000ULL * 73'600'000ULL, 6000, 6'660'000, 6'660'000, 30.0, 35.0};
      rows.push_back(Priced(cat, r, {"jetson_tx2", c % 2 ? "DEU" : "USA", "qiu", 0.0}));
    }
    energy::LedgerRow k;
    k.run_id = "fl";
    k.round = round;
    k.role = "coordinator";
    k.activity.flops = 245'000'000'000ULL;
    rows.push_back(Priced(cat, k, {"v100", "USA", "qiu", 1.67}));
  }
  return rows;
}

std::vector<energy::LedgerRow> CentralLedger(const energy::Catalog& cat, uint64_t flops) {
  energy::LedgerRow r;
  r.run_id = "central";
  r.role = "centralized";
  r.activity.flops = flops;
  r.activity.samples = 120000;
  return {Priced(cat, r, {"v100", "USA", "qiu", 1.67})};
}

class Table4Test : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok());
    catalog_ = *cat;
  }
  energy::Catalog catalog_;
  ReproduceSpec spec_;  // defaults: USA, CHN, FRA; v100/k80 at 1.67/1.11
};

TEST_F(Table4Test, ColumnsValuesAndChecksFromLedgers) {
  const uint64_t central_flops = 2ULL * 60000 * 73'600'000ULL;  // two epochs
  Result<Table4> t = BuildTable4(spec_, catalog_, CentralLedger(catalog_, central_flops),
                                 FlLedger(catalog_, 10), FlLedger(catalog_, 25));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(t->columns, ElementsAre("v100_pue1.67", "k80_pue1.67", "v100_pue1.11", "k80_pue1.11",
                                      "fl_iid", "fl_noniid"));
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[1].country, "CHN");
  // Each centralized cell is the activity priced fresh for that setting.
  energy::Activity a;
  a.flops = central_flops;
  a.samples = 120000;
  for (const Table4::Row& row : t->rows) {
    Result<energy::Cost> v100 = energy::Price(catalog_, a, {"v100", row.country, "qiu", 1.67});
    Result<energy::Cost> k80 = energy::Price(catalog_, a, {"k80", row.country, "qiu", 1.11});
    ASSERT_TRUE(v100.ok() && k80.ok());
    EXPECT_NEAR(row.grams[0], v100->emissions_kg * 1000, 1e-12);
    EXPECT_NEAR(row.grams[3], k80->emissions_kg * 1000, 1e-12);
    EXPECT_NEAR(row.grams[0] / row.grams[2], 1.67 / 1.11, 1e-12);
  }
  // FL cells: the client rows moved to the column's country; 25 rounds cost 2.5x 10 rounds.
  const Table4::Row& usa = t->rows[0];
  EXPECT_NEAR(usa.grams[5] / usa.grams[4], 2.5, 1e-9);
  double usa_iid = 0;
  for (const energy::LedgerRow& r : FlLedger(catalog_, 10)) {
    if (r.role != "client") continue;
    usa_iid += energy::Price(catalog_, r.activity, {"jetson_tx2", "USA", "qiu", 0.0})->emissions_kg;
  }
  EXPECT_NEAR(usa.grams[4], usa_iid * 1000, 1e-9);
  // Breakdown: compute + comm = the cell; the coordinator is reported apart.
  for (const Table4::Breakdown& b : t->breakdown) {
    if (b.run == "fl_iid" && b.country == "USA") {
      EXPECT_NEAR(b.compute_g + b.comm_g, usa.grams[4], 1e-9);
      EXPECT_GT(b.coordinator_g, 0);
      EXPECT_GT(b.comm_share, 0);
      EXPECT_LT(b.comm_share, 1);
    }
  }
  const std::vector<std::string> checks = CheckTable4Structure(*t);
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("PASS: v100: PUE 1.67 / PUE 1.11")));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("PASS: K80 above V100 at PUE 1.67")));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("PASS: FL non-IID above FL IID")));
}

TEST_F(Table4Test, ChecksCanFail) {
  Table4 t;
  t.columns = {"v100_pue1.67", "k80_pue1.67", "v100_pue1.11", "k80_pue1.11", "fl_iid", "fl_noniid"};
  t.rows = {{"USA", "United States", {1, 0.5, 0.7, 0.4, 2, 1}},
            {"CHN", "China", {0.9, 2, 0.6, 1.3, 3, 4}},
            {"FRA", "France", {0.1, 0.2, 0.1, 0.1, 0.1, 0.2}}};
  const std::vector<std::string> checks = CheckTable4Structure(t);
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("FAIL: country order")));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("FAIL: K80 above V100 at PUE 1.67")));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("FAIL: v100: PUE 1.67 / PUE 1.11")));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("FAIL: FL non-IID above FL IID")));
  EXPECT_THAT(checks, ::testing::Contains(
                          HasSubstr("FAIL: FL IID below centralized V100 (PUE 1.67) in USA")));
}

TEST_F(Table4Test, OutputsAreWrittenWithTheIssuesColumns) {
  Result<Table4> t = BuildTable4(spec_, catalog_, CentralLedger(catalog_, 8'000'000'000'000ULL),
                                 FlLedger(catalog_, 3), FlLedger(catalog_, 4));
  ASSERT_TRUE(t.ok());
  t->quick = true;
  t->target_accuracy = 0.8;
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_table4");
  ASSERT_TRUE(WriteTable4(*t, dir.string()).ok());
  const std::string csv = testing::Slurp(dir / "table4.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "country,v100_pue1.67,k80_pue1.67,v100_pue1.11,k80_pue1.11,fl_iid,fl_noniid");
  EXPECT_THAT(csv, HasSubstr("\nCHN,"));
  const std::string md = testing::Slurp(dir / "table4.md");
  EXPECT_THAT(md, HasSubstr("QUICK"));
  EXPECT_THAT(md, HasSubstr("(2.9)"));  // the paper's China V100 1.67 beside ours
  EXPECT_THAT(testing::Slurp(dir / "table4.svg"), HasSubstr("<svg"));
  EXPECT_EQ(testing::Slurp(dir / "table4.png").substr(1, 3), "PNG");
  EXPECT_THAT(testing::Slurp(dir / "fl_breakdown.csv"), HasSubstr("fl_noniid,FRA,"));
  EXPECT_THAT(FormatTable4Text(*t), HasSubstr("QUICK"));
  std::filesystem::remove_all(dir);
}

TEST_F(Table4Test, MissingRowsAreErrors) {
  Result<Table4> t = BuildTable4(spec_, catalog_, {}, FlLedger(catalog_, 1), FlLedger(catalog_, 1));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("centralized"));
  t = BuildTable4(spec_, catalog_, CentralLedger(catalog_, 1), {}, FlLedger(catalog_, 1));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("fl_iid ledger has no client rows"));
}

}  // namespace
}  // namespace fedcarbon::experiment
