// Aggregation of client models and the server-side strategies.
//
//  WeightedMean: streaming sample-weighted mean of client models, accumulated in double (one sum,
//  memory O(num_params)); the coordinator adds a round's kept updates once the round has closed
//  in simulated time (server/sim_round.cc), in client order.
//  Strategy::Apply(global, mean): the new global model from the round's mean client model.
//    fedavg, fedprox   global = mean (FedProx differs on the clients: the proximal term)
//    fedadam           Reddi et al. 2021 (Adaptive Federated Optimization), Algorithm 2:
//                      delta = mean - global; m = b1 m + (1-b1) delta; v = b2 v + (1-b2) delta^2;
//                      global += lr_s * m / (sqrt(v) + tau)    (no bias correction, as published)
//
// Shapes: every span is [num_params]. Thread safety: one thread per object.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::server {

class WeightedMean {
 public:
  explicit WeightedMean(int64_t num_params) : sum_(static_cast<size_t>(num_params), 0.0) {}
  // Adds one client model with weight > 0 (its sample count).
  void Add(std::span<const float> w, double weight);
  void Clear();
  int count() const { return count_; }
  double total_weight() const { return total_; }
  // The weighted mean; requires count() > 0.
  void Mean(std::span<float> out) const;
  // FLOPs spent so far (2 per parameter per Add, 1 per parameter per Mean).
  uint64_t flops() const { return flops_; }

 private:
  std::vector<double> sum_;
  double total_ = 0.0;
  int count_ = 0;
  mutable uint64_t flops_ = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Updates `global` in place from the round's mean client model; returns the FLOPs it cost.
  virtual uint64_t Apply(std::span<float> global, std::span<const float> mean) = 0;
  virtual const char* name() const = 0;
  // The state carried from round to round, for checkpoints: fedadam's m then v ([num_params]
  // each); none for fedavg and fedprox.
  virtual std::vector<std::vector<float>> State() const { return {}; }
  // Restores what State() returned; InvalidArgument when the count or a size differs.
  virtual Status SetState(std::vector<std::vector<float>> state);
};

// From federation.strategy and its parameters; errors name an unknown strategy.
Result<std::unique_ptr<Strategy>> MakeStrategy(const config::FederationConfig& cfg,
                                               int64_t num_params);

}  // namespace fedcarbon::server
