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

// Dispatches on cfg.scheme. All draws come from DeriveSeed(seed, {Stream::kPartition}).
//   iid           shuffle, deal round-robin: sizes equal +-1.
//   dirichlet     per class, shares ~ Dir(alpha) over clients (Flower's DirichletPartitioner
//                 without self-balancing); redrawn up to 10 times until every client holds
//                 >= min_partition_size (a client may be empty only when that is 0).
//   shards        sort by label, cut num_clients * shards_per_client equal shards, deal them at
//                 random: at most shards_per_client classes per client when shards align with
//                 classes (Fashion-MNIST with 10 clients x 2 shards: yes).
//   label_groups  class k in group k*G/10; iid_fraction of each class dealt to everyone, the
//                 rest to clients i with i mod G == group; per-class counts exact within 1.
//   power_law     sizes ~ (client + 1)^-exponent, at least 1 each, labels IID.
// Requires 1 <= num_clients <= labels.size() and labels in 0..9. Errors name the offending
// field (e.g. "partition.shards_per_client ...").
Result<Partition> MakePartition(std::span<const uint8_t> labels, int num_clients,
                                const config::PartitionConfig& cfg, uint64_t seed);

// The checks of MakePartition that need only the number of training samples, the one place
// they live: 1 <= num_clients <= train_samples, and per scheme min_partition_size x num_clients
// (dirichlet), shards_per_client x num_clients (shards) at most train_samples, num_groups at most
// min(10, num_clients) (label_groups). InvalidArgument naming the key, its value and the range
// it must be in ("partition.min_partition_size (10) x 10000 clients exceeds the 60000 samples:
// it must be in [0, 6] with 10000 clients"). MakePartition calls it first; CheckExperiment
// (experiment_check.h) calls it before anything runs.
Status CheckPartitionFeasible(const config::PartitionConfig& cfg, int num_clients,
                              int64_t train_samples);

// Per-client label histogram: hist[c][k] = samples of class k held by client c.
std::vector<std::vector<int64_t>> LabelHistogram(std::span<const uint8_t> labels,
                                                 const Partition& p, int num_classes = 10);

}  // namespace fedcarbon::data
