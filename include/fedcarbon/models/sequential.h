// Sequential: an ordered stack of layers with flat parameter get/set (what travels on the wire
// and what FedAvg averages), forward/backward, and exact FLOP counts.
//
// Ownership: owns its layers. Threading: one caller at a time. With `threads` > 1 the batch is
// split into contiguous sample slices, one per OpenMP thread, each running every layer (one
// parallel region for Forward, one for Backward); the slices' parameter gradients are summed in
// slice order, so results are bit-identical for a given thread count.
// NOTE(contract): the methods below are what server/, client/ and sim/experiment rely on; the
// layer machinery behind them is free to change.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::models {

class Layer;

// FLOPs per sample (a multiply-add = 2 FLOPs), counted from the shapes.
struct FlopCount {
  uint64_t forward = 0;
  uint64_t backward = 0;  // gradients w.r.t. inputs and parameters
  uint64_t total() const { return forward + backward; }
};

class Sequential {
 public:
  Sequential(std::string name, std::vector<std::unique_ptr<Layer>> layers, int64_t input_dim);
  ~Sequential();
  Sequential(const Sequential&) = delete;
  Sequential& operator=(const Sequential&) = delete;

  const std::string& name() const { return name_; }
  int64_t input_dim() const { return input_dim_; }  // 784 for both named models
  int64_t num_classes() const;                      // 10
  int64_t num_params() const;

  // Flat parameter vector, layer by layer (weights then bias). out.size() must be num_params().
  void GetParams(std::span<float> out) const;
  std::vector<float> GetParams() const;
  // Error when in.size() != num_params() or a value is not finite.
  Status SetParams(std::span<const float> in);

  // Per-sample FLOPs of the layers (see layer.h for the convention; the first layer skips its
  // input gradient) plus the softmax cross-entropy: forward 4 per class (subtract max, exp, sum,
  // normalise), backward 2 per class (subtract one-hot, scale by 1/n).
  FlopCount FlopsPerSample() const;

  // Validates the chain: layers non-empty, layer 0 takes input_dim values, each layer's input
  // shape equals the previous output, the last output is {1, 1, classes}. A Sequential built
  // with the constructor directly records the same check; Forward then returns its error.
  static Result<std::unique_ptr<Sequential>> Create(std::string name,
                                                    std::vector<std::unique_ptr<Layer>> layers,
                                                    int64_t input_dim);
  const Status& valid() const { return valid_; }

  // Forward on a batch x: [n, input_dim] row-major. Returns the logits [n, num_classes], valid
  // until the next Forward. `x` must stay alive and unchanged until Backward. Errors on n < 1,
  // x.size() != n * input_dim, or an invalid layer chain.
  Result<std::span<const float>> Forward(std::span<const float> x, int64_t n, int threads = 1);
  // Backward from dlogits [n, num_classes] of the last Forward; overwrites every layer's grads
  // with the data-loss gradient. Uses the Forward's slices (and so its thread count). Errors
  // when no Forward preceded or sizes differ.
  Status Backward(std::span<const float> dlogits);

  // L2 regularisation (Keras semantics, weights only): sum over layers of l2 * sum(W^2), and
  // grads_W += 2 * l2 * W. Training does not call AddRegularizationGrad: Optimizer::Step adds
  // the same term in its own pass; it is here for gradient checks and custom loops.
  // RegularizationFlops(): FLOPs of one training step's regularisation, 4 per regularised weight
  // (square-accumulate for the loss, multiply-add for the gradient).
  double RegularizationLoss(int threads = 1) const;
  void AddRegularizationGrad();
  uint64_t RegularizationFlops() const;

  // Access for the trainer and tests.
  std::vector<std::unique_ptr<Layer>>& layers() { return layers_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }

 private:
  // One thread's share of a batch: its activations, activation gradients and (slices > 0) its
  // parameter gradients, summed into the layers' grads in slice order after Backward.
  struct Slice {
    std::vector<std::vector<float>> acts;     // acts[i]: layer i's output, [n_slice, out]
    std::vector<float> grad_a, grad_b;        // ping-pong activation gradients
    std::vector<std::vector<float>> dparams;  // dparams[i]: [layer i num_params]
  };

  std::string name_;
  std::vector<std::unique_ptr<Layer>> layers_;
  int64_t input_dim_;
  Status valid_;
  std::vector<Slice> slices_;
  std::vector<float> logits_;  // [n, classes] of the last Forward
  const float* last_x_ = nullptr;
  int64_t last_n_ = 0;
  int last_slices_ = 0;
};

}  // namespace fedcarbon::models
