#include "schema.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fedcarbon::config::internal {

namespace {

// Levenshtein distance, for "did you mean" hints on short keys.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

}  // namespace

nlohmann::json Schema() { return ToJson(ExperimentConfig{}); }

bool IsLeafKey(std::string_view dotted_key) {
  return dotted_key == "clients.device" || dotted_key == "clients.countries";
}

Status CheckKeys(const nlohmann::json& j, const nlohmann::json& schema, const std::string& prefix) {
  if (!j.is_object()) {
    return Status::Error((prefix.empty() ? std::string("the config") : prefix) +
                         " must be a JSON object, got " + j.dump());
  }
  for (const auto& [key, value] : j.items()) {
    const std::string dotted = Join(prefix, key);
    auto it = schema.find(key);
    if (it == schema.end()) {
      std::string hint, best;
      size_t best_d = 3;
      for (const auto& [known, unused] : schema.items()) {
        const size_t d = EditDistance(key, known);
        if (d < best_d) best_d = d, best = known;
      }
      if (!best.empty()) hint = " (did you mean '" + best + "'?)";
      return Status::Error("unknown key '" + dotted + "'" + hint);
    }
    if (it->is_object() && !IsLeafKey(dotted)) {
      FEDCARBON_RETURN_IF_ERROR(CheckKeys(value, *it, dotted));
    }
  }
  return Status::OK();
}

Status ParseAssignment(const nlohmann::json& v, const std::string& key, Assignment* out) {
  Assignment a;
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().empty()) return Status::Error(key + " must not be empty");
    a.proportions[v.get<std::string>()] = 1.0;
  } else if (v.is_object()) {
    if (v.empty()) return Status::Error(key + " must not be an empty object");
    double sum = 0.0;
    for (const auto& [name, share] : v.items()) {
      if (name.empty()) return Status::Error(key + " has an empty name");
      if (!share.is_number() || !std::isfinite(share.get<double>()) || share.get<double>() < 0.0) {
        return Status::Error(key + "." + name + " must be a number >= 0, got " + share.dump());
      }
      sum += share.get<double>();
      a.proportions[name] = share.get<double>();
    }
    if (!(sum > 0.0)) return Status::Error(key + " proportions must sum to > 0");
    for (auto& [name, share] : a.proportions) share /= sum;
  } else if (v.is_array()) {
    if (v.empty()) return Status::Error(key + " must not be an empty list");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() || v[i].get_ref<const std::string&>().empty()) {
        return Status::Error(key + "[" + std::to_string(i) + "] must be a non-empty string, got " +
                             v[i].dump());
      }
      a.list.push_back(v[i].get<std::string>());
    }
  } else {
    return Status::Error(
        key + " must be a name, an object of proportions or a list of names, got " + v.dump());
  }
  *out = std::move(a);
  return Status::OK();
}

nlohmann::json AssignmentToJson(const Assignment& a) {
  if (!a.list.empty()) return a.list;
  if (a.proportions.size() == 1) return a.proportions.begin()->first;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, share] : a.proportions) j[name] = share;
  return j;
}

}  // namespace fedcarbon::config::internal
