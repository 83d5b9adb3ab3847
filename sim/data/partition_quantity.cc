// Label-agnostic partitioners: iid (equal sizes) and power_law (quantity skew).
#include <cmath>
#include <numeric>
#include <string>

#include "partition_internal.h"

namespace fedcarbon::data::internal {

Result<Partition> Iid(std::span<const uint8_t> labels, int num_clients, Rng& rng) {
  Partition p(num_clients);
  std::vector<int> all(num_clients);
  std::iota(all.begin(), all.end(), 0);
  DealRoundRobin(ShuffledIndices(static_cast<int64_t>(labels.size()), rng), all, &p);
  return p;
}

// Client c's size is proportional to (c + 1)^-exponent: every client gets one sample, the rest
// is split by largest remainder, so sizes never increase with c. Samples are a random (IID) draw.
Result<Partition> PowerLaw(std::span<const uint8_t> labels, int num_clients,
                           const config::PartitionConfig& cfg, Rng& rng) {
  if (!(cfg.power_law_exponent > 0.0) || !std::isfinite(cfg.power_law_exponent)) {
    return Status::InvalidArgument("partition.power_law_exponent must be > 0");
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  std::vector<double> w(num_clients);
  for (int c = 0; c < num_clients; ++c) w[c] = std::pow(c + 1.0, -cfg.power_law_exponent);
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  const int64_t spare = n - num_clients;
  std::vector<int64_t> size(num_clients, 1);
  std::vector<double> rem(num_clients);
  int64_t given = 0;
  for (int c = 0; c < num_clients; ++c) {
    const double q = w[c] / sum * static_cast<double>(spare);
    const double fl = std::floor(q);
    size[c] += static_cast<int64_t>(fl);
    rem[c] = q - fl;
    given += static_cast<int64_t>(fl);
  }
  std::vector<int> order(num_clients);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rem[a] > rem[b]; });
  for (int64_t k = 0; given < spare; ++k, ++given) ++size[order[k % num_clients]];

  const std::vector<int64_t> perm = ShuffledIndices(n, rng);
  Partition p(num_clients);
  int64_t at = 0;
  for (int c = 0; c < num_clients; ++c) {
    p[c].assign(perm.begin() + at, perm.begin() + at + size[c]);
    at += size[c];
  }
  return p;
}

}  // namespace fedcarbon::data::internal
