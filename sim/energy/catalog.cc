// Catalog: parses and validates the data files (see catalog.h, quantity.h).
#include "fedcarbon/energy/catalog.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include <spdlog/fmt/fmt.h>

#include "catalog_internal.h"
#include "quantity.h"

namespace fedcarbon::energy {
namespace {

using internal::CatalogId;
using internal::CheckKeys;
using internal::CollectRanged;
using internal::Dimension;
using internal::Quantity;
using internal::ReadQuantity;
using internal::ReadQuantityInRange;
using internal::ResolveTies;

constexpr double kMaxWatts = 1e5;
constexpr double kHuge = 1e30;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

// Comma-separated names, for "known: ..." in error messages.
template <class T, class F>
std::string JoinNames(const std::vector<T>& items, F name_of) {
  std::string out;
  for (const T& item : items) {
    if (!out.empty()) out += ", ";
    out += name_of(item);
  }
  return out;
}

Result<std::string> ReadString(const nlohmann::json& j, const std::string& key,
                               const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) return Status::Corruption(where + "." + key + ": missing");
    return std::string();
  }
  if (!j.at(key).is_string()) return Status::Corruption(where + "." + key + ": not a string");
  return j.at(key).get<std::string>();
}

// Adds provenance of q to `text` as "field: provenance; ".
void Note(std::string& text, const std::string& field, const Quantity& q) {
  if (!text.empty()) text += "; ";
  text += field + " = " + std::to_string(q.value) + " " + q.unit + " [" + q.provenance + "]";
}

#define FC_ASSIGN_OR_RETURN(lhs, expr)                  \
  auto lhs##_result = (expr);                           \
  if (!lhs##_result.ok()) return lhs##_result.status(); \
  auto lhs = std::move(lhs##_result).value()

struct Globals {
  PowerMethod method = PowerMethod::kFitted;
  double memory_w_per_gb = -1.0;  // < 0: not given
  std::map<std::string, double> pue_presets;
};

Result<double> ReadPue(const nlohmann::json& d, const std::string& where, const Globals& g,
                       std::string& note) {
  const std::string name = where + ".default_pue";
  const nlohmann::json& p = d.at("default_pue");
  if (p.is_object() && p.contains("preset")) {
    FEDCARBON_RETURN_IF_ERROR(CheckKeys(p, name, {"preset"}));
    if (!p.at("preset").is_string()) return Status::Corruption(name + ".preset: not a string");
    const std::string preset = p.at("preset").get<std::string>();
    auto it = g.pue_presets.find(preset);
    if (it == g.pue_presets.end()) {
      std::string known;
      for (const auto& [k, v] : g.pue_presets) known += (known.empty() ? "" : ", ") + k;
      return Status::Corruption(name + ": unknown PUE preset '" + preset + "' (known: " + known +
                                ")");
    }
    if (!note.empty()) note += "; ";
    note += "default_pue = preset " + preset;
    return it->second;
  }
  FC_ASSIGN_OR_RETURN(
      q, ReadQuantityInRange(d, "default_pue", where, Dimension::kRatio, 1.0, false, 10.0));
  Note(note, "default_pue", q);
  return q.value;
}

// Embodied carbon, gCO2e per device-hour: manufacturing / (lifetime * 8760 h * duty cycle).
Result<double> ReadEmbodied(const nlohmann::json& d, const std::string& where, std::string& note) {
  const std::string ew = where + ".embodied";
  if (!d.contains("embodied")) return Status::Corruption(ew + ": missing");
  const nlohmann::json& e = d.at("embodied");
  FEDCARBON_RETURN_IF_ERROR(CheckKeys(e, ew, {"manufacturing", "lifetime", "duty_cycle"}));
  FC_ASSIGN_OR_RETURN(
      kg, ReadQuantityInRange(e, "manufacturing", ew, Dimension::kMass, 0.0, false, 1e7));
  FC_ASSIGN_OR_RETURN(years,
                      ReadQuantityInRange(e, "lifetime", ew, Dimension::kYears, 0.0, true, 100.0));
  FC_ASSIGN_OR_RETURN(
      duty, ReadQuantityInRange(e, "duty_cycle", ew, Dimension::kFraction, 0.0, true, 1.0));
  Note(note, "embodied.manufacturing", kg);
  Note(note, "embodied.lifetime", years);
  Note(note, "embodied.duty_cycle", duty);
  return EmbodiedGramsPerHour(kg.value, years.value, duty.value);
}

Result<DeviceProfile> ParseDevice(const nlohmann::json& d, size_t index, const Globals& g) {
  std::string where = "devices[" + std::to_string(index) + "]";
  if (!d.is_object()) return Status::Corruption(where + ": not an object");
  FC_ASSIGN_OR_RETURN(name, ReadString(d, "name", where, true));
  if (!IsName(name)) {
    return Status::Corruption(where + ".name: '" + name + "' must be 1-64 of [a-z0-9_]");
  }
  where = "devices[" + name + "]";
  FEDCARBON_RETURN_IF_ERROR(
      CheckKeys(d, where,
                {"name", "kind", "description", "processor", "active_w", "idle_w", "nameplate_w",
                 "cpu_w", "ram_gb", "default_pue", "throughput", "throughput_model", "embodied"}));
  DeviceProfile p;
  p.name = name;
  FC_ASSIGN_OR_RETURN(kind, ReadString(d, "kind", where, true));
  if (kind != "datacenter" && kind != "edge" && kind != "host") {
    return Status::Corruption(where + ".kind: '" + kind + "' is not datacenter, edge or host");
  }
  p.kind = kind;
  FC_ASSIGN_OR_RETURN(processor, ReadString(d, "processor", where, true));
  if (processor != "gpu" && processor != "cpu") {
    return Status::Corruption(where + ".processor: '" + processor + "' is not gpu or cpu");
  }
  p.processor = processor;
  std::string source;
  std::string assumption;
  FC_ASSIGN_OR_RETURN(
      active, ReadQuantityInRange(d, "active_w", where, Dimension::kPower, 0.0, true, kMaxWatts));
  p.active_w = active.value;
  Note(source, "active_w", active);
  FC_ASSIGN_OR_RETURN(
      idle, ReadQuantityInRange(d, "idle_w", where, Dimension::kPower, 0.0, false, kMaxWatts));
  if (idle.hi > active.lo) {
    return Status::Corruption(where + ".idle_w: above active_w (within their ranges)");
  }
  p.idle_w = idle.value;
  Note(source, "idle_w", idle);
  p.nameplate_w = p.active_w;
  if (d.contains("nameplate_w")) {
    FC_ASSIGN_OR_RETURN(nameplate, ReadQuantityInRange(d, "nameplate_w", where, Dimension::kPower,
                                                       0.0, true, kMaxWatts));
    p.nameplate_w = nameplate.value;
    Note(source, "nameplate_w", nameplate);
  }
  p.power_method = g.method;
  if (d.contains("cpu_w")) {
    FC_ASSIGN_OR_RETURN(
        cpu, ReadQuantityInRange(d, "cpu_w", where, Dimension::kPower, 0.0, false, kMaxWatts));
    p.cpu_w = cpu.value;
    Note(assumption, "cpu_w", cpu);
  }
  if (d.contains("ram_gb")) {
    FC_ASSIGN_OR_RETURN(
        ram, ReadQuantityInRange(d, "ram_gb", where, Dimension::kMemory, 0.0, false, 1e6));
    p.ram_gb = ram.value;
    Note(assumption, "ram_gb", ram);
    if (p.ram_gb > 0 && g.memory_w_per_gb < 0) {
      return Status::Corruption(where + ".ram_gb needs the catalog's memory_w_per_gb");
    }
  }
  if (kind == "edge" && (d.contains("cpu_w") || d.contains("ram_gb"))) {
    return Status::Corruption(where +
                              ": cpu_w and ram_gb are for datacenter and host profiles "
                              "(an edge device's active_w is the whole module)");
  }
  p.memory_w_per_gb = g.memory_w_per_gb < 0 ? 0.0 : g.memory_w_per_gb;
  // PUE: data centers must state one; edge devices have none; a host defaults to 1.
  if (kind == "edge") {
    if (d.contains("default_pue")) {
      return Status::Corruption(where +
                                ".default_pue: edge devices have no PUE (no cooling plant)");
    }
    p.default_pue = 1.0;
  } else if (d.contains("default_pue")) {
    FC_ASSIGN_OR_RETURN(pue, ReadPue(d, where, g, assumption));
    p.default_pue = pue;
  } else if (kind == "datacenter") {
    return Status::Corruption(where + ".default_pue: missing (required for datacenter profiles)");
  } else {
    p.default_pue = 1.0;
  }
  // Throughput: direct (busy the whole step), or derived from the step model.
  if (d.contains("throughput") == d.contains("throughput_model")) {
    return Status::Corruption(where + ": give exactly one of throughput, throughput_model");
  }
  if (d.contains("throughput")) {
    FC_ASSIGN_OR_RETURN(
        t, ReadQuantityInRange(d, "throughput", where, Dimension::kFlopRate, 0.0, true, kHuge));
    p.throughput_flops = t.value;
    Note(assumption, "throughput", t);
  } else {
    const nlohmann::json& m = d.at("throughput_model");
    const std::string mw = where + ".throughput_model";
    FEDCARBON_RETURN_IF_ERROR(CheckKeys(m, mw, {"peak_fp32", "efficiency", "step_overhead"}));
    FC_ASSIGN_OR_RETURN(
        peak, ReadQuantityInRange(m, "peak_fp32", mw, Dimension::kFlopRate, 0.0, true, kHuge));
    FC_ASSIGN_OR_RETURN(
        eff, ReadQuantityInRange(m, "efficiency", mw, Dimension::kFraction, 0.0, true, 1.0));
    FC_ASSIGN_OR_RETURN(
        over, ReadQuantityInRange(m, "step_overhead", mw, Dimension::kTime, 0.0, false, 10.0));
    p.peak_flops = peak.value;
    p.efficiency = eff.value;
    p.step_overhead_s = over.value;
    Note(assumption, "peak_fp32", peak);
    Note(assumption, "efficiency", eff);
    Note(assumption, "step_overhead", over);
  }
  FC_ASSIGN_OR_RETURN(embodied, ReadEmbodied(d, where, assumption));
  p.embodied_g_per_h = embodied;
  p.source = source;
  p.assumption = assumption;
  return p;
}

Result<Country> ParseCountry(const nlohmann::json& c, size_t index) {
  std::string where = "countries[" + std::to_string(index) + "]";
  if (!c.is_object()) return Status::Corruption(where + ": not an object");
  Country out;
  FC_ASSIGN_OR_RETURN(iso3, ReadString(c, "iso3", where, true));
  const bool upper3 =
      iso3.size() == 3 &&
      std::all_of(iso3.begin(), iso3.end(), [](unsigned char ch) { return std::isupper(ch); });
  if (!upper3)
    return Status::Corruption(where + ".iso3: '" + iso3 + "' is not 3 upper-case letters");
  out.iso3 = iso3;
  where = "countries[" + iso3 + "]";
  FEDCARBON_RETURN_IF_ERROR(CheckKeys(
      c, where,
      {"iso3", "iso2", "name", "utc_offset_h", "carbon_intensity", "download", "upload"}));
  FC_ASSIGN_OR_RETURN(iso2, ReadString(c, "iso2", where, false));
  out.iso2 = iso2;
  FC_ASSIGN_OR_RETURN(name, ReadString(c, "name", where, true));
  if (name.empty()) return Status::Corruption(where + ".name: empty");
  out.name = name;
  FC_ASSIGN_OR_RETURN(ci, ReadQuantityInRange(c, "carbon_intensity", where, Dimension::kIntensity,
                                              0.0, true, 5000.0));
  FC_ASSIGN_OR_RETURN(
      down, ReadQuantityInRange(c, "download", where, Dimension::kBandwidth, 0.0, true, 1e6));
  FC_ASSIGN_OR_RETURN(
      up, ReadQuantityInRange(c, "upload", where, Dimension::kBandwidth, 0.0, true, 1e6));
  out.carbon_intensity_g_per_kwh = ci.value;
  out.download_mbps = down.value;
  out.upload_mbps = up.value;
  out.intensity_source = ci.provenance;
  out.bandwidth_source = "download: " + down.provenance + "; upload: " + up.provenance;
  if (c.contains("utc_offset_h")) {  // optional: 0 (UTC) when absent
    FC_ASSIGN_OR_RETURN(
        tz, ReadQuantityInRange(c, "utc_offset_h", where, Dimension::kHours, -12.0, false, 14.0));
    out.utc_offset_h = tz.value;
  }
  return out;
}

Result<NetworkModel> ParseNetwork(const nlohmann::json& n, size_t index) {
  std::string where = "networks[" + std::to_string(index) + "]";
  if (!n.is_object()) return Status::Corruption(where + ": not an object");
  NetworkModel out;
  FC_ASSIGN_OR_RETURN(name, ReadString(n, "name", where, true));
  if (!IsName(name)) return Status::Corruption(where + ".name: '" + name + "' must be [a-z0-9_]");
  out.name = name;
  where = "networks[" + name + "]";
  FEDCARBON_RETURN_IF_ERROR(CheckKeys(n, where,
                                      {"name", "kind", "description", "router_w", "device_w",
                                       "kwh_per_gb", "halving_years", "year"}));
  FC_ASSIGN_OR_RETURN(kind, ReadString(n, "kind", where, true));
  out.kind = kind;
  if (kind == "qiu") {
    FC_ASSIGN_OR_RETURN(router, ReadQuantityInRange(n, "router_w", where, Dimension::kPower, 0.0,
                                                    false, kMaxWatts));
    FC_ASSIGN_OR_RETURN(device, ReadQuantityInRange(n, "device_w", where, Dimension::kPower, 0.0,
                                                    false, kMaxWatts));
    out.router_w = router.value;
    out.device_w = device.value;
    out.assumption = "router_w: " + router.provenance + "; device_w: " + device.provenance;
  } else if (kind == "intensity") {
    FC_ASSIGN_OR_RETURN(k, ReadQuantityInRange(n, "kwh_per_gb", where, Dimension::kEnergyPerData,
                                               0.0, true, 100.0));
    out.kwh_per_gb = k.value;
    out.source = k.provenance;
    const nlohmann::json& kq = n.at("kwh_per_gb");
    out.year =
        kq.contains("year") && kq.at("year").is_number_integer() ? kq.at("year").get<int>() : 0;
    if (n.contains("halving_years") != n.contains("year")) {
      return Status::Corruption(where + ": halving_years and year go together");
    }
    if (n.contains("halving_years")) {
      FC_ASSIGN_OR_RETURN(
          h, ReadQuantityInRange(n, "halving_years", where, Dimension::kYears, 0.0, true, 100.0));
      FC_ASSIGN_OR_RETURN(
          y, ReadQuantityInRange(n, "year", where, Dimension::kYear, 1990, false, 2100));
      if (out.year == 0)
        return Status::Corruption(where + ".kwh_per_gb: needs a year to extrapolate");
      out.kwh_per_gb = k.value * std::exp2(-(y.value - out.year) / h.value);
      out.year = static_cast<int>(y.value);
      out.assumption = "halving every " + std::to_string(h.value) + " years [" + h.provenance +
                       "], extrapolated to " + std::to_string(out.year) + " [" + y.provenance + "]";
    }
  } else {
    return Status::Corruption(where + ".kind: '" + kind + "' is not qiu or intensity");
  }
  return out;
}

}  // namespace

Result<Catalog> Catalog::FromJson(const nlohmann::json& unresolved) {
  if (!unresolved.is_object()) return Status::Corruption("catalog: not a JSON object");
  static const std::set<std::string> kKeys = {
      "_doc", "devices", "countries", "networks", "memory_w_per_gb", "pue_presets", "power_method"};
  for (const auto& [key, value] : unresolved.items()) {
    if (!kKeys.count(key)) return Status::Corruption("catalog: unknown key '" + key + "'");
  }
  std::vector<RangedValue> ranged;
  CollectRanged(unresolved, "", "", ranged);
  Result<nlohmann::json> resolved = ResolveTies(unresolved, ranged);
  if (!resolved.ok()) return resolved.status();
  const nlohmann::json& j = *resolved;
  Globals g;
  if (j.contains("power_method")) {
    if (!j.at("power_method").is_string())
      return Status::Corruption("catalog.power_method: not a string");
    Result<PowerMethod> m = ParsePowerMethod(j.at("power_method").get<std::string>());
    if (!m.ok()) return Status::Corruption("catalog.power_method: " + m.status().message());
    g.method = *m;
  }
  if (j.contains("memory_w_per_gb")) {
    FC_ASSIGN_OR_RETURN(q, ReadQuantityInRange(j, "memory_w_per_gb", "catalog",
                                               Dimension::kPowerPerMemory, 0, false, 100));
    g.memory_w_per_gb = q.value;
  }
  Catalog cat;
  if (j.contains("pue_presets")) {
    const nlohmann::json& p = j.at("pue_presets");
    if (!p.is_object()) return Status::Corruption("catalog.pue_presets: not an object");
    for (const auto& [key, value] : p.items()) {
      FC_ASSIGN_OR_RETURN(
          q, ReadQuantityInRange(p, key, "pue_presets", Dimension::kRatio, 1.0, false, 10.0));
      g.pue_presets[key] = q.value;
    }
    cat.pue_presets_ = g.pue_presets;
  }
  for (const char* list : {"devices", "countries", "networks"}) {
    if (!j.contains(list) || !j.at(list).is_array() || j.at(list).empty()) {
      return Status::Corruption(std::string("catalog.") + list +
                                ": missing or not a non-empty array");
    }
  }
  std::set<std::string> seen;
  const nlohmann::json& devices = j.at("devices");
  for (size_t i = 0; i < devices.size(); ++i) {
    FC_ASSIGN_OR_RETURN(d, ParseDevice(devices[i], i, g));
    if (!seen.insert("d:" + d.name).second) {
      return Status::Corruption("devices: duplicate name '" + d.name + "'");
    }
    cat.devices_.push_back(std::move(d));
  }
  const nlohmann::json& countries = j.at("countries");
  for (size_t i = 0; i < countries.size(); ++i) {
    FC_ASSIGN_OR_RETURN(c, ParseCountry(countries[i], i));
    for (const std::string* key : {&c.iso3, &c.iso2, &c.name}) {
      if (!key->empty() && !seen.insert("c:" + Lower(*key)).second) {
        return Status::Corruption("countries: duplicate code or name '" + *key + "'");
      }
    }
    cat.countries_.push_back(std::move(c));
  }
  const nlohmann::json& networks = j.at("networks");
  for (size_t i = 0; i < networks.size(); ++i) {
    FC_ASSIGN_OR_RETURN(n, ParseNetwork(networks[i], i));
    if (!seen.insert("n:" + n.name).second) {
      return Status::Corruption("networks: duplicate name '" + n.name + "'");
    }
    cat.networks_.push_back(std::move(n));
  }
  cat.document_ = unresolved;  // ties unresolved: WithValue moves a value and its ties
  cat.document_.erase("_doc");
  cat.id_ = CatalogId(cat.document_);
  cat.ranged_ = std::move(ranged);
  cat.method_ = g.method;
  return cat;
}

Result<DeviceProfile> Catalog::Device(const std::string& name) const {
  const std::string key = Lower(name);
  for (const DeviceProfile& d : devices_) {
    if (d.name == key) return d;
  }
  return Status::NotFound("unknown device '" + name + "' (known: " +
                          JoinNames(devices_, [](const DeviceProfile& d) { return d.name; }) + ")");
}

Result<Country> Catalog::FindCountry(const std::string& iso3_or_name) const {
  const std::string key = Lower(iso3_or_name);
  for (const Country& c : countries_) {
    if (Lower(c.iso3) == key || (!c.iso2.empty() && Lower(c.iso2) == key) || Lower(c.name) == key) {
      return c;
    }
  }
  return Status::NotFound("unknown country '" + iso3_or_name + "' (known: " +
                          JoinNames(countries_, [](const Country& c) { return c.iso3; }) + ")");
}

Result<NetworkModel> Catalog::Network(const std::string& name) const {
  const std::string key = Lower(name);
  for (const NetworkModel& n : networks_) {
    if (n.name == key) return n;
  }
  return Status::NotFound("unknown network model '" + name + "' (known: " +
                          JoinNames(networks_, [](const NetworkModel& n) { return n.name; }) + ")");
}

}  // namespace fedcarbon::energy
