// Local launcher: runs one federated experiment as real processes on loopback: one
// fedcarbon-server and cfg.runtime.workers fedcarbon-client processes. On return (success, error
// or SIGINT/SIGTERM) no child process is left behind.
#pragma once

#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::experiment {

struct LaunchOptions {
  // Folder holding fedcarbon-server and fedcarbon-client; empty: the folder of the running
  // executable (/proc/self/exe).
  std::string bin_dir;
  bool show_progress = true;  // one line per round on stderr
};

// What the run's summary.json says (the server writes it to out_dir).
struct RunResult {
  int rounds = 0;               // rounds completed
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  bool reached_target = false;
  double wall_s = 0.0;
  std::string out_dir;          // holds config.json, rounds.csv, summary.json (+ ledger.csv)
};

Result<RunResult> RunLocal(const config::ExperimentConfig& cfg, const std::string& out_dir,
                           const LaunchOptions& options = {});

}  // namespace fedcarbon::experiment
