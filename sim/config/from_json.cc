// FromJson: the field table (fields.h) read row by row. Unknown keys first, then each present
// value's type and rule, then the cross-field rules; every error is InvalidArgument naming the key.
#include <string>
#include <variant>

#include "fedcarbon/config/config.h"
#include "fields.h"
#include "json_reader.h"
#include "schema.h"

namespace fedcarbon::config {

namespace {

using internal::Accessor;
using internal::Field;

int IntField(ExperimentConfig& c, std::string_view key) {
  return std::get<Accessor<int>>(internal::FindField(key)->access)(c);
}

// Rule::max_key (an int field at most another) and Rule::count_key (an assignment's explicit
// list has one name per client).
Status CheckAcross(const Field& f, ExperimentConfig& c) {
  const std::string key(f.key);
  if (!f.rule.max_key.empty()) {
    const int value = std::get<Accessor<int>>(f.access)(c), max = IntField(c, f.rule.max_key);
    if (value > max) {
      return Status::InvalidArgument(key + " must be <= " + std::string(f.rule.max_key) + " (got " +
                                     std::to_string(value) + " > " + std::to_string(max) + ")");
    }
  }
  if (!f.rule.count_key.empty()) {
    const Assignment& a = std::get<Accessor<Assignment>>(f.access)(c);
    const int count = IntField(c, f.rule.count_key);
    if (!a.list.empty() && static_cast<int>(a.list.size()) != count) {
      return Status::InvalidArgument(key + " lists " + std::to_string(a.list.size()) +
                                     " names but " + std::string(f.rule.count_key) + " is " +
                                     std::to_string(count));
    }
  }
  return Status::OK();
}

// Rules between fields that are not one field's bound.
Status CheckCombinations(const ExperimentConfig& c) {
  const ClientsConfig& k = c.clients;
  if (k.availability == "trace" && k.availability_trace.empty())
    return Status::InvalidArgument(
        "clients.availability_trace must name a CSV file when clients.availability is trace");
  if (k.availability == "diurnal" && k.online_from_h == k.online_to_h)
    return Status::InvalidArgument(
        "clients.online_from_h and clients.online_to_h must differ (the window would be empty)");
  return Status::OK();
}

}  // namespace

Result<ExperimentConfig> FromJson(const nlohmann::json& j) {
  FEDCARBON_RETURN_IF_ERROR(internal::CheckKeys(j));
  ExperimentConfig c;
  for (const Field& f : internal::Fields()) {
    const std::string key(f.key);
    const nlohmann::json* v = internal::Lookup(j, key);
    if (v == nullptr) continue;  // absent: the default of config.h
    FEDCARBON_RETURN_IF_ERROR(std::visit(
        [&](auto get) { return internal::ReadValue(*v, key, f.rule, &get(c)); }, f.access));
  }
  for (const Field& f : internal::Fields()) FEDCARBON_RETURN_IF_ERROR(CheckAcross(f, c));
  FEDCARBON_RETURN_IF_ERROR(CheckCombinations(c));
  return c;
}

}  // namespace fedcarbon::config
