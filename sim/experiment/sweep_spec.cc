// The sweep file and its points (see include/fedcarbon/experiment/sweep.h).
#include <spdlog/fmt/fmt.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fedcarbon/common/json_file.h"
#include "fedcarbon/experiment/sweep.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr const char* kKindKey = "kind";

nlohmann::json Plain(const ojson& v) { return nlohmann::json::parse(v.dump()); }

// Checks that `key` is "kind" or a config key, by applying a probe value to an empty config.
Status CheckKey(const std::string& key, const std::string& where) {
  if (key == kKindKey) return Status::OK();
  nlohmann::json probe = nlohmann::json::object();
  const Status st = config::ApplyOverride(probe, key + "=0");
  return st.ok() ? st : Status::InvalidArgument(where + ": unknown config key '" + key + "'");
}

Status CheckKind(const nlohmann::json& v, const std::string& where) {
  if (v == "fl" || v == "centralized") return Status::OK();
  return Status::InvalidArgument(where + ": kind must be \"fl\" or \"centralized\", got " +
                                 v.dump());
}

// Reads {"key": [values...]} in the file's order into keys and value lists.
Status ReadLists(const ojson& j, const std::string& section, std::vector<std::string>* keys,
                 std::vector<std::vector<nlohmann::json>>* values) {
  if (!j.is_object())
    return Status::InvalidArgument(section + " must be an object of key: [values]");
  for (const auto& [key, list] : j.items()) {
    const std::string where = section + "." + key;
    FEDCARBON_RETURN_IF_ERROR(CheckKey(key, section));
    if (!list.is_array() || list.empty()) {
      return Status::InvalidArgument(where + " must be a non-empty list of values");
    }
    std::vector<nlohmann::json> vs;
    for (const auto& v : list) {
      if (key == kKindKey) FEDCARBON_RETURN_IF_ERROR(CheckKind(Plain(v), where));
      vs.push_back(Plain(v));
    }
    keys->push_back(key);
    values->push_back(std::move(vs));
  }
  return Status::OK();
}

// FNV-1a, 64 bits: stable across builds and machines (std::hash is not).
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::vector<std::string> SweepSpec::Keys() const {
  std::vector<std::string> keys = grid_keys;
  keys.insert(keys.end(), zip_keys.begin(), zip_keys.end());
  return keys;
}

nlohmann::ordered_json SweepSpec::ToJson() const {
  // ordered, so that the grid's key order survives the round trip through DIR/sweep.json
  ojson j;
  j["name"] = name;
  j["base"] = ojson::parse(base.dump());
  auto lists = [](const std::vector<std::string>& keys,
                  const std::vector<std::vector<nlohmann::json>>& values) {
    ojson o = ojson::object();
    for (size_t i = 0; i < keys.size(); ++i)
      o[keys[i]] = ojson::parse(nlohmann::json(values[i]).dump());
    return o;
  };
  if (!grid_keys.empty()) j["grid"] = lists(grid_keys, grid_values);
  if (!zip_keys.empty()) j["zip"] = lists(zip_keys, zip_values);
  if (!set.empty()) {
    ojson s = ojson::object();
    for (const auto& [k, v] : set) s[k] = ojson::parse(v.dump());
    j["set"] = s;
  }
  j["seeds"] = seeds;
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

Result<SweepSpec> ParseSweepSpec(const ojson& j, const std::string& base_dir,
                                 const std::string& default_name) {
  if (!j.is_object()) return Status::InvalidArgument("a sweep file must be a JSON object");
  static const std::set<std::string> kKnown = {"name", "base",  "grid", "zip",
                                               "set",  "seeds", "notes"};
  for (const auto& [key, v] : j.items()) {
    if (!kKnown.count(key)) {
      return Status::InvalidArgument("unknown key '" + key +
                                     "' (known: name, base, grid, zip, set, seeds, notes)");
    }
  }
  SweepSpec spec;
  spec.name = default_name;
  if (j.contains("name")) {
    if (!j["name"].is_string() || j["name"].get<std::string>().empty())
      return Status::InvalidArgument("name must be a non-empty string");
    spec.name = j["name"].get<std::string>();
  }
  if (!j.contains("base"))
    return Status::InvalidArgument("base is required (a config path or object)");
  const ojson& base = j["base"];
  if (base.is_string()) {
    const std::string p = base.get<std::string>();
    std::string path = p;
    if (!fs::exists(path) && fs::path(p).is_relative() && !base_dir.empty())
      path = (fs::path(base_dir) / p).string();
    Result<nlohmann::json> b = ReadJsonFile(path);
    if (!b.ok()) return b.status().WithContext("base");
    spec.base = std::move(*b);
  } else if (base.is_object()) {
    spec.base = Plain(base);
  } else {
    return Status::InvalidArgument("base must be a config path or a config object");
  }
  if (!spec.base.is_object())
    return Status::InvalidArgument("base: the config must be a JSON object");
  if (j.contains("grid"))
    FEDCARBON_RETURN_IF_ERROR(ReadLists(j["grid"], "grid", &spec.grid_keys, &spec.grid_values));
  if (j.contains("zip")) {
    FEDCARBON_RETURN_IF_ERROR(ReadLists(j["zip"], "zip", &spec.zip_keys, &spec.zip_values));
    for (size_t i = 1; i < spec.zip_values.size(); ++i) {
      if (spec.zip_values[i].size() != spec.zip_values[0].size()) {
        return Status::InvalidArgument(
            fmt::format("zip.{} has {} values but zip.{} has {}: zip lists vary "
                        "together and need equal lengths",
                        spec.zip_keys[i], spec.zip_values[i].size(), spec.zip_keys[0],
                        spec.zip_values[0].size()));
      }
    }
  }
  const std::vector<std::string> keys = spec.Keys();
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t k = i + 1; k < keys.size(); ++k) {
      if (keys[i] == keys[k])
        return Status::InvalidArgument("key '" + keys[i] + "' is swept twice");
    }
  }
  if (j.contains("set")) {
    if (!j["set"].is_object())
      return Status::InvalidArgument("set must be an object of key: value");
    for (const auto& [key, v] : j["set"].items()) {
      FEDCARBON_RETURN_IF_ERROR(CheckKey(key, "set"));
      if (key == kKindKey) FEDCARBON_RETURN_IF_ERROR(CheckKind(Plain(v), "set.kind"));
      for (const std::string& k : keys) {
        if (k == key) return Status::InvalidArgument("key '" + key + "' is both swept and in set");
      }
      spec.set.emplace_back(key, Plain(v));
    }
  }
  if (j.contains("seeds")) {
    const ojson& s = j["seeds"];
    if (!s.is_array() || s.empty())
      return Status::InvalidArgument("seeds must be a non-empty list");
    for (const auto& v : s) {
      if (!v.is_number_unsigned())
        return Status::InvalidArgument("seeds: " + v.dump() + " is not an integer >= 0");
      spec.seeds.push_back(v.get<uint64_t>());
    }
    for (const std::string& k : keys) {
      if (k == "seed")
        return Status::InvalidArgument("sweep seeds with \"seeds\", not as a grid key");
    }
  } else {
    const auto it = spec.base.find("seed");
    spec.seeds.push_back(it != spec.base.end() && it->is_number_unsigned()
                             ? it->get<uint64_t>()
                             : config::ExperimentConfig{}.seed);
  }
  if (j.contains("notes")) {
    if (!j["notes"].is_string()) return Status::InvalidArgument("notes must be a string");
    spec.notes = j["notes"].get<std::string>();
  }
  // Every key must apply to the base (catches a key below a leaf such as clients.device.x).
  for (const std::string& k : keys) {
    if (k == kKindKey) continue;
    nlohmann::json probe = spec.base;
    FEDCARBON_RETURN_IF_ERROR(config::ApplyOverride(probe, k + "=0").WithContext("grid/zip"));
  }
  return spec;
}

Result<SweepSpec> LoadSweepSpec(const std::string& path) {
  Result<ojson> j = ReadJsonFile<ojson>(path);
  if (!j.ok()) return j.status();
  const fs::path p(path);
  Result<SweepSpec> spec = ParseSweepSpec(*j, p.parent_path().string(), p.stem().string());
  if (!spec.ok()) return spec.status().WithContext(path);
  return spec;
}

std::string ValueText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

Result<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& spec) {
  const std::vector<std::string> keys = spec.Keys();
  // Combinations of grid indices (first key slowest), times the zip index.
  std::vector<std::vector<nlohmann::json>> combos = {{}};
  for (const auto& values : spec.grid_values) {
    std::vector<std::vector<nlohmann::json>> next;
    for (const auto& c : combos) {
      for (const auto& v : values) {
        next.push_back(c);
        next.back().push_back(v);
      }
    }
    combos = std::move(next);
  }
  if (!spec.zip_keys.empty()) {
    std::vector<std::vector<nlohmann::json>> next;
    for (const auto& c : combos) {
      for (size_t z = 0; z < spec.zip_values[0].size(); ++z) {
        next.push_back(c);
        for (const auto& list : spec.zip_values) next.back().push_back(list[z]);
      }
    }
    combos = std::move(next);
  }

  std::vector<SweepPoint> points;
  std::set<std::string> seen;
  for (const auto& combo : combos) {
    for (uint64_t seed : spec.seeds) {
      SweepPoint p;
      p.values = combo;
      p.seed = seed;
      nlohmann::json cfg = spec.base;
      auto apply = [&](const std::string& key, const nlohmann::json& v) -> Status {
        if (key == kKindKey) {
          p.kind = v.get<std::string>();
          return Status::OK();
        }
        return config::ApplyOverride(cfg, key + "=" + v.dump());
      };
      for (const auto& [k, v] : spec.set) FEDCARBON_RETURN_IF_ERROR(apply(k, v));
      for (size_t i = 0; i < keys.size(); ++i) FEDCARBON_RETURN_IF_ERROR(apply(keys[i], combo[i]));
      cfg["seed"] = seed;
      p.config_json = cfg;
      Result<config::ExperimentConfig> c = config::FromJson(cfg);
      std::string canonical;
      if (c.ok()) {
        p.valid = true;
        p.config = *c;
        canonical = config::ToJson(*c).dump();
      } else {
        p.error = c.status().message();
        canonical = "invalid:" + cfg.dump();
      }
      p.id = fmt::format("{:012x}", Fnv1a(p.kind + "\n" + canonical) & 0xffffffffffffull);
      if (!seen.insert(p.id).second) continue;  // the same run reached twice
      points.push_back(std::move(p));
    }
  }
  return points;
}

}  // namespace fedcarbon::experiment
