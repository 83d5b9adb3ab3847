// `fedcarbon sweep`: parameter sweeps over experiment configs.
//
// A sweep file (JSON) names a base config and what varies:
//   {
//     "name":  "alpha",                              optional; default: the file's stem
//     "base":  "experiments/mlp-iid.json" | {...},   a config file (relative to the current
//                                                    folder, else to the sweep file's folder) or
//                                                    an inline config
//     "grid":  {"partition.alpha": [0.1, 1, 100], "federation.num_clients": [20, 100]},
//                                                    cartesian product, in the file's key order
//     "zip":   {"train.local_epochs": [1, 5], "train.lr": [0.05, 0.01]},
//                                                    keys that vary together (equal lengths)
//     "set":   {"partition.scheme": "dirichlet"},    overrides for every point
//     "seeds": [1, 2],                               repeats (config "seed"); default: the base's
//     "notes": "free text"
//   }
// Keys are the config's dotted keys (config::ApplyOverride checks them), plus "kind": "fl"
// (default) or "centralized", so one sweep can hold both sides of a comparison. Unknown top-level
// keys, unknown config keys, empty value lists and zip lists of different lengths are errors in
// the sweep file. A value a config rejects (alpha -1) is not: that point fails with the config's
// error and the others run.
//
// Each point's id is a stable hash of its kind and resolved config, so adding values to a grid
// keeps the ids (and the finished folders) of the points already there.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::experiment {

struct SweepSpec {
  std::string name;
  nlohmann::json base = nlohmann::json::object();  // the base config (inline, as JSON)
  // Swept keys with their value lists, in order: grid keys, then zip keys.
  std::vector<std::string> grid_keys;
  std::vector<std::vector<nlohmann::json>> grid_values;
  std::vector<std::string> zip_keys;
  std::vector<std::vector<nlohmann::json>> zip_values;  // one list per zip key, equal lengths
  std::vector<std::pair<std::string, nlohmann::json>> set;
  std::vector<uint64_t> seeds;  // never empty after parsing
  std::string notes;

  // Swept keys as they appear in results.csv: grid keys then zip keys.
  std::vector<std::string> Keys() const;
  // The spec as a self-contained sweep file (base inline): what DIR/sweep.json holds.
  nlohmann::ordered_json ToJson() const;
};

// Parses a sweep file's JSON (ordered: the grid's key order is the file's). `base_dir` is the
// sweep file's folder, for a relative "base" path.
Result<SweepSpec> ParseSweepSpec(const nlohmann::ordered_json& j, const std::string& base_dir,
                                 const std::string& default_name);
Result<SweepSpec> LoadSweepSpec(const std::string& path);

struct SweepPoint {
  std::string id;                      // 12 hex digits (see header comment)
  std::vector<nlohmann::json> values;  // one per SweepSpec::Keys()
  uint64_t seed = 0;
  std::string kind = "fl";          // "fl" | "centralized"
  nlohmann::json config_json;       // base + set + values + seed, before validation
  bool valid = false;               // config::FromJson accepted config_json
  config::ExperimentConfig config;  // when valid
  std::string error;                // when not valid: the config's error
};

// Every point, in grid order (first key slowest), zip index, then seed. Points whose resolved
// configs are identical appear once.
Result<std::vector<SweepPoint>> ExpandSweep(const SweepSpec& spec);

// A value as shown in tables and file names: strings without quotes, other JSON compact.
std::string ValueText(const nlohmann::json& value);

}  // namespace fedcarbon::experiment
