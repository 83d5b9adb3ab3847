#include "quantity.h"

#include <cmath>
#include <sstream>

namespace fedcarbon::energy::internal {

Result<Quantity> ReadQuantity(const nlohmann::json& j, const std::string& key,
                              const std::string& where) {
  const std::string name = where + "." + key;
  if (!j.is_object() || !j.contains(key)) return Status::Corruption(name + ": missing");
  const nlohmann::json& q = j.at(key);
  if (!q.is_object()) {
    return Status::Corruption(name + ": must be an object {value, unit, source+year | assumption}");
  }
  if (!q.contains("value") || !q.at("value").is_number()) {
    return Status::Corruption(name + ".value: missing or not a number");
  }
  Quantity out;
  out.value = q.at("value").get<double>();
  if (!std::isfinite(out.value)) return Status::Corruption(name + ".value: not finite");
  if (!q.contains("unit") || !q.at("unit").is_string() || q.at("unit").get<std::string>().empty()) {
    return Status::Corruption(name + ".unit: missing or not a non-empty string");
  }
  out.unit = q.at("unit").get<std::string>();
  const bool has_source = q.contains("source") && q.at("source").is_string() &&
                          !q.at("source").get<std::string>().empty();
  const bool has_year = q.contains("year") && q.at("year").is_number_integer();
  const bool has_assumption = q.contains("assumption") && q.at("assumption").is_string() &&
                              !q.at("assumption").get<std::string>().empty();
  if (has_source && has_year) {
    std::ostringstream os;
    os << q.at("source").get<std::string>() << " (" << q.at("year").get<int>() << ")";
    out.provenance = os.str();
  } else if (has_assumption) {
    out.provenance = "assumption: " + q.at("assumption").get<std::string>();
  } else {
    return Status::Corruption(name + ": needs \"source\" with \"year\", or \"assumption\"");
  }
  return out;
}

Result<Quantity> ReadQuantityInRange(const nlohmann::json& j, const std::string& key,
                                     const std::string& where, double lo, bool strict_lo,
                                     double hi) {
  Result<Quantity> q = ReadQuantity(j, key, where);
  if (!q.ok()) return q;
  const double v = q->value;
  if ((strict_lo ? !(v > lo) : !(v >= lo)) || !(v <= hi)) {
    std::ostringstream os;
    os << where << "." << key << ": " << v << " out of range " << (strict_lo ? "(" : "[") << lo
       << ", " << hi << "]";
    return Status::Corruption(os.str());
  }
  return q;
}

}  // namespace fedcarbon::energy::internal
