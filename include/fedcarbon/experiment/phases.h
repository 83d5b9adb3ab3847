// Where a reproduction's time went (PhaseBreakdown in reproduce.h), from the CPU seconds its runs
// recorded (their summaries' cpu blocks and launch.json, records/).
//
// Thread safety: values and functions; no shared state.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {

// The CPU seconds (user + system) of one run of the reproduction.
struct RunCpu {
  bool centralized = false;
  double job_s = 0;          // the run's whole process tree (JobEnd::cpu_s)
  double training_s = 0;     // FL: the worker processes; centralized: in training
  double evaluation_s = 0;   // the coordinator's (centralized: the run's) test-set evaluations
  double coordinator_s = 0;  // FL: the coordinator process, evaluation included; centralized: 0
};

// The breakdown (see PhaseBreakdown): training, evaluation and messaging summed over the runs;
// other = the rest of every run's tree plus `self_cpu_s` (the reproducing process); others =
// `machine_busy_s` (every process's CPU seconds over the same wall time; NaN: unknown, 0) minus
// the reproduction's, never below 0; idle = cores x wall - everything, never below 0.
PhaseBreakdown ComputePhases(const std::vector<RunCpu>& runs, double self_cpu_s, double wall_s,
                             int cores, double machine_busy_s);

// The machine's busy CPU seconds since boot, all cores (/proc/stat: user, nice, system, irq,
// softirq, steal); NaN when /proc/stat cannot be read.
double MachineBusySeconds();

// A run folder's CPU record: the centralized summary's cpu block, or the FL summary's cpu block
// with the launcher's launch.json. Errors name the file.
Result<RunCpu> ReadRunCpu(const std::string& dir, bool centralized, double job_cpu_s);

// One finished job of the reproduction: its folder, kind and process tree's CPU seconds.
struct JobRun {
  std::string dir;
  bool centralized = false;
  double cpu_s = 0;
};

// ComputePhases over `runs`, this process's CPU seconds so far, `wall_s`, the machine's cores and
// its busy seconds meanwhile.
Result<PhaseBreakdown> MeasurePhases(const std::vector<JobRun>& runs, double wall_s,
                                     double machine_busy_s);

// "training 61% | evaluation 6% | messaging 1% | other 2% | idle 30% of 2 cores x 12:34".
std::string FormatPhases(const PhaseBreakdown& p);

// OUT/reproduce-summary.json: the breakdown, the seeds, and each run's rounds and accuracy.
Status WriteReproduceSummary(const std::string& path, const PhaseBreakdown& phases,
                             const Table4& table);

}  // namespace fedcarbon::experiment
