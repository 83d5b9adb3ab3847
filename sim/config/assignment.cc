// Assignment::Resolve: per-client values from proportions (largest remainder, seeded shuffle).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::config {

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
