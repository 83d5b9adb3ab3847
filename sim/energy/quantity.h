// Internal: reading one documented number of the catalog data files. A quantity is
//   {"value": x, "unit": "...", "source": "...", "year": Y [, "range": [lo, hi]] [, "note": "..."]}
// or
//   {"value": x, "unit": "...", "assumption": "...", "range": [lo, hi] [, "note": "..."]}
// A number without a unit from its field's set and a provenance is rejected; an assumption
// without a range is rejected; any other key is rejected. Values and ranges are converted to the
// field's canonical unit (the first of its set in kUnits, quantity.cc).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::energy::internal {

// What a number measures; each has one canonical unit and a fixed set of accepted units.
enum class Dimension {
  kPower,           // W | kW | mW
  kPowerPerMemory,  // W/GB
  kMemory,          // GB | TB
  kFlop,            // FLOP | MFLOP | GFLOP
  kFlopRate,        // FLOP/s | GFLOP/s | TFLOP/s
  kFraction,        // fraction | %
  kTime,            // s | ms | us
  kRatio,           // ratio
  kIntensity,       // gCO2e/kWh | kgCO2e/kWh | kgCO2e/MWh
  kBandwidth,       // Mbit/s | Gbit/s | kbit/s
  kEnergyPerData,   // kWh/GB | Wh/GB
  kYears,           // years
  kYear,            // year (a calendar year)
  kHours,           // h
  kMass,            // kgCO2e | tCO2e | gCO2e
};

// The factor that converts `unit` to the dimension's canonical unit (kW -> W: 1000), or an
// InvalidArgument error listing the accepted units ("unit 'kw' is not one of W, kW, mW").
Result<double> UnitScale(Dimension dim, const std::string& unit);
// The canonical unit's name ("W").
const char* CanonicalUnit(Dimension dim);

struct Quantity {
  double value = 0.0;       // in the canonical unit
  std::string unit;         // as written in the file
  double scale = 1.0;       // canonical = written * scale
  std::string provenance;   // "source (year)" or "assumption: ..."
  bool has_range = false;   // a documented range was given
  double lo = 0.0, hi = 0.0;  // the range, canonical unit (== value when !has_range)
};

// Reads j[key] (where = "devices[v100]" for messages). Errors name the field:
// "devices[v100].active_w: missing", "devices[v100].active_w.unit: 'kw' is not one of W, kW, mW",
// "... needs source+year or assumption", "... .range: an assumption needs a range [lo, hi]",
// "devices[v100].active_w: unknown key 'vaule'".
Result<Quantity> ReadQuantity(const nlohmann::json& j, const std::string& key,
                              const std::string& where, Dimension dim);

// ReadQuantity, then checks lo <= value (or lo < value when strict_lo) and value <= hi, in the
// canonical unit; the range's ends are checked the same way.
Result<Quantity> ReadQuantityInRange(const nlohmann::json& j, const std::string& key,
                                     const std::string& where, Dimension dim, double lo,
                                     bool strict_lo, double hi);

// Fails naming `where` and the first key of object `j` not in `allowed`.
Status CheckKeys(const nlohmann::json& j, const std::string& where,
                 std::initializer_list<const char*> allowed);

}  // namespace fedcarbon::energy::internal
