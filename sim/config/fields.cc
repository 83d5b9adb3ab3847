// The config field table: one row per key of a config file (see fields.h for who reads it).
#include "fields.h"

#include <algorithm>
#include <set>

namespace fedcarbon::config::internal {

namespace {

// True when `key` lies inside section `section` ("" holds every key).
bool IsUnder(std::string_view key, std::string_view section) {
  if (section.empty()) return true;
  return key.size() > section.size() && key.substr(0, section.size()) == section &&
         key[section.size()] == '.';
}

// FIELD(train.lr, rule, doc): the key is the member path as written, so it cannot drift from
// the struct; the accessor's return type is the field's type.
// clang-format off
#define FIELD(path, rule, doc) \
  Field{#path, +[](ExperimentConfig& c) -> auto& { return c.path; }, rule, doc}
// clang-format on

}  // namespace

const std::vector<Field>& Fields() {
  static const std::vector<Field> kFields = {
      FIELD(name, NonEmpty(), "experiment name, used in run folder names"),
      FIELD(seed, Any(), "run seed; every random stream derives from it"),
      FIELD(data.dataset, OneOf({"fashion-mnist"}), "training and test set"),
      FIELD(data.path, Any(), "dataset folder; empty: $FEDCARBON_DATA, else the Debian path"),
      FIELD(model.name, OneOf({"cnn", "mlp"}), "model architecture"),
      FIELD(train.optimizer, OneOf({"adam", "sgd"}), "optimizer of clients and centralized"),
      FIELD(train.lr, Positive(), "learning rate"),
      FIELD(train.momentum, HalfOpen(0, 1), "sgd momentum"),
      FIELD(train.weight_decay, AtLeast(0), "L2 term added to the gradient"),
      FIELD(train.batch_size, Closed(1, 1 << 20), "samples per step"),
      FIELD(train.local_epochs, Closed(1, 10000), "FL: epochs per round on a client's shard"),
      FIELD(train.threads, Closed(1, 1024), "OpenMP threads per training process"),
      FIELD(train.max_epochs, Closed(1, 100000), "centralized: epoch limit"),
      FIELD(train.eval_every_steps, AtLeast(0), "centralized: steps between evaluations"),
      FIELD(train.keep_optimizer_state, Any(), "keep a client's optimizer state across rounds"),
      FIELD(federation.num_clients, Closed(1, 1000000), "clients in the federation"),
      FIELD(federation.clients_per_round, AtMostField(AtLeast(1), "federation.num_clients"),
            "clients sampled each round"),
      FIELD(federation.rounds, Closed(1, 10000000), "round limit"),
      FIELD(federation.target_accuracy, LeftOpen(0, 1), "stop at this global test accuracy"),
      FIELD(federation.strategy, OneOf({"fedavg", "fedprox", "fedadam"}), "aggregation"),
      FIELD(federation.fedprox_mu, AtLeast(0), "fedprox: proximal term weight"),
      FIELD(federation.server_lr, Positive(), "fedadam: server learning rate"),
      FIELD(federation.server_beta1, HalfOpen(0, 1), "fedadam: first-moment decay"),
      FIELD(federation.server_beta2, HalfOpen(0, 1), "fedadam: second-moment decay"),
      FIELD(federation.server_epsilon, Positive(), "fedadam: tau"),
      FIELD(federation.round_timeout_s, Positive(), "seconds before a client is dropped"),
      FIELD(federation.compression, OneOf({"none", "fp16", "int8"}), "weights on the wire"),
      FIELD(federation.eval_every_rounds, AtLeast(1), "rounds between evaluations"),
      FIELD(federation.selection, OneOf({"random", "carbon_aware"}),
            "which online clients a round asks"),
      FIELD(federation.carbon_beta, AtLeast(0), "carbon_aware: weight = intensity^-beta"),
      FIELD(federation.overcommit, Closed(0, 10), "ask this share more clients, keep the first"),
      FIELD(federation.deadline_s, AtLeast(0), "simulated round deadline, s; 0 = none"),
      FIELD(federation.round_interval_s, AtLeast(0), "simulated s between round starts, at least"),
      FIELD(partition.scheme, OneOf({"iid", "dirichlet", "shards", "label_groups", "power_law"}),
            "how the training set is split"),
      FIELD(partition.alpha, Positive(), "dirichlet: concentration"),
      FIELD(partition.min_partition_size, AtLeast(0), "dirichlet: fewest samples per client"),
      FIELD(partition.shards_per_client, Closed(1, 100000), "shards: shards per client"),
      FIELD(partition.num_groups, Closed(1, 10), "label_groups: groups of classes"),
      FIELD(partition.iid_fraction, Closed(0, 1), "label_groups: share dealt IID"),
      FIELD(partition.power_law_exponent, Positive(), "power_law: size exponent"),
      FIELD(clients.device, OnePerClient("federation.num_clients"), "device of each client"),
      FIELD(clients.countries, OnePerClient("federation.num_clients"),
            "country or grid zone of each client"),
      FIELD(clients.speed_sigma, Closed(0, 5), "lognormal sigma of per-client compute speed"),
      FIELD(clients.link_sigma, Closed(0, 5), "lognormal sigma of per-client link speed"),
      FIELD(clients.availability, OneOf({"always", "diurnal", "trace"}), "when a client is online"),
      FIELD(clients.online_from_h, HalfOpen(0, 24), "diurnal: local hour online from"),
      FIELD(clients.online_to_h, HalfOpen(0, 24), "diurnal: local hour online to"),
      FIELD(clients.jitter_h, Closed(0, 12), "diurnal: per-client window shift, hours"),
      FIELD(clients.availability_trace, Any(), "trace: CSV client_id,start_h,end_h"),
      FIELD(clients.dropout_p, HalfOpen(0, 1), "chance a selected client goes offline mid-job"),
      FIELD(runtime.workers, Closed(1, 4096), "client worker processes"),
      FIELD(runtime.join_timeout_s, Positive(), "seconds to wait for every client to join"),
      FIELD(runtime.heartbeat_s, Positive(), "worker heartbeat period"),
      FIELD(energy.network, OneOf({"qiu", "intensity"}), "communication energy model"),
      FIELD(energy.coordinator_device, NonEmpty(), "profile pricing the coordinator's work"),
      FIELD(energy.coordinator_pue, AtLeast(1), "coordinator data-center PUE"),
      FIELD(energy.coordinator_country, NonEmpty(), "coordinator's grid"),
      FIELD(energy.measure_rapl, Any(), "record measured host energy where RAPL exists"),
      FIELD(time.start, UtcTime(), "simulated start, UTC"),
      FIELD(time.intensity, OneOf({"annual", "hourly"}), "grid intensity pricing"),
      FIELD(time.max_shift_h, Closed(0, 168), "hours a round may wait for a cleaner hour"),
  };
  return kFields;
}

#undef FIELD

const Field* FindField(std::string_view key) {
  for (const Field& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

bool IsSection(std::string_view dotted) {
  return dotted.empty() || std::any_of(Fields().begin(), Fields().end(),
                                       [&](const Field& f) { return IsUnder(f.key, dotted); });
}

std::vector<std::string> ChildNames(std::string_view dotted) {
  std::set<std::string> names;
  for (const Field& f : Fields()) {
    if (IsUnder(f.key, dotted)) {
      names.insert(SplitKey(f.key.substr(dotted.empty() ? 0 : dotted.size() + 1)).front());
    }
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::string JoinKey(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

}  // namespace fedcarbon::config::internal
