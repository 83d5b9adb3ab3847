// Jobs side by side: child processes (a sweep's points, a reproduction's runs), at most
// `parallel` at once, each followed in its run folder for one progress line with an ETA.
//
// A job is a command line whose output goes to a log file and whose run folder (rounds.csv,
// ledger.csv or curve.csv, see RunFollower) shows its progress. Jobs start in the order given as
// slots free up; a job that ends is handed to `on_end` on the calling thread, which returns the
// line to log (or "").
//
// Threading: RunJobs runs on the calling thread and blocks until every job ended or SIGINT/SIGTERM
// arrived (StopSignalGuard: one at a time per process); the children are its own (process.h).
// When the calling process is killed outright, its children get SIGTERM from the kernel
// (PR_SET_PDEATHSIG).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::experiment {

struct Job {
  std::string name;               // shown on the progress line and in errors
  std::vector<std::string> argv;  // argv[0] is a path
  std::string log;                // the child's stdout and stderr (truncated)
  std::string dir;                // run folder followed for progress; "" none
  int limit = 1;                  // rounds (FL) or evaluations (centralized) at most, >= 1
  double target = 0;              // accuracy target, for the projection of rounds (0: none)
};

struct JobEnd {
  bool ran = false;    // false: never started (interrupted before its turn)
  int exit_code = -1;  // exit status, or 128 + signal
  double wall_s = 0;   // from start to reaping
  double cpu_s = 0;    // user + system seconds of the job's process tree (Child::cpu_s)
};

struct JobPoolOptions {
  int parallel = 1;  // jobs at once, >= 1
  bool show_progress = true;
  std::string title;  // the line before the first job, e.g. "sweep alpha: 8 points ..."; "" none
  // Called when a job ends (also after an interruption stopped it: then `stopped` is true);
  // returns a line for the log, or "".
  std::function<std::string(size_t index, const JobEnd& end, bool stopped)> on_end;
};

struct JobPoolOutcome {
  std::vector<JobEnd> ends;  // one per job, in the jobs' order
  int signal = 0;            // SIGINT/SIGTERM that stopped the pool, or 0 when every job ran
  double wall_s = 0;
};

// Runs `jobs` (see the header comment). On SIGINT/SIGTERM the running jobs get SIGTERM (each
// stops its own children) with 15 s to end, the others never start, and outcome.signal says which.
// An error only when a job cannot be started at all (fork/exec).
Result<JobPoolOutcome> RunJobs(const std::vector<Job>& jobs, const JobPoolOptions& options);

}  // namespace fedcarbon::experiment
