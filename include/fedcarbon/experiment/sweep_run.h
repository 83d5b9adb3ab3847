// Running a sweep: point folders, resume, parallel points as child processes, results.
//
// Layout of a sweep folder DIR:
//   DIR/sweep.json           the sweep file, self-contained (base inline); what points re-read
//   DIR/points/<id>/         one ordinary run folder per point (FL: config.json, rounds.csv,
//                            ledger.csv, summary.json; centralized: summary.json, curve.csv,
//                            ledger.csv) plus point.json (kind, swept values, seed, resolved
//                            config), point.log (the point process's output), error.txt (why it
//                            failed) and running.json (host and pid while it runs)
//   DIR/results.csv          one row per point (sweep_results.h), DIR/results.md aggregated
//   DIR/plots/               gnuplot data, scripts and pictures
// A point is finished when its point.json holds the same kind and resolved config and its
// summary.json and ledger.csv are complete; re-running a sweep skips finished points and runs
// (again) every other one from an empty folder.
//
// Threading: RunSweep runs on the calling thread; the points run in child processes
// (`fedcarbon sweep DIR/sweep.json --out DIR --point ID`), at most `parallel` at once. SIGINT or
// SIGTERM stops them (each stops its own coordinator and workers), writes the results of what
// finished and returns an error. When the process running RunSweep is killed outright, its
// children get SIGTERM from the kernel (PR_SET_PDEATHSIG) and stop the same way.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/experiment/launcher.h"
#include "fedcarbon/experiment/sweep.h"
#include "fedcarbon/experiment/sweep_results.h"

namespace fedcarbon::experiment {

// Creates DIR and DIR/points and writes DIR/sweep.json (atomically; not when it already holds
// the same text, as it does when the points of a job array start together).
Status PrepareSweepDir(const SweepSpec& spec, const std::string& dir);

// The row of one point as its folder says (status done, failed, running or pending).
SweepRow CollectPoint(const SweepPoint& point, const std::string& dir);

// Runs one point in this process (the FL run's coordinator and workers are child processes),
// into DIR/points/<id>, after emptying the folder. A point whose config is invalid records its
// error without running. Returns the point's error, if any (also written to error.txt).
Status RunPoint(const SweepPoint& point, const std::string& dir, const LaunchOptions& launch);

// Records that a point's process ended (exit code `exit_code`) without finishing the point or
// saying why: error.txt gets the exit code and the end of the point's log.
void RecordPointCrash(const SweepPoint& point, const std::string& dir, int exit_code);

// Rebuilds DIR/results.csv and DIR/results.md from the point folders, and the plots under
// DIR/plots when `plots` (a missing gnuplot is said once; data and scripts are still written).
Result<SweepTable> CollectSweep(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                                const std::string& dir, bool plots);

struct SweepOptions {
  std::string out_dir;   // the sweep folder (required)
  int parallel = 0;      // points at once; 0: DefaultParallel(points)
  std::string self_exe;  // the fedcarbon executable for the point processes; empty: this one
  bool plots = true;     // make the plots when the sweep ends
  bool show_progress = true;
};

// Points at once that fit the machine's cores: cores / (processes a point keeps busy: the FL
// run's workers, or a centralized run's threads), at least 1.
int DefaultParallel(const std::vector<SweepPoint>& points);

struct SweepOutcome {
  SweepTable table;
  int skipped = 0;  // finished before this call
  int ran = 0;      // run now (done or failed)
  int failed = 0;   // rows with status failed
};

// Runs every unfinished point and collects the results (see the header comment).
Result<SweepOutcome> RunSweep(const SweepSpec& spec, const SweepOptions& options);

// The ids of the points that are not finished (what --emit writes jobs for).
std::vector<std::string> UnfinishedPoints(const std::vector<SweepPoint>& points,
                                          const std::string& dir);

}  // namespace fedcarbon::experiment
