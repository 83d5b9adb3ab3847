// LocalTrainer: the work a client worker does for its virtual clients, without sockets.
//
// Holds the training set (loaded once), the index lists of the clients this worker hosts (and
// nothing of the others), one shared model and optimizer reused for every job (optimizer state
// reset per job unless train.keep_optimizer_state, which keeps one optimizer per client), and
// each hosted client's pricing target (device and country from cfg.clients, resolved with seeds
// DeriveSeed(seed, {kAssignment, 1}) and {kAssignment, 2} so the two are independent; network
// from cfg.energy). A TrainRequest becomes: decode weights -> SetParams -> Train(E epochs, seed
// DeriveSeed(seed, {kLocalTrain, client, round}), FedProx mu) -> encode (full fp32 weights, or
// for fp16/int8 the update relative to the received weights).
//
// Threading: one thread at a time; Train uses `threads` OpenMP threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/energy/activity.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/models/train.h"

namespace fedcarbon::wire::proto {
class Message;
class TrainRequest;
class TrainResult;
}  // namespace fedcarbon::wire::proto

namespace fedcarbon::client {

struct LocalJob {
  int client_id = 0;
  int round = 0;
};

class LocalTrainer {
 public:
  // Loads the training set named by cfg (or uses `train_set` when given, for tests), builds the
  // model, the catalog and every client's pricing target. Errors name the bad config value.
  static Result<std::unique_ptr<LocalTrainer>> Create(const config::ExperimentConfig& cfg,
                                                      int threads,
                                                      const data::Dataset* train_set = nullptr);
  ~LocalTrainer();

  // Keeps the index lists of exactly these clients (recomputing the deterministic partition).
  Status SetClients(std::span<const int> client_ids);
  bool Hosts(int client_id) const { return shards_.count(client_id) > 0; }
  const std::vector<int64_t>* Shard(int client_id) const;
  std::vector<int> clients() const;

  // Runs one request for `round`: fills out->weights, num_samples, train_loss (client_id and the
  // header are the caller's) and *activity (flops, samples, compute_s; bytes and wall_s are the
  // caller's). Errors: unknown client, bad weights, bad hyper-parameters.
  Status Train(const wire::proto::TrainRequest& req, int round, wire::proto::TrainResult* out,
               energy::Activity* activity);

  // Prices `activity` for `client_id` (its device, country, the config's network model).
  Result<energy::Cost> Price(int client_id, const energy::Activity& activity) const;
  // The hosted client's resolved device, country, network and PUE.
  const energy::ResolvedTarget& Target(int client_id) const {
    return targets_[target_of_.at(client_id)];
  }

  int64_t num_params() const { return model_->num_params(); }

 private:
  LocalTrainer() = default;

  config::ExperimentConfig cfg_;
  int threads_ = 1;
  data::Dataset owned_;
  const data::Dataset* train_ = nullptr;
  std::map<int, std::vector<int64_t>> shards_;  // hosted client -> sample indices
  std::unique_ptr<models::Sequential> model_;
  std::unique_ptr<models::Optimizer> shared_opt_;
  float shared_lr_ = 0.0f;
  std::map<int, std::unique_ptr<models::Optimizer>> client_opts_;  // keep_optimizer_state only
  std::vector<int64_t> tensor_sizes_;
  std::vector<float> received_, update_;
  energy::Catalog catalog_;
  std::vector<std::string> devices_, countries_;  // per client id, from cfg.clients
  std::vector<energy::ResolvedTarget> targets_;   // distinct (device, country) of hosted clients
  std::map<int, int> target_of_;                  // hosted client -> index into targets_
};

// Completes the TrainResult in `reply` (weights etc. already set): its activity (with `activity`'s
// flops, samples, compute_s and bytes_down; bytes_up = the exact size of the finished message;
// wall_s since `start`) and the client's EnergyReport priced on its own device and country. The
// late fields are fixed-width, so the message is sized once with placeholders, then filled in.
void FinishTrainResult(const LocalTrainer& trainer, int client, energy::Activity activity,
                       std::chrono::steady_clock::time_point start, wire::proto::Message* reply);

}  // namespace fedcarbon::client
