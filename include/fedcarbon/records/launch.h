// launch.json, typed: what the local launcher (experiment::RunLocal, `fedcarbon run`) measured of
// one FL run's processes: CPU seconds of the coordinator, of the workers and of the launcher
// itself, and the run's wall seconds. Written by RunLocal into the run folder when the run
// succeeded (a failed or interrupted run has none); read by whoever breaks a run's CPU time down
// (the reproduction's phase table).
//
//   {"coordinator_cpu_s": 12.5, "launcher_cpu_s": 0.04, "wall_s": 30.1, "worker_restarts": 0,
//    "workers": 2, "workers_cpu_s": 50.25}
//
// CPU seconds are user + system of every thread (OpenMP's included), as wait4(2) reports them for
// a reaped child (experiment::Child::cpu_s) and getrusage(RUSAGE_SELF) for the launcher: CPU
// time, not wall time, so they do not inflate when the machine is oversubscribed. With --resume
// they cover this launch only, not the processes before the checkpoint.
//
// The JSON is an object with sorted keys, pretty-printed with 2 spaces and a final newline. Every
// key is required on read with its JSON type (integers stay integers): a missing or mistyped key
// is a Corruption error naming the file and the key; unknown extra keys are ignored. A file that
// does not exist is NotFound.
//
// Thread safety: values and free functions; no shared state.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::records {

// The file's name in a run folder: OUT/launch.json.
inline constexpr char kLaunchRecordFile[] = "launch.json";

// Keys: the field names.
struct LaunchRecord {
  // fedcarbon-server (the coordinator), with any descendants it waited for.
  double coordinator_cpu_s = 0.0;
  // Every fedcarbon-client process of the run, restarted ones and their predecessors included.
  double workers_cpu_s = 0.0;
  // The process running RunLocal, from RunLocal's start to the run's end (waiting on the
  // children, following their files, drawing the progress line); every thread of that process.
  double launcher_cpu_s = 0.0;
  double wall_s = 0.0;      // RunLocal's wall seconds, from its start to the run's end
  int workers = 0;          // worker slots (cfg.runtime.workers)
  int worker_restarts = 0;  // workers restarted after dying during the run, all slots
  bool operator==(const LaunchRecord&) const = default;
};

// JSON <-> struct. FromJson fills *out, or returns a Corruption error naming `what` (the file)
// and the first missing or mistyped key; *out is unspecified then.
nlohmann::json ToJson(const LaunchRecord& r);
Status FromJson(const nlohmann::json& j, const std::string& what, LaunchRecord* out);

// Writes ToJson(r).dump(2) + "\n" to `path` atomically (WriteFileAtomic).
Status WriteLaunchRecord(const std::string& path, const LaunchRecord& r);
Result<LaunchRecord> ReadLaunchRecord(const std::string& path);

}  // namespace fedcarbon::records
