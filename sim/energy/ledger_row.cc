// Ledger rows: CSV formatting, parsing and validation (see ledger.h).
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::energy {

const char* const kLedgerColumns[] = {"timestamp",
                                      "run_id",
                                      "round",
                                      "client_id",
                                      "role",
                                      "country_iso_code",
                                      "device",
                                      "pue",
                                      "network",
                                      "flops",
                                      "samples",
                                      "bytes_down",
                                      "bytes_up",
                                      "compute_s",
                                      "wall_s",
                                      "device_compute_s",
                                      "comm_s",
                                      "compute_energy_kwh",
                                      "comm_energy_kwh",
                                      "energy_kwh",
                                      "carbon_intensity_g_per_kwh",
                                      "emissions_kg",
                                      "measured_energy_kwh",
                                      "zone",
                                      "sim_start",
                                      "sim_end",
                                      "intensity_source",
                                      "status"};
const int kLedgerColumnCount = static_cast<int>(sizeof(kLedgerColumns) / sizeof(kLedgerColumns[0]));

namespace {

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string Num(uint64_t v) { return std::to_string(v); }
std::string Num(int64_t v) { return std::to_string(v); }
std::string Num(int v) { return std::to_string(v); }

Status ColumnError(int col, const std::string& what, const std::string& field) {
  return Status::Corruption("column '" + std::string(kLedgerColumns[col]) + "': " + what + ": '" +
                            field + "'");
}

Status ParseDouble(const std::string& f, int col, double* out) {
  if (f.empty()) return ColumnError(col, "not a number", f);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(f.c_str(), &end);
  if (end != f.c_str() + f.size() || errno == ERANGE || !std::isfinite(v)) {
    return ColumnError(col, "not a finite number", f);
  }
  *out = v;
  return Status::OK();
}

Status ParseInt(const std::string& f, int col, int64_t lo, int64_t hi, int64_t* out) {
  if (f.empty()) return ColumnError(col, "not an integer", f);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(f.c_str(), &end, 10);
  if (end != f.c_str() + f.size() || errno == ERANGE || v < lo || v > hi) {
    return ColumnError(col, "not an integer in range", f);
  }
  *out = v;
  return Status::OK();
}

Status ParseU64(const std::string& f, int col, uint64_t* out) {
  if (f.empty() || f[0] < '0' || f[0] > '9') {
    return ColumnError(col, "not a non-negative integer", f);
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(f.c_str(), &end, 10);
  if (end != f.c_str() + f.size() || errno == ERANGE) {
    return ColumnError(col, "not a non-negative integer", f);
  }
  *out = v;
  return Status::OK();
}

bool CleanText(const std::string& s) { return s.find_first_of(",\"\n\r") == std::string::npos; }

Status CheckNonNegative(double v, int col) {
  if (!std::isfinite(v) || v < 0.0) return ColumnError(col, "must be finite and >= 0", Num(v));
  return Status::OK();
}

}  // namespace

std::string LedgerHeader() {
  std::string out;
  for (int i = 0; i < kLedgerColumnCount; ++i) {
    if (i) out += ',';
    out += kLedgerColumns[i];
  }
  return out;
}

Status ValidateRow(const LedgerRow& r) {
  if (!std::isfinite(r.timestamp) || r.timestamp < 0)
    return ColumnError(0, "bad", Num(r.timestamp));
  if (!CleanText(r.run_id)) return ColumnError(1, "contains , \" or a line break", r.run_id);
  if (r.round < 0) return ColumnError(2, "must be >= 0", Num(r.round));
  if (r.client_id < -1) return ColumnError(3, "must be >= -1", Num(r.client_id));
  if (r.role != "client" && r.role != "coordinator" && r.role != "centralized") {
    return ColumnError(4, "not client, coordinator or centralized", r.role);
  }
  if ((r.role == "client") != (r.client_id >= 0)) {
    return ColumnError(3, "client rows need client_id >= 0, others -1", Num(r.client_id));
  }
  const std::pair<int, const std::string*> texts[] = {
      {5, &r.country_iso_code}, {6, &r.device}, {8, &r.network}};
  for (const auto& [col, text] : texts) {
    if (text->empty() || !CleanText(*text)) {
      return ColumnError(col, "empty or contains , \" or a line break", *text);
    }
  }
  if (!std::isfinite(r.pue) || r.pue < 1.0) return ColumnError(7, "must be >= 1", Num(r.pue));
  if (r.activity.samples < 0) return ColumnError(10, "must be >= 0", Num(r.activity.samples));
  const std::pair<int, double> nonneg[] = {
      {13, r.activity.compute_s},      {14, r.activity.wall_s},
      {15, r.cost.compute_s},          {16, r.cost.comm_s},
      {17, r.cost.compute_energy_kwh}, {18, r.cost.comm_energy_kwh},
      {19, r.cost.energy_kwh},         {20, r.cost.carbon_intensity_g_per_kwh},
      {21, r.cost.emissions_kg}};
  for (const auto& [col, v] : nonneg) FEDCARBON_RETURN_IF_ERROR(CheckNonNegative(v, col));
  if (!std::isfinite(r.measured_energy_kwh) ||
      (r.measured_energy_kwh < 0 && r.measured_energy_kwh != -1.0)) {
    return ColumnError(22, "must be >= 0 or -1", Num(r.measured_energy_kwh));
  }
  if (!CleanText(r.zone)) return ColumnError(23, "contains , \" or a line break", r.zone);
  FEDCARBON_RETURN_IF_ERROR(CheckNonNegative(r.sim_start, 24));
  if (!std::isfinite(r.sim_end) || r.sim_end < r.sim_start)
    return ColumnError(25, "must be finite and >= sim_start", Num(r.sim_end));
  if (r.intensity_source != "annual" && r.intensity_source != "hourly")
    return ColumnError(26, "not annual or hourly", r.intensity_source);
  if (r.intensity_source == "hourly" && r.zone.empty())
    return ColumnError(26, "hourly needs a zone", r.intensity_source);
  if (r.status != "used" && r.status != "late" && r.status != "offline")
    return ColumnError(27, "not used, late or offline", r.status);
  return Status::OK();
}

std::string FormatLedgerRow(const LedgerRow& r) {
  const std::string fields[] = {Num(r.timestamp),
                                r.run_id,
                                Num(r.round),
                                Num(r.client_id),
                                r.role,
                                r.country_iso_code,
                                r.device,
                                Num(r.pue),
                                r.network,
                                Num(r.activity.flops),
                                Num(r.activity.samples),
                                Num(r.activity.bytes_down),
                                Num(r.activity.bytes_up),
                                Num(r.activity.compute_s),
                                Num(r.activity.wall_s),
                                Num(r.cost.compute_s),
                                Num(r.cost.comm_s),
                                Num(r.cost.compute_energy_kwh),
                                Num(r.cost.comm_energy_kwh),
                                Num(r.cost.energy_kwh),
                                Num(r.cost.carbon_intensity_g_per_kwh),
                                Num(r.cost.emissions_kg),
                                Num(r.measured_energy_kwh),
                                r.zone,
                                Num(r.sim_start),
                                Num(r.sim_end),
                                r.intensity_source,
                                r.status};
  static_assert(sizeof(fields) / sizeof(fields[0]) == 28);
  std::string out;
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i) {
    if (i) out += ',';
    out += fields[i];
  }
  return out;
}

Result<LedgerRow> ParseLedgerRow(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    f.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
    if (f.size() > static_cast<size_t>(kLedgerColumnCount)) break;
  }
  if (f.size() != static_cast<size_t>(kLedgerColumnCount)) {
    return Status::Corruption(
        "expected " + std::to_string(kLedgerColumnCount) + " columns, got " +
        (f.size() > static_cast<size_t>(kLedgerColumnCount) ? "more" : std::to_string(f.size())));
  }
  LedgerRow r;
  int64_t i64 = 0;
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[0], 0, &r.timestamp));
  r.run_id = f[1];
  FEDCARBON_RETURN_IF_ERROR(ParseInt(f[2], 2, 0, INT32_MAX, &i64));
  r.round = static_cast<int>(i64);
  FEDCARBON_RETURN_IF_ERROR(ParseInt(f[3], 3, -1, INT32_MAX, &i64));
  r.client_id = static_cast<int>(i64);
  r.role = f[4];
  r.country_iso_code = f[5];
  r.device = f[6];
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[7], 7, &r.pue));
  r.network = f[8];
  FEDCARBON_RETURN_IF_ERROR(ParseU64(f[9], 9, &r.activity.flops));
  FEDCARBON_RETURN_IF_ERROR(ParseInt(f[10], 10, 0, INT64_MAX, &r.activity.samples));
  FEDCARBON_RETURN_IF_ERROR(ParseU64(f[11], 11, &r.activity.bytes_down));
  FEDCARBON_RETURN_IF_ERROR(ParseU64(f[12], 12, &r.activity.bytes_up));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[13], 13, &r.activity.compute_s));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[14], 14, &r.activity.wall_s));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[15], 15, &r.cost.compute_s));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[16], 16, &r.cost.comm_s));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[17], 17, &r.cost.compute_energy_kwh));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[18], 18, &r.cost.comm_energy_kwh));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[19], 19, &r.cost.energy_kwh));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[20], 20, &r.cost.carbon_intensity_g_per_kwh));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[21], 21, &r.cost.emissions_kg));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[22], 22, &r.measured_energy_kwh));
  r.zone = f[23];
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[24], 24, &r.sim_start));
  FEDCARBON_RETURN_IF_ERROR(ParseDouble(f[25], 25, &r.sim_end));
  r.intensity_source = f[26];
  r.status = f[27];
  FEDCARBON_RETURN_IF_ERROR(ValidateRow(r));
  return r;
}

}  // namespace fedcarbon::energy
