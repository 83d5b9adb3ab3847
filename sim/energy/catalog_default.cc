// Catalog::Default and Catalog::FromDirectory: where the catalog's documents come from.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "catalog_data.h"
#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::energy {
namespace {

constexpr std::streamoff kMaxFileBytes = 16 << 20;  // data files are a few KB

Result<nlohmann::json> ParseDocument(const std::string& text, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption(what + ": not valid JSON");
  if (!j.is_object()) return Status::Corruption(what + ": not a JSON object");
  return j;
}

Result<nlohmann::json> ReadDocument(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string why = path + ": cannot open (" + std::strerror(errno) + ")";
    return errno == ENOENT ? Status::NotFound(why) : Status::IOError(why);
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxFileBytes) return Status::Corruption(path + ": missing or too large");
  in.seekg(0);
  std::ostringstream os;
  os << in.rdbuf();
  return ParseDocument(os.str(), path);
}

// Merges the top-level keys of `part` into `all`; a key given twice is an error.
Status Merge(nlohmann::json& all, const nlohmann::json& part, const std::string& what) {
  for (const auto& [key, value] : part.items()) {
    if (key == "_doc") continue;
    if (all.contains(key)) return Status::Corruption(what + ": key '" + key + "' given twice");
    all[key] = value;
  }
  return Status::OK();
}

}  // namespace

Result<Catalog> Catalog::FromDirectory(const std::string& dir) {
  nlohmann::json all = nlohmann::json::object();
  for (const char* file : {"countries.json", "devices.json", "networks.json"}) {
    const std::string path = dir + "/" + file;
    Result<nlohmann::json> doc = ReadDocument(path);
    if (!doc.ok()) return doc.status();
    FEDCARBON_RETURN_IF_ERROR(Merge(all, *doc, path));
  }
  Result<Catalog> cat = FromJson(all);
  if (!cat.ok()) return cat.status().WithContext("catalog " + dir);
  return cat;
}

Result<Catalog> Catalog::Default() {
  if (const char* dir = std::getenv("FEDCARBON_CATALOG"); dir != nullptr && *dir != '\0') {
    return FromDirectory(dir);
  }
  nlohmann::json all = nlohmann::json::object();
  const std::pair<const char*, const char*> docs[] = {{"countries.json", internal::kCountriesJson},
                                                      {"devices.json", internal::kDevicesJson},
                                                      {"networks.json", internal::kNetworksJson}};
  for (const auto& [name, text] : docs) {
    Result<nlohmann::json> doc = ParseDocument(text, std::string("embedded ") + name);
    if (!doc.ok()) return doc.status();
    FEDCARBON_RETURN_IF_ERROR(Merge(all, *doc, name));
  }
  Result<Catalog> cat = FromJson(all);
  if (!cat.ok()) return cat.status().WithContext("embedded catalog");
  return cat;
}

}  // namespace fedcarbon::energy
