// The reproduce file of `fedcarbon reproduce`: parsing, validation and the derived configs
// (see reproduce.h). Kept apart from the runs so it can be used and tested without training.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "fedcarbon/common/json_file.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

Result<config::ExperimentConfig> Derive(const ReproduceSpec& spec, const nlohmann::json& patch,
                                        bool quick, const std::string& what) {
  nlohmann::json j = spec.base;
  j.merge_patch(patch);
  if (quick) j.merge_patch(spec.quick);
  Result<config::ExperimentConfig> cfg = config::FromJson(j);
  if (!cfg.ok()) return cfg.status().WithContext(what);
  return cfg;
}

}  // namespace

Result<ReproduceSpec> ParseReproduceSpec(const nlohmann::json& j, const energy::Catalog& catalog) {
  if (!j.is_object()) return Status::InvalidArgument("reproduce file: not a JSON object");
  static const std::set<std::string> kKeys = {
      "base",      "centralized_overrides", "fl_iid", "fl_noniid",
      "countries", "centralized",           "quick",  "notes"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.count(key)) {
      return Status::InvalidArgument(
          "reproduce file: unknown key '" + key +
          "' (known: base, centralized_overrides, fl_iid, fl_noniid, countries, "
          "centralized, quick, notes)");
    }
  }
  ReproduceSpec spec;
  if (!j.contains("base") || !j.at("base").is_object()) {
    return Status::InvalidArgument(
        "reproduce file: 'base' (an experiment config object) is required");
  }
  spec.base = j.at("base");
  for (const auto& [key, field] :
       {std::pair{"centralized_overrides", &spec.centralized_overrides},
        std::pair{"fl_iid", &spec.fl_iid}, std::pair{"fl_noniid", &spec.fl_noniid},
        std::pair{"quick", &spec.quick}}) {
    if (!j.contains(key)) continue;
    if (!j.at(key).is_object()) {
      return Status::InvalidArgument(std::string("reproduce file: '") + key +
                                     "' must be an object");
    }
    *field = j.at(key);
  }
  if (j.contains("countries")) {
    const nlohmann::json& c = j.at("countries");
    if (!c.is_array() || c.empty()) {
      return Status::InvalidArgument("reproduce file: 'countries' must be a non-empty array");
    }
    spec.countries.clear();
    for (const nlohmann::json& name : c) {
      if (!name.is_string())
        return Status::InvalidArgument("reproduce file: countries[] must be strings");
      Result<energy::Country> country = catalog.FindCountry(name.get<std::string>());
      if (!country.ok()) return country.status().WithContext("reproduce file: countries");
      spec.countries.push_back(country->iso3);
    }
  }
  if (j.contains("centralized")) {
    const nlohmann::json& c = j.at("centralized");
    if (!c.is_array() || c.empty()) {
      return Status::InvalidArgument("reproduce file: 'centralized' must be a non-empty array");
    }
    spec.centralized.clear();
    for (size_t i = 0; i < c.size(); ++i) {
      const std::string where = "reproduce file: centralized[" + std::to_string(i) + "]";
      if (!c[i].is_object() || !c[i].contains("device") || !c[i].at("device").is_string() ||
          !c[i].contains("pue") || !c[i].at("pue").is_number()) {
        return Status::InvalidArgument(where + " must be {\"device\": name, \"pue\": number}");
      }
      CentralizedSetting s{c[i].at("device").get<std::string>(), c[i].at("pue").get<double>()};
      Result<energy::DeviceProfile> d = catalog.Device(s.device);
      if (!d.ok()) return d.status().WithContext(where);
      if (d->kind != "datacenter")
        return Status::InvalidArgument(where + ": '" + s.device + "' is not a datacenter profile");
      if (!(s.pue >= 1.0)) return Status::InvalidArgument(where + ": pue must be >= 1");
      spec.centralized.push_back(s);
    }
  }
  if (j.contains("notes")) {
    if (!j.at("notes").is_string())
      return Status::InvalidArgument("reproduce file: 'notes' must be a string");
    spec.notes = j.at("notes").get<std::string>();
  }
  for (bool quick : {false, true}) {
    Result<ReproduceConfigs> cfgs = MakeConfigs(spec, quick);
    if (!cfgs.ok()) return cfgs.status();
  }
  return spec;
}

nlohmann::json ToJson(const ReproduceSpec& spec) {
  nlohmann::json j = {
      {"base", spec.base},     {"centralized_overrides", spec.centralized_overrides},
      {"fl_iid", spec.fl_iid}, {"fl_noniid", spec.fl_noniid},
      {"quick", spec.quick},   {"countries", spec.countries},
      {"notes", spec.notes}};
  j["centralized"] = nlohmann::json::array();
  for (const CentralizedSetting& c : spec.centralized) {
    j["centralized"].push_back({{"device", c.device}, {"pue", c.pue}});
  }
  return j;
}

Result<ReproduceSpec> LoadReproduceSpec(const std::string& path, const energy::Catalog& catalog) {
  Result<nlohmann::json> j = ReadJsonFile(path);
  if (!j.ok()) return j.status();
  Result<ReproduceSpec> spec = ParseReproduceSpec(*j, catalog);
  if (!spec.ok()) return spec.status().WithContext(path);
  return spec;
}

Result<ReproduceConfigs> MakeConfigs(const ReproduceSpec& spec, bool quick) {
  const char* tag = quick ? " (quick)" : "";
  Result<config::ExperimentConfig> c =
      Derive(spec, spec.centralized_overrides, quick, std::string("centralized") + tag);
  if (!c.ok()) return c.status();
  Result<config::ExperimentConfig> iid =
      Derive(spec, spec.fl_iid, quick, std::string("fl_iid") + tag);
  if (!iid.ok()) return iid.status();
  Result<config::ExperimentConfig> non =
      Derive(spec, spec.fl_noniid, quick, std::string("fl_noniid") + tag);
  if (!non.ok()) return non.status();
  return ReproduceConfigs{*c, *iid, *non};
}

}  // namespace fedcarbon::experiment
