// `fedcarbon export --format codecarbon`: each supported CodeCarbon version's exact header, rows
// per party or per run whose emissions and energy add up to the ledger's, the compute-energy
// split (with the thread count pricing uses), and the command.
#include "fedcarbon/experiment/export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "experiment/scratch.h"
#include "fedcarbon/common/csv.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;
using testing::Ran;
using testing::RunFedcarbon;

// Literal copies of CodeCarbon's emissions.csv headers (sources: export_codecarbon_columns.cc).
// 2.2.3 to 2.6.x: 31 columns.
constexpr const char* kHeader2_3 =
    "timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,"
    "region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,"
    "gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue";
// 2.7.0 to 2.x: experiment_id after run_id (32).
constexpr const char* kHeader2_7 =
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,"
    "gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,"
    "country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,"
    "cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,"
    "on_cloud,pue";
// 3.2.5 to 3.3.x: water, utilisation, RAM used and WUE (38).
constexpr const char* kHeader3_2 =
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,"
    "gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,"
    "country_name,country_iso_code,region,cloud_provider,cloud_region,os,python_version,"
    "codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,"
    "ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,"
    "ram_utilization_percent,ram_used_gb,on_cloud,pue,wue";

CodeCarbonFormat Format(const std::string& version) {
  Result<CodeCarbonFormat> f = CodeCarbonFormatFor(version);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? *f : CodeCarbonFormat{};
}

constexpr double kRel = 1e-12;

// A ledger row with hand-set costs (export never re-prices).
energy::LedgerRow Row(int round, int client_id, const std::string& role, const std::string& device,
                      const std::string& country, double pue, double compute_s, double comm_s,
                      double compute_kwh, double comm_kwh, double intensity) {
  energy::LedgerRow r;
  r.timestamp = 1704110400.0 + 60.0 * round;  // 2024-01-01T12:00:00Z + round minutes
  r.run_id = "run-7";
  r.round = round;
  r.client_id = client_id;
  r.role = role;
  r.country_iso_code = country;
  r.device = device;
  r.pue = pue;
  r.network = "qiu";
  r.activity = {1'000'000'000ULL, 100, 1000, 2000, 1.0, 2.0};
  r.cost.compute_s = compute_s;
  r.cost.comm_s = comm_s;
  r.cost.compute_energy_kwh = compute_kwh;
  r.cost.comm_energy_kwh = comm_kwh;
  r.cost.energy_kwh = compute_kwh + comm_kwh;
  r.cost.carbon_intensity_g_per_kwh = intensity;
  r.cost.emissions_kg = r.cost.energy_kwh * intensity / 1000.0;
  return r;
}

// Two clients (a Jetson TX2 in the USA, a Raspberry Pi 4 in France) over two rounds, and the
// coordinator on a V100 in Germany at PUE 1.67.
std::vector<energy::LedgerRow> TwoClientsTwoRounds() {
  std::vector<energy::LedgerRow> rows;
  for (int round = 1; round <= 2; ++round) {
    rows.push_back(Row(round, 0, "client", "jetson_tx2", "USA", 1.0, 12.5 * round, 3.25,
                       1.7e-5 * round, 4.1e-6, 379.0));
    rows.back().zone = "US-CAL-CISO";
    rows.push_back(Row(round, 1, "client", "raspberry_pi_4", "FRA", 1.0, 40.0, 5.5 + round, 3.3e-5,
                       6.7e-6 * round, 56.04));
    rows.push_back(
        Row(round, -1, "coordinator", "v100", "DEU", 1.67, 0.75, 0.0, 1.1e-4, 0.0, 381.0));
  }
  return rows;
}

class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = *cat;
    rows_ = TwoClientsTwoRounds();
    totals_ = energy::Sum(rows_);
  }
  energy::DeviceProfile Profile(const std::string& name) const {
    Result<energy::DeviceProfile> p = catalog_.Device(name);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : energy::DeviceProfile{};
  }
  energy::Catalog catalog_;
  std::vector<energy::LedgerRow> rows_;
  energy::LedgerTotals totals_;
};

TEST_F(ExportTest, EachVersionsHeaderEqualsCodeCarbons) {
  const std::map<std::string, std::pair<const char*, size_t>> cases = {
      {"2.2.3", {kHeader2_3, 31}}, {"2.3.4", {kHeader2_3, 31}}, {"2.4.2", {kHeader2_3, 31}},
      {"2.6", {kHeader2_3, 31}},   {"2.6.0", {kHeader2_3, 31}}, {"2.7", {kHeader2_7, 32}},
      {"2.7.0", {kHeader2_7, 32}}, {"2.8.3", {kHeader2_7, 32}}, {"3.2.5", {kHeader3_2, 38}},
      {"3.2.9", {kHeader3_2, 38}}, {"3.3", {kHeader3_2, 38}},   {"3.3.0", {kHeader3_2, 38}},
  };
  for (const auto& [version, expected] : cases) {
    const CodeCarbonFormat f = Format(version);
    EXPECT_EQ(f.version, version);
    EXPECT_EQ(CodeCarbonHeader(f), expected.first) << version;
    EXPECT_EQ(f.columns.size(), expected.second) << version;
    EXPECT_EQ(FormatCodeCarbonCsv({}, f), std::string(expected.first) + "\n") << version;
  }
  // The default: the latest version with a sourced list.
  const CodeCarbonFormat latest = Format("");
  EXPECT_EQ(latest.version, kDefaultCodeCarbonVersion);
  EXPECT_EQ(CodeCarbonHeader(latest), kHeader3_2);
}

TEST_F(ExportTest, UnsupportedVersionsAreRefusedNamingTheSupportedOnes) {
  for (const std::string v : {"3.0.0", "3", "3.1.1", "3.2.4", "2.2.2", "2.1", "1.2.0", "3.4",
                              "4.0.0", "abc", "2..3", "2.7.", ".2", "3.0.0-rc0", "1.2.3.4"}) {
    Result<CodeCarbonFormat> f = CodeCarbonFormatFor(v);
    ASSERT_FALSE(f.ok()) << v;
    EXPECT_TRUE(f.status().IsBadInput()) << v;
    EXPECT_THAT(f.status().message(), HasSubstr("'" + v + "'"));
    EXPECT_THAT(f.status().message(), HasSubstr("2.2.3 to 2.6.x, 2.7.0 to 2.x, 3.2.5 to 3.3.x"));
  }
}

TEST_F(ExportTest, PerClientHasARowPerClientAndTheCoordinatorAddingUpToTheLedger) {
  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(rows_, catalog_, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 3u);
  const CodeCarbonRow& c0 = (*out)[0];
  const CodeCarbonRow& c1 = (*out)[1];
  const CodeCarbonRow& co = (*out)[2];
  EXPECT_EQ(c0.run_id, "run-7/client-0");
  EXPECT_EQ(c1.run_id, "run-7/client-1");
  EXPECT_EQ(co.run_id, "run-7/coordinator");
  EXPECT_EQ(c0.project_name, "run-7");
  EXPECT_EQ(c0.experiment_id, "run-7");  // shared by the parties of one run
  EXPECT_EQ(co.experiment_id, "run-7");

  double kg = 0.0, kwh = 0.0, comm = 0.0;
  for (const CodeCarbonRow& r : *out) {
    kg += r.emissions;
    kwh += r.energy_consumed;
    comm += r.comm_energy_kwh;
    // energy_consumed = cpu + gpu + ram + communication.
    EXPECT_NEAR(r.cpu_energy + r.gpu_energy + r.ram_energy + r.comm_energy_kwh, r.energy_consumed,
                kRel * r.energy_consumed);
  }
  EXPECT_NEAR(kg, totals_.emissions_kg, kRel * totals_.emissions_kg);
  EXPECT_NEAR(kwh, totals_.energy_kwh, kRel * totals_.energy_kwh);
  EXPECT_NEAR(comm, totals_.comm_energy_kwh, kRel * totals_.comm_energy_kwh);

  // Client 0 over its two rounds: durations and emissions summed, units s and kg.
  EXPECT_DOUBLE_EQ(c0.duration, 12.5 + 3.25 + 25.0 + 3.25);
  EXPECT_DOUBLE_EQ(c0.emissions, (1.7e-5 + 4.1e-6) * 0.379 + (3.4e-5 + 4.1e-6) * 0.379);
  EXPECT_DOUBLE_EQ(c0.emissions_rate, c0.emissions / c0.duration);
  EXPECT_EQ(c0.timestamp, "2024-01-01T12:02:00");  // the later of its two rows, UTC
  EXPECT_EQ(c0.country_iso_code, "USA");
  EXPECT_EQ(c0.country_name, "United States");
  EXPECT_EQ(c0.region, "US-CAL-CISO");
  EXPECT_EQ(c1.country_iso_code, "FRA");
  EXPECT_EQ(c1.country_name, "France");
  EXPECT_EQ(c1.region, "");
  EXPECT_EQ(co.country_iso_code, "DEU");

  // The coordinator's two V100 rows by hand: compute energy split in proportion to the profile's
  // powers before PUE, the processor (a GPU) to gpu_energy, cpu_w to cpu, memory to ram.
  const energy::DeviceProfile v100 = Profile("v100");
  ASSERT_EQ(v100.processor, "gpu");
  const double e = 2 * 1.1e-4;
  const energy::PowerParts parts = energy::ComputePowerParts(v100, rows_[2].activity);
  const double w = parts.total_w();
  EXPECT_NEAR(co.gpu_energy, e * parts.processor_w / w, kRel * e);
  EXPECT_NEAR(co.cpu_energy, e * v100.cpu_w / w, kRel * e);
  EXPECT_NEAR(co.ram_energy, e * v100.ram_gb * v100.memory_w_per_gb / w, kRel * e);
  EXPECT_GT(co.cpu_energy, 0.0);
  EXPECT_GT(co.ram_energy, 0.0);
  EXPECT_DOUBLE_EQ(co.duration, 1.5);
  EXPECT_NEAR(co.gpu_power, co.gpu_energy * 3.6e6 / 1.5, kRel * co.gpu_power);
  EXPECT_NEAR(co.cpu_power, co.cpu_energy * 3.6e6 / 1.5, kRel * co.cpu_power);
  EXPECT_NEAR(co.ram_power, co.ram_energy * 3.6e6 / 1.5, kRel * co.ram_power);
  EXPECT_EQ(co.gpu_count, 1);
  EXPECT_EQ(co.cpu_count, 1);  // the V100 server's host CPU share (cpu_w > 0)
  EXPECT_EQ(co.gpu_model, "v100");
  EXPECT_DOUBLE_EQ(co.ram_total_size, v100.ram_gb);
  EXPECT_EQ(co.on_cloud, "Y");
  EXPECT_DOUBLE_EQ(co.pue, 1.67);
  EXPECT_EQ(co.os, "fedcarbon simulated v100");

  // A Raspberry Pi 4 trains on its CPU: all its compute energy is cpu_energy.
  const energy::DeviceProfile pi = Profile("raspberry_pi_4");
  ASSERT_EQ(pi.processor, "cpu");
  const energy::PowerParts pi_w = energy::ComputePowerParts(pi, rows_[1].activity);
  EXPECT_NEAR(c1.cpu_energy, 2 * 3.3e-5 * (pi_w.processor_w + pi_w.cpu_w) / pi_w.total_w(),
              kRel * 6.6e-5);
  EXPECT_DOUBLE_EQ(c1.gpu_energy, 0.0);
  EXPECT_EQ(c1.gpu_count, 0);
  EXPECT_EQ(c1.cpu_count, 1);
  EXPECT_EQ(c1.cpu_model, "raspberry_pi_4");
  EXPECT_EQ(c1.on_cloud, "N");
  EXPECT_EQ(c1.tracking_mode, "machine");
  // A Jetson TX2 trains on its GPU.
  EXPECT_GT(c0.gpu_energy, 0.0);
  EXPECT_EQ(c0.gpu_count, 1);
}

TEST_F(ExportTest, PerRunIsOneRowWithTheLedgerTotals) {
  CodeCarbonOptions o;
  o.per = ExportPer::kRun;
  o.project_name = "fl-iid";
  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(rows_, catalog_, o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  const CodeCarbonRow& r = (*out)[0];
  EXPECT_NEAR(r.emissions, totals_.emissions_kg, kRel * totals_.emissions_kg);
  EXPECT_NEAR(r.energy_consumed, totals_.energy_kwh, kRel * totals_.energy_kwh);
  EXPECT_NEAR(r.comm_energy_kwh, totals_.comm_energy_kwh, kRel * totals_.comm_energy_kwh);
  EXPECT_NEAR(r.cpu_energy + r.gpu_energy + r.ram_energy, totals_.compute_energy_kwh,
              kRel * totals_.compute_energy_kwh);
  EXPECT_DOUBLE_EQ(r.duration, totals_.cost.compute_s + totals_.cost.comm_s);
  EXPECT_EQ(r.run_id, "run-7");
  EXPECT_EQ(r.project_name, "fl-iid");
  EXPECT_EQ(r.timestamp, "2024-01-01T12:02:00");
  EXPECT_EQ(r.country_name, "mixed");
  EXPECT_EQ(r.country_iso_code, "");
  EXPECT_EQ(r.region, "mixed");
  EXPECT_EQ(r.os, "fedcarbon simulated jetson_tx2+raspberry_pi_4+v100");
  EXPECT_EQ(r.gpu_count, 2);  // the Jetson and the V100
  EXPECT_EQ(r.cpu_count, 2);  // the Pi and the V100 server's host CPU
  EXPECT_EQ(r.gpu_model, "jetson_tx2+v100");
  EXPECT_EQ(r.cpu_model, "raspberry_pi_4+v100");
  EXPECT_EQ(r.on_cloud, "N");
  // Effective PUE: compute energy over the compute energy before PUE.
  const double it = 2 * 1.1e-4 / 1.67 + (1.7e-5 + 3.4e-5) + 2 * 3.3e-5;
  EXPECT_NEAR(r.pue, totals_.compute_energy_kwh / it, 1e-12);
}

TEST_F(ExportTest, CentralizedRunIsOneRowEitherWay) {
  std::vector<energy::LedgerRow> rows = {
      Row(0, -1, "centralized", "v100", "USA", 1.11, 1000.0, 0.0, 0.09, 0.0, 379.0)};
  for (ExportPer per : {ExportPer::kClient, ExportPer::kRun}) {
    CodeCarbonOptions o;
    o.per = per;
    Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(rows, catalog_, o);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), 1u);
    EXPECT_DOUBLE_EQ((*out)[0].emissions, rows[0].cost.emissions_kg);
    EXPECT_DOUBLE_EQ((*out)[0].pue, 1.11);
    EXPECT_EQ((*out)[0].run_id, per == ExportPer::kClient ? "run-7/centralized" : "run-7");
  }
}

TEST_F(ExportTest, CsvReadsBackWithEachVersionsColumnsAndExactNumbers) {
  for (energy::LedgerRow& row : rows_) row.run_id = "run, \"quoted\"";  // CSV must quote it
  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(rows_, catalog_, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (const char* header : {kHeader2_3, kHeader2_7, kHeader3_2}) {
    const CodeCarbonFormat f = Format(header == kHeader2_3   ? "2.3.4"
                                      : header == kHeader2_7 ? "2.7"
                                                             : "3.3.0");
    const std::string text = FormatCodeCarbonCsv(*out, f);
    EXPECT_EQ(text.substr(0, text.find('\n')), header);
    Result<CsvTable> t = ParseCsv(text, "emissions.csv");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->size(), out->size());
    const size_t run_id = *t->Find("run_id");
    const size_t emissions = *t->Find("emissions");
    const size_t energy = *t->Find("energy_consumed");
    EXPECT_EQ(t->rows()[0][run_id], "run, \"quoted\"/client-0");
    double kg = 0.0, kwh = 0.0;
    for (size_t i = 0; i < out->size(); ++i) {
      ASSERT_EQ(t->rows()[i].size(), f.columns.size());
      EXPECT_EQ(*ParseDouble(t->rows()[i][emissions], "emissions"), (*out)[i].emissions);
      EXPECT_EQ(*ParseDouble(t->rows()[i][energy], "energy"), (*out)[i].energy_consumed);
      kg += *ParseDouble(t->rows()[i][emissions], "emissions");
      kwh += *ParseDouble(t->rows()[i][energy], "energy");
    }
    // The file's sums are the ledger's, whatever the version.
    EXPECT_NEAR(kg, totals_.emissions_kg, kRel * totals_.emissions_kg);
    EXPECT_NEAR(kwh, totals_.energy_kwh, kRel * totals_.energy_kwh);
    const std::vector<std::string>& row0 = t->rows()[0];
    EXPECT_EQ(row0[*t->Find("codecarbon_version")], "");  // no CodeCarbon release measured it
    if (header != kHeader2_3) {
      EXPECT_EQ(row0[*t->Find("experiment_id")], "run, \"quoted\"");
    }
    if (header == kHeader3_2) {
      EXPECT_EQ(row0[*t->Find("water_consumed")], "0");
      EXPECT_EQ(row0[*t->Find("wue")], "0");
      for (const char* unmeasured : {"cpu_utilization_percent", "gpu_utilization_percent",
                                     "ram_utilization_percent", "ram_used_gb"}) {
        EXPECT_EQ(row0[*t->Find(unmeasured)], "") << unmeasured;
      }
    }
  }
}

// The host profile's processor power is per core and pricing multiplies it by the training
// threads (pricing.h); the export's split must use the same power. By hand, from the catalog's
// host profile (asserted below): P_proc = 12 W per core (u = 1: the host prices its measured
// seconds), threads = 2 -> 24 W; cpu_w = 0; RAM 2 GB x 0.3725 W/GB = 0.745 W; total 24.745 W.
// 100 s at PUE 1: compute energy 100 x 24.745 / 3.6e6 = 6.873611e-4 kWh, of which
//   cpu_energy = 100 x 24 / 3.6e6    = 6.666667e-4 kWh (24 / 24.745 of it)
//   ram_energy = 100 x 0.745 / 3.6e6 = 2.069444e-5 kWh (0.745 / 24.745)
// (ignoring the threads would give 12 / 12.745 and 0.745 / 12.745: ram 3.9486e-5 kWh).
TEST_F(ExportTest, HostSplitUsesTheThreadCountPricingUses) {
  const energy::DeviceProfile host = Profile("host");
  ASSERT_TRUE(host.is_host());
  ASSERT_EQ(host.processor, "cpu");
  ASSERT_EQ(host.cpu_w, 0.0);
  ASSERT_EQ(host.ram_gb, 2.0);
  ASSERT_EQ(host.memory_w_per_gb, 0.3725);

  energy::LedgerRow r = Row(1, 0, "client", "host", "USA", 1.0, 100.0, 0.0, 0.0, 0.0, 379.0);
  r.activity.compute_s = 100.0;
  r.activity.threads = 1;
  ASSERT_EQ(energy::ComputePowerParts(host, r.activity).processor_w, 12.0);  // W per core
  r.activity.threads = 2;
  EXPECT_EQ(energy::ComputePowerParts(host, r.activity).processor_w, 24.0);
  EXPECT_NEAR(energy::ComputePowerW(host, r.activity), 24.745, 1e-12);
  // The ledger's compute energy as pricing gives it.
  energy::PricingTarget target;
  target.device = "host";
  target.country = "USA";
  target.network = "qiu";
  Result<energy::Cost> priced = energy::Price(catalog_, r.activity, target);
  ASSERT_TRUE(priced.ok()) << priced.status().ToString();
  EXPECT_NEAR(priced->compute_energy_kwh, 6.873611111111111e-4, 1e-15);
  r.cost.compute_energy_kwh = priced->compute_energy_kwh;
  r.cost.energy_kwh = priced->compute_energy_kwh;

  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows({r}, catalog_, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  const CodeCarbonRow& c = (*out)[0];
  EXPECT_NEAR(c.cpu_energy, 6.666666666666667e-4, 1e-15);
  EXPECT_NEAR(c.ram_energy, 2.0694444444444444e-5, 1e-15);
  EXPECT_EQ(c.gpu_energy, 0.0);
  EXPECT_NEAR(c.cpu_power, 24.0, 1e-9);  // W: 6.666667e-4 kWh x 3.6e6 / 100 s
  EXPECT_NEAR(c.ram_power, 0.745, 1e-9);
}

TEST_F(ExportTest, BadInputIsNamed) {
  Result<ExportPer> per = ParseExportPer("round");
  ASSERT_FALSE(per.ok());
  EXPECT_TRUE(per.status().IsBadInput());
  EXPECT_THAT(per.status().message(), HasSubstr("'round'"));
  EXPECT_TRUE(ParseExportPer("client").ok());
  EXPECT_TRUE(ParseExportPer("run").ok());

  Result<std::vector<CodeCarbonRow>> none = ToCodeCarbonRows({}, catalog_, {});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().IsBadInput());

  rows_[4].device = "no_such_device";
  Result<std::vector<CodeCarbonRow>> bad = ToCodeCarbonRows(rows_, catalog_, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsBadInput());
  EXPECT_THAT(bad.status().message(), HasSubstr("ledger row 5 (round 2, client-1)"));
  EXPECT_THAT(bad.status().message(), HasSubstr("no_such_device"));
}

class ExportCliTest : public ExportTest {
 protected:
  void SetUp() override {
    ExportTest::SetUp();
    if (!std::filesystem::exists(std::string(FEDCARBON_BIN_DIR) + "/fedcarbon")) {
      GTEST_SKIP() << "fedcarbon is not built in " << FEDCARBON_BIN_DIR;
    }
    dir_ = testing::ScratchDir("fedcarbon_export");
    ASSERT_TRUE(energy::WriteLedger((dir_ / "ledger.csv").string(), rows_).ok());
    std::ofstream(dir_ / "summary.json") << R"({"name": "fl-export", "run_id": "run-7"})";
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The emissions column of an exported table, summed.
  static double SumEmissions(const CsvTable& t) {
    double kg = 0.0;
    for (const auto& row : t.rows()) kg += *ParseDouble(row[*t.Find("emissions")], "emissions");
    return kg;
  }
  std::filesystem::path dir_;
};

TEST_F(ExportCliTest, WritesEmissionsCsvPerClientAndPerRun) {
  Ran r = RunFedcarbon("export " + dir_.string() + " --format codecarbon");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string("CodeCarbon ") + kDefaultCodeCarbonVersion));
  const std::string text = testing::Slurp(dir_ / "emissions.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')), kHeader3_2);
  Result<CsvTable> t = ParseCsv(text, "emissions.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ(t->rows()[0][*t->Find("project_name")], "fl-export");
  EXPECT_NEAR(SumEmissions(*t), totals_.emissions_kg, kRel * totals_.emissions_kg);

  const std::filesystem::path run_csv = dir_ / "run.csv";
  r = RunFedcarbon("export " + dir_.string() + " --per run --codecarbon-version 2.3.4 --out " +
                   run_csv.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("CodeCarbon 2.3.4 header, 31 columns"));
  const std::string run_text = testing::Slurp(run_csv);
  EXPECT_EQ(run_text.substr(0, run_text.find('\n')), kHeader2_3);
  t = ParseCsv(run_text, "run.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_NEAR(SumEmissions(*t), totals_.emissions_kg, kRel * totals_.emissions_kg);
  EXPECT_NEAR(*ParseDouble(t->rows()[0][*t->Find("energy_consumed")], "energy"), totals_.energy_kwh,
              kRel * totals_.energy_kwh);
}

TEST_F(ExportCliTest, BadInputExitsTwoAndWritesNothing) {
  const std::filesystem::path empty = dir_ / "no-ledger";
  std::filesystem::create_directories(empty / "fl_iid");
  std::filesystem::copy_file(dir_ / "ledger.csv", empty / "fl_iid" / "ledger.csv");
  Ran r = RunFedcarbon("export " + empty.string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr((empty / "ledger.csv").string()));
  EXPECT_THAT(r.output, HasSubstr("fl_iid"));  // a reproduction folder: names its run folders
  EXPECT_FALSE(std::filesystem::exists(empty / "emissions.csv"));

  r = RunFedcarbon("export " + (dir_ / "no-such-run").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no-such-run"));

  r = RunFedcarbon("export " + dir_.string() + " --format carbontracker");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("'carbontracker'"));
  r = RunFedcarbon("export " + dir_.string() + " --per round");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("'round'"));
  r = RunFedcarbon("export " + dir_.string() + " --codecarbon-version 3.0.0");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("'3.0.0'"));
  EXPECT_THAT(r.output, HasSubstr("3.2.5 to 3.3.x"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "emissions.csv"));
}

}  // namespace
}  // namespace fedcarbon::experiment
