#include "fedcarbon/records/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "fedcarbon/data/dataset.h"
#include "fedcarbon/energy/ledger.h"
#include "records/scratch.h"

namespace fedcarbon::records {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Golden;
using ::testing::HasSubstr;
using testing::ScratchDir;
using testing::Slurp;
using testing::Write;

// Every key of an object, nested ones as "parent.child".
std::set<std::string> Keys(const json& j, const std::string& prefix = "") {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    std::string key = prefix;
    key.append(k);
    keys.insert(key);
    if (v.is_object()) keys.merge(Keys(v, key.append(".")));
  }
  return keys;
}

FlRunSummary SampleFl() {
  FlRunSummary s;
  s.run_id = "t-20260101-000000-abcdef";
  s.name = "t";
  s.model = "cnn";
  s.strategy = "fedavg";
  s.partition = "iid";
  s.compression = "fp32";
  s.rounds = 3;
  s.initial_accuracy = 0.1;
  s.final_accuracy = 0.8125;
  s.best_accuracy = 0.83;
  s.target_accuracy = 0.9;
  s.reached_target = true;
  s.rounds_to_target = 3;
  s.wall_s = 12.345678901234;
  s.bytes_down = 12'000'000'000ULL;  // beyond 32 bits
  s.bytes_up = 7;
  s.dropped = 1;
  s.rejected = 2;
  s.interrupted = false;
  s.workers = 2;
  s.energy.energy_kwh = 1.0 / 3.0;
  s.energy.emissions_kg = 2e-7;
  s.energy.flops = 1ULL << 50;
  s.energy.ledger_rows = 31;
  s.energy.compute_share = 0.25;
  return s;
}

CentralizedSummary SampleCentralized() {
  return {.name = "central",
          .model = "mlp",
          .params = 199210,
          .flops_per_sample = {398000, 796000},
          .optimizer = "adam",
          .lr = 0.001,
          .batch_size = 10,
          .threads = 2,
          .target_accuracy = 0.9,
          .epochs = 2,
          .steps = 12000,
          .samples = 120000,
          .final_accuracy = 0.8766,
          .best_accuracy = 0.88,
          .reached_target = false,
          .train_flops = 8'832'000'000'000ULL,
          .eval_flops = 123,
          .train_s = 400.5,
          .wall_s = 420.25,
          .evaluations = 2,
          .energy = std::nullopt,
          .cpu = std::nullopt};
}

TEST(EfficiencyRatiosTest, ByHand) {
  // (0.9 - 0.1) / 0.5 kWh = 1.6 per kWh; 0.9 / (0.2 kg = 200 g) = 0.0045 per g.
  const EfficiencyRatios r = Ratios(0.1, 0.9, 0.5, 0.2);
  EXPECT_DOUBLE_EQ(r.accuracy_gain_per_kwh, 1.6);
  EXPECT_DOUBLE_EQ(r.accuracy_per_g, 0.0045);
  // A run that ends below where it started has a negative gain.
  EXPECT_DOUBLE_EQ(Ratios(0.5, 0.25, 0.125, 1e-3).accuracy_gain_per_kwh, -2.0);
  EXPECT_DOUBLE_EQ(Ratios(0.5, 0.25, 0.125, 1e-3).accuracy_per_g, 0.25);
  // No energy, no emissions: 0, never a division by zero.
  EXPECT_EQ(Ratios(0.1, 0.9, 0.0, 0.0), EfficiencyRatios{});
  EXPECT_EQ(Ratios(0.1, 0.9, 0.5, 0.0).accuracy_per_g, 0.0);
  EXPECT_DOUBLE_EQ(Ratios(0.1, 0.9, 0.5, 0.0).accuracy_gain_per_kwh, 1.6);
  EXPECT_EQ(Ratios(0.1, 0.9, 0.0, 0.2).accuracy_gain_per_kwh, 0.0);
  EXPECT_DOUBLE_EQ(Ratios(0.1, 0.9, 0.0, 0.2).accuracy_per_g, 0.0045);
}

TEST(EfficiencyRatiosTest, TheCentralizedBaselineIsChanceLevel) {
  static_assert(kChanceAccuracy == 1.0 / data::Dataset::kNumClasses);
  EXPECT_EQ(Ratios(CentralizedSummary{}), EfficiencyRatios{});  // not priced
}

TEST(FlRunSummaryTest, TheGoldenSummaryReadsAndWritesBackByteForByte) {
  const std::string text = Slurp(Golden("summary.json"));
  ASSERT_FALSE(text.empty()) << Golden("summary.json");
  Result<FlRunSummary> s = ReadFlRunSummary(Golden("summary.json").string());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rounds, 4);
  EXPECT_EQ(s->workers, 2);
  EXPECT_EQ(s->energy.ledger_rows, 36);
  EXPECT_EQ(s->energy.measured_energy_kwh, -1.0);
  EXPECT_FALSE(s->error.has_value());
  EXPECT_EQ(Keys(ToJson(*s)), Keys(json::parse(text)));
  EXPECT_EQ(ToJson(*s).dump(2) + "\n", text);
}

TEST(FlRunSummaryTest, AnyValuesHaveTheGoldenKeys) {
  const json golden = json::parse(Slurp(Golden("summary.json")));
  EXPECT_EQ(Keys(ToJson(SampleFl())), Keys(golden));
  EXPECT_EQ(Keys(ToJson(FlRunSummary{})), Keys(golden));
  FlRunSummary failed = SampleFl();
  failed.error = "join timeout";
  std::set<std::string> with_error = Keys(golden);
  with_error.insert("error");
  EXPECT_EQ(Keys(ToJson(failed)), with_error);
}

// The energy block is the ledger's totals: summing the golden ledger gives the golden block.
TEST(FlRunSummaryTest, EnergyTotalsAreTheLedgerSums) {
  Result<std::vector<energy::LedgerRow>> rows = energy::ReadLedger(Golden("ledger.csv").string());
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  Result<FlRunSummary> s = ReadFlRunSummary(Golden("summary.json").string());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const EnergyTotals e = MakeEnergyTotals(energy::Sum(*rows));
  EXPECT_EQ(e.ledger_rows, s->energy.ledger_rows);
  EXPECT_EQ(e.flops, s->energy.flops);
  EXPECT_DOUBLE_EQ(e.energy_kwh, s->energy.energy_kwh);
  EXPECT_DOUBLE_EQ(e.compute_share, s->energy.compute_share);
  EXPECT_DOUBLE_EQ(e.coordinator_emissions_kg, s->energy.coordinator_emissions_kg);
  EXPECT_EQ(MakeEnergyTotals(energy::LedgerTotals{}).compute_share, 0.0);  // no energy: 0
}

// The derived keys: computed from the summary's own numbers when written, required when read.
TEST(FlRunSummaryTest, TheEnergyBlockCarriesTheRatiosOfTheSummarysNumbers) {
  const FlRunSummary s = SampleFl();
  const json j = ToJson(s);
  // (0.8125 - 0.1) / (1/3 kWh) = 2.1375; 0.8125 / (2e-7 kg = 2e-4 g) = 4062.5.
  EXPECT_DOUBLE_EQ(j["energy"]["accuracy_gain_per_kwh"].get<double>(), 2.1375);
  EXPECT_DOUBLE_EQ(j["energy"]["accuracy_per_g"].get<double>(), 4062.5);
  EXPECT_EQ(Ratios(s), Ratios(0.1, 0.8125, 1.0 / 3.0, 2e-7));
  EXPECT_FALSE(j.contains("accuracy_per_g"));  // in "energy" only
  // The golden file's ratios are those of its own accuracies and energy.
  const json golden = json::parse(Slurp(Golden("summary.json")));
  const EfficiencyRatios g = Ratios(
      golden["initial_accuracy"].get<double>(), golden["final_accuracy"].get<double>(),
      golden["energy"]["energy_kwh"].get<double>(), golden["energy"]["emissions_kg"].get<double>());
  EXPECT_EQ(golden["energy"]["accuracy_gain_per_kwh"].get<double>(), g.accuracy_gain_per_kwh);
  EXPECT_EQ(golden["energy"]["accuracy_per_g"].get<double>(), g.accuracy_per_g);
  EXPECT_GT(g.accuracy_gain_per_kwh, 0.0);
}

TEST(FlRunSummaryTest, RoundTripsThroughJsonAndFiles) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  FlRunSummary s = SampleFl();
  FlRunSummary back;
  ASSERT_TRUE(FromJson(ToJson(s), "mem", &back).ok());
  EXPECT_EQ(back, s);
  s.error = "fedcarbon-server: no live worker within 60 s";
  s.interrupted = true;
  const std::string path = (dir / "summary.json").string();
  ASSERT_TRUE(WriteFlRunSummary(path, s).ok());
  EXPECT_EQ(Slurp(path), ToJson(s).dump(2) + "\n");
  Result<FlRunSummary> read = ReadFlRunSummary(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, s);
  fs::remove_all(dir);
}

TEST(FlRunSummaryTest, AMissingRenamedOrMistypedKeyIsAnErrorNamingFileAndKey) {
  const json golden = json::parse(Slurp(Golden("summary.json")));
  FlRunSummary s;
  auto error = [&](const json& j) {
    const Status st = FromJson(j, "run/summary.json", &s);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr("run/summary.json"));
    return st.message();
  };
  json j = golden;
  j.erase("rounds");
  EXPECT_THAT(error(j), HasSubstr("missing key 'rounds'"));
  j = golden;
  j["best_acc"] = j["best_accuracy"];  // renamed
  j.erase("best_accuracy");
  EXPECT_THAT(error(j), HasSubstr("'best_accuracy'"));
  j = golden;
  j["energy"].erase("flops");
  EXPECT_THAT(error(j), HasSubstr("missing key 'energy.flops'"));
  j = golden;
  // Keys added in issue 11 may be absent (folders written before them still read)...
  for (const char* added : {"accuracy_per_g", "accuracy_gain_per_kwh", "embodied_kg", "catalog"}) {
    j["energy"].erase(added);
  }
  EXPECT_TRUE(FromJson(j, "golden", &s).ok());
  // ...but must have their type when present.
  j = golden;
  j["energy"]["embodied_kg"] = "none";
  EXPECT_THAT(error(j), HasSubstr("key 'energy.embodied_kg' must be a number"));
  j = golden;
  j["energy"]["accuracy_gain_per_kwh"] = "high";
  EXPECT_THAT(error(j), HasSubstr("key 'energy.accuracy_gain_per_kwh' must be a number"));
  j = golden;
  j.erase("energy");
  EXPECT_THAT(error(j), HasSubstr("missing key 'energy'"));
  j = golden;
  j["rounds"] = "4";
  EXPECT_THAT(error(j), HasSubstr("key 'rounds' must be an integer, got \"4\""));
  j["rounds"] = 4.5;
  EXPECT_THAT(error(j), HasSubstr("key 'rounds' must be an integer"));
  j = golden;
  j["bytes_up"] = -1;
  EXPECT_THAT(error(j), HasSubstr("'bytes_up' must be a non-negative integer"));
  j = golden;
  j["reached_target"] = 0;
  EXPECT_THAT(error(j), HasSubstr("'reached_target' must be true or false"));
  j = golden;
  j["error"] = 1;
  EXPECT_THAT(error(j), HasSubstr("'error' must be a string"));
  EXPECT_THAT(error(json::array()), HasSubstr("not a JSON object"));
  EXPECT_THAT(error(json::parse(R"({"kind": "centralized"})")), HasSubstr("centralized"));
  j = golden;
  j["workers"] = 2.0;  // a float where an integer was written
  EXPECT_THAT(error(j), HasSubstr("'workers'"));
}

// The "cpu" block (added after issue 11): written when set, a round trip keeps it, a summary
// without it (every one written before it, like the golden file) reads with cpu == nullopt, and
// when present it needs every one of its keys, typed.
TEST(FlRunSummaryTest, TheCpuBlockIsOptionalOnReadAndTypedWhenPresent) {
  FlRunSummary s = SampleFl();
  s.cpu = FlCpu{.evaluation_s = 1.25, .process_s = 3.5};
  const json j = ToJson(s);
  EXPECT_EQ(j["cpu"], json::parse(R"({"evaluation_s": 1.25, "process_s": 3.5})"));
  std::set<std::string> keys = Keys(json::parse(Slurp(Golden("summary.json"))));
  keys.insert({"cpu", "cpu.evaluation_s", "cpu.process_s"});
  EXPECT_EQ(Keys(j), keys);
  FlRunSummary back;
  ASSERT_TRUE(FromJson(j, "mem", &back).ok());
  EXPECT_EQ(back, s);
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "summary.json").string();
  ASSERT_TRUE(WriteFlRunSummary(path, s).ok());
  Result<FlRunSummary> read = ReadFlRunSummary(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->cpu.has_value());
  EXPECT_EQ(read->cpu->evaluation_s, 1.25);
  EXPECT_EQ(read->cpu->process_s, 3.5);
  fs::remove_all(dir);

  // An old summary: no "cpu" block.
  Result<FlRunSummary> old = ReadFlRunSummary(Golden("summary.json").string());
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_FALSE(old->cpu.has_value());
  EXPECT_FALSE(ToJson(*old).contains("cpu"));

  auto error = [&](const json& bad) {
    FlRunSummary out;
    const Status st = FromJson(bad, "run/summary.json", &out);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    return st.message();
  };
  json bad = j;
  bad["cpu"].erase("process_s");
  EXPECT_THAT(error(bad), HasSubstr("missing key 'cpu.process_s'"));
  bad = j;
  bad["cpu"]["evaluation_s"] = "slow";
  EXPECT_THAT(error(bad), HasSubstr("key 'cpu.evaluation_s' must be a number"));
  bad = j;
  bad["cpu"] = 1.0;
  EXPECT_THAT(error(bad), HasSubstr("'cpu'"));
}

TEST(FlRunSummaryTest, AMissingFileIsNotFoundAndBadJsonIsCorruption) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  Result<FlRunSummary> none = ReadFlRunSummary((dir / "summary.json").string());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr((dir / "summary.json").string()));
  Write(dir / "summary.json", "{\"rounds\": ");
  Result<FlRunSummary> bad = ReadFlRunSummary((dir / "summary.json").string());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(bad.status().message(), HasSubstr("not valid JSON"));
  Write(dir / "summary.json", R"({"rounds": 4, "final_accuracy": 0.8})");
  bad = ReadFlRunSummary((dir / "summary.json").string());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(bad.status().message(), HasSubstr("missing key 'run_id'"));
  fs::remove_all(dir);
}

// What sim/experiment/centralized.cc (SummaryJson) and report.cc (PriceCentralized) wrote before
// the typed records, rebuilt here as the reference for keys and JSON types.
json OldCentralizedJson(const CentralizedSummary& s) {
  return {{"kind", "centralized"},
          {"name", s.name},
          {"model", s.model},
          {"params", s.params},
          {"flops_per_sample",
           {{"forward", s.flops_per_sample.forward}, {"backward", s.flops_per_sample.backward}}},
          {"optimizer", s.optimizer},
          {"lr", s.lr},
          {"batch_size", s.batch_size},
          {"threads", s.threads},
          {"target_accuracy", s.target_accuracy},
          {"epochs", s.epochs},
          {"steps", s.steps},
          {"samples", s.samples},
          {"final_accuracy", s.final_accuracy},
          {"best_accuracy", s.best_accuracy},
          {"reached_target", s.reached_target},
          {"train_flops", s.train_flops},
          {"eval_flops", s.eval_flops},
          {"train_s", s.train_s},
          {"wall_s", s.wall_s},
          {"evaluations", static_cast<size_t>(s.evaluations)}};
}

json OldEnergyJson(const energy::LedgerRow& row) {
  const energy::LedgerTotals t = energy::Sum({row});
  json e;
  e["energy_kwh"] = t.energy_kwh;
  e["emissions_kg"] = t.emissions_kg;
  e["compute_energy_kwh"] = t.compute_energy_kwh;
  e["comm_energy_kwh"] = t.comm_energy_kwh;
  e["comm_share"] = t.comm_share;
  e["clients_energy_kwh"] = t.clients.energy_kwh;
  e["clients_emissions_kg"] = t.clients.emissions_kg;
  e["coordinator_energy_kwh"] = t.coordinator.energy_kwh;
  e["coordinator_emissions_kg"] = t.coordinator.emissions_kg;
  e["centralized_energy_kwh"] = t.centralized.energy_kwh;
  e["centralized_emissions_kg"] = t.centralized.emissions_kg;
  e["measured_energy_kwh"] = -1.0;  // RAPL is per run now; a centralized row has none
  e["flops"] = t.activity.flops;
  e["ledger_rows"] = t.rows;
  e["device"] = row.device;
  e["pue"] = row.pue;
  e["country_iso_code"] = row.country_iso_code;
  e["carbon_intensity_g_per_kwh"] = row.cost.carbon_intensity_g_per_kwh;
  e["device_compute_s"] = row.cost.compute_s;
  e["priced_flops"] = "train_flops (to the stop; evaluation excluded)";
  return e;
}

energy::LedgerRow CentralizedRow() {
  energy::LedgerRow row;
  row.role = "centralized";
  row.run_id = "c";
  row.country_iso_code = "USA";
  row.device = "v100";
  row.pue = 1.67;
  row.network = "qiu";
  row.activity.flops = 8'832'000'000'000ULL;
  row.cost = {3.5, 0, 0.25, 0, 0.25, 369.47, 0.25 * 369.47 / 1000};
  return row;
}

// ...plus, since issue 11, the two derived ratios in the energy block once priced.
TEST(CentralizedSummaryTest, WritesWhatTheOldWritersWrotePlusTheRatios) {
  CentralizedSummary s = SampleCentralized();
  EXPECT_EQ(ToJson(s).dump(2), OldCentralizedJson(s).dump(2));  // not priced: no ratios
  s.energy = MakeCentralizedEnergy(CentralizedRow());
  s.energy->priced_flops = "train_flops (to the stop; evaluation excluded)";
  json old = OldCentralizedJson(s);
  old["energy"] = OldEnergyJson(CentralizedRow());
  // Gain from chance level: (0.8766 - 0.1) / 0.25 kWh; 0.8766 / (0.25 * 369.47 g).
  old["energy"]["accuracy_gain_per_kwh"] = (0.8766 - 0.1) / 0.25;
  old["energy"]["accuracy_per_g"] = 0.8766 / (0.25 * 369.47 / 1000 * 1000);
  old["energy"]["embodied_kg"] = 0.0;  // added in issue 11 with the catalog id
  old["energy"]["catalog"] = "";
  EXPECT_EQ(ToJson(s).dump(2), old.dump(2));
  EXPECT_DOUBLE_EQ(Ratios(s).accuracy_gain_per_kwh, 3.1064);
  EXPECT_NEAR(Ratios(s).accuracy_per_g, 0.0094903510433, 1e-12);
}

TEST(CentralizedSummaryTest, RoundTripsWithAndWithoutEnergy) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "summary.json").string();
  CentralizedSummary s = SampleCentralized();
  ASSERT_TRUE(WriteCentralizedSummary(path, s).ok());
  Result<CentralizedSummary> read = ReadCentralizedSummary(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, s);
  EXPECT_FALSE(read->energy.has_value());
  s.energy = MakeCentralizedEnergy(CentralizedRow());
  s.energy->priced_flops = "train_flops";
  ASSERT_TRUE(WriteCentralizedSummary(path, s).ok());
  read = ReadCentralizedSummary(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, s);
  EXPECT_EQ(read->energy->device, "v100");
  EXPECT_EQ(read->energy->centralized_energy_kwh, 0.25);
  EXPECT_EQ(read->energy->device_compute_s, 3.5);
  fs::remove_all(dir);
}

TEST(CentralizedSummaryTest, TheCpuBlockIsOptionalOnReadAndSurvivesPricing) {
  CentralizedSummary s = SampleCentralized();
  EXPECT_FALSE(ToJson(s).contains("cpu"));  // as the old writers wrote it
  s.cpu = CentralizedCpu{.train_s = 390.5, .evaluation_s = 12.25, .process_s = 410.0};
  const json j = ToJson(s);
  EXPECT_EQ(j["cpu"],
            json::parse(R"({"train_s": 390.5, "evaluation_s": 12.25, "process_s": 410.0})"));
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "summary.json").string();
  ASSERT_TRUE(WriteCentralizedSummary(path, s).ok());
  Result<CentralizedSummary> read = ReadCentralizedSummary(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, s);
  // Priced (read, energy set, written back, as PriceCentralized does): the block stays.
  read->energy = MakeCentralizedEnergy(CentralizedRow());
  ASSERT_TRUE(WriteCentralizedSummary(path, *read).ok());
  Result<CentralizedSummary> priced = ReadCentralizedSummary(path);
  ASSERT_TRUE(priced.ok()) << priced.status().ToString();
  EXPECT_EQ(priced->cpu, s.cpu);
  fs::remove_all(dir);

  // An old summary (no "cpu") reads; a block missing a key does not.
  json old = j;
  old.erase("cpu");
  CentralizedSummary out;
  ASSERT_TRUE(FromJson(old, "c/summary.json", &out).ok());
  EXPECT_FALSE(out.cpu.has_value());
  json bad = j;
  bad["cpu"].erase("train_s");
  const Status st = FromJson(bad, "c/summary.json", &out);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_THAT(st.message(), HasSubstr("c/summary.json"));
  EXPECT_THAT(st.message(), HasSubstr("missing key 'cpu.train_s'"));
}

TEST(CentralizedSummaryTest, MissingKeysAndTheWrongKindAreErrorsNamingThem) {
  CentralizedSummary s = SampleCentralized();
  s.energy = MakeCentralizedEnergy(CentralizedRow());
  const json good = ToJson(s);
  CentralizedSummary out;
  auto error = [&](const json& j) {
    const Status st = FromJson(j, "c/summary.json", &out);
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr("c/summary.json"));
    return st.message();
  };
  json j = good;
  j["flops_per_sample"].erase("backward");
  EXPECT_THAT(error(j), HasSubstr("missing key 'flops_per_sample.backward'"));
  j = good;
  j.erase("epochs");
  EXPECT_THAT(error(j), HasSubstr("missing key 'epochs'"));
  j = good;
  j["energy"].erase("device");
  EXPECT_THAT(error(j), HasSubstr("missing key 'energy.device'"));
  j = good;
  j["energy"]["accuracy_gain_per_kwh"] = "high";  // an added key: optional, but typed
  EXPECT_THAT(error(j), HasSubstr("key 'energy.accuracy_gain_per_kwh' must be a number"));
  j = good;
  j["kind"] = "fl";
  EXPECT_THAT(error(j), HasSubstr("expected 'centralized'"));
  EXPECT_THAT(error(json::parse(Slurp(Golden("summary.json")))), HasSubstr("'kind'"));
}

// What reproduce and sweeps read: the outcome with the ratios summary.json carries.
TEST(ReadFinishedRunTest, GivesTheRatiosOfEitherKind) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "summary.json").string();
  const FlRunSummary fl = SampleFl();
  ASSERT_TRUE(WriteFlRunSummary(path, fl).ok());
  Result<RunOutcome> o = ReadFinishedRun(path, /*centralized=*/false);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->initial_accuracy, 0.1);
  EXPECT_EQ(o->ratios, Ratios(fl));
  EXPECT_DOUBLE_EQ(o->ratios.accuracy_per_g, 4062.5);

  CentralizedSummary c = SampleCentralized();
  c.energy = MakeCentralizedEnergy(CentralizedRow());
  ASSERT_TRUE(WriteCentralizedSummary(path, c).ok());
  o = ReadFinishedRun(path, /*centralized=*/true);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->initial_accuracy, kChanceAccuracy);
  EXPECT_EQ(o->ratios, Ratios(c));
  EXPECT_DOUBLE_EQ(o->ratios.accuracy_gain_per_kwh, 3.1064);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::records
