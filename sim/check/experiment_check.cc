// CheckExperiment (see include/fedcarbon/check/experiment_check.h).
#include "fedcarbon/check/experiment_check.h"

#include <algorithm>

#include "fedcarbon/data/dataset.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/simtime/simulation.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::check {
namespace {

// Everything a config names is bad input when it does not resolve, whatever code it came with.
Status AsBadInput(const Status& st) {
  if (st.ok() || st.IsBadInput()) return st;
  return Status::InvalidArgument(st.message());
}

}  // namespace

Status CheckExperiment(const config::ExperimentConfig& cfg, const CheckOptions& options) {
  // The Welcome that carries the config to every worker must fit the worker's frame limit.
  const size_t welcome =
      wire::WelcomeBytes(config::ToJson(cfg).dump().size(),
                         static_cast<uint64_t>(std::max(cfg.federation.num_clients, 0)));
  if (welcome > wire::kMaxWelcomeBytes) {
    return Status::InvalidArgument(
        "clients.device / clients.countries: the config takes " + std::to_string(welcome) +
        " bytes as sent to each worker, more than the " + std::to_string(wire::kMaxWelcomeBytes) +
        " a Welcome may take (use proportions instead of per-client lists)");
  }
  // Devices, countries, zones, time.start, the availability trace: as the coordinator builds them.
  auto sim = simtime::Simulation::Create(cfg);
  if (!sim.ok()) return AsBadInput(sim.status());

  const std::string dir =
      options.data_dir.empty() ? config::ResolveDataPath(cfg) : options.data_dir;
  auto labels = data::LoadFashionMnistLabels(dir, data::Split::kTrain);
  if (!labels.ok()) {
    if (!options.require_data && labels.status().code() == StatusCode::kNotFound) {
      return data::CheckPartitionFeasible(cfg.partition, cfg.federation.num_clients,
                                          kDefaultTrainSamples)
          .WithContext("with the " + std::to_string(kDefaultTrainSamples) +
                       " training samples of Fashion-MNIST");
    }
    return AsBadInput(labels.status()).WithContext("data.path (training labels)");
  }
  auto test = data::LoadFashionMnistLabels(dir, data::Split::kTest);
  if (!test.ok()) return AsBadInput(test.status()).WithContext("data.path (test labels)");

  // The counts first (a clear range), then the partition itself, dealt as every process will
  // deal it (a Dirichlet draw can still leave a client short).
  FEDCARBON_RETURN_IF_ERROR(data::CheckPartitionFeasible(cfg.partition, cfg.federation.num_clients,
                                                         static_cast<int64_t>(labels->size())));
  auto partition =
      data::MakePartition(*labels, cfg.federation.num_clients, cfg.partition, cfg.seed);
  if (!partition.ok()) return AsBadInput(partition.status());
  return Status::OK();
}

}  // namespace fedcarbon::check
