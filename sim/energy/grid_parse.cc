// GridIntensity::Parse: the zones JSON (zones.json's format) and the hourly CSV (the content of
// electricitymaps-2023-hourly.csv.gz), validated (see grid.h).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/energy/grid.h"

namespace fedcarbon::energy {
namespace {

constexpr std::string_view kHeader = "zone,hour,direct_g_per_kwh,lca_g_per_kwh";
constexpr double kMinOffsetH = -12.0;
constexpr double kMaxOffsetH = 14.0;
constexpr std::array<std::string_view, 2> kReleases = {"green-dcc", "cozybench"};
constexpr std::array<std::string_view, 7> kZoneKeys = {
    "id", "name", "country", "utc_offset_h", "release", "estimated", "default_for_country"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool IsZoneId(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isupper(c) || std::isdigit(c) || c == '-';
  });
}

bool IsIso3(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

Result<std::string> String(const nlohmann::json& z, const char* key, const std::string& where) {
  if (!z.contains(key)) return Status::Corruption(where + "." + key + ": missing");
  if (!z.at(key).is_string()) return Status::Corruption(where + "." + key + ": not a string");
  std::string s = z.at(key).get<std::string>();
  if (s.empty()) return Status::Corruption(where + "." + key + ": empty");
  return s;
}

Result<bool> Bool(const nlohmann::json& z, const char* key, const std::string& where) {
  if (!z.contains(key)) return Status::Corruption(where + "." + key + ": missing");
  if (!z.at(key).is_boolean()) return Status::Corruption(where + "." + key + ": not true/false");
  return z.at(key).get<bool>();
}

Result<Zone> ParseZone(const nlohmann::json& z, size_t index) {
  std::string where = "zones[" + std::to_string(index) + "]";
  if (!z.is_object()) return Status::Corruption(where + ": not an object");
  Zone out;
  Result<std::string> id = String(z, "id", where);
  if (!id.ok()) return id.status();
  if (!IsZoneId(*id)) {
    return Status::Corruption(where + ".id: '" + *id + "' is not an Electricity Maps zone key " +
                              "(1-32 of [A-Z0-9-])");
  }
  out.id = *id;
  where = "zones[" + out.id + "]";
  for (const auto& [key, value] : z.items()) {
    if (!Contains(kZoneKeys, key)) return Status::Corruption(where + ": unknown key '" + key + "'");
  }
  Result<std::string> name = String(z, "name", where);
  if (!name.ok()) return name.status();
  out.name = *name;
  Result<std::string> country = String(z, "country", where);
  if (!country.ok()) return country.status();
  if (!IsIso3(*country)) {
    return Status::Corruption(where + ".country: '" + *country + "' is not an ISO 3166-1 " +
                              "alpha-3 code");
  }
  out.country_iso3 = *country;
  if (!z.contains("utc_offset_h") || !z.at("utc_offset_h").is_number()) {
    return Status::Corruption(where + ".utc_offset_h: missing or not a number");
  }
  out.utc_offset_h = z.at("utc_offset_h").get<double>();
  if (!(out.utc_offset_h >= kMinOffsetH && out.utc_offset_h <= kMaxOffsetH)) {
    std::ostringstream os;
    os << where << ".utc_offset_h: " << out.utc_offset_h << " h out of range [" << kMinOffsetH
       << ", " << kMaxOffsetH << "]";
    return Status::Corruption(os.str());
  }
  Result<std::string> release = String(z, "release", where);
  if (!release.ok()) return release.status();
  if (!Contains(kReleases, *release)) {
    return Status::Corruption(where + ".release: '" + *release + "' is not green-dcc or cozybench");
  }
  out.release = *release;
  Result<bool> estimated = Bool(z, "estimated", where);
  if (!estimated.ok()) return estimated.status();
  out.estimated = *estimated;
  Result<bool> is_default = Bool(z, "default_for_country", where);
  if (!is_default.ok()) return is_default.status();
  out.default_for_country = *is_default;
  return out;
}

Result<std::vector<Zone>> ParseZones(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("zones: not valid JSON");
  if (!j.is_object()) return Status::Corruption("zones: not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "_doc" && key != "zones") {
      return Status::Corruption("zones: unknown key '" + key + "'");
    }
  }
  if (!j.contains("zones") || !j.at("zones").is_array() || j.at("zones").empty()) {
    return Status::Corruption("zones.zones: missing or not a non-empty array");
  }
  std::vector<Zone> zones;
  std::map<std::string, std::string> default_of;  // iso3 -> zone id
  for (size_t i = 0; i < j.at("zones").size(); ++i) {
    Result<Zone> z = ParseZone(j.at("zones")[i], i);
    if (!z.ok()) return z.status();
    for (const Zone& other : zones) {
      if (other.id == z->id) return Status::Corruption("zones: duplicate id '" + z->id + "'");
    }
    if (z->default_for_country) {
      auto [it, fresh] = default_of.emplace(z->country_iso3, z->id);
      if (!fresh) {
        return Status::Corruption("zones[" + z->id + "].default_for_country: " + it->second +
                                  " is already the default zone of " + z->country_iso3);
      }
    }
    zones.push_back(std::move(*z));
  }
  std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) { return a.id < b.id; });
  return zones;
}

// Splits `line` on ',' into exactly `n` fields; false when the count differs.
bool SplitFields(std::string_view line, std::string_view* fields, int n) {
  int k = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (k == n) return false;
    fields[k++] = line.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return k == n;
}

}  // namespace

Result<GridIntensity> GridIntensity::Parse(std::string_view csv, std::string_view zones_json) {
  Result<std::vector<Zone>> zones = ParseZones(zones_json);
  if (!zones.ok()) return zones.status();
  GridIntensity g;
  g.zones_ = std::move(*zones);
  const size_t n = g.zones_.size();
  g.direct_.assign(n * kHours, 0.0);
  g.lca_.assign(n * kHours, 0.0);
  std::vector<size_t> line_of(n * kHours, 0);  // the CSV line that set each value; 0: none yet

  size_t pos = 0;
  size_t line_no = 0;
  int zone = -1;  // index of the previous row's zone: rows come grouped by zone
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = "grid CSV line " + std::to_string(line_no);
    if (line_no == 1) {
      if (line != kHeader) {
        return Status::Corruption(where + ": header '" + std::string(line) + "', want '" +
                                  std::string(kHeader) + "'");
      }
      continue;
    }
    std::string_view f[4];
    if (!SplitFields(line, f, 4)) {
      return Status::Corruption(where + ": '" + std::string(line) +
                                "' is not zone,hour,direct,lca");
    }
    if (zone < 0 || g.zones_[zone].id != f[0]) {
      auto it = std::lower_bound(g.zones_.begin(), g.zones_.end(), f[0],
                                 [](const Zone& z, std::string_view id) { return z.id < id; });
      if (it == g.zones_.end() || it->id != f[0]) {
        return Status::Corruption(where + ": zone '" + std::string(f[0]) +
                                  "' is not in the zones list");
      }
      zone = static_cast<int>(it - g.zones_.begin());
    }
    int hour = -1;
    auto [hp, hec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), hour);
    if (hec != std::errc() || hp != f[1].data() + f[1].size() || hour < 0 || hour >= kHours) {
      return Status::Corruption(where + ": hour '" + std::string(f[1]) + "' is not 0.." +
                                std::to_string(kHours - 1));
    }
    double v[2] = {0, 0};
    for (int c = 0; c < 2; ++c) {
      std::string_view s = f[2 + c];
      auto [vp, vec] = std::from_chars(s.data(), s.data() + s.size(), v[c]);
      if (vec != std::errc() || vp != s.data() + s.size() || !std::isfinite(v[c]) || v[c] < 0) {
        return Status::Corruption(where + ": " + (c == 0 ? "direct" : "lca") + " intensity '" +
                                  std::string(s) + "' is not a finite number >= 0");
      }
    }
    const size_t i = static_cast<size_t>(zone) * kHours + static_cast<size_t>(hour);
    if (line_of[i] != 0) {
      return Status::Corruption(where + ": zone " + g.zones_[zone].id + " hour " +
                                std::to_string(hour) + " already given on line " +
                                std::to_string(line_of[i]));
    }
    line_of[i] = line_no;
    g.direct_[i] = v[0];
    g.lca_[i] = v[1];
  }
  if (line_no == 0) return Status::Corruption("grid CSV: empty (no header)");
  for (size_t z = 0; z < n; ++z) {
    int given = 0;
    int first_missing = -1;
    for (int h = 0; h < kHours; ++h) {
      if (line_of[z * kHours + h] != 0) {
        ++given;
      } else if (first_missing < 0) {
        first_missing = h;
      }
    }
    if (given != kHours) {
      return Status::Corruption("grid CSV: zone " + g.zones_[z].id + " has " +
                                std::to_string(given) + " of " + std::to_string(kHours) +
                                " hours (first missing: hour " + std::to_string(first_missing) +
                                ")");
    }
  }
  return g;
}

}  // namespace fedcarbon::energy
