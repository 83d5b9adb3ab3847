// `fedcarbon export --format codecarbon`: CodeCarbon's exact header, rows per party or per run
// whose emissions and energy add up to the ledger's, the compute-energy split, and the command.
#include "fedcarbon/experiment/export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "experiment/scratch.h"
#include "fedcarbon/common/csv.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;
using testing::Ran;
using testing::RunFedcarbon;

// A literal copy of the header of CodeCarbon's emissions.csv.
constexpr const char* kCodeCarbonHeader =
    "timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,"
    "region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,"
    "gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue";

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

TEST_F(ExportTest, HeaderEqualsCodeCarbons) {
  EXPECT_EQ(CodeCarbonHeader(), kCodeCarbonHeader);
  EXPECT_EQ(kCodeCarbonColumnCount, 31);
  const std::string text = FormatCodeCarbonCsv({});
  EXPECT_EQ(text, std::string(kCodeCarbonHeader) + "\n");
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
  const double w = v100.ComputePowerW();
  EXPECT_NEAR(co.gpu_energy, e * v100.ProcessorPowerW() / w, kRel * e);
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
  EXPECT_NEAR(c1.cpu_energy, 2 * 3.3e-5 * (pi.ProcessorPowerW() + pi.cpu_w) / pi.ComputePowerW(),
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

TEST_F(ExportTest, CsvReadsBackWithCodeCarbonsColumnsAndExactNumbers) {
  for (energy::LedgerRow& row : rows_) row.run_id = "run, \"quoted\"";  // CSV must quote it
  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(rows_, catalog_, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::string text = FormatCodeCarbonCsv(*out);
  EXPECT_EQ(text.substr(0, text.find('\n')), kCodeCarbonHeader);
  Result<CsvTable> t = ParseCsv(text, "emissions.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), out->size());
  const size_t run_id = *t->Find("run_id");
  const size_t emissions = *t->Find("emissions");
  const size_t energy = *t->Find("energy_consumed");
  EXPECT_EQ(t->rows()[0][run_id], "run, \"quoted\"/client-0");
  for (size_t i = 0; i < out->size(); ++i) {
    EXPECT_EQ(*ParseDouble(t->rows()[i][emissions], "emissions"), (*out)[i].emissions);
    EXPECT_EQ(*ParseDouble(t->rows()[i][energy], "energy"), (*out)[i].energy_consumed);
  }
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
  const std::string text = testing::Slurp(dir_ / "emissions.csv");
  EXPECT_EQ(text.substr(0, text.find('\n')), kCodeCarbonHeader);
  Result<CsvTable> t = ParseCsv(text, "emissions.csv");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ(t->rows()[0][*t->Find("project_name")], "fl-export");
  EXPECT_NEAR(SumEmissions(*t), totals_.emissions_kg, kRel * totals_.emissions_kg);

  const std::filesystem::path run_csv = dir_ / "run.csv";
  r = RunFedcarbon("export " + dir_.string() + " --per run --out " + run_csv.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  t = ParseCsv(testing::Slurp(run_csv), "run.csv");
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
  EXPECT_FALSE(std::filesystem::exists(dir_ / "emissions.csv"));
}

}  // namespace
}  // namespace fedcarbon::experiment
