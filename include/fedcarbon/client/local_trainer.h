// LocalTrainer: the work a client worker does for its virtual clients, without sockets.
//
// Holds the training set (loaded once), the index lists of the clients this worker hosts (and
// nothing of the others), and one shared model and optimizer reused for every job (optimizer
// state reset per job unless train.keep_optimizer_state, which keeps one optimizer per client).
// Every training setting (epochs, batch size, lr, FedProx mu, the result's encoding) comes from
// the run's config; a TrainRequest carries only the client and the global weights. A request
// becomes: decode weights -> SetParams -> Train(E epochs, seed DeriveSeed(seed, {kLocalTrain,
// client, round}), FedProx mu) -> encode (full fp32 weights, or for fp16/int8 the update relative
// to the received weights). The client prices nothing: it reports its activity (FLOPs, samples,
// seconds) and the coordinator prices it.
//
// Threading: one thread at a time; Train uses `threads` OpenMP threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/wire/codec.h"

namespace fedcarbon::wire::proto {
class Message;
class TrainRequest;
class TrainResult;
}  // namespace fedcarbon::wire::proto

namespace fedcarbon::client {

class LocalTrainer {
 public:
  // Loads the training set named by cfg (or uses `train_set` when given, for tests) and builds
  // the model and optimizer. Errors name the bad config value.
  static Result<std::unique_ptr<LocalTrainer>> Create(const config::ExperimentConfig& cfg,
                                                      int threads,
                                                      const data::Dataset* train_set = nullptr);
  ~LocalTrainer();

  // Keeps the index lists of exactly these clients (recomputing the deterministic partition).
  Status SetClients(std::span<const int> client_ids);
  bool Hosts(int client_id) const { return shards_.count(client_id) > 0; }
  const std::vector<int64_t>* Shard(int client_id) const;
  std::vector<int> clients() const;

  // Runs one request for `round`: fills out->weights, num_samples, train_loss and the activity's
  // flops, samples and compute_s (client_id, request_seq, wall_s and the header are the
  // caller's). Errors: unknown client, bad weights.
  Status Train(const wire::proto::TrainRequest& req, int round, wire::proto::TrainResult* out);
  // The worker's form, which leaves the weights in the frames: the request's packed weight bytes
  // are `weights_data` (a wire::InFrame's; req.weights().data() is not read), and out->weights is
  // left unset: ResultFrame encodes the result's weights straight into the frame that sends them.
  Status TrainInPlace(const wire::proto::TrainRequest& req, std::string_view weights_data,
                      int round, wire::proto::TrainResult* out);
  // The frame of `m`, a started Message whose train_result the caller filled from TrainInPlace,
  // with the last job's weights encoded into it (wire::EncodeFrame; the bytes Train + ToFrame
  // give). Errors: EncodeWeights's (a non-finite update).
  Result<zmq::message_t> ResultFrame(wire::proto::Message* m) const;

  int64_t num_params() const { return model_->num_params(); }

 private:
  LocalTrainer() = default;

  config::ExperimentConfig cfg_;
  int threads_ = 1;
  float prox_mu_ = 0.0f;  // federation.fedprox_mu with strategy fedprox, else 0
  wire::Encoding encoding_ = wire::Encoding::kFp32;
  data::Dataset owned_;
  const data::Dataset* train_ = nullptr;
  std::map<int, std::vector<int64_t>> shards_;  // hosted client -> sample indices
  std::unique_ptr<models::Sequential> model_;
  std::unique_ptr<models::Optimizer> shared_opt_;
  std::map<int, std::unique_ptr<models::Optimizer>> client_opts_;  // keep_optimizer_state only
  std::vector<int64_t> tensor_sizes_;
  std::vector<float> received_, update_;  // update_: the last job's result (a delta for fp16/int8)
};

}  // namespace fedcarbon::client
