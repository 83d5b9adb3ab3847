// CodeCarbon's emissions.csv headers by version, and one row's value for each column (see
// include/fedcarbon/experiment/export.h). CodeCarbon writes the fields of its EmissionsData
// dataclass in declaration order (codecarbon/output.py in 2.x up to 2.3, then
// codecarbon/output_methods/emissions_data.py), so a header is that field list.
//
// Sources (mlco2/codecarbon unless said otherwise); a version with no list read from a source is
// refused rather than guessed:
//   kColumns2_3: the 31 fields of 2.2.3 to 2.6.x. The dataclass file at those tags is not in the
//     stored code this list was established from; the list is the header CodeCarbon itself wrote
//     with codecarbon_version 2.3.3 (emissions.csv quoted in mlco2/codecarbon issue #544),
//     2.2.3, 2.3.4, 2.3.5 and 2.4.2 (emissions.csv files on huggingface.co), identical in all;
//     2.5 and 2.6 rest on issue 20's report of "2.3.4 to 2.6.0".
//   kColumns2_7: codecarbon/output_methods/emissions_data.py, EmissionsData field order, at
//     commit 118873936dadf2608ae4d2af9862fcca4c2fe3d6 (experiment_id added, PR #594 after #463);
//     the same 32 columns in an emissions.csv written by 2.8.3 (huggingface.co). 2.7.0 as the
//     first version: issue 20's report.
//   kColumns3_2: emissions_data.py, EmissionsData field order, in the latest stored revision
//     (the one that adds EnergyCheckpoint; its commit is not named by the store), matching the
//     38-column header of an emissions.csv written by 3.2.5 (huggingface.co) and PR #1373
//     (2026-08-12, after 3.3.0) checking the docs' table against that dataclass.
//   3.0.0 to 3.2.4: the only 3.x-era revision read (commit
//     0999d9c19705dc9518dc1d74d0eb83eac20f36f0) puts utilisation fields after emissions_rate and
//     has no gpu_utilization_percent; no release is known to have written it, so it is not used.
#include <spdlog/fmt/fmt.h>

#include <array>
#include <cctype>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/experiment/export.h"

namespace fedcarbon::experiment {
namespace {

const char* const kColumns2_3[] = {"timestamp",
                                   "project_name",
                                   "run_id",
                                   "duration",
                                   "emissions",
                                   "emissions_rate",
                                   "cpu_power",
                                   "gpu_power",
                                   "ram_power",
                                   "cpu_energy",
                                   "gpu_energy",
                                   "ram_energy",
                                   "energy_consumed",
                                   "country_name",
                                   "country_iso_code",
                                   "region",
                                   "cloud_provider",
                                   "cloud_region",
                                   "os",
                                   "python_version",
                                   "codecarbon_version",
                                   "cpu_count",
                                   "cpu_model",
                                   "gpu_count",
                                   "gpu_model",
                                   "longitude",
                                   "latitude",
                                   "ram_total_size",
                                   "tracking_mode",
                                   "on_cloud",
                                   "pue"};

const char* const kColumns2_7[] = {
    "timestamp",      "project_name",       "run_id",         "experiment_id",
    "duration",       "emissions",          "emissions_rate", "cpu_power",
    "gpu_power",      "ram_power",          "cpu_energy",     "gpu_energy",
    "ram_energy",     "energy_consumed",    "country_name",   "country_iso_code",
    "region",         "cloud_provider",     "cloud_region",   "os",
    "python_version", "codecarbon_version", "cpu_count",      "cpu_model",
    "gpu_count",      "gpu_model",          "longitude",      "latitude",
    "ram_total_size", "tracking_mode",      "on_cloud",       "pue"};

const char* const kColumns3_2[] = {"timestamp",
                                   "project_name",
                                   "run_id",
                                   "experiment_id",
                                   "duration",
                                   "emissions",
                                   "emissions_rate",
                                   "cpu_power",
                                   "gpu_power",
                                   "ram_power",
                                   "cpu_energy",
                                   "gpu_energy",
                                   "ram_energy",
                                   "energy_consumed",
                                   "water_consumed",
                                   "country_name",
                                   "country_iso_code",
                                   "region",
                                   "cloud_provider",
                                   "cloud_region",
                                   "os",
                                   "python_version",
                                   "codecarbon_version",
                                   "cpu_count",
                                   "cpu_model",
                                   "gpu_count",
                                   "gpu_model",
                                   "longitude",
                                   "latitude",
                                   "ram_total_size",
                                   "tracking_mode",
                                   "cpu_utilization_percent",
                                   "gpu_utilization_percent",
                                   "ram_utilization_percent",
                                   "ram_used_gb",
                                   "on_cloud",
                                   "pue",
                                   "wue"};

using Version = std::array<int, 3>;  // major, minor, patch

// Versions in [first, end) write `columns`.
struct VersionRange {
  Version first;
  Version end;
  const char* text;  // for messages
  const char* const* columns;
  size_t column_count;
};

template <size_t N>
constexpr VersionRange Range(Version first, Version end, const char* text,
                             const char* const (&columns)[N]) {
  return {first, end, text, columns, N};
}

const VersionRange kVersions[] = {
    Range({2, 2, 3}, {2, 7, 0}, "2.2.3 to 2.6.x", kColumns2_3),
    Range({2, 7, 0}, {3, 0, 0}, "2.7.0 to 2.x", kColumns2_7),
    Range({3, 2, 5}, {3, 4, 0}, "3.2.5 to 3.3.x", kColumns3_2),
};

// "3", "2.7", "2.3.4" -> {major, minor, patch}; false for anything else.
bool ParseVersion(const std::string& text, Version* out) {
  Version v = {0, 0, 0};
  size_t part = 0, digits = 0;
  for (char c : text) {
    if (c == '.') {
      if (digits == 0 || ++part >= v.size()) return false;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c)) && digits < 6) {
      v[part] = v[part] * 10 + (c - '0');
      ++digits;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  *out = v;
  return true;
}

std::string Num(double v) { return fmt::format("{}", v); }  // shortest text that reads back

}  // namespace

std::string SupportedCodeCarbonVersions() {
  std::string s;
  for (const VersionRange& r : kVersions) s += (s.empty() ? "" : ", ") + std::string(r.text);
  return s;
}

Result<CodeCarbonFormat> CodeCarbonFormatFor(const std::string& version) {
  const std::string text = version.empty() ? kDefaultCodeCarbonVersion : version;
  Version v;
  if (ParseVersion(text, &v)) {
    for (const VersionRange& r : kVersions) {
      if (v >= r.first && v < r.end) {
        return CodeCarbonFormat{text, {r.columns, r.columns + r.column_count}};
      }
    }
  }
  return Status::InvalidArgument("unsupported --codecarbon-version '" + text +
                                 "' (supported: " + SupportedCodeCarbonVersions() +
                                 "; 3.0.0 to 3.2.4 have no sourced column list)");
}

std::string CodeCarbonHeader(const CodeCarbonFormat& format) {
  std::string h;
  for (const std::string& c : format.columns) h += (h.empty() ? "" : ",") + c;
  return h;
}

namespace {

// One column of a row as CSV text; a column fedcarbon has no value for is empty.
std::string Field(const CodeCarbonRow& r, const std::string& column) {
  static const std::array<std::pair<const char*, double CodeCarbonRow::*>, 13> kNumbers = {{
      {"duration", &CodeCarbonRow::duration},
      {"emissions", &CodeCarbonRow::emissions},
      {"emissions_rate", &CodeCarbonRow::emissions_rate},
      {"cpu_power", &CodeCarbonRow::cpu_power},
      {"gpu_power", &CodeCarbonRow::gpu_power},
      {"ram_power", &CodeCarbonRow::ram_power},
      {"cpu_energy", &CodeCarbonRow::cpu_energy},
      {"gpu_energy", &CodeCarbonRow::gpu_energy},
      {"ram_energy", &CodeCarbonRow::ram_energy},
      {"energy_consumed", &CodeCarbonRow::energy_consumed},
      {"water_consumed", &CodeCarbonRow::water_consumed},
      {"ram_total_size", &CodeCarbonRow::ram_total_size},
      {"pue", &CodeCarbonRow::pue},
  }};
  static const std::array<std::pair<const char*, std::string CodeCarbonRow::*>, 17> kTexts = {{
      {"timestamp", &CodeCarbonRow::timestamp},
      {"project_name", &CodeCarbonRow::project_name},
      {"run_id", &CodeCarbonRow::run_id},
      {"experiment_id", &CodeCarbonRow::experiment_id},
      {"country_name", &CodeCarbonRow::country_name},
      {"country_iso_code", &CodeCarbonRow::country_iso_code},
      {"region", &CodeCarbonRow::region},
      {"cloud_provider", &CodeCarbonRow::cloud_provider},
      {"cloud_region", &CodeCarbonRow::cloud_region},
      {"os", &CodeCarbonRow::os},
      {"python_version", &CodeCarbonRow::python_version},
      {"codecarbon_version", &CodeCarbonRow::codecarbon_version},
      {"cpu_model", &CodeCarbonRow::cpu_model},
      {"gpu_model", &CodeCarbonRow::gpu_model},
      {"longitude", &CodeCarbonRow::longitude},
      {"latitude", &CodeCarbonRow::latitude},
      {"tracking_mode", &CodeCarbonRow::tracking_mode},
  }};
  for (const auto& [name, field] : kNumbers) {
    if (column == name) return Num(r.*field);
  }
  for (const auto& [name, field] : kTexts) {
    if (column == name) return CsvField(r.*field);
  }
  if (column == "cpu_count") return std::to_string(r.cpu_count);
  if (column == "gpu_count") return std::to_string(r.gpu_count);
  if (column == "on_cloud") return CsvField(r.on_cloud);
  if (column == "wue") return Num(r.wue);
  return "";  // cpu/gpu/ram_utilization_percent, ram_used_gb: not measured
}

}  // namespace

std::string FormatCodeCarbonCsv(const std::vector<CodeCarbonRow>& rows,
                                const CodeCarbonFormat& format) {
  std::string text = CodeCarbonHeader(format) + "\n";
  for (const CodeCarbonRow& r : rows) {
    for (size_t i = 0; i < format.columns.size(); ++i) {
      if (i > 0) text += ',';
      text += Field(r, format.columns[i]);
    }
    text += '\n';
  }
  return text;
}

}  // namespace fedcarbon::experiment
