// Partitioners: deal the training set's sample indices to clients. Deterministic from the seed;
// every sample is owned by exactly one client (except that dirichlet/power_law may leave none
// out either: all schemes cover the whole set).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::data {

// partition[c] = sorted indices (into the dataset) owned by client c.
using Partition = std::vector<std::vector<int64_t>>;

// Dispatches on cfg.scheme: "iid", "dirichlet", "shards", "label_groups", "power_law".
// Errors name the offending field (e.g. "partition.shards_per_client ...").
Result<Partition> MakePartition(std::span<const uint8_t> labels, int num_clients,
                                const config::PartitionConfig& cfg, uint64_t seed);

// Per-client label histogram: hist[c][k] = samples of class k held by client c.
std::vector<std::vector<int64_t>> LabelHistogram(std::span<const uint8_t> labels,
                                                 const Partition& p, int num_classes = 10);

}  // namespace fedcarbon::data
