#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/records/curve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "experiment/scratch.h"
#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::experiment {
namespace {

// Everything written to a tmpfile FILE*.
class Capture {
 public:
  Capture() : f_(std::tmpfile()) {}
  ~Capture() { std::fclose(f_); }
  std::FILE* file() { return f_; }
  std::string Text() {
    std::fflush(f_);
    std::string s;
    std::rewind(f_);
    for (int c; (c = std::fgetc(f_)) != EOF;) s += static_cast<char>(c);
    std::fseek(f_, 0, SEEK_END);
    return s;
  }

 private:
  std::FILE* f_;
};

ProgressState Sweeping() {
  ProgressState s;
  s.label = "alpha=0.1 seed=1";
  s.point = 3;
  s.points = 8;
  s.round = 4;
  s.rounds = 30;
  s.accuracy = 0.81234;
  s.gco2e = 1.2345;
  s.elapsed_s = 42;
  s.eta_s = 190;
  return s;
}

TEST(ProgressFormatTest, FullLine) {
  EXPECT_EQ(FormatProgress(Sweeping()),
            "point 3/8 alpha=0.1 seed=1 | round 4/30 | acc 0.8123 | 1.23 gCO2e | 00:42 elapsed | "
            "ETA 03:10");
}

TEST(ProgressFormatTest, UnknownPartsAreLeftOut) {
  ProgressState s;
  s.label = "mlp-iid";
  s.elapsed_s = 5.4;
  EXPECT_EQ(FormatProgress(s), "mlp-iid | 00:05 elapsed");
  s.round = 7;
  s.label = "";
  EXPECT_EQ(FormatProgress(s), "round 7 | 00:05 elapsed");
  s.rounds = 10;
  s.gco2e = 0.0042137;
  EXPECT_EQ(FormatProgress(s), "round 7/10 | 0.00421 gCO2e | 00:05 elapsed");
}

TEST(ProgressFormatTest, CentralizedCountsEpochsAndSteps) {
  ProgressState s;
  s.label = "centralized-cnn";
  s.unit = "epoch";
  s.round = 2;
  s.rounds = 30;
  s.elapsed_s = 192;
  EXPECT_EQ(FormatProgress(s), "centralized-cnn | epoch 2/30 | 03:12 elapsed");  // no step yet
  s.steps = 6000;
  s.accuracy = 0.85123;
  EXPECT_EQ(FormatProgress(s),
            "centralized-cnn | epoch 2/30 | step 6000 | acc 0.8512 | 03:12 elapsed");
  s.rounds = 0;
  EXPECT_EQ(FormatProgress(s),
            "centralized-cnn | epoch 2 | step 6000 | acc 0.8512 | 03:12 elapsed");
}

TEST(ProgressFormatTest, DurationsAndGrams) {
  EXPECT_EQ(FormatDuration(0), "00:00");
  EXPECT_EQ(FormatDuration(59.6), "01:00");
  EXPECT_EQ(FormatDuration(3599), "59:59");
  EXPECT_EQ(FormatDuration(3725), "1:02:05");
  EXPECT_EQ(FormatDuration(-1), "--:--");
  EXPECT_EQ(FormatDuration(std::nan("")), "--:--");
  EXPECT_EQ(FormatGrams(123.4), "123 gCO2e");
  EXPECT_EQ(FormatGrams(4567), "4.57 kgCO2e");
  EXPECT_EQ(FormatGrams(0), "0 gCO2e");
}

TEST(ProgressEtaTest, ScalesElapsedByTheRemainingWork) {
  EXPECT_DOUBLE_EQ(EstimateEta(40, 4, 30), 260);    // 10 s per unit, 26 left
  EXPECT_DOUBLE_EQ(EstimateEta(42, 2.5, 8), 92.4);  // point 3 of 8, half through
  EXPECT_DOUBLE_EQ(EstimateEta(100, 30, 30), 0);
  EXPECT_DOUBLE_EQ(EstimateEta(100, 31, 30), 0);
  EXPECT_TRUE(std::isnan(EstimateEta(10, 0, 30)));  // nothing done: unknown
  EXPECT_TRUE(std::isnan(EstimateEta(10, 3, 0)));
}

TEST(ProgressLineTest, PlainPrintsOneLinePerRoundOrPoint) {
  Capture c;
  ProgressLine line(c.file(), /*interactive=*/false);
  ProgressState s;
  s.rounds = 3;
  s.round = 1;
  s.elapsed_s = 1;
  line.Update(s);
  s.elapsed_s = 2;
  line.Update(s);  // same round: nothing
  s.round = 2;
  line.Update(s);
  line.Log("worker 1 restarted");
  line.Finish();
  EXPECT_EQ(c.Text(), "round 1/3 | 00:01 elapsed\nround 2/3 | 00:02 elapsed\nworker 1 restarted\n");
}

TEST(ProgressLineTest, InteractiveRedrawsInPlaceAndThrottles) {
  Capture c;
  ProgressLine line(c.file(), /*interactive=*/true, {/*min_redraw_s=*/3600});
  ProgressState s;
  s.rounds = 3;
  line.Update(s);  // first: drawn
  s.elapsed_s = 1;
  line.Update(s);  // same round, within min_redraw_s: not drawn yet
  EXPECT_EQ(c.Text(), "\rround 0/3 | 00:00 elapsed\x1b[K");
  s.round = 1;
  s.accuracy = 0.5;
  line.Update(s);  // a new round: drawn at once
  line.Log("a line");
  s.elapsed_s = 2;
  line.Update(s);  // throttled, drawn by Finish
  line.Finish();
  line.Finish();  // idempotent
  EXPECT_EQ(c.Text(),
            "\rround 0/3 | 00:00 elapsed\x1b[K"
            "\rround 1/3 | acc 0.5000 | 00:01 elapsed\x1b[K"
            "\r\x1b[Ka line\n"
            "\rround 1/3 | acc 0.5000 | 00:01 elapsed\x1b[K"
            "\rround 1/3 | acc 0.5000 | 00:02 elapsed\x1b[K\n");
}

TEST(ProgressLineTest, InteractiveWithoutThrottleRedrawsEveryUpdate) {
  Capture c;
  ProgressLine line(c.file(), /*interactive=*/true, {/*min_redraw_s=*/0});
  ProgressState s;
  s.label = "run";
  line.Update(s);
  line.Update(s);  // the same text: not drawn again
  s.elapsed_s = 1;
  line.Update(s);
  line.Finish();
  EXPECT_EQ(c.Text(), "\rrun | 00:00 elapsed\x1b[K\rrun | 00:01 elapsed\x1b[K\n");
  EXPECT_FALSE(ProgressLine::IsTerminal(c.file()));
}

void Append(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::app) << text;
}

std::string LedgerLine(int round, int client, double kg) {
  energy::LedgerRow r;
  r.run_id = "run";
  r.round = round;
  r.client_id = client;
  r.role = client >= 0 ? "client" : "coordinator";
  r.country_iso_code = "USA";
  r.device = "jetson_tx2";
  r.network = "qiu";
  r.cost.emissions_kg = kg;
  return energy::FormatLedgerRow(r) + "\n";
}

TEST(RunFollowerTest, ReadsOnlyCompleteAppendedLinesByColumnName) {
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_progress");
  RunFollower f(dir.string());
  f.Poll();  // nothing written yet
  EXPECT_EQ(f.round(), 0);
  EXPECT_TRUE(std::isnan(f.accuracy()));
  EXPECT_TRUE(std::isnan(f.gco2e()));

  const std::filesystem::path rounds = dir / "rounds.csv", ledger = dir / "ledger.csv";
  Append(rounds,
         "round,selected,completed,dropped,accuracy,loss,bytes_down,bytes_up,wall_s,"
         "collect_s,eval_s\n1,10,10,0,0.7011,0.9,1,1,1.5,1.2,0.2\n2,10,9,1,,0.8,1");
  Append(ledger, energy::LedgerHeader() + "\n" + LedgerLine(1, 0, 0.001) +
                     LedgerLine(1, -1, 0.0005) + "1.0,run,2,0");  // a partial row
  f.Poll();
  EXPECT_EQ(f.round(), 1);
  EXPECT_DOUBLE_EQ(f.accuracy(), 0.7011);
  EXPECT_DOUBLE_EQ(f.gco2e(), 1.5);

  Append(rounds, ",1,1.4,1.1,0.2\n");  // round 2 completes, without an evaluation
  f.Poll();
  EXPECT_EQ(f.round(), 2);
  EXPECT_DOUBLE_EQ(f.accuracy(), 0.7011);  // the latest accuracy there is
  EXPECT_DOUBLE_EQ(f.gco2e(), 1.5);        // the partial ledger row is not counted

  // A rewritten rounds.csv with the columns in another order is read from the start.
  std::ofstream(rounds, std::ios::trunc) << "accuracy,round\n0.8123,3\n";
  f.Poll();
  EXPECT_EQ(f.round(), 3);
  EXPECT_DOUBLE_EQ(f.accuracy(), 0.8123);
  std::filesystem::remove_all(dir);
}

// A centralized run's curve.csv, rewritten whole after each evaluation: one round per point.
TEST(RunFollowerTest, FollowsACentralizedCurveRewrittenAfterEachEvaluation) {
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_progress_curve");
  RunFollower f(dir.string());
  std::vector<records::CurvePoint> curve;
  for (int i = 1; i <= 3; ++i) {
    records::CurvePoint p;
    p.epoch = 1;
    p.steps = 3000 * i;
    p.samples = 30000 * i;
    p.test_accuracy = 0.8 + 0.02 * i;
    curve.push_back(p);
    ASSERT_TRUE(records::WriteCurve((dir / "curve.csv").string(), curve).ok());
    f.Poll();
    EXPECT_EQ(f.round(), i);
    EXPECT_DOUBLE_EQ(f.accuracy(), p.test_accuracy);
  }
  EXPECT_THAT(f.history(),
              ::testing::ElementsAre(std::pair{1, 0.82}, std::pair{2, 0.84}, std::pair{3, 0.86}));
  curve.resize(1);  // a new run in the folder: read again from the start
  ASSERT_TRUE(records::WriteCurve((dir / "curve.csv").string(), curve).ok());
  f.Poll();
  EXPECT_EQ(f.round(), 1);
  EXPECT_EQ(f.history().size(), 1u);
  std::filesystem::remove_all(dir);
}

// err = 0.5 * round^-0.5 reaches 0.1 at round 25; the fit over the last points finds it.
TEST(ProgressEtaTest, ProjectsRoundsToTargetFromAPowerLawOfTheError) {
  std::vector<std::pair<int, double>> h;
  for (int r = 1; r <= 5; ++r) h.emplace_back(r, 1.0 - 0.5 / std::sqrt(static_cast<double>(r)));
  EXPECT_EQ(ProjectRoundsToTarget(h, 0.9, 60), 25);
  EXPECT_EQ(ProjectRoundsToTarget(h, 0.9, 20), 20);   // beyond the limit: the limit
  EXPECT_EQ(ProjectRoundsToTarget(h, 0.7, 60), 5);    // reached already: the last round
  EXPECT_EQ(ProjectRoundsToTarget({}, 0.9, 60), 60);  // nothing known: the limit
  EXPECT_EQ(ProjectRoundsToTarget({{1, 0.5}}, 0.9, 60), 60);
  // An error that does not fall: the limit; a projection behind the last round: the next one.
  EXPECT_EQ(ProjectRoundsToTarget({{1, 0.6}, {2, 0.5}, {3, 0.4}}, 0.9, 60), 60);
  EXPECT_EQ(ProjectRoundsToTarget({{1, 0.5}, {2, 0.75}, {3, 0.74}}, 0.745, 60), 4);
}

TEST(ProgressEtaTest, JobsSideBySideEndWithTheSlowestThenTheWaitingOnes) {
  // 30 s for half of one, 10 s for 90% of another: the first needs 30 s more.
  EXPECT_DOUBLE_EQ(EstimateJobsEta({{30, 0.5}, {10, 0.9}}, 0, NAN, 2), 30);
  // Three waiting jobs of 100 s, two at a time: two more turns.
  EXPECT_DOUBLE_EQ(EstimateJobsEta({{30, 0.5}}, 3, 100, 2), 230);
  EXPECT_TRUE(std::isnan(EstimateJobsEta({{30, 0.0}}, 0, 100, 2)));  // no pace yet
  EXPECT_TRUE(std::isnan(EstimateJobsEta({{30, 0.5}}, 1, NAN, 2)));  // waiting, length unknown
  EXPECT_DOUBLE_EQ(EstimateJobsEta({}, 0, NAN, 1), 0);
}

}  // namespace
}  // namespace fedcarbon::experiment
