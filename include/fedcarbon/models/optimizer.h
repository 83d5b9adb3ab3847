// Optimizers over a model's parameters: SGD (momentum, weight decay) and Adam.
//
// Ownership: an Optimizer owns its state (moments) sized to the model it was first stepped with.
// Threading: one caller at a time.
#pragma once

#include <memory>
#include <string>

#include "fedcarbon/common/status.h"

namespace fedcarbon::models {

class Sequential;

struct OptimizerOptions {
  std::string name = "adam";  // "adam" or "sgd"
  float lr = 1e-3f;           // > 0
  float momentum = 0.0f;      // sgd: in [0, 1)
  float weight_decay = 0.0f;  // L2 coefficient added to every gradient, >= 0
  float beta1 = 0.9f;         // adam
  float beta2 = 0.999f;       // adam
  float epsilon = 1e-7f;      // adam (Keras default, as the published baseline)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update from the gradients currently held by `model`'s layers (the data-loss
  // gradient from Sequential::Backward) plus each layer's L2 term 2 * l2 * W on its weights,
  // added in the same pass over the parameters (so do not also call AddRegularizationGrad).
  void Step(Sequential& model) { Step(model, 1); }
  // The same on up to `threads` OpenMP threads; the update is elementwise, so the result does
  // not depend on the thread count.
  virtual void Step(Sequential& model, int threads) = 0;
  // Step, returning the regularisation loss of the weights as they were before the update,
  // equal bit for bit to model.RegularizationLoss(threads) called just before: the squares are
  // summed in the update's pass over the weights instead of a pass of their own (what Train
  // uses). No allocation after the first call.
  virtual double StepWithRegularizationLoss(Sequential& model, int threads) = 0;
  // Drops all state (moments, step count): the next Step starts fresh.
  virtual void Reset() = 0;
  // FLOPs one Step costs per parameter (for the ledger).
  virtual int FlopsPerParam() const = 0;
};

// Error names an unknown optimizer or an out-of-range option.
Result<std::unique_ptr<Optimizer>> MakeOptimizer(const OptimizerOptions& options);

}  // namespace fedcarbon::models
