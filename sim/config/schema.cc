#include "schema.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "fields.h"

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

// " (did you mean 'x'?)" for the closest name in `section` within 2 edits, else "".
std::string Hint(const std::string& name, const std::string& section) {
  std::string best;
  size_t best_d = 3;
  for (const std::string& known : ChildNames(section)) {
    const size_t d = EditDistance(name, known);
    if (d < best_d) {
      best_d = d;
      best = known;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

Status CheckSection(const nlohmann::json& j, const std::string& section) {
  if (!j.is_object()) {
    return Status::InvalidArgument((section.empty() ? std::string("the config") : section) +
                                   " must be a JSON object, got " + j.dump());
  }
  for (const auto& [name, value] : j.items()) {
    const std::string dotted = JoinKey(section, name);
    const bool plain_name = !name.empty() && name.find('.') == std::string::npos;
    if (plain_name && FindField(dotted) != nullptr) continue;  // its reader checks the value
    if (!plain_name || !IsSection(dotted)) {
      return Status::InvalidArgument("unknown key '" + dotted + "'" + Hint(name, section));
    }
    FEDCARBON_RETURN_IF_ERROR(CheckSection(value, dotted));
  }
  return Status::OK();
}

}  // namespace

Status CheckKeys(const nlohmann::json& j) { return CheckSection(j, ""); }

Status CheckOverrideKey(const std::string& key, const std::string& override_text) {
  // No field key has an empty part, so "a..b" and "a." are never a field or a section.
  if (!key.empty() && (FindField(key) != nullptr || IsSection(key))) return Status::OK();
  std::string msg = "unknown key '" + key + "' in override '" + override_text + "'";
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
    const Field* f = FindField(std::string_view(key).substr(0, dot));
    if (f != nullptr && std::holds_alternative<Accessor<Assignment>>(f->access)) {
      msg += " (" + std::string(f->key) +
             " takes a whole value: a name, {\"name\": share, ...} or a list)";
    }
  }
  return Status::InvalidArgument(msg);
}

const nlohmann::json* Lookup(const nlohmann::json& j, const std::string& key) {
  const nlohmann::json* node = &j;
  for (const std::string& part : SplitKey(key)) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

}  // namespace fedcarbon::config::internal
