// The training surface every caller above `models` uses (centralized trainer, FL clients, server
// evaluation). Layers, Sequential and optimizers live in the other headers of this folder.
//
// Threading: a Model is used by one thread at a time; it may use `threads` OpenMP threads
// inside a call. Ownership: the caller owns the Model and the Optimizer; DataView borrows.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/models/optimizer.h"
#include "fedcarbon/models/sequential.h"

namespace fedcarbon::models {

// A borrowed view of samples: images [N, dim] row-major floats, labels [N] in 0..9, and the
// subset `indices` (into those arrays) to use; empty `indices` means all N samples.
struct DataView {
  const float* images = nullptr;
  const uint8_t* labels = nullptr;
  int64_t n = 0;    // N
  int64_t dim = 0;  // features per sample (784 for Fashion-MNIST)
  std::span<const int64_t> indices;
  int64_t size() const { return indices.empty() ? n : static_cast<int64_t>(indices.size()); }
  int64_t at(int64_t i) const { return indices.empty() ? i : indices[i]; }
};

// Named models: "mlp" (784-200-200-10, 199,210 params) and "cnn" (the Table 4 CNN,
// 1,663,370 params). Glorot-uniform init from `seed`. Error names an unknown model.
Result<std::unique_ptr<Sequential>> MakeModel(const std::string& name, uint64_t seed);
// Every name MakeModel knows ("mlp", "cnn").
std::vector<std::string> ModelNames();

// Fisher-Yates shuffle driven by mt19937_64(seed) with unbiased rejection sampling: the same
// permutation on every platform (std::shuffle's is implementation-defined).
void Shuffle(std::span<int64_t> order, uint64_t seed);

struct TrainOptions {
  int batch_size = 10;  // >= 1; the last batch of an epoch may be smaller
  int epochs = 1;       // >= 1
  int threads = 1;      // OpenMP threads inside this call
  uint64_t seed = 0;    // shuffling stream for this call (derive from run seed, client, round)
  bool shuffle = true;  // false: batches follow the view's order (the caller shuffled)
  // FedProx: adds mu/2 * ||w - center||^2 to the loss when mu > 0 and center is non-empty.
  float prox_mu = 0.0f;
  std::span<const float> prox_center;  // [num_params]
};

struct TrainStats {
  double mean_loss = 0.0;  // mean training loss over the samples seen (incl. regularisation)
  int64_t samples = 0;     // samples processed (epochs * shard size)
  int64_t steps = 0;       // optimizer steps
  // Exact FLOPs of the work done: samples * FlopsPerSample().total() + steps * (optimizer
  // FlopsPerParam() * num_params + RegularizationFlops() + 6 * num_params when FedProx is on).
  uint64_t flops = 0;
  double wall_s = 0.0;  // wall-clock seconds of the call
};

// The work of one Train call over `shard_size` samples, known before it runs: what a coordinator
// expects a client to report. samples = epochs * shard_size; steps = epochs * ceil(shard_size /
// batch_size); flops as in TrainStats (`prox`: FedProx is on). Train's own counts equal these.
struct TrainWork {
  int64_t samples = 0;
  int64_t steps = 0;
  uint64_t flops = 0;
};
TrainWork ExpectedTrainWork(const Sequential& model, const Optimizer& opt, int64_t shard_size,
                            int batch_size, int epochs, bool prox);

// Trains `model` for opts.epochs over `data` with `opt`: per epoch a Fisher-Yates shuffle seeded
// with DeriveSeed(opts.seed, {epoch}) (unless !opts.shuffle), then mini-batches (mean cross-entropy
// + the layers' L2 [+ FedProx]). Same model seed, data, options and thread count give bit-identical
// parameters. Errors on a data dim that does not match the model input, an empty view, an index or
// label out of range, or bad options.
Result<TrainStats> Train(Sequential& model, Optimizer& opt, const DataView& data,
                         const TrainOptions& opts);

struct EvalStats {
  double accuracy = 0.0;  // top-1 in [0, 1]
  double loss = 0.0;      // mean cross-entropy (no regularisation)
  int64_t samples = 0;
  uint64_t flops = 0;   // forward FLOPs of the evaluation
  int64_t batches = 0;  // ceil(samples / batch_size): the steps pricing counts
  double wall_s = 0.0;
};

// Forward passes over `data` in chunks of min(batch_size, 128) samples (the cap bounds activation
// memory: a 500-sample CNN batch would hold about 170 MB of activations).
Result<EvalStats> Evaluate(Sequential& model, const DataView& data, int threads = 1,
                           int batch_size = 500);

}  // namespace fedcarbon::models
