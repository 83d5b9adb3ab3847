// The catalog's ranged values and id (see catalog.h: RangedValue, id, WithValue) and the step and
// embodied formulas of its device profiles.
#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "catalog_internal.h"
#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::energy {
namespace internal {

// Every quantity with a "range" in the document, named "devices[v100].idle_w" (list entries by
// their name or iso3, nested objects by key), in document order (nlohmann sorts object keys).
void CollectRanged(const nlohmann::json& j, const std::string& pointer, const std::string& name,
                   std::vector<RangedValue>& out) {
  if (j.is_object() && j.contains("value") && j.contains("range") && j.contains("unit")) {
    RangedValue r;
    r.name = name;
    r.pointer = pointer + "/value";
    r.unit = j.at("unit").get<std::string>();
    r.value = j.at("value").get<double>();
    r.lo = j.at("range")[0].get<double>();
    r.hi = j.at("range")[1].get<double>();
    r.provenance = j.contains("source") ? j.at("source").get<std::string>()
                                        : "assumption: " + j.at("assumption").get<std::string>();
    out.push_back(std::move(r));
    return;
  }
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      CollectRanged(value, pointer + "/" + key, name.empty() ? key : name + "." + key, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      std::string label = std::to_string(i);
      for (const char* k : {"iso3", "name"}) {
        if (j[i].is_object() && j[i].contains(k) && j[i].at(k).is_string()) {
          label = j[i].at(k).get<std::string>();
          break;
        }
      }
      CollectRanged(j[i], pointer + "/" + std::to_string(i), name + "[" + label + "]", out);
    }
  }
}

// FNV-1a, 64 bits, of the canonical document (nlohmann::json keeps object keys sorted, so equal
// documents dump to equal text): "fnv1a64:" + 16 hex digits.
std::string CatalogId(const nlohmann::json& doc) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : doc.dump()) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

}  // namespace internal

Result<Catalog> Catalog::WithValue(const std::string& name, double value) const {
  for (const RangedValue& r : ranged_) {
    if (r.name != name) continue;
    nlohmann::json doc = document_;
    doc[nlohmann::json::json_pointer(r.pointer)] = value;
    Result<Catalog> out = FromJson(doc);
    if (!out.ok()) return out.status().WithContext(fmt::format("{} = {} {}", name, value, r.unit));
    return out;
  }
  return Status::NotFound("catalog has no ranged value '" + name + "'");
}

StepModel ModelStep(double step_flops, double peak_flops, double efficiency, double overhead_s) {
  StepModel m;
  m.arith_s = step_flops / (peak_flops * efficiency);
  m.step_s = std::max(m.arith_s, overhead_s);
  m.busy_fraction = m.arith_s / m.step_s;
  m.throughput_flops = step_flops / m.step_s;
  return m;
}

double EmbodiedGramsPerHour(double manufacturing_kg, double lifetime_years, double duty_cycle) {
  constexpr double kHoursPerYear = 8760.0;  // 365 days
  return manufacturing_kg * 1000.0 / (lifetime_years * kHoursPerYear * duty_cycle);
}

}  // namespace fedcarbon::energy
