// The catalog's ranged values and id (see catalog.h: RangedValue, id, WithValue) and the step and
// embodied formulas of its device profiles.
#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "catalog_internal.h"
#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::energy {
namespace internal {

namespace {

// Visits `j` depth first, naming each node "devices[v100].idle_w" (list entries by their iso3 or
// name, nested objects by key) with its JSON pointer; `leaf(node, pointer, name)` returns true
// when it took the node (its children are then not visited).
template <typename Leaf>
void Walk(const nlohmann::json& j, const std::string& pointer, const std::string& name,
          const Leaf& leaf) {
  if (leaf(j, pointer, name)) return;
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      Walk(value, pointer + "/" + key, name.empty() ? key : name + "." + key, leaf);
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
      Walk(j[i], pointer + "/" + std::to_string(i), name + "[" + label + "]", leaf);
    }
  }
}

// A tie {"same_as": ...}: its JSON pointer, its name, the name it is tied to.
struct Tie {
  std::string pointer, name, target;
};

}  // namespace

// Every quantity with a "range" in the document, in document order (nlohmann sorts object keys).
void CollectRanged(const nlohmann::json& doc, const std::string& at, const std::string& named,
                   std::vector<RangedValue>& out) {
  Walk(doc, at, named,
       [&](const nlohmann::json& j, const std::string& pointer, const std::string& name) {
         // Only well-formed quantities: the parser, which runs after this, names what is wrong with
         // others.
         if (!(j.is_object() && j.contains("value") && j.contains("range") && j.contains("unit") &&
               j.at("value").is_number() && j.at("unit").is_string() && j.at("range").is_array() &&
               j.at("range").size() == 2 && j.at("range")[0].is_number() &&
               j.at("range")[1].is_number())) {
           return false;
         }
         RangedValue r;
         r.name = name;
         r.pointer = pointer + "/value";
         r.unit = j.at("unit").get<std::string>();
         r.value = j.at("value").get<double>();
         r.lo = j.at("range")[0].get<double>();
         r.hi = j.at("range")[1].get<double>();
         // (A value without either is refused by the parser.)
         r.provenance = j.contains("source") && j.at("source").is_string()
                            ? j.at("source").get<std::string>()
                        : j.contains("assumption") && j.at("assumption").is_string()
                            ? "assumption: " + j.at("assumption").get<std::string>()
                            : "";
         r.distribution = r.lo > 0.0 && r.hi >= 3.0 * r.lo ? "log-uniform" : "uniform";
         out.push_back(std::move(r));
         return true;
       });
}

Result<nlohmann::json> ResolveTies(const nlohmann::json& j, std::vector<RangedValue>& ranged) {
  std::vector<Tie> ties;
  Walk(j, "", "",
       [&](const nlohmann::json& node, const std::string& pointer, const std::string& name) {
         if (!node.is_object() || !node.contains("same_as")) return false;
         const nlohmann::json& target = node.at("same_as");
         ties.push_back({pointer, name, target.is_string() ? target.get<std::string>() : ""});
         return true;
       });
  nlohmann::json out = j;
  for (const Tie& t : ties) {
    const nlohmann::json& tie = j.at(nlohmann::json::json_pointer(t.pointer));
    for (const auto& [key, value] : tie.items()) {
      if (key != "same_as" && key != "note") {
        return Status::Corruption(t.name + ": a tie holds only same_as and note, not '" + key +
                                  "'");
      }
    }
    auto it = std::find_if(ranged.begin(), ranged.end(),
                           [&](const RangedValue& r) { return r.name == t.target; });
    if (it == ranged.end()) {
      return Status::Corruption(t.name + ": same_as '" + t.target +
                                "' names no quantity with a range");
    }
    const std::string object =
        it->pointer.substr(0, it->pointer.size() - std::string("/value").size());
    nlohmann::json copy = j.at(nlohmann::json::json_pointer(object));
    if (tie.contains("note")) copy["note"] = tie.at("note");
    out[nlohmann::json::json_pointer(t.pointer)] = std::move(copy);
    it->tied.push_back(t.name);
  }
  return out;
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
  return WithValues({{name, value}});
}

Result<Catalog> Catalog::WithValues(
    const std::vector<std::pair<std::string, double>>& values) const {
  nlohmann::json doc = document_;
  std::string what;
  for (const auto& [name, value] : values) {
    auto it = std::find_if(ranged_.begin(), ranged_.end(),
                           [&](const RangedValue& r) { return r.name == name; });
    if (it == ranged_.end()) return Status::NotFound("catalog has no ranged value '" + name + "'");
    doc[nlohmann::json::json_pointer(it->pointer)] = value;
    if (values.size() == 1) what = fmt::format("{} = {} {}", name, value, it->unit);
  }
  Result<Catalog> out = FromJson(doc);
  if (!out.ok()) return out.status().WithContext(what.empty() ? "drawn values" : what);
  return out;
}

Result<Catalog> Catalog::WithMethod(PowerMethod method) const {
  nlohmann::json doc = document_;
  // The default (fitted) is the absence of the key, so the data files' id is the fitted one.
  if (method == PowerMethod::kFitted) {
    doc.erase("power_method");
  } else {
    doc["power_method"] = PowerMethodName(method);
  }
  return FromJson(doc);
}

Result<PowerMethod> ParsePowerMethod(const std::string& text) {
  if (text == "fitted") return PowerMethod::kFitted;
  if (text == "nameplate") return PowerMethod::kNameplate;
  return Status::InvalidArgument("unknown power method '" + text + "' (known: fitted, nameplate)");
}

const char* PowerMethodName(PowerMethod method) {
  return method == PowerMethod::kNameplate ? "nameplate" : "fitted";
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
