#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/scratch.h"
#include "experiment/synthetic_ledgers.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/experiment/reproduce.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::Priced;

std::vector<energy::LedgerRow> FlLedger(const energy::Catalog& cat, int rounds) {
  return testing::FlLedger(cat, rounds, "DEU");
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
  // Embodied grams, one per column, beside the table: the profile's rate for the modelled hours,
  // whatever the PUE (the two V100 columns agree) or the country.
  ASSERT_EQ(t->embodied_g.size(), t->columns.size());
  Result<energy::Cost> v100 = energy::Price(catalog_, a, {"v100", "USA", "qiu", 1.67});
  ASSERT_TRUE(v100.ok());
  EXPECT_NEAR(t->embodied_g[0],
              v100->compute_s / 3600.0 * catalog_.Device("v100")->embodied_g_per_h, 1e-12);
  EXPECT_EQ(t->embodied_g[0], t->embodied_g[2]);
  EXPECT_GT(t->embodied_g[4], 0.0);
  EXPECT_NEAR(t->embodied_g[5] / t->embodied_g[4], 2.5, 1e-9);
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
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr("PASS: FL non-IID above FL IID")));
  // FL against V100 at PUE 1.67 in every country, for both FL runs.
  for (const char* fl : {"FL IID", "FL non-IID"}) {
    for (const char* country : {"USA", "CHN", "FRA"}) {
      EXPECT_THAT(checks, ::testing::Contains(::testing::ContainsRegex(
                              std::string("^(PASS|FAIL): ") + fl +
                              " below centralized V100 \\(PUE 1.67\\) in " + country + ": ")));
    }
  }
}

// The identities of the formula are unit tests now (tests/energy/pricing_identities_test.cc),
// not checks of a reproduction.
bool IsIdentityCheck(const std::string& line) {
  return line.find("country order") != std::string::npos ||
         line.find("K80 above") != std::string::npos ||
         line.find("PUE 1.67 / PUE 1.11") != std::string::npos;
}

// The README's reproduction (ours, grams): every check of the measured outcomes holds.
Table4 ReadmeTable() {
  Table4 t;
  t.columns = {"v100_pue1.67", "k80_pue1.67", "v100_pue1.11", "k80_pue1.11", "fl_iid", "fl_noniid"};
  t.rows = {{"USA", "United States", {2.64, 5.53, 1.76, 3.68, 0.861, 1.79}},
            {"CHN", "China", {4.16, 8.72, 2.77, 5.80, 1.23, 2.56}},
            {"FRA", "France", {0.401, 0.839, 0.266, 0.558, 0.107, 0.222}}};
  return t;
}

TEST_F(Table4Test, TheChecksAreThoseOfTheMeasuredOutcomes) {
  const std::vector<std::string> checks = CheckTable4Structure(ReadmeTable());
  EXPECT_THAT(checks,
              ::testing::ElementsAre(
                  "PASS: FL IID below centralized V100 (PUE 1.67) in USA: 0.861 g vs 2.64 g",
                  "PASS: FL IID below centralized V100 (PUE 1.67) in CHN: 1.23 g vs 4.16 g",
                  "PASS: FL IID below centralized V100 (PUE 1.67) in FRA: 0.107 g vs 0.401 g",
                  "PASS: FL non-IID below centralized V100 (PUE 1.67) in USA: 1.79 g vs 2.64 g",
                  "PASS: FL non-IID below centralized V100 (PUE 1.67) in CHN: 2.56 g vs 4.16 g",
                  "PASS: FL non-IID below centralized V100 (PUE 1.67) in FRA: 0.222 g vs 0.401 g",
                  "INFO: FL IID against centralized k80_pue1.67: FL/centralized 0.156 USA, "
                  "0.141 CHN, 0.128 FRA (below in every country)",
                  "INFO: FL non-IID against centralized k80_pue1.67: FL/centralized 0.324 USA, "
                  "0.294 CHN, 0.265 FRA (below in every country)",
                  "INFO: FL IID against centralized v100_pue1.11: FL/centralized 0.489 USA, "
                  "0.444 CHN, 0.402 FRA (below in every country)",
                  "INFO: FL non-IID against centralized v100_pue1.11: FL/centralized 1.02 USA, "
                  "0.924 CHN, 0.835 FRA (not below in USA)",
                  "INFO: FL IID against centralized k80_pue1.11: FL/centralized 0.234 USA, "
                  "0.212 CHN, 0.192 FRA (below in every country)",
                  "INFO: FL non-IID against centralized k80_pue1.11: FL/centralized 0.486 USA, "
                  "0.441 CHN, 0.398 FRA (below in every country)",
                  "PASS: FL non-IID above FL IID in every country (non-IID/IID 2.07 .. 2.08)",
                  "PASS: same order of magnitude as the paper: ours/paper within 0.94 .. "
                  "2.22 (required 0.1 .. 10)"));
  // QUICK: the distance to the paper is skipped, the rest still judged.
  Table4 quick = ReadmeTable();
  quick.quick = true;
  const std::vector<std::string> q = CheckTable4Structure(quick);
  EXPECT_THAT(q.back(), HasSubstr("SKIP: order of magnitude"));
  EXPECT_EQ(q.size(), checks.size());
}

TEST_F(Table4Test, ChecksCanFail) {
  Table4 t;
  t.columns = {"v100_pue1.67", "k80_pue1.67", "v100_pue1.11", "k80_pue1.11", "fl_iid", "fl_noniid"};
  t.rows = {{"USA", "United States", {1, 0.5, 0.7, 0.4, 2, 1}},
            {"CHN", "China", {0.9, 2, 0.6, 1.3, 3, 4}},
            {"FRA", "France", {0.1, 0.2, 0.1, 0.1, 0.1, 0.2}}};
  const std::vector<std::string> checks = CheckTable4Structure(t);
  EXPECT_THAT(checks,
              ::testing::Contains(
                  "FAIL: FL non-IID above FL IID in every country (non-IID/IID 0.50 .. 2.00)"));
  EXPECT_THAT(checks, ::testing::Contains(
                          "FAIL: FL IID below centralized V100 (PUE 1.67) in USA: 2 g vs 1 g"));
  EXPECT_THAT(checks,
              ::testing::Contains(
                  "FAIL: FL non-IID below centralized V100 (PUE 1.67) in CHN: 4 g vs 0.9 g"));
  EXPECT_THAT(checks, ::testing::Contains(
                          "FAIL: FL IID below centralized V100 (PUE 1.67) in FRA: 0.1 g vs 0.1 g"));
  EXPECT_THAT(checks, ::testing::Contains(
                          "INFO: FL IID against centralized k80_pue1.67: FL/centralized 4 USA, "
                          "1.5 CHN, 0.5 FRA (not below in USA, CHN)"));
  EXPECT_THAT(checks, ::testing::Contains(HasSubstr(
                          "FAIL: same order of magnitude as the paper: ours/paper within 0.10 .. "
                          "4.00")));
  // Swapping K80 and V100, or breaking the country order and the PUE ratio, is not judged here.
  for (const std::string& line : checks) EXPECT_FALSE(IsIdentityCheck(line)) << line;
  for (const std::string& line : CheckTable4Structure(ReadmeTable())) {
    EXPECT_FALSE(IsIdentityCheck(line)) << line;
  }
}

TEST_F(Table4Test, OutputsAreWrittenWithTheIssuesColumns) {
  Result<Table4> t = BuildTable4(spec_, catalog_, CentralLedger(catalog_, 8'000'000'000'000ULL),
                                 FlLedger(catalog_, 3), FlLedger(catalog_, 4));
  ASSERT_TRUE(t.ok());
  t->quick = true;
  t->target_accuracy = 0.8;
  Table4::RunInfo run;
  run.name = "fl_iid";
  run.reached_target = true;
  run.final_accuracy = 0.8623;
  run.rounds_or_epochs = 3;
  run.ratios = records::Ratios(0.0955, 0.8623, 0.00092844242979657, 0.0003430316245369389);
  t->runs = {run};
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_table4");
  ASSERT_TRUE(WriteTable4(*t, dir.string()).ok());
  const std::string csv = testing::Slurp(dir / "table4.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "country,v100_pue1.67,k80_pue1.67,v100_pue1.11,k80_pue1.11,fl_iid,fl_noniid");
  EXPECT_THAT(csv, HasSubstr("\nCHN,"));
  const std::string md = testing::Slurp(dir / "table4.md");
  EXPECT_THAT(md, HasSubstr("QUICK"));
  EXPECT_THAT(md, HasSubstr("(2.9)"));  // the paper's China V100 1.67 beside ours
  // The run facts with the run's summary ratios (the golden table4-iid-3 run's numbers).
  EXPECT_THAT(md, HasSubstr("| wall s | accuracy gain per kWh | accuracy per g CO2e |"));
  EXPECT_THAT(md, HasSubstr("| fl_iid | yes | 0.8623 | 3 | 0 | 0 | 825.9 | 2.514 |"));
  EXPECT_THAT(md, HasSubstr("## Checks"));
  EXPECT_THAT(FormatTable4Text(*t),
              HasSubstr("accuracy gained per kWh 825.9, accuracy per g CO2e 2.514"));
  EXPECT_THAT(testing::Slurp(dir / "table4.svg"), HasSubstr("<svg"));
  EXPECT_EQ(testing::Slurp(dir / "table4.png").substr(1, 3), "PNG");
  EXPECT_THAT(testing::Slurp(dir / "fl_breakdown.csv"), HasSubstr("fl_noniid,FRA,"));
  EXPECT_THAT(FormatTable4Text(*t), HasSubstr("QUICK"));
  std::filesystem::remove_all(dir);
}

// Three seeds' tables: each cell the median, the range their min and max, the checks on the
// medians, every seed's runs kept.
TEST_F(Table4Test, SeveralSeedsGiveMediansRangesAndChecksOnTheMedians) {
  std::vector<Table4> per_seed;
  const uint64_t central[] = {8'000'000'000'000ULL, 4'000'000'000'000ULL, 6'000'000'000'000ULL};
  const int iid_rounds[] = {3, 5, 4}, noniid_rounds[] = {6, 7, 9};
  for (int k = 0; k < 3; ++k) {
    Result<Table4> t =
        BuildTable4(spec_, catalog_, CentralLedger(catalog_, central[k]),
                    FlLedger(catalog_, iid_rounds[k]), FlLedger(catalog_, noniid_rounds[k]));
    ASSERT_TRUE(t.ok());
    t->seeds = {2020ULL + k};
    for (const char* name : {"centralized", "fl_iid", "fl_noniid"}) {
      Table4::RunInfo r;
      r.name = name;
      r.seed = 2020 + k;
      r.reached_target = !(k == 2 && std::string(name) == "fl_noniid");
      r.rounds_or_epochs = std::string(name) == "fl_iid"      ? iid_rounds[k]
                           : std::string(name) == "fl_noniid" ? noniid_rounds[k]
                                                              : k + 2;
      t->runs.push_back(r);
    }
    per_seed.push_back(*t);
  }
  Result<Table4> t = CombineSeeds(per_seed);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(t->seeds, ElementsAre(2020, 2021, 2022));
  EXPECT_EQ(t->runs.size(), 9u);
  ASSERT_EQ(t->ranges.size(), t->rows.size());
  const size_t iid = 4, v100 = 0;
  for (size_t r = 0; r < t->rows.size(); ++r) {
    // FL IID: the 4-round table is the median, 3 and 5 rounds the range.
    EXPECT_DOUBLE_EQ(t->rows[r].grams[iid], per_seed[2].rows[r].grams[iid]);
    EXPECT_DOUBLE_EQ(t->ranges[r].low[iid], per_seed[0].rows[r].grams[iid]);
    EXPECT_DOUBLE_EQ(t->ranges[r].high[iid], per_seed[1].rows[r].grams[iid]);
    EXPECT_DOUBLE_EQ(t->rows[r].grams[v100], per_seed[2].rows[r].grams[v100]);  // 6 TFLOP
    EXPECT_LT(t->ranges[r].low[v100], t->rows[r].grams[v100]);
    EXPECT_GT(t->ranges[r].high[v100], t->rows[r].grams[v100]);
  }
  // The checks judge the medians: they equal the checks of a table holding only the medians.
  Table4 medians = *t;
  medians.seeds.clear();
  medians.ranges.clear();
  EXPECT_EQ(CheckTable4Structure(*t), CheckTable4Structure(medians));

  const std::vector<RoundsSpread> spread = SpreadOfRounds(*t);
  ASSERT_EQ(spread.size(), 3u);
  EXPECT_EQ(spread[1].name, "fl_iid");
  EXPECT_DOUBLE_EQ(spread[1].median, 4);
  EXPECT_EQ(spread[1].low, 3);
  EXPECT_EQ(spread[1].high, 5);
  EXPECT_EQ(spread[2].reached, 2);
  EXPECT_EQ(spread[2].seeds, 3);

  const std::string csv = FormatTable4Csv(*t);
  EXPECT_THAT(csv.substr(0, csv.find('\n')), HasSubstr(",fl_iid_low,fl_iid_high,"));
  const std::string text = FormatTable4Text(*t);
  EXPECT_THAT(text, HasSubstr("median over 3 seed(s): 2020, 2021, 2022"));
  EXPECT_THAT(text, HasSubstr("fl_iid 4 [3-5] rounds (3/3 reached)"));
  EXPECT_THAT(text, HasSubstr("fl_noniid 7 [6-9] rounds (2/3 reached)"));
  EXPECT_THAT(text, HasSubstr("run fl_noniid (seed 2022): DID NOT REACH"));
  EXPECT_THAT(FormatTable4Markdown(*t), HasSubstr("the checks judge the medians"));

  // One seed: no ranges shown, the table's columns unchanged.
  Result<Table4> one = CombineSeeds({per_seed[0]});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(FormatTable4Csv(*one), FormatTable4Csv(per_seed[0]));
  EXPECT_THAT(FormatTable4Text(*one), Not(HasSubstr("median over")));

  per_seed[1].rows.pop_back();
  EXPECT_FALSE(CombineSeeds(per_seed).ok());
}

TEST_F(Table4Test, MissingRowsAreErrors) {
  Result<Table4> t = BuildTable4(spec_, catalog_, {}, FlLedger(catalog_, 1), FlLedger(catalog_, 1));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("centralized"));
  t = BuildTable4(spec_, catalog_, CentralLedger(catalog_, 1), {}, FlLedger(catalog_, 1));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("fl_iid ledger has no client rows"));
}

// Two power methods: one cells table and checks each in table4.md, the second's CSV and chart
// beside the first's, and the comparison counting the cells within 2x of the paper per method.
TEST_F(Table4Test, BothPowerMethodsAreWrittenSideBySide) {
  std::vector<Table4> methods;
  for (energy::PowerMethod m : {energy::PowerMethod::kFitted, energy::PowerMethod::kNameplate}) {
    Result<energy::Catalog> priced = catalog_.WithMethod(m);
    ASSERT_TRUE(priced.ok()) << priced.status().ToString();
    Result<Table4> t = BuildTable4(spec_, *priced, CentralLedger(*priced, 8'000'000'000'000ULL),
                                   FlLedger(*priced, 3), FlLedger(*priced, 6));
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    t->method = energy::PowerMethodName(m);
    methods.push_back(*t);
  }
  const std::string cmp = FormatMethodComparison(methods);
  // Each method's count of cells within 2x, recomputed here from the cells.
  for (const Table4& t : methods) {
    int within = 0, cells = 0;
    for (const Table4::Row& r : t.rows) {
      const std::vector<double> paper = PaperTable4Row(r.country);
      for (size_t c = 0; c < r.grams.size() && c < paper.size(); ++c, ++cells) {
        if (std::abs(std::log10(r.grams[c] / paper[c])) <= std::log10(2.0)) ++within;
      }
    }
    EXPECT_THAT(cmp, HasSubstr("- " + t.method + ": " + std::to_string(within) + " of " +
                               std::to_string(cells) + " cells within 2x"));
  }
  EXPECT_THAT(cmp, HasSubstr("closest to the **"));
  EXPECT_TRUE(FormatMethodComparison({methods[0]}).empty());
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_table4_methods");
  PlotOptions plot;
  plot.render = false;
  ASSERT_TRUE(WriteTable4(methods, dir.string(), plot).ok());
  const std::string md = testing::Slurp(dir / "table4.md");
  EXPECT_THAT(md, HasSubstr("## Power method: fitted"));
  EXPECT_THAT(md, HasSubstr("## Power method: nameplate"));
  EXPECT_THAT(md, HasSubstr("## The power methods side by side"));
  EXPECT_EQ(testing::Slurp(dir / "table4.csv"), FormatTable4Csv(methods[0]));
  EXPECT_EQ(testing::Slurp(dir / "table4-nameplate.csv"), FormatTable4Csv(methods[1]));
  EXPECT_TRUE(std::filesystem::exists(dir / "table4-nameplate.gp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::experiment
