// The experiment config: one JSON file per experiment, validated on load.
//
// Unknown keys and out-of-range values are errors naming the key
// ("federation.clients_per_round must be <= federation.num_clients"). `--set a.b=value`
// overrides any key before validation. Every field below has its default; a config file only
// needs what differs. Errors are Status::InvalidArgument (bad JSON, unknown key, bad value),
// or Status::NotFound for a config file that cannot be opened.
//
// Each field's key, type and check is one row of the field table in sim/config/fields.cc, which
// drives parsing, ToJson and the keys of `--set`: a new field is a member here (with its default
// and comment) plus one row there.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::config {

struct DataConfig {
  std::string dataset = "fashion-mnist";  // only "fashion-mnist" for now
  // Directory with the four *-idx?-ubyte.gz files. Empty: $FEDCARBON_DATA, else
  // /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). See ResolveDataPath().
  std::string path;
};

struct ModelConfig {
  std::string name = "cnn";  // "cnn" (1,663,370 params) or "mlp" (199,210 params)
};

struct TrainConfig {
  std::string optimizer = "adam";  // "adam" or "sgd"
  double lr = 0.001;               // > 0
  double momentum = 0.0;           // sgd only, in [0, 1)
  double weight_decay = 0.0;       // decoupled-from-loss L2 added to the gradient, >= 0
  int batch_size = 10;             // >= 1
  int local_epochs = 1;            // FL: epochs per round on the client's shard, >= 1
  int threads = 1;                 // OpenMP threads per training process, >= 1
  // Centralized: epoch limit and evaluation cadence (0 = evaluate once per epoch).
  int max_epochs = 10;
  int eval_every_steps = 0;
  // Keep the client's optimizer state across rounds (false: fresh state each round, as the
  // published Flower baseline re-creates the Keras optimizer every fit()).
  bool keep_optimizer_state = false;
};

struct FederationConfig {
  int num_clients = 10;              // >= 1
  int clients_per_round = 5;         // 1 ..= num_clients
  int rounds = 100;                  // round limit, >= 1
  double target_accuracy = 0.90;     // stop when the global test accuracy reaches it; (0, 1]
  std::string strategy = "fedavg";   // "fedavg", "fedprox", "fedadam"
  double fedprox_mu = 0.01;          // fedprox: proximal term weight, >= 0
  double server_lr = 0.01;           // fedadam: server learning rate (Reddi et al.)
  double server_beta1 = 0.9;         // fedadam
  double server_beta2 = 0.99;        // fedadam
  double server_epsilon = 1e-3;      // fedadam: tau in Reddi et al.
  double round_timeout_s = 600.0;    // a client not back by then is dropped from the round
  std::string compression = "none";  // weights on the wire: "none" (fp32), "fp16", "int8"
  int eval_every_rounds = 1;         // evaluate the global model every N rounds
  // Simulated time (docs/methodology.md, "Simulated time"). Which online clients a round asks:
  // "random" (uniform) or "carbon_aware" (probability proportional to the grid intensity of the
  // client's zone at the round's start to the power -carbon_beta: cleaner grids are preferred
  // and every online client keeps a chance).
  std::string selection = "random";
  double carbon_beta = 1.0;  // carbon_aware: >= 0; 0 is uniform
  // Over-commitment (FedScale): ask ceil(clients_per_round x (1 + overcommit)) clients and keep
  // the first clients_per_round results in simulated time; the others' work is wasted.
  double overcommit = 0.0;
  // Simulated round deadline, seconds: a result whose simulated arrival is later is wasted.
  // 0: none (a round lasts until its clients_per_round-th result).
  double deadline_s = 0.0;
  // Simulated seconds from one round's start to the next's at the earliest: production FL
  // starts rounds on a schedule of minutes as devices check in (Bonawitz et al., "Towards
  // Federated Learning at Scale", MLSys 2019), not back to back. 0: back to back.
  double round_interval_s = 0.0;
};

struct PartitionConfig {
  // "iid", "dirichlet", "shards", "label_groups", "power_law"
  std::string scheme = "iid";
  double alpha = 0.5;               // dirichlet concentration, > 0
  int min_partition_size = 10;      // dirichlet: resample until every client has this many
  int shards_per_client = 2;        // shards: classes (shards) per client
  int num_groups = 2;               // label_groups: G groups of classes
  double iid_fraction = 0.0;        // label_groups: fraction dealt IID to everyone, [0, 1]
  double power_law_exponent = 1.5;  // power_law: sizes ~ rank^-exponent, > 0
};

// A per-client value (device or country): one value, proportions assigned deterministically, or
// an explicit per-client list. In JSON: "jetson_tx2" | {"USA": 0.5, "FRA": 0.5} | ["USA", ...].
struct Assignment {
  std::map<std::string, double> proportions;  // used when `list` is empty
  std::vector<std::string> list;              // explicit, one per client

  // The value of each of `num_clients` clients; deterministic from `seed`. Proportions are
  // turned into counts by largest remainder (ties to the name that sorts first), then dealt in
  // an order shuffled by DeriveSeed(seed, {Stream::kAssignment}). Returns an empty vector when
  // the assignment cannot cover `num_clients` (list of another length, no positive proportion,
  // num_clients <= 0); FromJson rejects such configs, so a validated config never gets one.
  std::vector<std::string> Resolve(int num_clients, uint64_t seed) const;
};

struct ClientsConfig {
  Assignment device{{{"jetson_tx2", 1.0}}, {}};
  // A catalog country (ISO3: "USA") or a grid zone with an hourly trace ("US-CAL-CISO", "DE").
  Assignment countries{{{"USA", 1.0}}, {}};
  // Simulated speed: a client's compute time is its device's (FLOPs / throughput) times a factor
  // drawn once per client, lognormal with median 1 and this sigma (0: every device of a kind is
  // equally fast); its transfer times are its country's median speeds times another such factor.
  double speed_sigma = 0.0;
  double link_sigma = 0.0;
  // When a client can be selected: "always"; "diurnal" (online from online_from_h to online_to_h
  // local time in its zone or country, each client's window shifted by a uniform draw in
  // [-jitter_h, jitter_h]); "trace" (the intervals of availability_trace).
  std::string availability = "always";
  double online_from_h = 22.0;  // diurnal: local hour the window opens, [0, 24)
  double online_to_h = 7.0;     // diurnal: local hour it closes, [0, 24); before from_h: wraps
  double jitter_h = 1.0;        // diurnal: >= 0
  // trace: a CSV with columns client_id,start_h,end_h (hours since time.start); a client is
  // online inside any of its intervals.
  std::string availability_trace;
  // Probability that a selected client goes offline before finishing its job (at a uniform point
  // of it): its result is lost, the energy it spent until then is counted as wasted.
  double dropout_p = 0.0;
};

struct RuntimeConfig {
  int workers = 2;               // client worker processes started by `fedcarbon run`
  double join_timeout_s = 60.0;  // coordinator waits this long for every client to be hosted
  double heartbeat_s = 2.0;      // worker heartbeat period
};

struct EnergyConfig {
  std::string network = "qiu";              // communication model: "qiu" or "intensity"
  std::string coordinator_device = "v100";  // profile that prices aggregation + evaluation
  double coordinator_pue = 1.67;
  std::string coordinator_country = "USA";
  bool measure_rapl = true;  // record measured host energy where RAPL exists
};

// Simulated time: where the clock starts and how work is priced over it.
struct TimeConfig {
  std::string start = "2023-06-05T00:00:00Z";  // UTC; a Monday of the traces' year (2023)
  // "annual": every row at its country's annual intensity; "hourly": a client in a zone with an
  // hourly trace at the trace's mean over the simulated interval of its job (others annual).
  std::string intensity = "annual";
  // Time shifting: a round may wait up to this many hours for the hour whose grids are cleanest
  // for its clients, using the trace itself as a perfect forecast. 0: off.
  double max_shift_h = 0.0;
};

struct ExperimentConfig {
  std::string name = "experiment";
  uint64_t seed = 2020;
  DataConfig data;
  ModelConfig model;
  TrainConfig train;
  FederationConfig federation;
  PartitionConfig partition;
  ClientsConfig clients;
  RuntimeConfig runtime;
  EnergyConfig energy;
  TimeConfig time;
};

// Parses and validates. Errors (InvalidArgument) name the key: "train.lr must be > 0, got 0".
Result<ExperimentConfig> FromJson(const nlohmann::json& j);
// Reads `path` (error names the file; NotFound when it cannot be opened), applies `overrides`
// ("a.b=value"; value parsed as JSON, else taken as a string), then FromJson.
Result<ExperimentConfig> Load(const std::string& path,
                              const std::vector<std::string>& overrides = {});
// Applies one "a.b=value" override to a JSON document; unknown keys are errors (InvalidArgument).
Status ApplyOverride(nlohmann::json& j, const std::string& override_text);
// The full config as JSON, every field present (what a run records and sends to workers). Its
// dump() is stable: sweep point ids hash it (tests/config/expected pins the bytes).
nlohmann::json ToJson(const ExperimentConfig& c);
// config.data.path, else $FEDCARBON_DATA, else /usr/share/datasets/fashion-mnist.
std::string ResolveDataPath(const ExperimentConfig& c);

}  // namespace fedcarbon::config
