// Slurm scale-out: sbatch scripts for a sweep (a job array, one task per point) and for one
// multi-host federated run (one coordinator task and `workers` worker tasks). The generators are
// pure functions of their arguments: they return the script text and touch no file; WriteSbatch
// writes one to disk. Every path in a script is made absolute by the caller and quoted by the
// generator, so a script runs from any working directory and with spaces in paths.
//
// Thread safety: values and free functions.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::experiment {

struct SlurmOptions {
  std::string partition;          // #SBATCH --partition; empty: the cluster's default
  std::string time = "02:00:00";  // #SBATCH --time: the limit of each task ([D-]HH:MM:SS)
  int cpus_per_task = 2;          // #SBATCH --cpus-per-task (>= 1)
  int throttle = 0;               // job array: at most this many tasks at once (%K); 0: no limit
  std::string job_name = "fedcarbon";  // #SBATCH --job-name
  // Folder of the job's output (slurm-%A_%a.out, or slurm-%j.out for a run); empty: out_dir.
  std::string log_dir;
};

// A job array with one task per point: task i runs
//   <fedcarbon_exe> sweep <sweep_file> --out <out_dir> --point <point_ids[i]>
// The ids are listed in the script as a bash array, in order, so the script is self-contained.
// Paths should be absolute (Slurm starts the job in the submit directory). Errors: no point ids,
// an id or option that cannot appear in a script (empty, newline, quote), bad numbers.
Result<std::string> SweepSbatch(const std::string& fedcarbon_exe, const std::string& sweep_file,
                                const std::string& out_dir,
                                const std::vector<std::string>& point_ids,
                                const SlurmOptions& options);

// One multi-host FL run as one job of 1 + workers tasks (srun, one process per task):
//   task 0 (SLURM_PROCID 0, on the first node): fedcarbon-server CONFIG --out OUT_DIR
//     --bind tcp://${FEDCARBON_COORDINATOR_BIND:-*}:PORT [--curve-key, --curve-allow];
//   tasks 1..workers: fedcarbon-client --connect tcp://HOST:PORT [--capacity] --threads
//     --hello-timeout (retrying their Hello while the coordinator starts) [CURVE keys].
// HOST is $FEDCARBON_COORDINATOR_HOST when set, else the NodeAddr of the first node of
// $SLURM_JOB_NODELIST (`scontrol show node`: the address Slurm itself uses), else its host name.
// Logs: OUT_DIR/coordinator.log and OUT_DIR/worker-<i>.log; the job's own output goes to
// log_dir/slurm-%j.out. The config must say runtime.workers = spec.workers (the coordinator waits
// for that many workers).
struct RunSlurmSpec {
  std::string bin_dir;      // folder of fedcarbon-server and fedcarbon-client (absolute)
  std::string config_path;  // the resolved config the coordinator reads (absolute)
  std::string out_dir;      // the coordinator's output folder (absolute)
  int workers = 2;          // worker tasks (>= 1)
  int port = 5555;          // the coordinator's TCP port (1..65535)
  int capacity = 0;         // virtual clients per worker; 0: no limit
  int threads = 1;          // OpenMP threads per worker's training job (>= 1)
  bool curve = false;       // CURVE: read the key files below from curve_dir
  // With curve: server.key, allow.txt (the coordinator's), server.pub, worker.key (the workers').
  std::string curve_dir;
};

Result<std::string> RunSbatch(const RunSlurmSpec& spec, const SlurmOptions& options);

// The CURVE files RunSbatch refers to, inside spec.curve_dir.
inline constexpr const char* kCurveServerPrefix = "server";  // server.key, server.pub
inline constexpr const char* kCurveWorkerPrefix = "worker";  // worker.key, worker.pub
inline constexpr const char* kCurveAllowFile = "allow.txt";  // the workers' public keys

// Writes `script` to `path` atomically, mode 0755.
Status WriteSbatch(const std::string& path, const std::string& script);

}  // namespace fedcarbon::experiment
