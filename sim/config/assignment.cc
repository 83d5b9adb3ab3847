// Assignment: its JSON forms (a name, {name: share}, a list) and Resolve (largest remainder,
// seeded shuffle).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/config/config.h"
#include "json_reader.h"

namespace fedcarbon::config {

namespace internal {

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule&, Assignment* out) {
  const auto invalid = [&](const std::string& what) { return Status::InvalidArgument(key + what); };
  Assignment a;
  // Names are UTF-8 text (ToJson dumps them; a --set value is taken as raw bytes otherwise).
  const auto bad_name = [](const nlohmann::json& n) {
    return n.get_ref<const std::string&>().empty() || !IsValidUtf8(n.get_ref<const std::string&>());
  };
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().empty()) return invalid(" must not be empty");
    if (bad_name(v)) return invalid(" must be UTF-8 text");
    a.proportions[v.get<std::string>()] = 1.0;
  } else if (v.is_object()) {
    if (v.empty()) return invalid(" must not be an empty object");
    double sum = 0.0;
    for (const auto& [name, share] : v.items()) {
      if (name.empty() || !IsValidUtf8(name)) return invalid(" has an empty or non-UTF-8 name");
      if (!share.is_number() || !std::isfinite(share.get<double>()) || share.get<double>() < 0.0) {
        return invalid("." + name + " must be a number >= 0, got " + DumpForMessage(share));
      }
      sum += share.get<double>();
      a.proportions[name] = share.get<double>();
    }
    // Finite too: shares of 1e308 sum to infinity and would all normalise to 0.
    if (!(sum > 0.0) || !std::isfinite(sum))
      return invalid(" proportions must sum to > 0 and be finite");
    // Shares that already sum to 1 (to rounding) are kept as they are, so that normalising is
    // idempotent: a config read back from its ToJson is the same config, bit for bit (a fuzz
    // finding: shares divided by a sum one ulp off 1 moved by an ulp on every round trip,
    // fuzz/regressions/config_json/proportions-renormalise-*). Resolve divides by the sum anyway.
    // Rounding leaves a sum of n normalised shares within about n ulps of 1.
    const double tolerance = 2.0 * std::numeric_limits<double>::epsilon() *
                             static_cast<double>(a.proportions.size() + 1);
    if (std::fabs(sum - 1.0) > tolerance)
      for (auto& [name, share] : a.proportions) share /= sum;
  } else if (v.is_array()) {
    if (v.empty()) return invalid(" must not be an empty list");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() || bad_name(v[i])) {
        return Status::InvalidArgument(key + "[" + std::to_string(i) +
                                       "] must be a non-empty string (UTF-8), got " +
                                       DumpForMessage(v[i]));
      }
      a.list.push_back(v[i].get<std::string>());
    }
  } else {
    return invalid(" must be a name, an object of proportions or a list of names, got " +
                   DumpForMessage(v));
  }
  *out = std::move(a);
  return Status::OK();
}

nlohmann::json ValueToJson(const Assignment& a) {
  if (!a.list.empty()) return a.list;
  if (a.proportions.size() == 1) return a.proportions.begin()->first;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, share] : a.proportions) j[name] = share;
  return j;
}

}  // namespace internal

std::vector<std::string> Assignment::Resolve(int num_clients, uint64_t seed) const {
  if (num_clients <= 0) return {};
  if (!list.empty()) {
    if (static_cast<int>(list.size()) != num_clients) return {};
    return list;
  }
  double sum = 0.0;
  for (const auto& [name, share] : proportions) sum += std::max(share, 0.0);
  if (!(sum > 0.0)) return {};

  // Largest remainder: floor of each quota, then one more to the largest remainders (ties go to
  // the name that sorts first, which is map order thanks to the stable sort).
  struct Quota {
    const std::string* name;
    int64_t count;
    double remainder;
  };
  std::vector<Quota> quotas;
  int64_t assigned = 0;
  for (const auto& [name, share] : proportions) {
    const double q = std::max(share, 0.0) / sum * num_clients;
    const double fl = std::floor(q);
    quotas.push_back({&name, static_cast<int64_t>(fl), q - fl});
    assigned += static_cast<int64_t>(fl);
  }
  std::vector<size_t> order(quotas.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return quotas[a].remainder > quotas[b].remainder; });
  for (size_t i = 0; assigned < num_clients; i = (i + 1) % order.size(), ++assigned) {
    ++quotas[order[i]].count;
  }

  std::vector<std::string> out;
  out.reserve(num_clients);
  for (const Quota& q : quotas) out.insert(out.end(), q.count, *q.name);
  std::mt19937_64 rng(DeriveSeed(seed, {static_cast<uint64_t>(Stream::kAssignment)}));
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

}  // namespace fedcarbon::config
