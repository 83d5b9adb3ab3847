// Load, ApplyOverride and ResolveDataPath.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fedcarbon/config/config.h"
#include "schema.h"

namespace fedcarbon::config {

namespace {

std::vector<std::string> SplitDots(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

}  // namespace

Status ApplyOverride(nlohmann::json& j, const std::string& override_text) {
  const size_t eq = override_text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::Error("override '" + override_text + "' must look like key=value");
  }
  const std::string key = override_text.substr(0, eq);
  const std::string text = override_text.substr(eq + 1);
  // JSON when it parses (numbers, booleans, objects, lists, quoted strings), else a bare string.
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;

  // Check the whole path against the schema before touching `j`.
  const nlohmann::json schema = internal::Schema();
  const nlohmann::json* s = &schema;
  const std::vector<std::string> parts = SplitDots(key);
  std::string dotted;
  for (const std::string& part : parts) {
    const std::string parent = dotted;
    dotted += (dotted.empty() ? "" : ".") + part;
    if (part.empty() || !s->is_object() || internal::IsLeafKey(parent) || !s->contains(part)) {
      std::string msg = "unknown key '" + key + "' in override '" + override_text + "'";
      if (internal::IsLeafKey(parent)) {
        msg += " (" + parent + " takes a whole value: a name, {\"name\": share, ...} or a list)";
      }
      return Status::Error(msg);
    }
    s = &(*s)[part];
  }

  // Then walk `j`, creating missing sections.
  if (!j.is_object()) return Status::Error("cannot apply override to a non-object config");
  nlohmann::json* node = &j;
  dotted.clear();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    dotted += (dotted.empty() ? "" : ".") + parts[i];
    if (!node->contains(parts[i])) (*node)[parts[i]] = nlohmann::json::object();
    node = &(*node)[parts[i]];
    if (!node->is_object()) {
      return Status::Error("cannot apply override '" + override_text + "': " + dotted +
                           " is not an object");
    }
  }
  (*node)[parts.back()] = std::move(value);
  return Status::OK();
}

Result<ExperimentConfig> Load(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Error(path + ": read error");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Error(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return Status::Error(path + ": the config must be a JSON object");
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
