// Private to fedcarbon::config: the key schema (the shape of ToJson(defaults)) used to reject
// unknown keys in files and in --set overrides.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::config::internal {

// The schema document: ToJson(ExperimentConfig{}). Built on each call (cheap; no global state).
nlohmann::json Schema();

// Keys whose value is a whole value even though it may be a JSON object (assignments).
bool IsLeafKey(std::string_view dotted_key);

// Every key of `j` (recursively) must exist in `schema`; sections must be objects.
// Errors: "unknown key 'federation.clients_per_rond' (did you mean 'clients_per_round'?)".
Status CheckKeys(const nlohmann::json& j, const nlohmann::json& schema, const std::string& prefix);

// Assignment <-> JSON. `key` is the dotted key for messages. List length is checked by the caller.
Status ParseAssignment(const nlohmann::json& v, const std::string& key, Assignment* out);
nlohmann::json AssignmentToJson(const Assignment& a);

}  // namespace fedcarbon::config::internal
