// One reader for JSON files (summary.json, point.json, sweep and reproduce files, ...).
//
// Thread safety: free function; no shared state.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/status.h"

namespace fedcarbon {

// Reads and parses `path` as Json (nlohmann::json, or ordered_json to keep the key order):
// NotFound when missing, IOError when unreadable, Corruption when the text is not JSON.
template <class Json = nlohmann::json>
Result<Json> ReadJsonFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  Json j = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption(path + ": not valid JSON");
  return j;
}

}  // namespace fedcarbon
