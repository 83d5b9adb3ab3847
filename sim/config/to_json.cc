// ToJson: the full config, every field present.
#include "fedcarbon/config/config.h"
#include "schema.h"

namespace fedcarbon::config {

nlohmann::json ToJson(const ExperimentConfig& c) {
  using nlohmann::json;
  const TrainConfig& t = c.train;
  const FederationConfig& f = c.federation;
  const PartitionConfig& p = c.partition;
  return json{
      {"name", c.name},
      {"seed", c.seed},
      {"data", {{"dataset", c.data.dataset}, {"path", c.data.path}}},
      {"model", {{"name", c.model.name}}},
      {"train",
       {{"optimizer", t.optimizer},
        {"lr", t.lr},
        {"momentum", t.momentum},
        {"weight_decay", t.weight_decay},
        {"batch_size", t.batch_size},
        {"local_epochs", t.local_epochs},
        {"threads", t.threads},
        {"max_epochs", t.max_epochs},
        {"eval_every_steps", t.eval_every_steps},
        {"keep_optimizer_state", t.keep_optimizer_state}}},
      {"federation",
       {{"num_clients", f.num_clients},
        {"clients_per_round", f.clients_per_round},
        {"rounds", f.rounds},
        {"target_accuracy", f.target_accuracy},
        {"strategy", f.strategy},
        {"fedprox_mu", f.fedprox_mu},
        {"server_lr", f.server_lr},
        {"server_beta1", f.server_beta1},
        {"server_beta2", f.server_beta2},
        {"server_epsilon", f.server_epsilon},
        {"round_timeout_s", f.round_timeout_s},
        {"compression", f.compression},
        {"eval_every_rounds", f.eval_every_rounds}}},
      {"partition",
       {{"scheme", p.scheme},
        {"alpha", p.alpha},
        {"min_partition_size", p.min_partition_size},
        {"shards_per_client", p.shards_per_client},
        {"num_groups", p.num_groups},
        {"iid_fraction", p.iid_fraction},
        {"power_law_exponent", p.power_law_exponent}}},
      {"clients",
       {{"device", internal::AssignmentToJson(c.clients.device)},
        {"countries", internal::AssignmentToJson(c.clients.countries)}}},
      {"runtime",
       {{"workers", c.runtime.workers},
        {"join_timeout_s", c.runtime.join_timeout_s},
        {"heartbeat_s", c.runtime.heartbeat_s}}},
      {"energy",
       {{"network", c.energy.network},
        {"coordinator_device", c.energy.coordinator_device},
        {"coordinator_pue", c.energy.coordinator_pue},
        {"coordinator_country", c.energy.coordinator_country},
        {"measure_rapl", c.energy.measure_rapl}}},
  };
}

}  // namespace fedcarbon::config
