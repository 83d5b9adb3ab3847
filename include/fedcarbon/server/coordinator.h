// The coordinator: runs one federated experiment over a ZeroMQ ROUTER socket.
//
// Waits for client workers until every client id is hosted, then per round selects clients,
// sends TrainRequests (at most two outstanding per worker, the next one sent as a result comes
// back, so memory stays bounded with hundreds of clients per worker), collects TrainResults until
// all arrive or federation.round_timeout_s passes, aggregates, evaluates on the test set and
// records the round. A worker's Error naming a request drops that client at once; a result that
// fails validation is rejected and the client stays outstanding until the deadline. A worker
// whose connection closes, or that is silent for 3 heartbeat periods (at least 5 s), is dead:
// its unfinished clients are re-dealt to live workers within the round (supervisor.h), and a
// worker that joins later hosts clients from the next round on. Writes into out_dir:
//   endpoint      the bound endpoint (tcp://127.0.0.1:41234), written as soon as it is bound
//   config.json   the full config of the run
//   rounds.csv    round,selected,completed,dropped,accuracy,loss,bytes_down,bytes_up,wall_s,
//                 collect_s,eval_s (accuracy/loss empty on rounds without evaluation; wall_s the
//                 whole round, collect_s from the first request to the last result or the
//                 deadline, eval_s the evaluation; one flushed line per round)
//   ledger.csv    energy::LedgerWriter rows: one per (round, client), the result's activity (its
//                 FLOPs and samples checked against the client's job, the frame sizes measured
//                 here) priced on the client's device and country (energy::RunTargets), plus one
//                 coordinator row per round
//   checkpoint.bin after every round, all a resume needs (fedcarbon/server/checkpoint.h), written
//                 durably after ledger.csv and rounds.csv were fsync'ed
//   summary.json  totals (see RunCoordinator), written with tmp + rename
// Resuming (options.resume): a coordinator that died (kill -9, a crash, a lost host) is started
// again on the same out_dir. It reads checkpoint.bin (an error naming the file when it is corrupt
// or its config is not this one), cuts ledger.csv and rounds.csv back to the lengths it counts
// (rows of the unfinished round and a torn last line go), restores the model, the strategy's
// state, the simulated clock, the counters and the run id, and continues with the next round:
// the files and the final model are those of an uninterrupted run with the same seed, except
// measured seconds and time stamps. Workers join afresh (a client optimizer state kept by
// train.keep_optimizer_state is the workers' and starts over). Without a checkpoint (it died
// before round 1 ended) the run starts from round 1.
// Every wait has a deadline: joining (runtime.join_timeout_s), each round, and waiting for a
// live worker when none is left.
//
// Threading: runs on the calling thread; evaluation uses cfg.train.threads OpenMP threads.
#pragma once

#include <atomic>
#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::server {

struct CoordinatorOptions {
  // Loopback only by default; "tcp://127.0.0.1:*" picks a free port (see `endpoint`). Another
  // address without curve_key_file logs a warning that says how to turn CURVE on.
  std::string bind = "tcp://127.0.0.1:5555";
  std::string out_dir;  // required; created when missing
  // Set to true (e.g. from a signal handler) to stop after the current wait: the workers get a
  // Shutdown and summary.json says "interrupted": true. Not owned; may be null.
  const std::atomic<bool>* stop = nullptr;
  // Continue the run in out_dir from its checkpoint.bin instead of starting afresh (see above).
  bool resume = false;
  // Longest single poll, so `stop` is noticed promptly.
  int poll_slice_ms = 100;
  // CURVE (see wire/curve.h): with a key file the socket encrypts and workers must know the
  // server's public key; with an allow-list too, only workers whose public key is listed get
  // in. Empty: plain TCP (a trusted network).
  std::string curve_key_file;
  std::string curve_allow_file;
};

struct CoordinatorResult {
  std::string run_id;
  std::string endpoint;
  int rounds = 0;               // rounds completed
  double final_accuracy = 0.0;  // of the last evaluation
  double best_accuracy = 0.0;
  bool reached_target = false;
  int rounds_to_target = 0;    // first round at or above the target; 0 when not reached
  int dropped = 0;             // selected clients whose result never arrived, all rounds
  int late = 0;                // results after their round closed in simulated time
  int offline = 0;             // clients that went offline mid-job in simulated time
  double sim_start = 0.0;      // simulated times, unix seconds: time.start,
  double sim_end = 0.0;        // the end of the last round,
  double sim_to_target = 0.0;  // the end of round rounds_to_target (0: not reached)
  int rejected = 0;            // messages rejected (parse, run id, round, client, weights, ...)
  uint64_t bytes_down = 0;     // TrainRequest bytes sent, all rounds
  uint64_t bytes_up = 0;       // accepted TrainResult bytes received, all rounds
  double wall_s = 0.0;         // measured; a resumed run adds the seconds before its checkpoint
  bool interrupted = false;
};

// Errors: bad config values (model, strategy, compression, energy names), data that does not
// load, a checkpoint to resume that is corrupt or of another config (Corruption /
// InvalidArgument: exit code 2), a socket that does not bind, a join timeout ("join timeout after
// 60 s: 1 worker(s) host 5 of 10 clients; expected 2 workers"), or no live worker left within
// join_timeout_s.
Result<CoordinatorResult> RunCoordinator(const config::ExperimentConfig& cfg,
                                         const CoordinatorOptions& options);

}  // namespace fedcarbon::server
