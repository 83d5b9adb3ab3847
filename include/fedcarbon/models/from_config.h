// The models' options as a run's config sets them: one place that reads config::TrainConfig for
// the optimizer, used by the client workers, the coordinator (to know what a client's training
// costs) and centralized training.
#pragma once

#include "fedcarbon/config/config.h"
#include "fedcarbon/models/optimizer.h"

namespace fedcarbon::models {

// name, lr, momentum and weight_decay from `train` (Adam's betas and epsilon keep their defaults).
OptimizerOptions OptimizerOptionsFor(const config::TrainConfig& train);

}  // namespace fedcarbon::models
