// Internal: reading one documented number of the catalog data files. A quantity is
// {"value": x, "unit": "...", "year": Y, "source": "..."} or {"value": x, "unit": "...",
// "assumption": "..."}: a number without a unit and a provenance is rejected.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::energy::internal {

struct Quantity {
  double value = 0.0;
  std::string unit;
  std::string provenance;  // "source (year)" or "assumption: ..."
};

// Reads j[key] (where = "devices[v100]" for messages). Errors:
// "devices[v100].active_w: missing", "... .unit must be a string", "... needs source+year or
// assumption".
Result<Quantity> ReadQuantity(const nlohmann::json& j, const std::string& key,
                              const std::string& where);

// ReadQuantity, then checks lo <= value (or lo < value when strict_lo) and value <= hi.
Result<Quantity> ReadQuantityInRange(const nlohmann::json& j, const std::string& key,
                                     const std::string& where, double lo, bool strict_lo,
                                     double hi);

}  // namespace fedcarbon::energy::internal
