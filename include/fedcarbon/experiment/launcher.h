// Local launcher: runs one federated experiment as real processes on loopback: one
// fedcarbon-server and cfg.runtime.workers fedcarbon-client processes. On return (success, error
// or SIGINT/SIGTERM) no child process is left behind.
#pragma once

#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/records/launch.h"

namespace fedcarbon::experiment {

struct LaunchOptions {
  // Folder holding fedcarbon-server and fedcarbon-client; empty: the folder of the running
  // executable (/proc/self/exe).
  std::string bin_dir;
  // Progress on stderr (progress.h): one updating line on a terminal, else a line per round.
  bool show_progress = true;
  // Continue the run in out_dir from its checkpoint (fedcarbon-server --resume: `cfg` must be
  // the run's config) instead of starting it afresh; the logs are appended to.
  bool resume = false;
  // When this run is one of several (a sweep's points, a reproduction's runs), the progress line
  // shows "point progress_point/progress_points progress_label", and its elapsed time and ETA
  // count from the start of the whole job.
  std::string progress_label;           // e.g. "alpha=0.1 seed=1"; empty: the config's name
  int progress_point = 0;               // 1-based index of this run in the job
  int progress_points = 0;              // runs in the job; 0: a single run (no "point i/N")
  double progress_job_elapsed_s = 0.0;  // seconds the job had run before this run started
};

// What the run's summary.json says (the server writes it to out_dir), and what the launcher
// measured of the run's processes (out_dir/launch.json).
struct RunResult {
  int rounds = 0;  // rounds completed
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  bool reached_target = false;
  double wall_s = 0.0;  // the coordinator's (summary.json's wall_s)
  std::string out_dir;  // holds config.json, rounds.csv, summary.json, launch.json (+ ledger.csv)
  // What RunLocal wrote to out_dir/launch.json (records::kLaunchRecordFile): CPU seconds of the
  // coordinator (launch.coordinator_cpu_s), of every worker process (launch.workers_cpu_s), of
  // the launcher (launch.launcher_cpu_s, from RunLocal's start), RunLocal's wall seconds
  // (launch.wall_s), the worker slots and their restarts.
  records::LaunchRecord launch;
};

// Runs the experiment; on success also writes out_dir/launch.json (a failed or interrupted run
// has none: a stale one is removed at the start).
Result<RunResult> RunLocal(const config::ExperimentConfig& cfg, const std::string& out_dir,
                           const LaunchOptions& options = {});

}  // namespace fedcarbon::experiment
