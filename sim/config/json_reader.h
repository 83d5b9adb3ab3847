// Private to fedcarbon::config: reads one JSON value into one field of the config, checking its
// type and its Rule (fields.h), and writes a field's value back as JSON. Every error is
// InvalidArgument and names the full dotted key ("train.lr must be > 0, got -1").
//
// Thread safety: free functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fields.h"

namespace fedcarbon::config::internal {

// True when `s` is well-formed UTF-8 (what JSON text must be; nlohmann::json::dump throws on
// anything else, so a config never holds it).
bool IsValidUtf8(std::string_view s);
// v.dump() that never throws (invalid UTF-8 replaced), for error messages.
std::string DumpForMessage(const nlohmann::json& v);

// Each read sets *out only when `v` is valid. `key` is the dotted key for messages.
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule,
                 std::string* out);
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, int* out);
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, double* out);
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, bool* out);
// A non-negative integer.
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, uint64_t* out);
// A name, {"name": share, ...} (normalised to sum 1) or a list of names (assignment.cc). The
// list's length is a cross-field check (Rule::count_key), done by FromJson.
Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule,
                 Assignment* out);

// The JSON form of a field's value, as ToJson writes it.
template <class T>
nlohmann::json ValueToJson(const T& v) {
  return v;
}
// A list stays a list; one name with share 1 is written as the name; else the shares.
nlohmann::json ValueToJson(const Assignment& a);

}  // namespace fedcarbon::config::internal
