#include "quantity.h"

#include <cmath>
#include <string_view>

#include <spdlog/fmt/fmt.h>

namespace fedcarbon::energy::internal {
namespace {

struct UnitEntry {
  Dimension dim;
  const char* unit;
  double scale;  // to the canonical unit (the dimension's first entry)
};

// The one table of accepted units. The first entry of each dimension is its canonical unit.
constexpr UnitEntry kUnits[] = {
    {Dimension::kPower, "W", 1.0},
    {Dimension::kPower, "kW", 1e3},
    {Dimension::kPower, "mW", 1e-3},
    {Dimension::kPowerPerMemory, "W/GB", 1.0},
    {Dimension::kMemory, "GB", 1.0},
    {Dimension::kMemory, "TB", 1e3},
    {Dimension::kFlop, "FLOP", 1.0},
    {Dimension::kFlop, "MFLOP", 1e6},
    {Dimension::kFlop, "GFLOP", 1e9},
    {Dimension::kFlopRate, "FLOP/s", 1.0},
    {Dimension::kFlopRate, "GFLOP/s", 1e9},
    {Dimension::kFlopRate, "TFLOP/s", 1e12},
    {Dimension::kFraction, "fraction", 1.0},
    {Dimension::kFraction, "%", 1e-2},
    {Dimension::kTime, "s", 1.0},
    {Dimension::kTime, "ms", 1e-3},
    {Dimension::kTime, "us", 1e-6},
    {Dimension::kRatio, "ratio", 1.0},
    {Dimension::kIntensity, "gCO2e/kWh", 1.0},
    {Dimension::kIntensity, "kgCO2e/kWh", 1e3},
    {Dimension::kIntensity, "kgCO2e/MWh", 1.0},
    {Dimension::kBandwidth, "Mbit/s", 1.0},
    {Dimension::kBandwidth, "Gbit/s", 1e3},
    {Dimension::kBandwidth, "kbit/s", 1e-3},
    {Dimension::kEnergyPerData, "kWh/GB", 1.0},
    {Dimension::kEnergyPerData, "Wh/GB", 1e-3},
    {Dimension::kYears, "years", 1.0},
    {Dimension::kYear, "year", 1.0},
    {Dimension::kHours, "h", 1.0},
    {Dimension::kMass, "kgCO2e", 1.0},
    {Dimension::kMass, "tCO2e", 1e3},
    {Dimension::kMass, "gCO2e", 1e-3},
};

std::string Accepted(Dimension dim) {
  std::string out;
  for (const UnitEntry& e : kUnits) {
    if (e.dim == dim) out += fmt::format("{}{}", out.empty() ? "" : ", ", e.unit);
  }
  return out;
}

bool NonEmptyString(const nlohmann::json& q, const char* key) {
  return q.contains(key) && q.at(key).is_string() && !q.at(key).get<std::string>().empty();
}

}  // namespace

Result<double> UnitScale(Dimension dim, const std::string& unit) {
  for (const UnitEntry& e : kUnits) {
    if (e.dim == dim && unit == e.unit) return e.scale;
  }
  return Status::InvalidArgument(fmt::format("'{}' is not one of {}", unit, Accepted(dim)));
}

const char* CanonicalUnit(Dimension dim) {
  for (const UnitEntry& e : kUnits) {
    if (e.dim == dim) return e.unit;
  }
  return "";
}

Status CheckKeys(const nlohmann::json& j, const std::string& where,
                 std::initializer_list<const char*> allowed) {
  if (!j.is_object()) return Status::Corruption(where + ": not an object");
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
      return Status::Corruption(
          fmt::format("{}: unknown key '{}' (allowed: {})", where, key, list));
    }
  }
  return Status::OK();
}

Result<Quantity> ReadQuantity(const nlohmann::json& j, const std::string& key,
                              const std::string& where, Dimension dim) {
  const std::string name = where + "." + key;
  if (!j.is_object() || !j.contains(key)) return Status::Corruption(name + ": missing");
  const nlohmann::json& q = j.at(key);
  if (!q.is_object()) {
    return Status::Corruption(name +
                              ": must be an object {value, unit, source+year | assumption+range}");
  }
  FEDCARBON_RETURN_IF_ERROR(
      CheckKeys(q, name, {"value", "unit", "source", "year", "assumption", "range", "note"}));
  if (!q.contains("value") || !q.at("value").is_number()) {
    return Status::Corruption(name + ".value: missing or not a number");
  }
  Quantity out;
  const double written = q.at("value").get<double>();
  if (!std::isfinite(written)) return Status::Corruption(name + ".value: not finite");
  if (!NonEmptyString(q, "unit")) {
    return Status::Corruption(name + ".unit: missing or not a non-empty string");
  }
  out.unit = q.at("unit").get<std::string>();
  Result<double> scale = UnitScale(dim, out.unit);
  if (!scale.ok()) return Status::Corruption(name + ".unit: " + scale.status().message());
  out.scale = *scale;
  out.value = written * out.scale;
  const bool has_source = NonEmptyString(q, "source");
  const bool has_year = q.contains("year") && q.at("year").is_number_integer();
  const bool has_assumption = NonEmptyString(q, "assumption");
  if (has_source && has_assumption) {
    return Status::Corruption(name + ": give a source or an assumption, not both");
  }
  if (has_source && has_year) {
    out.provenance =
        fmt::format("{} ({})", q.at("source").get<std::string>(), q.at("year").get<int>());
  } else if (has_assumption) {
    out.provenance = "assumption: " + q.at("assumption").get<std::string>();
  } else {
    return Status::Corruption(name + ": needs \"source\" with \"year\", or \"assumption\"");
  }
  out.lo = out.hi = out.value;
  if (q.contains("range")) {
    const nlohmann::json& r = q.at("range");
    if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number()) {
      return Status::Corruption(name + ".range: must be [lo, hi] (numbers)");
    }
    const double lo = r[0].get<double>(), hi = r[1].get<double>();
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= written) || !(written <= hi)) {
      return Status::Corruption(
          fmt::format("{}.range: [{}, {}] must hold the value {}", name, lo, hi, written));
    }
    out.has_range = true;
    out.lo = lo * out.scale;
    out.hi = hi * out.scale;
  } else if (has_assumption) {
    return Status::Corruption(name + ".range: an assumption needs a documented range [lo, hi]");
  }
  return out;
}

Result<Quantity> ReadQuantityInRange(const nlohmann::json& j, const std::string& key,
                                     const std::string& where, Dimension dim, double lo,
                                     bool strict_lo, double hi) {
  Result<Quantity> q = ReadQuantity(j, key, where, dim);
  if (!q.ok()) return q;
  for (const double v : {q->value, q->lo, q->hi}) {
    if ((strict_lo ? !(v > lo) : !(v >= lo)) || !(v <= hi)) {
      return Status::Corruption(fmt::format("{}.{}: {} {} out of range {}{}, {}]", where, key, v,
                                            CanonicalUnit(dim), strict_lo ? "(" : "[", lo, hi));
    }
  }
  return q;
}

}  // namespace fedcarbon::energy::internal
