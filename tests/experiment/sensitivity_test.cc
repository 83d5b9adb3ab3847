// The sensitivity analysis: parameters from the catalog's ranges, flips found where they happen,
// Table 4's conclusions, the PUE presets moving the matching columns, and the CLI end to end.
#include "fedcarbon/experiment/sensitivity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "energy/test_catalog.h"  // tests/energy
#include "experiment/scratch.h"
#include "fedcarbon/common/file.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

energy::Catalog TinyWithRanges() {
  nlohmann::json j = energy::testing::TinyCatalogJson();
  j["devices"][0]["idle_w"]["range"] = {20, 40};   // value 30
  j["countries"][0]["upload"]["range"] = {5, 20};  // value 10
  Result<energy::Catalog> cat = energy::Catalog::FromJson(j);
  EXPECT_TRUE(cat.ok()) << cat.status().ToString();
  return *cat;
}

TEST(SensitivityTest, AFlipIsFoundWhereItHappensAndUnmovedParametersAreListedApart) {
  const energy::Catalog cat = TinyWithRanges();
  // The outcome: the dc profile's idle power (W); it "holds" while below 35 W.
  const Evaluate evaluate = [](const energy::Catalog& c,
                               const std::map<double, double>&) -> Result<Outcome> {
    Outcome o;
    o.metric = c.Device("dc")->idle_w;
    o.conclusions.push_back({"idle<35", "idle below 35 W", o.metric < 35.0});
    return o;
  };
  Result<SensitivityReport> r = Analyse(cat, nullptr, "dc idle W", evaluate);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metric_base, 30.0);
  ASSERT_EQ(r->base.size(), 1u);
  EXPECT_TRUE(r->base[0].holds);
  ASSERT_EQ(r->effects.size(), 1u);  // only idle_w moves this outcome
  const ParameterEffect& e = r->effects[0];
  EXPECT_EQ(e.parameter.name, "devices[dc].idle_w");
  EXPECT_EQ(e.metric_lo, 20.0);
  EXPECT_EQ(e.metric_hi, 40.0);
  ASSERT_EQ(e.flips.size(), 1u);  // at the high end only
  EXPECT_NEAR(e.flips[0].at, 35.0, 10.0 / (1 << 13));
  EXPECT_TRUE(e.flips[0].holds_at_base);
  EXPECT_THAT(r->unaffected, ::testing::Contains("countries[AAA].upload"));
  const std::string md = FormatSensitivityMarkdown(*r);
  EXPECT_THAT(md, HasSubstr("| idle below 35 W | holds | devices[dc].idle_w at 35 W |"));
  EXPECT_THAT(FormatSensitivityCsv(*r), HasSubstr("devices[dc].idle_w,W,30,20,40"));
}

TEST(SensitivityTest, APuePresetMovesTheColumnsAtItsValue) {
  nlohmann::json j = energy::testing::TinyCatalogJson();
  j["pue_presets"]["avg"]["range"] = {1.2, 1.8};  // value 1.5
  Result<energy::Catalog> cat = energy::Catalog::FromJson(j);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  std::vector<double> seen;
  const Evaluate evaluate = [&seen](const energy::Catalog&,
                                    const std::map<double, double>& pue) -> Result<Outcome> {
    const auto it = pue.find(1.5);
    seen.push_back(it == pue.end() ? 1.5 : it->second);
    return Outcome{seen.back(), {}};
  };
  Result<SensitivityReport> r = Analyse(*cat, nullptr, "pue", evaluate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, (std::vector<double>{1.5, 1.2, 1.8}));
}

TEST(SensitivityTest, Table4ConclusionsCompareEveryFlColumnWithEveryCentralizedOne) {
  Table4 t;
  t.columns = {"v100_pue1.67", "k80_pue1.67", "fl_iid", "fl_noniid"};
  t.rows.push_back({"USA", "United States", {1.6, 5.2, 0.5, 1.0}});
  t.rows.push_back({"FRA", "France", {0.2, 0.8, 0.3, 0.1}});
  const std::vector<Conclusion> c = Table4Conclusions(t);
  std::map<std::string, bool> holds;
  for (const Conclusion& x : c) holds[x.id] = x.holds;
  EXPECT_TRUE(holds.at("fl_iid<v100_pue1.67@USA"));
  EXPECT_TRUE(holds.at("fl_noniid<k80_pue1.67@USA"));
  EXPECT_FALSE(holds.at("fl_iid<v100_pue1.67@FRA"));  // 0.3 vs 0.2
  EXPECT_FALSE(holds.at("fl_noniid>fl_iid@FRA"));     // 0.1 < 0.3
  EXPECT_TRUE(holds.at("fl_noniid>fl_iid@USA"));
  EXPECT_TRUE(holds.at("paper_order_of_magnitude"));  // USA is the paper's row; FRA 0.3/0.1
  EXPECT_EQ(c.size(), 2u * (2 * 2 + 1) + 1);
}

TEST(SensitivityTest, TraceIntensitiesReplaceCountriesWithADefaultZone) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  Result<energy::GridIntensity> grid = energy::GridIntensity::Default();
  ASSERT_TRUE(grid.ok());
  Result<energy::Catalog> traced = WithTraceIntensities(*cat, *grid);
  ASSERT_TRUE(traced.ok()) << traced.status().ToString();
  const energy::Zone* fr = grid->DefaultZoneOf("FRA");
  ASSERT_NE(fr, nullptr);
  EXPECT_NEAR(traced->FindCountry("FRA")->carbon_intensity_g_per_kwh,
              grid->MeanLca(*fr, 1672531200.0, 1704067200.0), 1e-9);  // 2023
  EXPECT_NE(traced->FindCountry("FRA")->carbon_intensity_g_per_kwh,
            cat->FindCountry("FRA")->carbon_intensity_g_per_kwh);
  if (grid->DefaultZoneOf("CHN") == nullptr) {  // no trace: unchanged
    EXPECT_EQ(traced->FindCountry("CHN")->carbon_intensity_g_per_kwh,
              cat->FindCountry("CHN")->carbon_intensity_g_per_kwh);
  }
}

TEST(SensitivityTest, ARunFolderIsAnalysedAndABadFolderExitsTwo) {
  const std::string dir = testing::ScratchDir("fedcarbon_sensitivity");
  const std::string golden = std::string(FEDCARBON_SOURCE_DIR) + "/tests/golden/table4-iid-3";
  Result<std::string> ledger = ReadFile(golden + "/ledger.csv");
  ASSERT_TRUE(ledger.ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/ledger.csv", *ledger).ok());
  SensitivityOptions o;
  o.dir = dir;
  o.plot.render = false;
  Result<SensitivityReport> r = RunSensitivity(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->metric_base, 0.0);
  EXPECT_FALSE(r->effects.empty());
  for (const char* f : {"sensitivity.md", "sensitivity.csv", "sensitivity-tornado.gp"}) {
    EXPECT_TRUE(ReadFile(dir + "/" + f).ok()) << f;
  }
  o.dir = dir + "/nowhere";
  Result<SensitivityReport> bad = RunSensitivity(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCode(bad.status()), 2);
  EXPECT_THAT(bad.status().message(), HasSubstr("neither a reproduction folder"));
}

}  // namespace
}  // namespace fedcarbon::experiment
