// ToJson: every row of the field table (fields.h) under its dotted key.
#include <variant>

#include "fedcarbon/config/config.h"
#include "fields.h"
#include "json_reader.h"

namespace fedcarbon::config {

nlohmann::json ToJson(const ExperimentConfig& config) {
  ExperimentConfig c = config;  // the accessors hand out mutable references: read a copy
  nlohmann::json j = nlohmann::json::object();
  for (const internal::Field& f : internal::Fields()) {
    nlohmann::json* node = &j;
    for (const std::string& part : internal::SplitKey(f.key)) node = &(*node)[part];
    std::visit([&](auto get) { *node = internal::ValueToJson(get(c)); }, f.access);
  }
  return j;
}

}  // namespace fedcarbon::config
