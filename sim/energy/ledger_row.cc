// Ledger rows: CSV formatting, parsing and validation (see ledger.h). One table, kColumns, lists
// every column once with how it is written and read; the header, FormatLedgerRow and the parsers
// all walk it.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <spdlog/fmt/fmt.h>

#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::energy {
namespace {

std::string Num(double v) { return fmt::format("{:.17g}", v); }
std::string Num(uint64_t v) { return std::to_string(v); }
std::string Num(int64_t v) { return std::to_string(v); }
std::string Num(int v) { return std::to_string(v); }

Status ColumnError(const char* col, const std::string& what, const std::string& field) {
  return Status::Corruption(fmt::format("column '{}': {}: '{}'", col, what, field));
}

Status ParseDouble(const std::string& f, const char* col, double* out) {
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

Status ParseInt(const std::string& f, const char* col, int64_t lo, int64_t hi, int64_t* out) {
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

Status ParseInt32(const std::string& f, const char* col, int64_t lo, int* out) {
  int64_t v = 0;
  FEDCARBON_RETURN_IF_ERROR(ParseInt(f, col, lo, INT32_MAX, &v));
  *out = static_cast<int>(v);
  return Status::OK();
}

Status ParseU64(const std::string& f, const char* col, uint64_t* out) {
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

Status CheckNonNegative(double v, const char* col) {
  if (!std::isfinite(v) || v < 0.0) return ColumnError(col, "must be finite and >= 0", Num(v));
  return Status::OK();
}

using Formatter = std::string (*)(const LedgerRow&);
using Parser = Status (*)(const std::string&, LedgerRow*);

struct Column {
  const char* name;
  Formatter format;
  Parser parse;
};

#define FC_TEXT(col, member)                                                                   \
  Column {                                                                                     \
    col, [](const LedgerRow& r) { return r.member; }, [](const std::string& f, LedgerRow* r) { \
      r->member = f;                                                                           \
      return Status::OK();                                                                     \
    }                                                                                          \
  }
#define FC_DOUBLE(col, member)                                                             \
  Column {                                                                                 \
    col, [](const LedgerRow& r) { return Num(r.member); },                                 \
        [](const std::string& f, LedgerRow* r) { return ParseDouble(f, col, &r->member); } \
  }
#define FC_U64(col, member)                                                             \
  Column {                                                                              \
    col, [](const LedgerRow& r) { return Num(r.member); },                              \
        [](const std::string& f, LedgerRow* r) { return ParseU64(f, col, &r->member); } \
  }
#define FC_INT(col, member, lo)                                                               \
  Column {                                                                                    \
    col, [](const LedgerRow& r) { return Num(r.member); },                                    \
        [](const std::string& f, LedgerRow* r) { return ParseInt32(f, col, lo, &r->member); } \
  }

// The columns, in file order (the current version).
const Column kColumns[] = {
    FC_DOUBLE("timestamp", timestamp),
    FC_TEXT("run_id", run_id),
    FC_INT("round", round, 0),
    FC_INT("client_id", client_id, -1),
    FC_TEXT("role", role),
    FC_TEXT("country_iso_code", country_iso_code),
    FC_TEXT("device", device),
    FC_DOUBLE("pue", pue),
    FC_TEXT("network", network),
    FC_U64("flops", activity.flops),
    Column{"samples", [](const LedgerRow& r) { return Num(r.activity.samples); },
           [](const std::string& f, LedgerRow* r) {
             return ParseInt(f, "samples", 0, INT64_MAX, &r->activity.samples);
           }},
    Column{"steps", [](const LedgerRow& r) { return Num(r.activity.steps); },
           [](const std::string& f, LedgerRow* r) {
             return ParseInt(f, "steps", 0, INT64_MAX, &r->activity.steps);
           }},
    FC_U64("bytes_down", activity.bytes_down),
    FC_U64("bytes_up", activity.bytes_up),
    FC_DOUBLE("compute_s", activity.compute_s),
    FC_DOUBLE("wall_s", activity.wall_s),
    FC_INT("threads", activity.threads, 1),
    FC_DOUBLE("device_compute_s", cost.compute_s),
    FC_DOUBLE("comm_s", cost.comm_s),
    FC_DOUBLE("compute_energy_kwh", cost.compute_energy_kwh),
    FC_DOUBLE("comm_energy_kwh", cost.comm_energy_kwh),
    FC_DOUBLE("energy_kwh", cost.energy_kwh),
    FC_DOUBLE("carbon_intensity_g_per_kwh", cost.carbon_intensity_g_per_kwh),
    FC_DOUBLE("emissions_kg", cost.emissions_kg),
    FC_DOUBLE("embodied_kg", cost.embodied_kg),
    FC_TEXT("zone", zone),
    FC_DOUBLE("sim_start", sim_start),
    FC_DOUBLE("sim_end", sim_end),
    FC_TEXT("intensity_source", intensity_source),
    FC_TEXT("status", status),
    FC_TEXT("catalog", catalog),
};
constexpr int kColumnCount = static_cast<int>(sizeof(kColumns) / sizeof(kColumns[0]));

// The previous version's header (28 columns, before threads, embodied_kg and catalog; with a
// per-row RAPL reading that is now reported per run). Still read: missing columns take their
// defaults (threads 1, embodied_kg 0, catalog ""), measured_energy_kwh is ignored.
constexpr const char* kPreviousColumns[] = {"timestamp",
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

const Column* FindColumn(const std::string& name) {
  for (const Column& c : kColumns) {
    if (name == c.name) return &c;
  }
  return nullptr;  // measured_energy_kwh of the previous version: ignored
}

std::vector<std::string> Split(const std::string& line, size_t max_fields) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    f.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos || f.size() > max_fields) break;
    start = comma + 1;
  }
  return f;
}

}  // namespace

std::string LedgerHeader() {
  std::string out;
  for (const Column& c : kColumns) out += fmt::format("{}{}", out.empty() ? "" : ",", c.name);
  return out;
}

namespace {

// The version before steps: the current columns without "steps" (rows read with steps 0).
std::string HeaderWithoutSteps() {
  std::string out;
  for (const Column& c : kColumns) {
    if (std::string(c.name) == "steps") continue;
    out += fmt::format("{}{}", out.empty() ? "" : ",", c.name);
  }
  return out;
}

}  // namespace

Result<LedgerLayout> LedgerLayout::FromHeader(const std::string& header) {
  LedgerLayout layout;
  if (header == LedgerHeader()) {
    for (const Column& c : kColumns) layout.columns_.push_back(&c);
    return layout;
  }
  if (header == HeaderWithoutSteps()) {
    for (const Column& c : kColumns) {
      if (std::string(c.name) != "steps") layout.columns_.push_back(&c);
    }
    return layout;
  }
  std::string previous;
  for (const char* c : kPreviousColumns)
    previous += fmt::format("{}{}", previous.empty() ? "" : ",", c);
  if (header == previous) {
    for (const char* c : kPreviousColumns) layout.columns_.push_back(FindColumn(c));
    return layout;
  }
  return Status::Corruption("header does not match the ledger columns (" + LedgerHeader() + ")");
}

LedgerLayout LedgerLayout::Current() { return *FromHeader(LedgerHeader()); }

Result<LedgerRow> LedgerLayout::Parse(const std::string& line) const {
  const std::vector<std::string> f = Split(line, columns_.size());
  if (f.size() != columns_.size()) {
    return Status::Corruption(
        fmt::format("expected {} columns, got {}", columns_.size(),
                    f.size() > columns_.size() ? std::string("more") : std::to_string(f.size())));
  }
  LedgerRow r;
  for (size_t i = 0; i < f.size(); ++i) {
    const Column* c = static_cast<const Column*>(columns_[i]);
    if (c) FEDCARBON_RETURN_IF_ERROR(c->parse(f[i], &r));
  }
  FEDCARBON_RETURN_IF_ERROR(ValidateRow(r));
  return r;
}

Status ValidateRow(const LedgerRow& r) {
  if (!std::isfinite(r.timestamp) || r.timestamp < 0)
    return ColumnError("timestamp", "bad", Num(r.timestamp));
  if (!CleanText(r.run_id)) return ColumnError("run_id", "contains , \" or a line break", r.run_id);
  if (r.round < 0) return ColumnError("round", "must be >= 0", Num(r.round));
  if (r.client_id < -1) return ColumnError("client_id", "must be >= -1", Num(r.client_id));
  if (r.role != "client" && r.role != "coordinator" && r.role != "centralized") {
    return ColumnError("role", "not client, coordinator or centralized", r.role);
  }
  if ((r.role == "client") != (r.client_id >= 0)) {
    return ColumnError("client_id", "client rows need client_id >= 0, others -1", Num(r.client_id));
  }
  const std::pair<const char*, const std::string*> texts[] = {
      {"country_iso_code", &r.country_iso_code}, {"device", &r.device}, {"network", &r.network}};
  for (const auto& [col, text] : texts) {
    if (text->empty() || !CleanText(*text)) {
      return ColumnError(col, "empty or contains , \" or a line break", *text);
    }
  }
  if (!std::isfinite(r.pue) || r.pue < 1.0) return ColumnError("pue", "must be >= 1", Num(r.pue));
  if (r.activity.samples < 0)
    return ColumnError("samples", "must be >= 0", Num(r.activity.samples));
  if (r.activity.steps < 0) return ColumnError("steps", "must be >= 0", Num(r.activity.steps));
  if (r.activity.threads < 1)
    return ColumnError("threads", "must be >= 1", Num(r.activity.threads));
  const std::pair<const char*, double> nonneg[] = {
      {"compute_s", r.activity.compute_s},
      {"wall_s", r.activity.wall_s},
      {"device_compute_s", r.cost.compute_s},
      {"comm_s", r.cost.comm_s},
      {"compute_energy_kwh", r.cost.compute_energy_kwh},
      {"comm_energy_kwh", r.cost.comm_energy_kwh},
      {"energy_kwh", r.cost.energy_kwh},
      {"carbon_intensity_g_per_kwh", r.cost.carbon_intensity_g_per_kwh},
      {"emissions_kg", r.cost.emissions_kg},
      {"embodied_kg", r.cost.embodied_kg},
      {"sim_start", r.sim_start}};
  for (const auto& [col, v] : nonneg) FEDCARBON_RETURN_IF_ERROR(CheckNonNegative(v, col));
  if (!CleanText(r.zone)) return ColumnError("zone", "contains , \" or a line break", r.zone);
  if (!std::isfinite(r.sim_end) || r.sim_end < r.sim_start)
    return ColumnError("sim_end", "must be finite and >= sim_start", Num(r.sim_end));
  if (r.intensity_source != "annual" && r.intensity_source != "hourly")
    return ColumnError("intensity_source", "not annual or hourly", r.intensity_source);
  if (r.intensity_source == "hourly" && r.zone.empty())
    return ColumnError("intensity_source", "hourly needs a zone", r.intensity_source);
  if (r.status != "used" && r.status != "late" && r.status != "offline")
    return ColumnError("status", "not used, late or offline", r.status);
  if (!CleanText(r.catalog))
    return ColumnError("catalog", "contains , \" or a line break", r.catalog);
  return Status::OK();
}

std::string FormatLedgerRow(const LedgerRow& r) {
  std::string out;
  for (int i = 0; i < kColumnCount; ++i) {
    if (i) out += ',';
    out += kColumns[i].format(r);
  }
  return out;
}

Result<LedgerRow> ParseLedgerRow(const std::string& line) {
  return LedgerLayout::Current().Parse(line);
}

}  // namespace fedcarbon::energy
