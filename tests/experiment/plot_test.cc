#include "fedcarbon/experiment/plot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "experiment/scratch.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScratchDir;
using testing::Slurp;

const char kRoundsHeader[] =
    "round,selected,completed,dropped,accuracy,loss,bytes_down,bytes_up,wall_s,collect_s,eval_s,"
    "late,offline,sim_start,sim_end,shift_h\n";

energy::LedgerRow Row(int round, int client, double kg) {
  energy::LedgerRow r;
  r.timestamp = 1e9;
  r.run_id = "t";
  r.round = round;
  r.client_id = client;
  r.role = client >= 0 ? "client" : "coordinator";
  r.country_iso_code = "USA";
  r.device = client >= 0 ? "jetson_tx2" : "v100";
  r.network = "qiu";
  r.cost.emissions_kg = kg;
  r.cost.energy_kwh = kg * 2;
  return r;
}

// An FL run of 3 rounds (round 1 not evaluated); emissions scaled by `scale`:
// round 0: 1 g (coordinator), round 1: 2 + 3 g, round 2: 4 g, round 3: 5 + 0.5 g.
void WriteFlRun(const fs::path& dir, double scale = 1.0) {
  fs::create_directories(dir);
  ASSERT_TRUE(WriteFileAtomic((dir / "rounds.csv").string(),
                              std::string(kRoundsHeader) +
                                  "1,2,2,0,,,100,100,0.1,0.1,0,0,0,0,0,0\n"
                                  "2,2,2,0,0.5,1.2,100,100,0.1,0.1,0.01,0,0,0,0,0\n"
                                  "3,2,2,0,0.75,0.8,100,100,0.1,0.1,0.01,0,0,0,0,0\n")
                  .ok());
  const std::vector<energy::LedgerRow> rows = {
      Row(0, -1, 0.001 * scale), Row(1, 0, 0.002 * scale), Row(1, 1, 0.003 * scale),
      Row(2, 0, 0.004 * scale),  Row(3, 1, 0.005 * scale), Row(3, -1, 0.0005 * scale)};
  ASSERT_TRUE(energy::WriteLedger((dir / "ledger.csv").string(), rows).ok());
}

// The numeric rows of a .dat file, by block (blocks separated by two blank lines); only the
// leading numeric fields of each line.
std::vector<std::vector<std::vector<double>>> Blocks(const std::string& text) {
  std::vector<std::vector<std::vector<double>>> blocks(1);
  std::istringstream in(text);
  std::string line;
  int blank = 0;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (++blank == 2) blocks.emplace_back();
      continue;
    }
    blank = 0;
    if (line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<double> row;
    std::string f;
    while (fields >> f) {
      char* end = nullptr;
      const double v = std::strtod(f.c_str(), &end);
      if (*end != '\0') break;
      row.push_back(v);
    }
    blocks.back().push_back(row);
  }
  return blocks;
}

bool IsPng(const fs::path& p) { return Slurp(p).substr(0, 8) == "\x89PNG\r\n\x1a\n"; }

TEST(PlotTest, QuotingForScriptsAndData) {
  EXPECT_EQ(GnuplotQuote("it's a_b"), "'it''s a_b'");
  EXPECT_EQ(GnuplotQuote("two\nlines"), "'two lines'");
  EXPECT_EQ(DatString("say \"hi\" now"), "\"say 'hi' now\"");
  EXPECT_EQ(DatNumber(0.25), "0.25");
  EXPECT_EQ(DatNumber(std::nan("")), "NaN");
}

TEST(PlotTest, FlRunDataIsCumulativeLedgerGrams) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  WriteFlRun(dir);
  Result<PlotReport> r = PlotRun(dir.string(), PlotOptions{.render = false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->rendered);
  EXPECT_EQ(r->warning, "");
  EXPECT_EQ(r->files.size(), 4u);
  // Round 1 has no accuracy; round 2: 1 + 2 + 3 + 4 g; round 3: + 5 + 0.5 g.
  const auto co2 = Blocks(Slurp(dir / "accuracy_co2.dat"));
  ASSERT_EQ(co2.size(), 1u);
  ASSERT_EQ(co2[0].size(), 2u);
  EXPECT_NEAR(co2[0][0][0], 10.0, 1e-6);
  EXPECT_DOUBLE_EQ(co2[0][0][1], 0.5);
  EXPECT_DOUBLE_EQ(co2[0][0][2], 2);
  EXPECT_NEAR(co2[0][1][0], 15.5, 1e-6);
  EXPECT_DOUBLE_EQ(co2[0][1][1], 0.75);
  const auto round = Blocks(Slurp(dir / "accuracy_round.dat"));
  ASSERT_EQ(round[0].size(), 2u);
  EXPECT_EQ(round[0][1], (std::vector<double>{3, 0.75}));
  // The scripts read the data by relative name and say where the images go; no images.
  const std::string gp = Slurp(dir / "accuracy_co2.gp");
  EXPECT_THAT(gp, HasSubstr("plot 'accuracy_co2.dat'"));
  EXPECT_THAT(gp, HasSubstr("set output 'accuracy_co2.png'"));
  EXPECT_THAT(gp, HasSubstr("set output 'accuracy_co2.svg'"));
  EXPECT_THAT(gp, Not(HasSubstr(dir.string())));
  EXPECT_FALSE(fs::exists(dir / "accuracy_co2.png"));
  EXPECT_FALSE(fs::exists(dir / "accuracy_round.svg"));
}

TEST(PlotTest, RunWithoutEvaluationIsAnErrorNamingTheFolder) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  ASSERT_TRUE(
      WriteFileAtomic((dir / "rounds.csv").string(),
                      std::string(kRoundsHeader) + "1,2,2,0,,,100,100,0.1,0.1,0,0,0,0,0,0\n")
          .ok());
  ASSERT_TRUE(energy::WriteLedger((dir / "ledger.csv").string(), {Row(1, 0, 0.001)}).ok());
  Result<PlotReport> r = PlotRun(dir.string(), PlotOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no evaluation yet"));
  EXPECT_THAT(PlotRun((dir / "nothing").string(), PlotOptions{}).status().message(),
              HasSubstr("neither rounds.csv"));
}

TEST(PlotTest, CentralizedRunSharesEmissionsByFlops) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  ASSERT_TRUE(WriteFileAtomic((dir / "curve.csv").string(),
                              "epoch,steps,samples,train_loss,test_accuracy,test_loss,train_flops,"
                              "train_s\n1,10,100,0.9,0.6000,0.8,250,1.0\n"
                              "2,20,200,0.5,0.7000,0.6,1000,2.0\n")
                  .ok());
  energy::LedgerRow c = Row(0, -1, 0.008);
  c.role = "centralized";
  c.activity.flops = 1000;
  ASSERT_TRUE(energy::WriteLedger((dir / "ledger.csv").string(), {c}).ok());
  Result<RunCurve> curve = ReadRunCurve(dir.string());
  ASSERT_TRUE(curve.ok()) << curve.status().ToString();
  EXPECT_TRUE(curve->centralized);
  EXPECT_EQ(curve->x_label, "epoch");
  EXPECT_EQ(curve->x, (std::vector<double>{1, 2}));
  ASSERT_EQ(curve->cum_g.size(), 2u);
  EXPECT_NEAR(curve->cum_g[0], 2.0, 1e-9);
  EXPECT_NEAR(curve->cum_g[1], 8.0, 1e-9);
  ASSERT_TRUE(PlotRun(dir.string(), PlotOptions{.render = false}).ok());
  EXPECT_THAT(Slurp(dir / "accuracy_round.gp"), HasSubstr("set xlabel 'epoch'"));
}

TEST(PlotTest, RunRendersPngAndSvg) {
  if (!GnuplotAvailable(PlotOptions{})) GTEST_SKIP() << "gnuplot not installed";
  const fs::path dir = ScratchDir("fedcarbon_plot");
  WriteFlRun(dir);
  Result<PlotReport> r = PlotRun(dir.string(), PlotOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->rendered);
  EXPECT_EQ(r->files.size(), 8u);
  for (const char* name : {"accuracy_round", "accuracy_co2"}) {
    EXPECT_TRUE(IsPng(dir / (std::string(name) + ".png"))) << name;
    EXPECT_THAT(Slurp(dir / (std::string(name) + ".svg")), HasSubstr("<svg")) << name;
  }
}

TEST(PlotTest, GnuplotFailureCarriesItsStderr) {
  if (!GnuplotAvailable(PlotOptions{})) GTEST_SKIP() << "gnuplot not installed";
  const fs::path dir = ScratchDir("fedcarbon_plot");
  ASSERT_TRUE(WriteFileAtomic((dir / "bad.gp").string(), "set nosuchoption 3\n").ok());
  Status st = RunGnuplot(PlotOptions{}, dir.string(), "bad.gp");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("bad.gp"));
  EXPECT_THAT(st.message(), HasSubstr("exited with status"));
  EXPECT_THAT(st.message(), HasSubstr("line 1"));  // gnuplot's own message
}

TEST(PlotTest, AHangingChildIsKilledAtTheTimeout) {
  // `sleep 30` stands in for a gnuplot that never ends; it is killed and reaped.
  const fs::path dir = ScratchDir("fedcarbon_plot");
  const auto t0 = std::chrono::steady_clock::now();
  Status st = RunGnuplot(PlotOptions{.gnuplot = "sleep", .timeout_s = 0.3}, dir.string(), "30");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("timed out"));
  EXPECT_LT(s, 5.0);
}

// A sweep of partition.alpha {0.1, 100} x energy.country {USA, FRA} x seeds {1, 2}; the point
// (100, FRA, seed 2) failed. CO2e of a point: alpha/1000 + (FRA ? 0.002 : 0.010) + seed/10000 kg.
SweepTable MakeSweep(const fs::path& dir) {
  SweepTable t;
  t.keys = {"partition.alpha", "energy.country"};
  int id = 0;
  for (const char* alpha : {"0.1", "100"}) {
    for (const char* country : {"USA", "FRA"}) {
      for (uint64_t seed : {1, 2}) {
        SweepRow r;
        r.id = "p" + std::to_string(id++);
        r.values = {alpha, country};
        r.seed = seed;
        r.dir = "points/" + r.id;
        if (std::string(alpha) == "100" && std::string(country) == "FRA" && seed == 2) {
          r.status = "failed";
          r.error = "boom";
        } else {
          r.status = "done";
          r.co2e_kg = std::stod(alpha) / 1000 + (std::string(country) == "FRA" ? 0.002 : 0.010) +
                      static_cast<double>(seed) / 10000;
          r.client_compute_kwh = 0.02;
          r.client_comm_kwh = 0.01;
          r.coordinator_kwh = 0.005;
          r.energy_kwh = 0.035;
          WriteFlRun(dir / r.dir, static_cast<double>(seed));
        }
        t.rows.push_back(r);
      }
    }
  }
  return t;
}

TEST(PlotTest, SweepMeansOverSeedsWithoutFailedPoints) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  const SweepTable t = MakeSweep(dir);
  Result<PlotReport> r = PlotSweep(dir.string(), t, PlotOptions{.render = false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->warning, "");
  EXPECT_EQ(r->files.size(), 8u);  // 4 plots x (.dat, .gp)
  const fs::path plots = dir / "plots";
  // CO2e against alpha, in grams: one block per country (USA first), x sorted numerically.
  const auto alpha = Blocks(Slurp(plots / "co2_vs_partition_alpha.dat"));
  ASSERT_EQ(alpha.size(), 2u);
  ASSERT_EQ(alpha[0].size(), 2u);
  const double sd2 = std::sqrt(2 * 0.05 * 0.05);  // seeds 1, 2: grams 0.1 apart
  EXPECT_DOUBLE_EQ(alpha[0][0][0], 0.1);
  EXPECT_NEAR(alpha[0][0][1], 0.1 + 10 + 0.15, 1e-6);  // USA, alpha 0.1
  EXPECT_NEAR(alpha[0][0][2], sd2, 1e-6);
  EXPECT_EQ(alpha[0][0][3], 2);
  EXPECT_NEAR(alpha[1][1][1], 100 + 2 + 0.1, 1e-6);  // FRA, alpha 100: seed 1 only
  EXPECT_EQ(alpha[1][1][2], 0);
  EXPECT_EQ(alpha[1][1][3], 1);
  const std::string alpha_gp = Slurp(plots / "co2_vs_partition_alpha.gp");
  EXPECT_THAT(alpha_gp, HasSubstr("set logscale x"));  // 0.1 .. 100
  EXPECT_THAT(alpha_gp, HasSubstr("'co2_vs_partition_alpha.dat' index 1"));
  EXPECT_THAT(alpha_gp, HasSubstr("title 'energy.country=FRA'"));
  EXPECT_THAT(alpha_gp, HasSubstr("set ylabel 'g CO2e'"));
  // The country is categorical: positions 0, 1 with their names as tics.
  const auto country = Blocks(Slurp(plots / "co2_vs_energy_country.dat"));
  ASSERT_EQ(country.size(), 2u);
  EXPECT_EQ(country[0][1][0], 1);
  EXPECT_NEAR(country[0][1][1], 0.1 + 2 + 0.15, 1e-6);  // alpha 0.1, FRA
  const std::string country_gp = Slurp(plots / "co2_vs_energy_country.gp");
  EXPECT_THAT(country_gp, HasSubstr("set xtics ('USA' 0, 'FRA' 1)"));
  EXPECT_THAT(country_gp, Not(HasSubstr("logscale")));
  // Accuracy against CO2e: one block per done point; the failed point is absent.
  const std::string acc = Slurp(plots / "accuracy_vs_co2.dat");
  EXPECT_EQ(Blocks(acc).size(), 7u);
  EXPECT_THAT(acc, Not(HasSubstr("point p7 ")));
  EXPECT_NEAR(Blocks(acc)[1][1][0], 2 * 15.5, 1e-6);  // p1: seed 2, emissions x2
  EXPECT_THAT(Slurp(plots / "accuracy_vs_co2.gp"),
              HasSubstr("title 'partition.alpha=0.1, energy.country=USA, seed=2'"));
  // Energy breakdown in Wh, 7 bars.
  const std::string energy = Slurp(plots / "energy_breakdown.dat");
  EXPECT_THAT(energy, HasSubstr("\"0.1, USA, s1\" 20 10 5 0 \"p0\""));
  EXPECT_THAT(energy, Not(HasSubstr("\"p7\"")));
  EXPECT_FALSE(fs::exists(plots / "energy_breakdown.png"));
}

TEST(PlotTest, SweepWithoutDonePointsWritesNothing) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  SweepTable t = MakeSweep(dir);
  for (SweepRow& r : t.rows) r.status = "failed";
  Result<PlotReport> r = PlotSweep(dir.string(), t, PlotOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->files.empty());
  EXPECT_THAT(r->warning, HasSubstr("no point is done"));
  EXPECT_FALSE(fs::exists(dir / "plots"));
}

TEST(PlotTest, MissingGnuplotStillWritesDataAndScriptsAndSaysSoOnce) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  const SweepTable t = MakeSweep(dir);
  const PlotOptions missing{.gnuplot = "/nonexistent/gnuplot"};
  EXPECT_FALSE(GnuplotAvailable(missing));
  Result<PlotReport> r = PlotSweep(dir.string(), t, missing);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->rendered);
  EXPECT_EQ(r->files.size(), 8u);
  const std::string w = r->warning;
  ASSERT_THAT(w, HasSubstr("gnuplot not found ('/nonexistent/gnuplot')"));
  EXPECT_EQ(w.find("gnuplot not found"), w.rfind("gnuplot not found"));
  EXPECT_TRUE(fs::exists(dir / "plots" / "energy_breakdown.gp"));
  EXPECT_FALSE(fs::exists(dir / "plots" / "energy_breakdown.png"));
  Result<PlotReport> run = PlotRun((dir / "points" / "p0").string(), missing);
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(run->warning, HasSubstr("gnuplot not found"));
  EXPECT_TRUE(fs::exists(dir / "points" / "p0" / "accuracy_co2.dat"));
}

TEST(PlotTest, SweepRendersEveryPlot) {
  if (!GnuplotAvailable(PlotOptions{})) GTEST_SKIP() << "gnuplot not installed";
  const fs::path dir = ScratchDir("fedcarbon_plot");
  Result<PlotReport> r = PlotSweep(dir.string(), MakeSweep(dir), PlotOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->rendered);
  EXPECT_EQ(r->files.size(), 16u);
  for (const char* name :
       {"co2_vs_partition_alpha", "co2_vs_energy_country", "accuracy_vs_co2", "energy_breakdown"}) {
    EXPECT_TRUE(IsPng(dir / "plots" / (std::string(name) + ".png"))) << name;
    EXPECT_THAT(Slurp(dir / "plots" / (std::string(name) + ".svg")), HasSubstr("<svg")) << name;
  }
}

Table4 SmallTable4() {
  Table4 t;
  t.columns = {"v100_pue1.67", "k80_pue1.67", "v100_pue1.11", "k80_pue1.11", "fl_iid", "fl_noniid"};
  t.rows = {{"USA", "United States", {1.5, 5, 1, 3.3, 0.4, 0.9}},
            {"CHN", "China", {3, 9, 2, 6, 1, 2}},
            {"FRA", "France", {0.2, 0.7, 0.15, 0.5, 0.05, 0.1}}};
  t.target_accuracy = 0.8;
  return t;
}

TEST(PlotTest, Table4ChartGoesThroughGnuplot) {
  const fs::path dir = ScratchDir("fedcarbon_plot");
  std::string warning;
  ASSERT_TRUE(WriteTable4(SmallTable4(), dir.string(), PlotOptions{}, &warning).ok());
  // One row per country: group, name, then (ours, paper) per column.
  const std::string dat = Slurp(dir / "table4.dat");
  EXPECT_THAT(dat, HasSubstr("1 \"CHN\" 3 2.9 9 9.2 2 1.9 6 6.2 1 0.9 2 1.7\n"));
  const std::string gp = Slurp(dir / "table4.gp");
  EXPECT_THAT(gp, HasSubstr("'table4.dat' using ($1-0.3333):3 with boxes"));  // 6 bars of 0.1333
  EXPECT_THAT(gp, HasSubstr("set xtics ('USA' 0, 'CHN' 1, 'FRA' 2)"));
  EXPECT_THAT(gp, HasSubstr("title 'FL non-IID'"));
  EXPECT_THAT(gp, HasSubstr("title 'paper (Qiu et al., Table 4)'"));
  if (GnuplotAvailable(PlotOptions{})) {
    EXPECT_EQ(warning, "");
    EXPECT_TRUE(IsPng(dir / "table4.png"));
    EXPECT_THAT(Slurp(dir / "table4.svg"), HasSubstr("<svg"));
  }
  const fs::path bare = ScratchDir("fedcarbon_plot_bare");
  ASSERT_TRUE(WriteTable4(SmallTable4(), bare.string(),
                          PlotOptions{.gnuplot = "/nonexistent/gnuplot"}, &warning)
                  .ok());
  EXPECT_THAT(warning, HasSubstr("gnuplot not found"));
  EXPECT_TRUE(fs::exists(bare / "table4.gp"));
  EXPECT_FALSE(fs::exists(bare / "table4.png"));
}

}  // namespace
}  // namespace fedcarbon::experiment
