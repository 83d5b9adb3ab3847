// Label-sorted partitioners: shards (McMahan et al. 2017) and label_groups (the non-IID split of
// the published Table 4 experiment, with an IID fraction).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "fedcarbon/data/dataset.h"
#include "partition_internal.h"

namespace fedcarbon::data::internal {

// Sort by label (stable, after a shuffle, so ties are in random order), cut into
// num_clients * shards_per_client shards of equal size (+-1), deal shards_per_client random
// shards to each client. A client holds at most shards_per_client classes when each class size is
// a multiple of the shard size (Fashion-MNIST train with 10 clients x 2 shards: 300 x 20);
// otherwise a shard may straddle two classes.
Result<Partition> Shards(std::span<const uint8_t> labels, int num_clients,
                         const config::PartitionConfig& cfg, Rng& rng) {
  const int64_t n = static_cast<int64_t>(labels.size());
  // 1 <= num_shards <= n: CheckPartitionFeasible (MakePartition).
  const int64_t num_shards = int64_t{num_clients} * cfg.shards_per_client;
  std::vector<int64_t> idx = ShuffledIndices(n, rng);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](int64_t a, int64_t b) { return labels[a] < labels[b]; });
  std::vector<int64_t> shard_ids(num_shards);
  std::iota(shard_ids.begin(), shard_ids.end(), int64_t{0});
  std::shuffle(shard_ids.begin(), shard_ids.end(), rng);
  Partition p(num_clients);
  for (int64_t k = 0; k < num_shards; ++k) {
    const int64_t s = shard_ids[k];
    const int64_t begin = s * n / num_shards, end = (s + 1) * n / num_shards;
    std::vector<int64_t>& client = p[k / cfg.shards_per_client];
    client.insert(client.end(), idx.begin() + begin, idx.begin() + end);
  }
  return p;
}

// G groups of classes (class k in group k*G/10). Per class, round(iid_fraction * size) random
// samples are dealt round-robin to every client; the rest of the class goes round-robin to the
// clients i with i mod G == group of k. Dealing class by class, with the rotation carried over
// from one class to the next, keeps both the class proportions and the client sizes within one
// sample of exact.
Result<Partition> LabelGroups(std::span<const uint8_t> labels, int num_clients,
                              const config::PartitionConfig& cfg, Rng& rng) {
  const int g = cfg.num_groups;  // in [1, min(10, num_clients)]: CheckPartitionFeasible
  if (!(cfg.iid_fraction >= 0.0 && cfg.iid_fraction <= 1.0)) {
    return Status::InvalidArgument("partition.iid_fraction must be in [0, 1]");
  }
  std::vector<int> all(num_clients);
  std::iota(all.begin(), all.end(), 0);
  std::vector<std::vector<int>> members(g);
  for (int c = 0; c < num_clients; ++c) members[c % g].push_back(c);
  // Start the rotations at random clients so client 0 is not always the one with an extra sample.
  size_t iid_at = std::uniform_int_distribution<size_t>(0, num_clients - 1)(rng);
  std::vector<size_t> group_at(g, 0);

  Partition p(num_clients);
  const auto by_class = ShuffledByClass(labels, rng);
  for (int k = 0; k < Dataset::kNumClasses; ++k) {
    const std::span<const int64_t> cls = by_class[k];
    const auto n_iid = static_cast<size_t>(std::llround(cfg.iid_fraction * double(cls.size())));
    const int grp = k * g / Dataset::kNumClasses;
    iid_at = DealRoundRobin(cls.first(n_iid), all, &p, iid_at);
    group_at[grp] = DealRoundRobin(cls.subspan(n_iid), members[grp], &p, group_at[grp]);
  }
  for (int c = 0; c < num_clients; ++c) {
    if (p[c].empty()) {
      return Status::InvalidArgument("partition.num_groups: client " + std::to_string(c) +
                                     " got no samples (its group's classes are absent and "
                                     "partition.iid_fraction leaves it nothing)");
    }
  }
  return p;
}

}  // namespace fedcarbon::data::internal
