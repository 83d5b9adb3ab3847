// Private to fedcarbon::data: the individual partitioners behind MakePartition.
//
// Each takes validated inputs (labels in 0..9, CheckPartitionFeasible passed) and the
// partition stream's generator, and returns unsorted per-client index lists (MakePartition sorts).
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/partition.h"

namespace fedcarbon::data::internal {

using Rng = std::mt19937_64;

// 0..n-1 in a random order.
std::vector<int64_t> ShuffledIndices(int64_t n, Rng& rng);
// Indices of each class (0..9), each list shuffled.
std::vector<std::vector<int64_t>> ShuffledByClass(std::span<const uint8_t> labels, Rng& rng);
// Appends `items` to the clients in `members`, round-robin starting at members[start % size];
// returns the position after the last one dealt, so consecutive deals continue the rotation.
size_t DealRoundRobin(std::span<const int64_t> items, std::span<const int> members, Partition* p,
                      size_t start = 0);

Result<Partition> Iid(std::span<const uint8_t> labels, int num_clients, Rng& rng);
Result<Partition> Dirichlet(std::span<const uint8_t> labels, int num_clients,
                            const config::PartitionConfig& cfg, Rng& rng);
Result<Partition> Shards(std::span<const uint8_t> labels, int num_clients,
                         const config::PartitionConfig& cfg, Rng& rng);
Result<Partition> LabelGroups(std::span<const uint8_t> labels, int num_clients,
                              const config::PartitionConfig& cfg, Rng& rng);
Result<Partition> PowerLaw(std::span<const uint8_t> labels, int num_clients,
                           const config::PartitionConfig& cfg, Rng& rng);

}  // namespace fedcarbon::data::internal
