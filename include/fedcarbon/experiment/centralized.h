// Centralized baseline: train the model on the whole training set, evaluate on the 10k test set,
// stop at the target accuracy or the epoch limit. What it records (FLOPs to target, seconds) is
// activity; pricing it on a data-center profile is the energy module's job.
//
// Threading: runs on the calling thread with cfg.train.threads OpenMP threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::experiment {

// One evaluation point of the curve (after an epoch, or every train.eval_every_steps steps).
struct EvalPoint {
  int epoch = 0;                 // 1-based epoch during which the evaluation happened
  int64_t steps = 0;             // optimizer steps so far
  int64_t samples = 0;           // training samples processed so far
  double train_loss = 0.0;       // mean training loss since the previous point
  double test_accuracy = 0.0;
  double test_loss = 0.0;
  uint64_t train_flops = 0;      // cumulative training FLOPs
  double train_s = 0.0;          // cumulative training wall seconds (evaluation excluded)
};

struct CentralizedResult {
  std::string model;
  int epochs = 0;                // epochs started
  int64_t steps = 0;
  int64_t samples = 0;
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  bool reached_target = false;
  uint64_t train_flops = 0;      // training FLOPs up to the stop (to target when reached)
  uint64_t eval_flops = 0;       // all evaluation FLOPs
  double train_s = 0.0;          // training wall seconds
  double wall_s = 0.0;           // whole run wall seconds (training + evaluation)
  std::vector<EvalPoint> curve;
};

// Loads the data named by cfg, trains, and when out_dir is non-empty writes
// out_dir/summary.json and out_dir/curve.csv (one row per EvalPoint).
Result<CentralizedResult> RunCentralized(const config::ExperimentConfig& cfg,
                                         const std::string& out_dir);

}  // namespace fedcarbon::experiment
