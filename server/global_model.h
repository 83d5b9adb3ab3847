// GlobalModel: the coordinator's model and its aggregation. Holds the model (evaluated on the
// test set), its flat weights, the encoding updates travel in, the weighted mean of a round's
// accepted updates and the server strategy (FedAvg, FedProx, FedAdam) that applies the mean.
// It also owns the test set, so that "evaluate the global model" is one call.
//
// Tensor shapes: every weight vector is [num_params()], flattened in Sequential's layer order.
// Threading: one thread (the coordinator's); Evaluate uses `threads` OpenMP threads.
#pragma once

#include <memory>
#include <vector>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/server/aggregation.h"
#include "fedcarbon/wire/codec.h"

namespace fedcarbon::server {

class GlobalModel {
 public:
  // The model named by cfg (initial weights from the run seed), the strategy, the encoding, and
  // the test set (checked against the model's input size). Errors name the config key.
  static Result<std::unique_ptr<GlobalModel>> Create(const config::ExperimentConfig& cfg);

  wire::Encoding encoding() const { return encoding_; }
  int64_t num_params() const { return model_->num_params(); }
  const models::Sequential& model() const { return *model_; }
  const std::vector<float>& weights() const { return global_; }

  // This round's model: encoded for the TrainRequests (`out`), and as the clients decode it
  // (`as_decoded`, the base their deltas are relative to; fp32 sends the weights exactly).
  Status EncodeForRound(wire::proto::Weights* out, std::vector<float>* as_decoded) const;
  // Decodes a client's weights into *out, [num_params] (a delta is added to `sent`, the round's
  // decoded model). An error (bad encoding, values that overflow) names what is wrong.
  Status DecodeUpdate(const wire::proto::Weights& w, const std::vector<float>& sent,
                      std::vector<float>* out) const;
  // Adds a decoded update to the round's mean with `weight` (its samples).
  void Add(std::span<const float> update, double weight) { mean_->Add(update, weight); }
  // Ends the round: the mean of the added updates through the strategy becomes the global model
  // (nothing changes when none was added). Returns the FLOPs spent.
  Result<uint64_t> Aggregate();
  // Drops the round's added updates (an interrupted round).
  void ClearRound() { mean_->Clear(); }
  // Test accuracy and loss of the global model.
  Result<models::EvalStats> Evaluate(int threads);

  // The strategy's state between rounds (Strategy::State), for checkpoints.
  std::vector<std::vector<float>> StrategyState() const { return strategy_->State(); }
  // Continues from a checkpoint: `weights` become the global model and `strategy_state` the
  // strategy's. InvalidArgument when a size is not this model's (nothing changes then).
  Status Restore(std::vector<float> weights, std::vector<std::vector<float>> strategy_state);

 private:
  GlobalModel() = default;
  std::unique_ptr<models::Sequential> model_;
  std::vector<float> global_;          // the global weights, [num_params]
  std::vector<int64_t> tensor_sizes_;  // per tensor, for int8 scales
  wire::Encoding encoding_ = wire::Encoding::kFp32;
  std::unique_ptr<Strategy> strategy_;
  std::unique_ptr<WeightedMean> mean_;
  std::vector<float> scratch_;  // the round's mean, [num_params]
  data::Dataset test_;
};

}  // namespace fedcarbon::server
