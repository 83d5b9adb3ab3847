// The Monte Carlo of `fedcarbon uncertainty`: probabilities and quantiles against closed forms,
// the log-uniform draw, Sobol rankings of functions with a known answer, determinism, and the
// Table 4 adapter on a tiny synthetic reproduction (in memory and as a folder).
#include "fedcarbon/experiment/uncertainty.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numbers>

#include "experiment/scratch.h"
#include "experiment/synthetic_ledgers.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

McParameter Uniform(const std::string& name, double lo, double hi) {
  return {name, "", lo, hi, Distribution::kUniform, 0.5 * (lo + hi)};
}

// The product of two U(0, 1): CDF F(y) = y - y ln y, density f(y) = -ln y on (0, 1).
double ProductCdf(double y) { return y - y * std::log(y); }
double ProductQuantile(double q) {
  double lo = 1e-12, hi = 1.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ProductCdf(mid) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

TEST(UncertaintyTest, ProductOfTwoUniformsMatchesItsClosedForm) {
  McOptions o;
  o.draws = 20000;
  o.seed = 7;
  const McEvaluator eval = [](const McDraw& d) -> Result<McOutputs> {
    const double y = d.x[0] * d.x[1];
    return McOutputs{{y}, {y > 0.25}, {y - 0.25}};
  };
  Result<McResult> r =
      RunMonteCarlo({Uniform("x1", 0, 1), Uniform("x2", 0, 1)}, {{"y"}, {"y>0.25"}}, eval, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const double p = 1.0 - ProductCdf(0.25);  // 0.40343...
  EXPECT_NEAR(p, 0.40343, 1e-5);
  const FlagSummary& f = r->flags[0];
  EXPECT_NEAR(f.std_error, std::sqrt(p * (1 - p) / 20000), 1e-4);
  EXPECT_LT(std::abs(f.probability - p), 4 * f.std_error) << f.probability << " vs " << p;
  // A quantile's MC standard error is sqrt(q (1 - q) / N) / f(y_q); within 4 of them.
  const RealSummary& y = r->reals[0];
  for (const auto& [q, got] : {std::pair{0.05, y.p05}, {0.5, y.median}, {0.95, y.p95}}) {
    const double want = ProductQuantile(q);
    const double se = std::sqrt(q * (1 - q) / 20000) / -std::log(want);
    EXPECT_NEAR(got, want, 4 * se) << "quantile " << q;
  }
  EXPECT_NEAR(ProductQuantile(0.5), 0.18668, 1e-4);
}

TEST(UncertaintyTest, ALogUniformDrawHasItsMedianAtTheGeometricMean) {
  McOptions o;
  o.draws = 20000;
  McParameter p{"x", "W", 1.0, 100.0, Distribution::kLogUniform, 10.0};
  Result<std::vector<McDraw>> s = DrawSample({p}, o);
  ASSERT_TRUE(s.ok());
  std::vector<double> x;
  for (const McDraw& d : *s) x.push_back(d.x[0]);
  std::sort(x.begin(), x.end());
  EXPECT_GE(x.front(), 1.0);
  EXPECT_LE(x.back(), 100.0);
  // Median of u is 1/2 +- 0.5 / sqrt(N); x = lo (hi / lo)^u moves by x ln(hi / lo) per unit of u.
  const double se = 0.5 / std::sqrt(20000.0) * 10.0 * std::log(100.0);  // 0.163
  EXPECT_NEAR(Quantile(x, 0.5), std::sqrt(1.0 * 100.0), 4 * se);
  p.lo = 0.0;
  EXPECT_FALSE(DrawSample({p}, o).ok());  // log-uniform needs lo > 0
}

TEST(UncertaintyTest, SobolIndicesRankIshigamiAndALinearFunction) {
  McOptions o;
  o.draws = 20000;
  o.seed = 3;
  const double pi = std::numbers::pi;
  const McEvaluator ishigami = [](const McDraw& d) -> Result<McOutputs> {
    const double y = std::sin(d.x[0]) + 7 * std::pow(std::sin(d.x[1]), 2) +
                     0.1 * std::pow(d.x[2], 4) * std::sin(d.x[0]);
    const double lin = 4 * d.x[3] + 2 * d.x[4] + d.x[5];
    return McOutputs{{y, lin}, {}, {}};
  };
  const std::vector<McParameter> params = {Uniform("x1", -pi, pi), Uniform("x2", -pi, pi),
                                           Uniform("x3", -pi, pi), Uniform("a", 0, 1),
                                           Uniform("b", 0, 1),     Uniform("c", 0, 1)};
  Result<McResult> r = RunMonteCarlo(params, {{"ishigami", "linear"}, {}}, ishigami, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, double> s;
  const std::vector<Driver>& ish = r->reals[0].drivers;
  for (const Driver& d : ish) s[d.input] = d.first_order;
  ASSERT_GE(ish.size(), 3u);
  EXPECT_EQ(ish[0].input, "x2");
  EXPECT_EQ(ish[1].input, "x1");
  EXPECT_NEAR(s["x1"], 0.3139, 0.03);
  EXPECT_NEAR(s["x2"], 0.4424, 0.03);
  EXPECT_LT(s["x3"], 0.02);
  for (const char* other : {"a", "b", "c"}) EXPECT_LT(s[other], 0.02) << other;
  // Linear: S_i = c_i^2 / sum c^2 = 16/21, 4/21, 1/21.
  s.clear();
  const std::vector<Driver>& lin = r->reals[1].drivers;
  for (const Driver& d : lin) s[d.input] = d.first_order;
  EXPECT_EQ(lin[0].input, "a");
  EXPECT_EQ(lin[1].input, "b");
  EXPECT_EQ(lin[2].input, "c");
  EXPECT_NEAR(s["a"], 16.0 / 21, 0.03);
  EXPECT_NEAR(s["b"], 4.0 / 21, 0.03);
  EXPECT_NEAR(s["c"], 1.0 / 21, 0.02);
}

TEST(UncertaintyTest, TheDiscreteFactorIsDrawnEquallyAndRanked) {
  McOptions o;
  o.draws = 3000;
  o.levels = 3;
  const McEvaluator eval = [](const McDraw& d) -> Result<McOutputs> {
    const double y = static_cast<double>(d.level) + 0.1 * d.x[0];
    return McOutputs{{y}, {d.level == 0}, {d.level == 0 ? 1.0 : -1.0}};
  };
  Result<McResult> r = RunMonteCarlo({Uniform("x", 0, 1)}, {{"y"}, {"level 0"}}, eval, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reals[0].drivers[0].input, "seed");
  EXPECT_GT(r->reals[0].drivers[0].first_order, 0.95);
  const FlagSummary& f = r->flags[0];
  EXPECT_LT(std::abs(f.probability - 1.0 / 3), 4 * f.std_error);
}

TEST(UncertaintyTest, TheSameSeedGivesTheSameResultsOnAnyThreadCount) {
  const std::vector<McParameter> params = {Uniform("x1", 0, 1),
                                           {"x2", "", 0.1, 10, Distribution::kLogUniform, 1}};
  const McEvaluator eval = [](const McDraw& d) -> Result<McOutputs> {
    return McOutputs{{d.x[0] * d.x[1], d.x[1]}, {d.x[1] > 1}, {std::log(d.x[1])}};
  };
  const McOutputNames names{{"y", "x2"}, {"x2>1"}};
  McOptions o;
  o.draws = 500;
  o.seed = 11;
  o.levels = 2;
  Result<std::vector<McDraw>> a = DrawSample(params, o), b = DrawSample(params, o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t d = 0; d < a->size(); ++d) {
    EXPECT_EQ((*a)[d].x, (*b)[d].x);
    EXPECT_EQ((*a)[d].level, (*b)[d].level);
  }
  Result<McResult> one = RunMonteCarlo(params, names, eval, o);
  o.threads = 2;
  Result<McResult> two = RunMonteCarlo(params, names, eval, o);
  ASSERT_TRUE(one.ok() && two.ok());
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(one->reals[k].median, two->reals[k].median);
    EXPECT_EQ(one->reals[k].p05, two->reals[k].p05);
    EXPECT_EQ(one->reals[k].p95, two->reals[k].p95);
    for (size_t i = 0; i < one->reals[k].drivers.size(); ++i) {
      EXPECT_EQ(one->reals[k].drivers[i].input, two->reals[k].drivers[i].input);
      EXPECT_EQ(one->reals[k].drivers[i].first_order, two->reals[k].drivers[i].first_order);
    }
  }
  EXPECT_EQ(one->flags[0].probability, two->flags[0].probability);
  o.seed = 12;
  Result<std::vector<McDraw>> c = DrawSample(params, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE((*a)[0].x, (*c)[0].x);
  Result<McResult> other = RunMonteCarlo(params, names, eval, o);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->reals[0].median, one->reals[0].median);
}

TEST(UncertaintyTest, TheFirstFailingDrawFailsTheRunAndNamesIt) {
  McOptions o;
  o.draws = 50;
  o.threads = 2;
  const McEvaluator eval = [](const McDraw& d) -> Result<McOutputs> {
    if (d.x[0] > 0.5) return Status::InvalidArgument("too big");
    return McOutputs{{d.x[0]}, {}, {}};
  };
  Result<McResult> r = RunMonteCarlo({Uniform("x", 0, 1)}, {{"x"}, {}}, eval, o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("too big"));
  EXPECT_THAT(r.status().message(), HasSubstr("draw "));
}

// Issue 20, point 4: sensitivity analyses only what re-pricing can move; the rest is one line.
TEST(UncertaintyTest, SensitivityListsTheValuesItCannotMoveOnceByName) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  // The outcome: the V100's idle power as the metric, the FRA upload among its values.
  const Evaluate evaluate = [](const energy::Catalog& c,
                               const std::map<double, double>&) -> Result<Outcome> {
    Outcome o;
    o.metric = c.Device("v100")->idle_w;
    o.values = {o.metric, c.FindCountry("FRA")->upload_mbps};
    return o;
  };
  Result<SensitivityReport> r = Analyse(*cat, nullptr, "v100 idle W", evaluate);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> analysed;
  for (const ParameterEffect& e : r->effects) analysed.push_back(e.parameter.name);
  // The upload moves a value, not the metric: analysed all the same.
  EXPECT_THAT(analysed,
              ::testing::UnorderedElementsAre("devices[v100].idle_w", "countries[FRA].upload"));
  EXPECT_EQ(analysed.size() + r->unaffected.size(), cat->ranged().size());
  EXPECT_THAT(r->unaffected, ::testing::Contains("countries[USA].carbon_intensity"));  // lo == hi
  const std::string md = FormatSensitivityMarkdown(*r);
  EXPECT_THAT(md, HasSubstr("Not analysed (no range, or no effect on any outcome here): "));
  EXPECT_THAT(md, ::testing::Not(HasSubstr("further ranged values")));
}

// --- The Table 4 adapter on a tiny synthetic reproduction ---

using testing::Priced;

std::vector<energy::LedgerRow> FlLedger(const energy::Catalog& cat, int rounds) {
  return testing::FlLedger(cat, rounds, "USA");
}

std::vector<energy::LedgerRow> CentralLedger(const energy::Catalog& cat, uint64_t epochs) {
  energy::LedgerRow r;
  r.run_id = "central";
  r.role = "centralized";
  r.activity.flops = epochs * 60000ULL * 73'600'000ULL;
  r.activity.samples = static_cast<int64_t>(epochs) * 60000;
  return {Priced(cat, r, {"v100", "USA", "qiu", 1.67})};
}

RecordedReproduction TwoSeeds(const energy::Catalog& cat) {
  RecordedReproduction rec;
  rec.spec.countries = {"USA", "FRA"};
  rec.spec.centralized = {{"v100", 1.67}, {"k80", 1.11}};
  rec.seeds.push_back({"", CentralLedger(cat, 2), FlLedger(cat, 10), FlLedger(cat, 25)});
  rec.seeds.push_back({"seed2", CentralLedger(cat, 3), FlLedger(cat, 12), FlLedger(cat, 30)});
  return rec;
}

TEST(UncertaintyTest, TheTable4AdapterGivesIntervalsAroundTheMedianAndProbabilities) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  McOptions o;
  o.draws = 200;
  o.threads = 2;
  Result<Table4Uncertainty> u = AnalyseTable4Uncertainty(
      TwoSeeds(*cat), *cat, {energy::PowerMethod::kFitted, energy::PowerMethod::kNameplate}, o);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->seeds, 2u);
  EXPECT_FALSE(u->parameters.empty());
  for (const McParameter& p : u->parameters) EXPECT_LT(p.lo, p.hi) << p.name;
  ASSERT_EQ(u->methods.size(), 2u);
  for (const Table4Uncertainty::Method& m : u->methods) {
    EXPECT_EQ(m.evaluator, "direct");           // its cells equal BuildTable4's
    ASSERT_EQ(m.result.reals.size(), 2u * 4u);  // 2 countries x (2 centralized + 2 FL)
    EXPECT_EQ(m.result.reals[0].name, "v100_pue1.67@USA");
    for (const RealSummary& s : m.result.reals) {
      EXPECT_LE(s.p05, s.median) << s.name;
      EXPECT_LE(s.median, s.p95) << s.name;
      EXPECT_LT(s.p05, s.p95) << s.name;  // the catalog's ranges move every cell
    }
    ASSERT_EQ(m.result.flags.size(), m.conclusions.size());
    std::map<std::string, double> p;
    for (const FlagSummary& f : m.result.flags) {
      EXPECT_GE(f.probability, 0.0);
      EXPECT_LE(f.probability, 1.0);
      p[f.name] = f.probability;
    }
    // 2.5x the rounds on the same devices: non-IID is above IID at every draw, and at the base.
    EXPECT_EQ(p.at("fl_noniid>fl_iid@USA"), 1.0);
    EXPECT_EQ(p.at("fl_noniid>fl_iid@FRA"), 1.0);
    for (const Conclusion& c : m.conclusions) {
      if (c.id.rfind("fl_noniid>", 0) == 0) {
        EXPECT_TRUE(c.holds) << c.id;
      }
    }
  }
  const std::string md = FormatUncertaintyMarkdown(*u, 3);
  EXPECT_THAT(md, HasSubstr("## Method fitted"));
  EXPECT_THAT(md, HasSubstr("## Method nameplate"));
  EXPECT_THAT(md, HasSubstr("| FL non-IID above FL IID in USA | holds | 1.000 +- 0.000 |"));
  EXPECT_THAT(md, HasSubstr("| seed | - | the 2 recorded seeds |"));
  EXPECT_THAT(FormatUncertaintyCsv(*u, 3), HasSubstr("fitted,conclusion,fl_noniid>fl_iid@USA,1,"));
}

TEST(UncertaintyTest, AFolderIsAnalysedTheSameWayTwiceAndABadOneExitsTwo) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  const std::string dir = testing::ScratchDir("fedcarbon_uncertainty");
  RecordedReproduction rec = TwoSeeds(*cat);
  Result<ReproduceSpec> spec =
      LoadReproduceSpec(std::string(FEDCARBON_SOURCE_DIR) + "/experiments/table4.json", *cat);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  spec->countries = rec.spec.countries;
  spec->centralized = rec.spec.centralized;
  ASSERT_TRUE(WriteFileAtomic(dir + "/" + kReproduceSpecFile, ToJson(*spec).dump(2)).ok());
  const char* runs[3] = {"centralized", "fl_iid", "fl_noniid"};
  for (size_t k = 0; k < rec.seeds.size(); ++k) {
    const std::vector<energy::LedgerRow>* rows[3] = {&rec.seeds[k].centralized,
                                                     &rec.seeds[k].fl_iid, &rec.seeds[k].fl_noniid};
    for (int i = 0; i < 3; ++i) {
      const std::string run = ReproduceRunDir(dir, runs[i], static_cast<int>(k), 2020 + k);
      std::filesystem::create_directories(run);
      ASSERT_TRUE(energy::WriteLedger(run + "/ledger.csv", *rows[i]).ok()) << run;
    }
  }
  UncertaintyOptions o;
  o.dir = dir;
  o.draws = 100;
  o.method = "fitted";
  o.plot.render = false;
  Result<Table4Uncertainty> a = RunUncertainty(o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->seeds, 2u);
  EXPECT_EQ(a->methods.size(), 1u);
  const Result<std::string> md = ReadFile(dir + "/uncertainty.md");
  const Result<std::string> csv = ReadFile(dir + "/uncertainty.csv");
  const Result<std::string> dat = ReadFile(dir + "/uncertainty-cells.dat");
  ASSERT_TRUE(md.ok() && csv.ok() && dat.ok());
  EXPECT_TRUE(ReadFile(dir + "/uncertainty-cells.gp").ok());
  o.threads = 1;
  ASSERT_TRUE(RunUncertainty(o).ok());
  EXPECT_EQ(*ReadFile(dir + "/uncertainty.md"), *md);
  EXPECT_EQ(*ReadFile(dir + "/uncertainty.csv"), *csv);
  EXPECT_EQ(*ReadFile(dir + "/uncertainty-cells.dat"), *dat);
  o.method = "peak";
  Result<Table4Uncertainty> bad = RunUncertainty(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCode(bad.status()), 2);
  o.method = "both";
  o.dir = dir + "/nowhere";
  bad = RunUncertainty(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCode(bad.status()), 2);
}

}  // namespace
}  // namespace fedcarbon::experiment
