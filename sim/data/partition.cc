// MakePartition (dispatch, validation, sorting), LabelHistogram and the shared helpers.
#include <algorithm>
#include <numeric>
#include <string>

#include <spdlog/fmt/fmt.h>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/data/partition.h"
#include "partition_internal.h"

namespace fedcarbon::data {

namespace internal {

std::vector<int64_t> ShuffledIndices(int64_t n, Rng& rng) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  std::shuffle(idx.begin(), idx.end(), rng);
  return idx;
}

std::vector<std::vector<int64_t>> ShuffledByClass(std::span<const uint8_t> labels, Rng& rng) {
  std::vector<std::vector<int64_t>> by_class(Dataset::kNumClasses);
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(int64_t(i));
  for (auto& c : by_class) std::shuffle(c.begin(), c.end(), rng);
  return by_class;
}

size_t DealRoundRobin(std::span<const int64_t> items, std::span<const int> members, Partition* p,
                      size_t start) {
  for (size_t i = 0; i < items.size(); ++i) {
    (*p)[members[(start + i) % members.size()]].push_back(items[i]);
  }
  return start + items.size();
}

}  // namespace internal

Status CheckPartitionFeasible(const config::PartitionConfig& cfg, int num_clients,
                              int64_t train_samples) {
  const std::string n = std::to_string(train_samples), clients = std::to_string(num_clients);
  if (num_clients < 1 || num_clients > train_samples) {
    return Status::InvalidArgument(fmt::format(
        "federation.num_clients ({}) exceeds the number of samples ({}): it must be in [1, {}]",
        num_clients, n, n));
  }
  // Per client at most: the largest value of a per-client count that fits the samples.
  const int64_t per_client = train_samples / num_clients;
  if (cfg.scheme == "dirichlet" &&
      (cfg.min_partition_size < 0 ||
       int64_t{cfg.min_partition_size} * num_clients > train_samples)) {
    return Status::InvalidArgument(fmt::format(
        "partition.min_partition_size ({}) x {} clients exceeds the {} samples: it must be in "
        "[0, {}] with {} clients",
        cfg.min_partition_size, clients, n, per_client, clients));
  }
  if (cfg.scheme == "shards" &&
      (cfg.shards_per_client < 1 || int64_t{cfg.shards_per_client} * num_clients > train_samples)) {
    return Status::InvalidArgument(fmt::format(
        "partition.shards_per_client ({}) x {} clients = {} shards, more than the {} samples: it "
        "must be in [1, {}] with {} clients",
        cfg.shards_per_client, clients, int64_t{cfg.shards_per_client} * num_clients, n, per_client,
        clients));
  }
  if (cfg.scheme == "label_groups") {
    const int most = std::min(Dataset::kNumClasses, num_clients);
    if (cfg.num_groups < 1 || cfg.num_groups > most) {
      return Status::InvalidArgument(fmt::format(
          "partition.num_groups must be in [1, min(10, federation.num_clients = {})] = [1, {}], "
          "got {}",
          clients, most, cfg.num_groups));
    }
  }
  return Status::OK();
}

Result<Partition> MakePartition(std::span<const uint8_t> labels, int num_clients,
                                const config::PartitionConfig& cfg, uint64_t seed) {
  FEDCARBON_RETURN_IF_ERROR(
      CheckPartitionFeasible(cfg, num_clients, static_cast<int64_t>(labels.size())));
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= Dataset::kNumClasses) {
      return Status::Corruption("label " + std::to_string(labels[i]) + " at index " +
                                std::to_string(i) + " is not in 0..9");
    }
  }
  internal::Rng rng(DeriveSeed(seed, {static_cast<uint64_t>(Stream::kPartition)}));
  Result<Partition> p = Status::InvalidArgument(
      "partition.scheme must be one of iid, dirichlet, shards, "
      "label_groups, power_law, got '" +
      cfg.scheme + "'");
  if (cfg.scheme == "iid") {
    p = internal::Iid(labels, num_clients, rng);
  } else if (cfg.scheme == "dirichlet") {
    p = internal::Dirichlet(labels, num_clients, cfg, rng);
  } else if (cfg.scheme == "shards") {
    p = internal::Shards(labels, num_clients, cfg, rng);
  } else if (cfg.scheme == "label_groups") {
    p = internal::LabelGroups(labels, num_clients, cfg, rng);
  } else if (cfg.scheme == "power_law") {
    p = internal::PowerLaw(labels, num_clients, cfg, rng);
  }
  if (!p.ok()) return p;
  for (auto& client : *p) std::sort(client.begin(), client.end());
  return p;
}

std::vector<std::vector<int64_t>> LabelHistogram(std::span<const uint8_t> labels,
                                                 const Partition& p, int num_classes) {
  std::vector<std::vector<int64_t>> hist(p.size(), std::vector<int64_t>(num_classes, 0));
  for (size_t c = 0; c < p.size(); ++c) {
    for (int64_t i : p[c]) {
      if (i >= 0 && static_cast<size_t>(i) < labels.size() && labels[i] < num_classes) {
        ++hist[c][labels[i]];
      }
    }
  }
  return hist;
}

}  // namespace fedcarbon::data
