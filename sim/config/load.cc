// Load, ApplyOverride and ResolveDataPath. A file that cannot be opened is NotFound, a failed read
// IOError; bad JSON, keys and values are InvalidArgument.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fedcarbon/common/file.h"
#include "fedcarbon/config/config.h"
#include "fields.h"
#include "json_reader.h"
#include "schema.h"

namespace fedcarbon::config {

Status ApplyOverride(nlohmann::json& j, const std::string& override_text) {
  const size_t eq = override_text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("override '" + override_text + "' must look like key=value");
  }
  const std::string key = override_text.substr(0, eq);
  const std::string text = override_text.substr(eq + 1);
  // JSON when it parses (numbers, booleans, objects, lists, quoted strings), else a bare string.
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // JSON holds UTF-8 text only (dump() throws on anything else): a fuzz finding,
    // fuzz/regressions/config_json/override-invalid-utf8.
    if (!internal::IsValidUtf8(text))
      return Status::InvalidArgument("override '" + key + "=...': the value is not UTF-8 text");
    value = text;
  }

  // Check the key against the field table before touching `j`.
  FEDCARBON_RETURN_IF_ERROR(internal::CheckOverrideKey(key, override_text));
  const std::vector<std::string> parts = internal::SplitKey(key);

  // Then walk `j`, creating missing sections.
  if (!j.is_object()) {
    return Status::InvalidArgument("cannot apply override to a non-object config");
  }
  nlohmann::json* node = &j;
  std::string dotted;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    dotted = internal::JoinKey(dotted, parts[i]);
    if (!node->contains(parts[i])) (*node)[parts[i]] = nlohmann::json::object();
    node = &(*node)[parts[i]];
    if (!node->is_object()) {
      return Status::InvalidArgument("cannot apply override '" + override_text + "': " + dotted +
                                     " is not an object");
    }
  }
  (*node)[parts.back()] = std::move(value);
  return Status::OK();
}

Result<ExperimentConfig> Load(const std::string& path, const std::vector<std::string>& overrides) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return Status::InvalidArgument(path + ": the config must be a JSON object");
  for (const std::string& o : overrides) {
    FEDCARBON_RETURN_IF_ERROR(ApplyOverride(j, o).WithContext("--set"));
  }
  Result<ExperimentConfig> c = FromJson(j);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

std::string ResolveDataPath(const ExperimentConfig& c) {
  if (!c.data.path.empty()) return c.data.path;
  const char* env = std::getenv("FEDCARBON_DATA");
  if (env != nullptr && *env != '\0') return env;
  return "/usr/share/datasets/fashion-mnist";
}

}  // namespace fedcarbon::config
