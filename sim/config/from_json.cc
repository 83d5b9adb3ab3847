// FromJson: unknown keys, types, ranges, enums and cross-field checks, each error naming the key.
#include <string>

#include "fedcarbon/config/config.h"
#include "json_reader.h"
#include "schema.h"

namespace fedcarbon::config {

namespace {

using internal::Interval;
using internal::SectionReader;

// Section `name` of the top-level object, or nullptr when absent (CheckKeys made sure that a
// present section is an object).
const nlohmann::json* Section(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

Status ReadTrain(const SectionReader& r, TrainConfig* t) {
  FEDCARBON_RETURN_IF_ERROR(r.Enum("optimizer", &t->optimizer, {"adam", "sgd"}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("lr", &t->lr, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(r.Double("momentum", &t->momentum, {0.0, false, 1.0, true}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("weight_decay", &t->weight_decay, Interval::NonNegative()));
  FEDCARBON_RETURN_IF_ERROR(r.Int("batch_size", &t->batch_size, 1, 1 << 20));
  FEDCARBON_RETURN_IF_ERROR(r.Int("local_epochs", &t->local_epochs, 1, 10000));
  FEDCARBON_RETURN_IF_ERROR(r.Int("threads", &t->threads, 1, 1024));
  FEDCARBON_RETURN_IF_ERROR(r.Int("max_epochs", &t->max_epochs, 1, 100000));
  FEDCARBON_RETURN_IF_ERROR(r.Int("eval_every_steps", &t->eval_every_steps, 0));
  return r.Bool("keep_optimizer_state", &t->keep_optimizer_state);
}

Status ReadFederation(const SectionReader& r, FederationConfig* f) {
  FEDCARBON_RETURN_IF_ERROR(r.Int("num_clients", &f->num_clients, 1, 1000000));
  FEDCARBON_RETURN_IF_ERROR(r.Int("clients_per_round", &f->clients_per_round, 1));
  FEDCARBON_RETURN_IF_ERROR(r.Int("rounds", &f->rounds, 1, 10000000));
  FEDCARBON_RETURN_IF_ERROR(
      r.Double("target_accuracy", &f->target_accuracy, {0.0, true, 1.0, false}));
  FEDCARBON_RETURN_IF_ERROR(r.Enum("strategy", &f->strategy, {"fedavg", "fedprox", "fedadam"}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("fedprox_mu", &f->fedprox_mu, Interval::NonNegative()));
  FEDCARBON_RETURN_IF_ERROR(r.Double("server_lr", &f->server_lr, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(r.Double("server_beta1", &f->server_beta1, {0.0, false, 1.0, true}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("server_beta2", &f->server_beta2, {0.0, false, 1.0, true}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("server_epsilon", &f->server_epsilon, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(r.Double("round_timeout_s", &f->round_timeout_s, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(r.Enum("compression", &f->compression, {"none", "fp16", "int8"}));
  FEDCARBON_RETURN_IF_ERROR(r.Int("eval_every_rounds", &f->eval_every_rounds, 1));
  if (f->clients_per_round > f->num_clients) {
    return Status::Error("federation.clients_per_round must be <= federation.num_clients (got " +
                         std::to_string(f->clients_per_round) + " > " +
                         std::to_string(f->num_clients) + ")");
  }
  return Status::OK();
}

Status ReadPartition(const SectionReader& r, PartitionConfig* p) {
  FEDCARBON_RETURN_IF_ERROR(
      r.Enum("scheme", &p->scheme, {"iid", "dirichlet", "shards", "label_groups", "power_law"}));
  FEDCARBON_RETURN_IF_ERROR(r.Double("alpha", &p->alpha, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(r.Int("min_partition_size", &p->min_partition_size, 0));
  FEDCARBON_RETURN_IF_ERROR(r.Int("shards_per_client", &p->shards_per_client, 1, 100000));
  FEDCARBON_RETURN_IF_ERROR(r.Int("num_groups", &p->num_groups, 1, 10));
  FEDCARBON_RETURN_IF_ERROR(r.Double("iid_fraction", &p->iid_fraction, {0.0, false, 1.0, false}));
  return r.Double("power_law_exponent", &p->power_law_exponent, Interval::Positive());
}

Status ReadAssignment(const SectionReader& r, const char* key, int num_clients, Assignment* a) {
  const nlohmann::json* v = r.Get(key);
  if (v == nullptr) return Status::OK();
  FEDCARBON_RETURN_IF_ERROR(internal::ParseAssignment(*v, r.Key(key), a));
  if (!a->list.empty() && static_cast<int>(a->list.size()) != num_clients) {
    return Status::Error(r.Key(key) + " lists " + std::to_string(a->list.size()) +
                         " names but federation.num_clients is " + std::to_string(num_clients));
  }
  return Status::OK();
}

Status ReadAll(const nlohmann::json& j, ExperimentConfig* c) {
  const SectionReader top(&j, "");
  FEDCARBON_RETURN_IF_ERROR(top.String("name", &c->name, /*allow_empty=*/false));
  FEDCARBON_RETURN_IF_ERROR(top.Uint64("seed", &c->seed));

  const SectionReader data(Section(j, "data"), "data");
  FEDCARBON_RETURN_IF_ERROR(data.Enum("dataset", &c->data.dataset, {"fashion-mnist"}));
  FEDCARBON_RETURN_IF_ERROR(data.String("path", &c->data.path));

  const SectionReader model(Section(j, "model"), "model");
  FEDCARBON_RETURN_IF_ERROR(model.Enum("name", &c->model.name, {"cnn", "mlp"}));

  FEDCARBON_RETURN_IF_ERROR(ReadTrain(SectionReader(Section(j, "train"), "train"), &c->train));
  FEDCARBON_RETURN_IF_ERROR(
      ReadFederation(SectionReader(Section(j, "federation"), "federation"), &c->federation));
  FEDCARBON_RETURN_IF_ERROR(
      ReadPartition(SectionReader(Section(j, "partition"), "partition"), &c->partition));

  const SectionReader clients(Section(j, "clients"), "clients");
  const int n = c->federation.num_clients;
  FEDCARBON_RETURN_IF_ERROR(ReadAssignment(clients, "device", n, &c->clients.device));
  FEDCARBON_RETURN_IF_ERROR(ReadAssignment(clients, "countries", n, &c->clients.countries));

  const SectionReader rt(Section(j, "runtime"), "runtime");
  FEDCARBON_RETURN_IF_ERROR(rt.Int("workers", &c->runtime.workers, 1, 4096));
  FEDCARBON_RETURN_IF_ERROR(
      rt.Double("join_timeout_s", &c->runtime.join_timeout_s, Interval::Positive()));
  FEDCARBON_RETURN_IF_ERROR(
      rt.Double("heartbeat_s", &c->runtime.heartbeat_s, Interval::Positive()));

  const SectionReader en(Section(j, "energy"), "energy");
  EnergyConfig& e = c->energy;
  FEDCARBON_RETURN_IF_ERROR(en.Enum("network", &e.network, {"qiu", "intensity"}));
  FEDCARBON_RETURN_IF_ERROR(en.String("coordinator_device", &e.coordinator_device, false));
  FEDCARBON_RETURN_IF_ERROR(en.Double("coordinator_pue", &e.coordinator_pue, {1.0, false}));
  FEDCARBON_RETURN_IF_ERROR(en.String("coordinator_country", &e.coordinator_country, false));
  return en.Bool("measure_rapl", &e.measure_rapl);
}

}  // namespace

Result<ExperimentConfig> FromJson(const nlohmann::json& j) {
  FEDCARBON_RETURN_IF_ERROR(internal::CheckKeys(j, internal::Schema(), ""));
  ExperimentConfig c;
  FEDCARBON_RETURN_IF_ERROR(ReadAll(j, &c));
  return c;
}

}  // namespace fedcarbon::config
