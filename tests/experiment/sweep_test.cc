// Sweep files, their points and ids, results.csv and results.md, and the state of a point folder,
// without processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "experiment/scratch.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/sweep.h"
#include "fedcarbon/experiment/sweep_run.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ojson = nlohmann::ordered_json;

const char* kBase = R"({"name": "t", "seed": 7, "model": {"name": "mlp"},
                        "federation": {"num_clients": 20, "clients_per_round": 10}})";

Result<SweepSpec> Parse(const std::string& text) {
  return ParseSweepSpec(ojson::parse(text), "", "default");
}

std::string WithBase(const std::string& rest) {
  return std::string(R"({"base": )") + kBase + (rest.empty() ? "" : ", " + rest) + "}";
}

TEST(SweepSpecTest, KeepsTheFilesKeyOrderAndDefaultsTheSeedToTheBases) {
  Result<SweepSpec> s = Parse(WithBase(
      R"("grid": {"partition.alpha": [0.1, 1], "federation.num_clients": [20, 40]},
         "set": {"partition.scheme": "dirichlet"})"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "default");
  EXPECT_THAT(s->Keys(), ElementsAre("partition.alpha", "federation.num_clients"));
  EXPECT_THAT(s->seeds, ElementsAre(7u));
  // The self-contained form keeps the order too (DIR/sweep.json is what points re-read).
  Result<SweepSpec> again = ParseSweepSpec(s->ToJson(), "", "x");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Keys(), s->Keys());
  EXPECT_EQ(again->name, "default");
}

TEST(SweepSpecTest, BadSweepFilesAreErrorsNamingWhatIsWrong) {
  auto error = [](const std::string& text) {
    Result<SweepSpec> s = Parse(text);
    return s.ok() ? std::string("(accepted)") : s.status().message();
  };
  EXPECT_THAT(error(WithBase(R"("grids": {})")), HasSubstr("unknown key 'grids'"));
  EXPECT_THAT(error(WithBase(R"("grid": {"partition.alfa": [1]})")),
              HasSubstr("unknown config key 'partition.alfa'"));
  EXPECT_THAT(error(WithBase(R"("grid": {"partition.alpha": []})")),
              HasSubstr("grid.partition.alpha must be a non-empty list"));
  EXPECT_THAT(error(WithBase(R"("zip": {"train.lr": [0.1, 0.2], "train.local_epochs": [1]})")),
              HasSubstr("zip.train.local_epochs has 1 values but zip.train.lr has 2"));
  EXPECT_THAT(error(WithBase(R"("grid": {"train.lr": [0.1]}, "set": {"train.lr": 0.2})")),
              HasSubstr("'train.lr' is both swept and in set"));
  EXPECT_THAT(error(WithBase(R"("grid": {"kind": ["fl", "central"]})")),
              HasSubstr("kind must be \"fl\" or \"centralized\""));
  EXPECT_THAT(error(WithBase(R"("seeds": [1, -2])")), HasSubstr("seeds: -2"));
  EXPECT_THAT(error(R"({"grid": {}})"), HasSubstr("base is required"));
  EXPECT_THAT(error(R"({"base": "/nonexistent/base.json"})"), HasSubstr("/nonexistent/base.json"));
}

TEST(SweepSpecTest, ExpandsGridTimesZipTimesSeedsWithStableIds) {
  Result<SweepSpec> s = Parse(WithBase(
      R"("grid": {"partition.alpha": [0.1, 1]},
         "zip": {"train.local_epochs": [1, 5], "train.lr": [0.05, 0.01]},
         "set": {"partition.scheme": "dirichlet"}, "seeds": [1, 2])"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<std::vector<SweepPoint>> points = ExpandSweep(*s);
  ASSERT_TRUE(points.ok()) << points.status().message();
  ASSERT_EQ(points->size(), 2u * 2u * 2u);
  const SweepPoint& p = (*points)[3];  // alpha 0.1, zip index 1, seed 2
  EXPECT_EQ(p.values[0], 0.1);
  EXPECT_EQ(p.values[1], 5);
  EXPECT_EQ(p.values[2], 0.01);
  EXPECT_EQ(p.seed, 2u);
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.config.train.local_epochs, 5);
  EXPECT_EQ(p.config.partition.scheme, "dirichlet");
  EXPECT_EQ(p.config.seed, 2u);
  EXPECT_EQ(p.id.size(), 12u);

  // Adding a value keeps the ids of the points already there.
  Result<SweepSpec> wider = Parse(WithBase(
      R"("grid": {"partition.alpha": [0.1, 1, 100]},
         "zip": {"train.local_epochs": [1, 5], "train.lr": [0.05, 0.01]},
         "set": {"partition.scheme": "dirichlet"}, "seeds": [1, 2])"));
  ASSERT_TRUE(wider.ok());
  Result<std::vector<SweepPoint>> more = ExpandSweep(*wider);
  ASSERT_TRUE(more.ok());
  ASSERT_EQ(more->size(), 12u);
  for (size_t i = 0; i < points->size(); ++i) EXPECT_EQ((*more)[i].id, (*points)[i].id);
  EXPECT_NE((*more)[8].id, (*more)[0].id);
}

TEST(SweepSpecTest, AnInvalidValueFailsOnlyItsPointAndKindSelectsCentralized) {
  Result<SweepSpec> s = Parse(WithBase(
      R"("grid": {"kind": ["fl", "centralized"], "partition.alpha": [0.5, -1]},
         "set": {"partition.scheme": "dirichlet"})"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<std::vector<SweepPoint>> points = ExpandSweep(*s);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 4u);
  EXPECT_TRUE((*points)[0].valid);
  EXPECT_EQ((*points)[0].kind, "fl");
  EXPECT_FALSE((*points)[1].valid);
  EXPECT_EQ((*points)[1].error, "partition.alpha must be > 0, got -1");
  EXPECT_EQ((*points)[2].kind, "centralized");
  EXPECT_NE((*points)[0].id, (*points)[2].id);  // same config, other kind
}

SweepTable SampleTable() {
  SweepTable t;
  t.keys = {"partition.alpha", "clients.countries"};
  SweepRow a;
  a.id = "aaaaaaaaaaaa";
  a.values = {"0.1", R"({"FRA":0.5,"USA":0.5})"};
  a.seed = 1;
  a.status = "done";
  a.reached_target = true;
  a.rounds = 12;
  a.flops = 123456789012345ULL;
  a.final_accuracy = 0.85;
  a.best_accuracy = 0.86;
  a.client_compute_kwh = 0.001;
  a.client_comm_kwh = 0.002;
  a.coordinator_kwh = 0.0005;
  a.energy_kwh = 0.0035;
  a.co2e_kg = 0.0012;
  a.accuracy_per_kwh = 0.86 / 0.0035;
  a.accuracy_gain_per_kwh = (0.85 - 0.1) / 0.0035;
  a.accuracy_per_g = 0.85 / 1.2;
  a.wall_s = 3.25;
  a.dir = "points/aaaaaaaaaaaa";
  SweepRow b = a;
  b.id = "bbbbbbbbbbbb";
  b.seed = 2;
  b.final_accuracy = 0.75;
  b.co2e_kg = 0.0016;
  b.accuracy_gain_per_kwh = (0.75 - 0.1) / 0.0035;
  b.accuracy_per_g = 0.75 / 1.6;
  SweepRow c;
  c.id = "cccccccccccc";
  c.values = {"-1", "USA"};
  c.status = "failed";
  c.error = "partition.alpha must be > 0, got -1";
  c.dir = "points/cccccccccccc";
  t.rows = {a, b, c};
  return t;
}

TEST(SweepResultsTest, ResultsCsvRoundTripsThroughItsTypedRecord) {
  const auto dir = testing::ScratchDir("fedcarbon_sweep");
  const SweepTable t = SampleTable();
  ASSERT_TRUE(WriteSweepResults((dir / "results.csv").string(), t).ok());
  const std::string text = testing::Slurp(dir / "results.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "id,partition.alpha,clients.countries,seed,kind,status,reached_target,rounds,flops,"
            "final_accuracy,best_accuracy,client_compute_kwh,client_comm_kwh,coordinator_kwh,"
            "centralized_kwh,energy_kwh,co2e_kg,wasted_co2e_kg,accuracy_per_kwh,"
            "accuracy_gain_per_kwh,accuracy_per_g,sim_hours,wall_s,dir,error");
  // A failed row leaves its numbers empty rather than writing zeros that read as results.
  EXPECT_THAT(text,
              HasSubstr("cccccccccccc,-1,USA,0,fl,failed,,,,,,,,,,,,,,,,,,points/cccccccccccc,"
                        "\"partition.alpha must be > 0, got -1\""));
  Result<SweepTable> back = ReadSweepResults((dir / "results.csv").string());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->keys, t.keys);
  ASSERT_EQ(back->rows.size(), 3u);
  const SweepRow& a = back->rows[0];
  EXPECT_EQ(a.values, t.rows[0].values);
  EXPECT_EQ(a.flops, 123456789012345ULL);
  EXPECT_EQ(a.accuracy_per_kwh, t.rows[0].accuracy_per_kwh);  // exact: shortest round-trip text
  EXPECT_EQ(a.accuracy_gain_per_kwh, t.rows[0].accuracy_gain_per_kwh);
  EXPECT_EQ(a.accuracy_per_g, t.rows[0].accuracy_per_g);
  EXPECT_EQ(back->rows[1].accuracy_per_g, 0.46875);
  EXPECT_EQ(a.wall_s, 3.25);
  EXPECT_TRUE(a.reached_target);
  EXPECT_EQ(back->rows[2].error, t.rows[2].error);
  EXPECT_EQ(back->rows[2].status, "failed");
}

TEST(SweepResultsTest, AMissingColumnOrBadNumberNamesFileLineAndColumn) {
  const auto dir = testing::ScratchDir("fedcarbon_sweep");
  const std::string path = (dir / "results.csv").string();
  ASSERT_TRUE(WriteFileAtomic(path, "id,x,seed,kind\na,1,1,fl\n").ok());
  Result<SweepTable> r = ReadSweepResults(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("missing column 'status'"));
  ASSERT_TRUE(WriteSweepResults(path, SampleTable()).ok());
  std::string text = testing::Slurp(path);
  text.replace(text.find(",3.25,"), 6, ",3.2x,");
  ASSERT_TRUE(WriteFileAtomic(path, text).ok());
  r = ReadSweepResults(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("results.csv:2: column 'wall_s'"));
}

TEST(SweepResultsTest, MarkdownAggregatesOverSeedsAndListsFailures) {
  const std::string md = FormatSweepMarkdown(SampleTable(), "alpha", "why");
  // Mean and sample standard deviation over the two seeds: 0.80 ± 0.0707, 1.4 ± 0.2828 g.
  EXPECT_THAT(md,
              HasSubstr("| fl | 0.1 | {\"FRA\":0.5,\"USA\":0.5} | 2/2 | 2/2 | 0.8000 ± 0.0707 |"));
  EXPECT_THAT(md, HasSubstr("| 1.4 ± 0.2828 |"));
  // Accuracy gained per kWh, (0.85 - 0.1) / 0.0035 and (0.75 - 0.1) / 0.0035: 200 ± 20.2;
  // accuracy per g, 0.85 / 1.2 and 0.75 / 1.6: 0.5885 ± 0.1694.
  EXPECT_THAT(md, HasSubstr("| accuracy per kWh | accuracy gain per kWh | accuracy per g CO2e | "
                            "simulated h |"));
  EXPECT_THAT(md, HasSubstr("| 200 ± 20.2 | 0.5885 ± 0.1694 |"));
  EXPECT_THAT(md, HasSubstr("3 points: 2 done, 1 failed, 0 not finished"));
  EXPECT_THAT(md, HasSubstr("| cccccccccccc | partition.alpha=-1, clients.countries=USA | 0 | "
                            "partition.alpha must be > 0, got -1 |"));
}

class PointFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir("fedcarbon_sweep").string();
    Result<SweepSpec> s = Parse(WithBase(R"("grid": {"partition.alpha": [0.5]},
                                            "set": {"partition.scheme": "dirichlet"})"));
    ASSERT_TRUE(s.ok());
    Result<std::vector<SweepPoint>> points = ExpandSweep(*s);
    ASSERT_TRUE(points.ok());
    point_ = (*points)[0];
    pdir_ = dir_ + "/points/" + point_.id;
    std::filesystem::create_directories(pdir_);
    nlohmann::json pj = {{"id", point_.id},
                         {"kind", "fl"},
                         {"values", {0.5}},
                         {"seed", 7},
                         {"config", config::ToJson(point_.config)}};
    ASSERT_TRUE(WriteFileAtomic(pdir_ + "/point.json", pj.dump()).ok());
  }
  void WriteDoneRun() {
    records::FlRunSummary summary;
    summary.rounds = 4;
    summary.final_accuracy = 0.8;
    summary.best_accuracy = 0.81;
    summary.wall_s = 2.5;
    summary.energy.energy_kwh = 1;
    const std::string path = pdir_ + "/summary.json";
    ASSERT_TRUE(records::WriteFlRunSummary(path, summary).ok());
    energy::LedgerRow base;
    base.run_id = "t";
    base.country_iso_code = "USA";
    base.device = "jetson_tx2";
    base.network = "qiu";
    base.round = 1;
    std::vector<energy::LedgerRow> rows(3, base);
    rows[0].role = "client";
    rows[0].client_id = 0;
    rows[0].activity.flops = 1000;
    rows[0].cost = {1, 1, 0.002, 0.003, 0.005, 400, 0.002};
    rows[1] = rows[0];
    rows[1].client_id = 1;
    rows[2].role = "coordinator";
    rows[2].activity.flops = 50;
    rows[2].cost = {1, 0, 0.001, 0, 0.001, 400, 0.0004};
    const Status st = energy::WriteLedger(pdir_ + "/ledger.csv", rows);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  std::string dir_, pdir_;
  SweepPoint point_;
};

TEST_F(PointFolderTest, ACompleteRunIsDoneWithItsLedgerSplitByRole) {
  WriteDoneRun();
  const SweepRow r = CollectPoint(point_, dir_);
  ASSERT_EQ(r.status, "done") << r.error;
  EXPECT_EQ(r.rounds, 4);
  EXPECT_EQ(r.flops, 2000u);  // clients' training only
  EXPECT_DOUBLE_EQ(r.client_compute_kwh, 0.004);
  EXPECT_DOUBLE_EQ(r.client_comm_kwh, 0.006);
  EXPECT_DOUBLE_EQ(r.coordinator_kwh, 0.001);
  EXPECT_DOUBLE_EQ(r.energy_kwh, 0.011);
  EXPECT_DOUBLE_EQ(r.co2e_kg, 0.0044);
  EXPECT_DOUBLE_EQ(r.accuracy_per_kwh, 0.81 / 0.011);
  EXPECT_EQ(r.dir, "points/" + point_.id);
  EXPECT_TRUE(UnfinishedPoints({point_}, dir_).empty());
}

TEST_F(PointFolderTest, AnotherConfigAnInterruptedRunOrAnErrorIsNotDone) {
  WriteDoneRun();
  SweepPoint other = point_;
  other.config.train.lr = 0.5;  // the folder was made with another config
  EXPECT_EQ(CollectPoint(other, dir_).status, "pending");

  nlohmann::json s = {{"rounds", 2}, {"interrupted", true}};
  ASSERT_TRUE(WriteFileAtomic(pdir_ + "/summary.json", s.dump()).ok());
  EXPECT_EQ(CollectPoint(point_, dir_).status, "pending");
  ASSERT_TRUE(WriteFileAtomic(pdir_ + "/running.json", R"({"host": "x", "pid": 1})").ok());
  EXPECT_EQ(CollectPoint(point_, dir_).status, "running");  // another host: trust the marker
  ASSERT_TRUE(WriteFileAtomic(pdir_ + "/error.txt", "fedcarbon-server exited with code 1\n").ok());
  const SweepRow r = CollectPoint(point_, dir_);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.error, "fedcarbon-server exited with code 1");
  EXPECT_EQ(UnfinishedPoints({point_}, dir_), std::vector<std::string>{point_.id});
}

}  // namespace
}  // namespace fedcarbon::experiment
