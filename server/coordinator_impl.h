// Private: the coordinator's state and its pieces, split over coordinator.cc (setup, join, run,
// summary), messaging.cc (socket I/O and non-round messages), round.cc (one FL round) and
// resume.cc (checkpoints: saving one after a round, continuing from one).
#pragma once

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fedcarbon.pb.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/energy/rapl.h"
#include "fedcarbon/energy/run_targets.h"
#include "fedcarbon/models/from_config.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/server/aggregation.h"
#include "fedcarbon/server/checkpoint.h"
#include "fedcarbon/server/coordinator.h"
#include "fedcarbon/server/registry.h"
#include "fedcarbon/server/round_engine.h"
#include "fedcarbon/server/supervisor.h"
#include "fedcarbon/simtime/simulation.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"
#include "global_model.h"
#include "run_recorder.h"
#include "transport.h"

namespace fedcarbon::server {

// Requests a worker has at once (one training, one waiting): memory on both sides stays bounded
// however many of a worker's clients a round selects, and the next job is already there when
// one finishes.
inline constexpr int kRequestsInFlightPerWorker = 2;

// The round in progress: the engine's decisions plus what the transport keeps for it.
struct RoundState {
  explicit RoundState(RoundPlan plan) : engine(std::move(plan)) {}
  RoundEngine engine;
  Clock::time_point start;
  wire::proto::Weights weights;  // the global model as encoded for this round
  std::vector<float> sent;       // the global weights as the clients decode them
  double add_s = 0.0;            // time spent adding results into the mean
  double sim_start = 0.0;        // simulated start (unix seconds), after waiting
  double shift_h = 0.0;          // hours waited for online clients or a cleaner hour
  double sim_close = 0.0;        // when the round closed in simulated time (CloseInSimTime)
  // Accepted results, by client, until the round closes in simulated time: the decoded update,
  // its FedAvg weight and the ledger row (activity; priced at the close).
  struct Accepted {
    std::vector<float> update;
    double weight = 0.0;
    energy::LedgerRow row;
  };
  std::map<int, Accepted> accepted;
  std::vector<energy::LedgerRow> client_rows;  // priced, at the close
  int late = 0, offline = 0;                   // simulated fates, at the close
};

class Coordinator {
 public:
  Coordinator(const config::ExperimentConfig& cfg, const CoordinatorOptions& options);
  Result<CoordinatorResult> Run();

 private:
  // coordinator.cc
  Status Setup();
  Status Join();
  Status WaitReady();
  Status WaitForLiveWorker();
  void Finish();
  Status WriteSummary(const Status& run_status);

  // messaging.cc
  // Waits up to `timeout` for one message and handles it, and any closed connections; false
  // when no message arrived (then, every message queued having been handled, checks for silent
  // workers: a coordinator busy evaluating never mistakes its own deafness for their silence).
  bool PollOnce(std::chrono::milliseconds timeout);
  // `connection`: the transport's id of the connection the frame came on (-1 unknown).
  void Dispatch(const std::string& identity, const zmq::message_t& frame, int connection = -1);
  void HandleHello(const std::string& identity, const wire::proto::Message& m);
  void HandleHeartbeat(int worker);
  // Failure handling (supervisor_ decides): a closed connection, silent workers, and carrying
  // out what the supervisor answers.
  void HandleClosed(int connection);
  void CheckLiveness();
  void Carry(const Failover& failover);
  // Sends each worker a Welcome with its (changed) client set, logging what it hosts and why.
  void Rehost(const std::vector<int>& workers, const char* why);
  void Reject(const std::string& identity, const char* what, const std::string& why);
  void Send(int worker, const wire::proto::Message& m, uint64_t* bytes = nullptr);
  void SendWelcome(int worker);
  void SendShutdown(int worker, const std::string& reason);
  bool Stopping() const;

  // round.cc
  Status RunRound(int round);
  void HandleResult(int worker, const wire::proto::Message& m, size_t frame_bytes);
  void HandleJobError(int worker, const wire::proto::Message& m);
  // Sends the TrainRequests the round engine asked for.
  void SendRequests(const std::vector<SendRequest>& requests);
  // Logs the clients the engine dropped and marks their workers suspect.
  void NoteDropped(const std::vector<Dropped>& dropped);
  Status RecordRound(int round, const std::vector<int>& selected, double collect_s, double agg_s,
                     uint64_t agg_flops);

  // resume.cc
  // With options_.resume: the checkpoint to continue from, validated against cfg_ and the model
  // (nullopt when there is none: the run starts over); without: nullopt.
  Result<std::optional<Checkpoint>> LoadCheckpointToResume();
  // Restores the model, the strategy, the clock, the counters, the run id and the initial
  // evaluation from `c` (before the transport is bound: messages carry the run id).
  Status RestoreFrom(const Checkpoint& c);
  // checkpoint.bin after the round just recorded (RunRecorder::SaveCheckpoint).
  Status SaveCheckpoint();

  // sim_round.cc
  // Picks the round's simulated start (waiting for online clients, time shifting) and the
  // clients it asks; sets round-state fields through `sim_start` / `shift_h`.
  Result<std::vector<int>> SelectInSimTime(int round, const std::vector<int>& eligible,
                                           double* sim_start, double* shift_h);
  // Closes the round in simulated time: each accepted result kept, late or offline
  // (simtime::CloseRound), its row priced over its simulated interval, the kept updates added
  // to the mean in client order. Returns the simulated close.
  double CloseInSimTime();
  Status EvaluateInitial();
  // round.cc: model_->Evaluate, its process CPU seconds added to eval_cpu_s_.
  Result<models::EvalStats> EvaluateModel();

  const config::ExperimentConfig& cfg_;
  CoordinatorOptions options_;
  Clock::time_point start_;

  std::unique_ptr<Transport> transport_;  // the ZeroMQ socket (set up by Setup)

  WorkerRegistry registry_;
  // Which workers are dead, and what becomes of their clients (see supervisor.h).
  Supervisor supervisor_{
      &registry_, LivenessPolicy::For(cfg_.runtime.heartbeat_s, cfg_.runtime.join_timeout_s)};

  std::unique_ptr<GlobalModel> model_;  // the model, its aggregation and the test set

  std::unique_ptr<RunRecorder> recorder_;     // every output file of the run
  std::unique_ptr<simtime::Simulation> sim_;  // pricing targets, grid, simulated clock
  std::vector<ClientWork> expected_work_;     // by client id: the job a result must report

  std::optional<RoundState> round_;  // set while a round collects results
  Status fatal_;                     // a worker reported an error during startup
  CoordinatorResult result_;
  models::EvalStats initial_eval_;  // the model before round 1 (priced with round 1)
  bool resumed_ = false;            // continued from a checkpoint (options_.resume)
  uint64_t resumed_last_seq_ = 0;   // the checkpoint's last message sequence number
  double wall_before_s_ = 0.0;      // measured seconds of the run before its checkpoint
  // Process CPU seconds (ProcessCpuSeconds deltas, OpenMP threads included) spent in this
  // process's test-set evaluations, the initial one included: summary.json's cpu.evaluation_s.
  double eval_cpu_s_ = 0.0;
};

// A printable form of a routing id (hex when it is binary).
std::string PrintableId(const std::string& id);

// CPU seconds (user + system, every thread) this process has used so far:
// clock_gettime(CLOCK_PROCESS_CPUTIME_ID).
double ProcessCpuSeconds();

}  // namespace fedcarbon::server
