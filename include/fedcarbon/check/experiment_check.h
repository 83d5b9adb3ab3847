// CheckExperiment: the one check of a whole experiment config that every command runs before it
// starts a process or writes a file (fedcarbon run, centralized, partition, reproduce, sweep,
// fedcarbon-server, and fedcarbon-client on the config its Welcome carries). A config that passes
// config::FromJson can still not run: a device, country or zone the catalog does not know, a
// trace file that does not parse, a data set that is missing, or a partition that cannot be
// dealt (partition.min_partition_size x federation.num_clients above the training samples, more
// shards than samples, a Dirichlet draw that leaves a client short after its retries). Those are
// found here, before anything runs, instead of inside the workers once the processes started.
//
// Errors are bad input (InvalidArgument, NotFound or Corruption: exit code 2) and name the key
// and the range it must be in.
//
// Cost: reads the two label files (70 KB) and the embedded grid traces, and deals the partition
// once (milliseconds for Fashion-MNIST). Thread safety: pure function.
#pragma once

#include <cstdint>
#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::check {

struct CheckOptions {
  // The data set folder; empty: config::ResolveDataPath(cfg). fedcarbon-client passes its --data.
  std::string data_dir;
  // false: a data set that is not on this host is not an error, and the partition is checked by
  // its counts against kDefaultTrainSamples (`fedcarbon run --emit slurm` writes a job for a
  // cluster whose nodes hold the data). A data set that is there is always checked.
  bool require_data = true;
};

// The training samples of Fashion-MNIST (Debian's dataset-fashion-mnist).
inline constexpr int64_t kDefaultTrainSamples = 60000;

Status CheckExperiment(const config::ExperimentConfig& cfg, const CheckOptions& options = {});

}  // namespace fedcarbon::check
