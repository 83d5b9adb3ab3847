// Internal to fedcarbon::energy: what Catalog::FromJson (catalog.cc) uses from catalog_ranged.cc.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::energy::internal {

// Appends every quantity of `j` with a "range" to `out`, named "devices[v100].idle_w" (list
// entries by their iso3 or name, nested objects by key), in document order; `pointer` and `name`
// are the JSON pointer and the name of `j` itself ("" at the top).
void CollectRanged(const nlohmann::json& j, const std::string& pointer, const std::string& name,
                   std::vector<RangedValue>& out);

// `j` with every tie {"same_as": NAME[, "note": ...]} replaced by a copy of the ranged quantity
// NAME (its own note kept), and `ranged` (CollectRanged of j) told which names are tied to it.
// Corruption naming the tie when NAME is not a ranged quantity of j.
Result<nlohmann::json> ResolveTies(const nlohmann::json& j, std::vector<RangedValue>& ranged);

// "fnv1a64:" + 16 hex digits: FNV-1a, 64 bits, of the canonical document (nlohmann::json keeps
// object keys sorted, so equal documents dump to equal text).
std::string CatalogId(const nlohmann::json& doc);

}  // namespace fedcarbon::energy::internal
