// A client worker process: one ZeroMQ DEALER connected to the coordinator, hosting the virtual
// clients the coordinator assigns to it (see local_trainer.h for the training itself).
//
// Life cycle: Hello (resent on a fresh socket every hello_retry_s until a Welcome arrives, Lazy
// Pirate style, at most hello_timeout_s) -> Welcome (config + client ids) -> load data, send a
// Heartbeat meaning "ready" -> serve TrainRequests one at a time, heartbeating every
// runtime.heartbeat_s also while a job trains (the coordinator takes a silent worker for dead) ->
// exit on Shutdown, on `stop`, or when the coordinator has been silent for silence_timeout_s.
// A Welcome that arrives during a job (a changed client set) applies after it.
// Requests of a round older than the newest round seen are skipped (their deadline has passed).
// A TrainResult reports the job's activity only (FLOPs, samples, seconds): the coordinator
// measures the frames and prices the work.
//
// Threading: the socket loop runs on the calling thread; each job trains on one more thread it
// starts (with its OpenMP threads), which touches nothing but the job and the LocalTrainer. On
// Shutdown or `stop`, RunWorker returns once the job in progress is done.
#pragma once

#include <atomic>
#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/data/dataset.h"

namespace fedcarbon::client {

struct WorkerOptions {
  std::string connect;               // required: tcp://HOST:PORT of the coordinator
  int capacity = 0;                  // most virtual clients to host; 0 = no limit
  int threads = 1;                   // OpenMP threads per local training job
  std::string worker_id;             // empty: HOST-PID-RANDOM
  std::string data_dir;              // non-empty: overrides the config's data.path on this host
  double hello_timeout_s = 120.0;    // give up when no Welcome arrives within this
  double hello_retry_s = 2.0;        // resend the Hello on a fresh socket this often
  double silence_timeout_s = 120.0;  // exit when the coordinator is silent this long
  // CURVE: the coordinator's public key (Z85, or a .pub/.key file) turns encryption on; this
  // worker's key file is what the coordinator's allow-list checks (empty: a fresh key pair).
  std::string curve_server_key;
  std::string curve_key_file;
  const std::atomic<bool>* stop = nullptr;   // not owned; may be null
  const data::Dataset* train_set = nullptr;  // tests: use this instead of loading (not owned)
};

struct WorkerStats {
  int jobs = 0;     // TrainResults sent
  int skipped = 0;  // stale requests skipped
  int failed = 0;   // requests answered with an Error
  std::string shutdown_reason;
};

// Returns when the coordinator says Shutdown (ok) or on stop (ok, reason "stopped"); errors when
// no Welcome arrives, the config cannot run here (also reported to the coordinator), or the
// coordinator goes silent.
Result<WorkerStats> RunWorker(const WorkerOptions& options);

}  // namespace fedcarbon::client
