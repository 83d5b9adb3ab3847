// OptimizerOptionsFor (see include/fedcarbon/models/from_config.h).
#include "fedcarbon/models/from_config.h"

namespace fedcarbon::models {

OptimizerOptions OptimizerOptionsFor(const config::TrainConfig& train) {
  OptimizerOptions o;
  o.name = train.optimizer;
  o.lr = static_cast<float>(train.lr);
  o.momentum = static_cast<float>(train.momentum);
  o.weight_decay = static_cast<float>(train.weight_decay);
  return o;
}

}  // namespace fedcarbon::models
