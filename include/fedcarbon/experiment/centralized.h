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
#include "fedcarbon/records/curve.h"

namespace fedcarbon::experiment {

// One evaluation point of the curve (after an epoch, or every train.eval_every_steps steps): the
// record curve.csv holds, one row per point.
using EvalPoint = records::CurvePoint;

struct CentralizedResult {
  std::string model;
  int epochs = 0;  // epochs started
  int64_t steps = 0;
  int64_t samples = 0;
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  bool reached_target = false;
  uint64_t train_flops = 0;  // training FLOPs up to the stop (to target when reached)
  uint64_t eval_flops = 0;   // all evaluation FLOPs
  double train_s = 0.0;      // training wall seconds
  double wall_s = 0.0;       // whole run wall seconds (training + evaluation)
  // CPU seconds (user + system of every thread, OpenMP's included: CLOCK_PROCESS_CPUTIME_ID
  // deltas) of the calling process; not wall seconds, so oversubscription does not inflate them.
  // summary.json's "cpu" block (records::CentralizedCpu).
  double train_cpu_s = 0.0;    // in training (models::Train)
  double eval_cpu_s = 0.0;     // in test-set evaluations
  double process_cpu_s = 0.0;  // the whole process from RunCentralized's call to its end
  int threads = 1;             // training threads (cfg.train.threads)
  std::vector<EvalPoint> curve;
};

// Loads the data named by cfg, trains, and when out_dir is non-empty writes
// out_dir/summary.json and out_dir/curve.csv (one row per EvalPoint). curve.csv is rewritten
// (atomically, whole) after every evaluation point, so that another process can follow a
// running job's progress from its folder; summary.json is written at the end.
Result<CentralizedResult> RunCentralized(const config::ExperimentConfig& cfg,
                                         const std::string& out_dir);

}  // namespace fedcarbon::experiment
