// Private to fedcarbon::config: the key tree of the config, as given by the field table
// (fields.h): a key is known when it is a field's dotted key or a section holding fields. Used to
// reject unknown keys in files (FromJson) and in --set overrides (ApplyOverride).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::config::internal {

// Every key of `j` (recursively) must be known; `j` and its sections must be objects.
// Errors (InvalidArgument): "unknown key 'federation.clients_per_rond' (did you mean
// 'clients_per_round'?)", "train must be a JSON object, got 3".
Status CheckKeys(const nlohmann::json& j);

// `key` ("train.lr", or a whole section such as "train") must be known. Errors name the key
// and `override_text`; a key inside an assignment says that it takes a whole value.
Status CheckOverrideKey(const std::string& key, const std::string& override_text);

// The value at dotted `key` in `j`, or nullptr when absent. Sections on the way that are not
// objects count as absent (CheckKeys rejects them first).
const nlohmann::json* Lookup(const nlohmann::json& j, const std::string& key);

}  // namespace fedcarbon::config::internal
