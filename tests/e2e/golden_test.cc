// Golden runs: `fedcarbon run` of fixed-seed configs must write the same ledger.csv, rounds.csv
// and summary.json as the committed files in tests/golden/<name>/, made by the code before the
// coordinator was split by job. What may differ: time stamps, the run id (it holds the start
// time), measured seconds and RAPL readings; the ledger's row order (client results arrive in
// any order) and the last bits of sums over those rows. summary.json's "cpu" block (measured CPU
// seconds, added after the golden files were made) is not compared: the golden files lack it.
//
// Each config runs on this build and, when the two-build test is on (cmake/TwoBuild.cmake), on a
// second build of fedcarbon-server and fedcarbon-client for another vector width: both must match
// the same files, so a sum whose order depends on the processor fails here. Which pair ran is in
// the test names and printed by each test.
//
// To regenerate after an intended change of the numbers: FEDCARBON_UPDATE_GOLDEN=1 and run this
// test; the portable build (x86-64-v3) writes the files, then say why in the commit.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/csv.h"

namespace fedcarbon {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(FEDCARBON_SOURCE_DIR) / "tests" / "golden";

// Columns that hold wall-clock time, the start time or a host measurement.
const std::set<std::string> kLedgerSkip = {"timestamp", "run_id", "compute_s", "wall_s",
                                           "measured_energy_kwh"};
const std::set<std::string> kRoundsSkip = {"wall_s", "collect_s", "eval_s"};
const std::set<std::string> kSummarySkip = {"run_id", "wall_s", "measured_energy_kwh"};
// Measured blocks written after the golden files were made: left out of the comparison (keys
// included) at the top level of summary.json.
const std::set<std::string> kSummaryMeasuredBlocks = {"cpu"};

// The table without the skipped columns, rows sorted (so that arrival order does not matter).
std::vector<std::vector<std::string>> Comparable(const CsvTable& t,
                                                 const std::set<std::string>& skip,
                                                 std::vector<std::string>* header) {
  std::vector<size_t> keep;
  header->clear();
  for (size_t i = 0; i < t.header().size(); ++i) {
    if (skip.count(t.header()[i])) continue;
    keep.push_back(i);
    header->push_back(t.header()[i]);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t.rows()) {
    std::vector<std::string> row;
    for (size_t i : keep) row.push_back(r[i]);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

void ExpectSameCsv(const fs::path& want_path, const fs::path& got_path,
                   const std::set<std::string>& skip) {
  Result<CsvTable> want = ReadCsv(want_path.string());
  Result<CsvTable> got = ReadCsv(got_path.string());
  ASSERT_TRUE(want.ok()) << want.status().message();
  ASSERT_TRUE(got.ok()) << got.status().message();
  std::vector<std::string> want_header, got_header;
  const auto want_rows = Comparable(*want, skip, &want_header);
  const auto got_rows = Comparable(*got, skip, &got_header);
  ASSERT_EQ(got_header, want_header) << got_path;
  ASSERT_EQ(got_rows.size(), want_rows.size()) << got_path;
  for (size_t r = 0; r < want_rows.size(); ++r) {
    for (size_t c = 0; c < want_header.size(); ++c) {
      EXPECT_EQ(got_rows[r][c], want_rows[r][c])
          << got_path.filename() << " sorted row " << r << ", column " << want_header[c];
    }
  }
}

// Same keys everywhere; same strings, booleans and integers; floating-point sums equal to 1e-12
// relative (their order of summation follows the order results arrived in).
void ExpectSameJson(const nlohmann::json& want, const nlohmann::json& got, const std::string& at) {
  if (want.is_object()) {
    ASSERT_TRUE(got.is_object()) << at;
    std::set<std::string> want_keys, got_keys;
    const bool top = at == "summary.json";
    for (const auto& [k, v] : want.items())
      if (!top || !kSummaryMeasuredBlocks.count(k)) want_keys.insert(k);
    for (const auto& [k, v] : got.items())
      if (!top || !kSummaryMeasuredBlocks.count(k)) got_keys.insert(k);
    EXPECT_EQ(got_keys, want_keys) << at;
    for (const auto& [k, v] : want.items()) {
      if (kSummarySkip.count(k) || !got.contains(k) || (top && kSummaryMeasuredBlocks.count(k)))
        continue;
      ExpectSameJson(v, got[k], at + "." + k);
    }
  } else if (want.is_number_float() || got.is_number_float()) {
    ASSERT_TRUE(got.is_number()) << at;
    const double w = want.get<double>(), g = got.get<double>();
    EXPECT_LE(std::abs(g - w), 1e-12 * std::max(std::abs(w), 1e-300))
        << at << ": " << g << " vs " << w;
  } else {
    EXPECT_EQ(got, want) << at;
  }
}

nlohmann::json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// A build of fedcarbon-server and fedcarbon-client: this one, or the two-build test's second.
struct Build {
  std::string id;       // part of the test name
  std::string bin_dir;  // "" = this build's (fedcarbon's own folder)
  bool writes_golden;   // the portable build: FEDCARBON_UPDATE_GOLDEN rewrites from its runs
};

#if defined(FEDCARBON_SECOND_BIN_DIR)
const Build kThisBuild{"this_build", "", FEDCARBON_SECOND_IS_PORTABLE == 0};
const Build kSecondBuild{"second_build", FEDCARBON_SECOND_BIN_DIR,
                         FEDCARBON_SECOND_IS_PORTABLE != 0};
const std::string kPair = FEDCARBON_SECOND_BUILD;
#else
const Build kThisBuild{"this_build", "", true};
const std::string kPair = "this build only (FEDCARBON_TWO_BUILD_TEST=OFF)";
#endif

struct GoldenCase {
  std::string config;  // tests/golden/<config>.json
  Build build;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.config << " on " << c.build.id; }

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.config + "_" + info.param.build.id;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class GoldenRunTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenRunTest, LedgerRoundsAndSummaryMatchTheGoldenFiles) {
  const std::string name = GetParam().config;
  const Build& build = GetParam().build;
  std::printf("builds compared: %s; this test runs the %s\n", kPair.c_str(),
              build.bin_dir.empty() ? "first" : "second");
  ::testing::Test::RecordProperty("builds", kPair);
  const std::string bin = std::string(FEDCARBON_BIN_DIR) + "/fedcarbon";
  ASSERT_TRUE(fs::exists(bin)) << bin << " is not built";
  if (!build.bin_dir.empty()) {
    ASSERT_TRUE(fs::exists(build.bin_dir + "/fedcarbon-server") &&
                fs::exists(build.bin_dir + "/fedcarbon-client"))
        << "the second build is missing from " << build.bin_dir
        << " (target fedcarbon_second_build)";
  }
  const fs::path out = fs::temp_directory_path() / ("fedcarbon_golden_" + name + "_" + build.id +
                                                    "_" + std::to_string(getpid()));
  fs::remove_all(out);
  std::string cmd =
      bin + " run " + (kGolden / (name + ".json")).string() + " --out " + out.string() + " --quiet";
  if (!build.bin_dir.empty()) cmd += " --bin-dir " + build.bin_dir;
  cmd += " > " + out.string() + ".log 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "fedcarbon run failed; see " << out.string() << ".log";
  const fs::path want = kGolden / name;
  if (std::getenv("FEDCARBON_UPDATE_GOLDEN") != nullptr) {
    if (!build.writes_golden) GTEST_SKIP() << "update mode: the portable build writes the files";
    fs::create_directories(want);
    for (const char* f : {"ledger.csv", "rounds.csv"})
      fs::copy_file(out / f, want / f, fs::copy_options::overwrite_existing);
    // summary.json without its host measurements (kSummaryMeasuredBlocks): not part of a golden.
    nlohmann::json summary = ReadJson(out / "summary.json");
    for (const std::string& block : kSummaryMeasuredBlocks) summary.erase(block);
    std::ofstream(want / "summary.json") << summary.dump(2) << "\n";
    GTEST_SKIP() << "golden files of " << name << " rewritten";
  }
  ExpectSameCsv(want / "ledger.csv", out / "ledger.csv", kLedgerSkip);
  ExpectSameCsv(want / "rounds.csv", out / "rounds.csv", kRoundsSkip);
  const nlohmann::json want_summary = ReadJson(want / "summary.json");
  const nlohmann::json got_summary = ReadJson(out / "summary.json");
  ASSERT_FALSE(want_summary.is_discarded());
  ASSERT_FALSE(got_summary.is_discarded());
  ExpectSameJson(want_summary, got_summary, "summary.json");
  EXPECT_TRUE(got_summary.contains("cpu") && got_summary["cpu"].is_object());  // not compared
  if (!::testing::Test::HasFailure()) fs::remove_all(out);
}

// mlp-mixed: MLP, mixed devices and countries, fp16 updates, FedProx (seconds);
// table4-iid-3: the Table 4 IID setting, CNN, 3 rounds (minutes on 2 cores).
std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  for (const char* config : {"mlp-mixed", "table4-iid-3"}) {
    cases.push_back({config, kThisBuild});
#if defined(FEDCARBON_SECOND_BIN_DIR)
    cases.push_back({config, kSecondBuild});
#endif
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Runs, GoldenRunTest, ::testing::ValuesIn(Cases()), CaseName);

}  // namespace
}  // namespace fedcarbon
