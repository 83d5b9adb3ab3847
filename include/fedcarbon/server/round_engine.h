// RoundEngine: the decisions of one FL round, without sockets or clocks of its own. The
// coordinator's transport turns messages and time into events (a request went out, a result
// arrived, a worker failed a job or is gone, time passed) and carries out what the engine answers
// (send these requests, these clients are dropped). Tests drive it with a fake clock.
//
// Rules:
//  * Each worker has at most `in_flight_per_worker` requests outstanding; the next of its queued
//    clients is sent when one comes back, so memory stays bounded however many of a worker's
//    clients a round selects.
//  * A result is accepted only for this round, from the worker hosting the client, answering the
//    request that was sent (sequence number), once per client, with exactly the shard size,
//    samples and FLOPs the coordinator expects of that client's job (ClientWork).
//    Anything else is rejected with a reason and changes nothing: the client stays outstanding.
//  * A worker's error for a request, a worker gone and the deadline drop clients; a dropped
//    client's late result is rejected as "not asked this round or already answered".
//  * A dead worker's unfinished clients (outstanding or queued) are re-dealt: each joins the
//    queue of the worker now hosting it, in the same round, or is dropped when none does. Its
//    request to the dead worker is forgotten, so a late result from the dead worker is rejected
//    ("hosted by another worker", or "not asked ... or already answered" once the new worker
//    has answered or before its request went out): no result is counted twice.
//  * The round is complete when no client is queued or outstanding.
//
// Threading: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/server/coordinator.h"

namespace fedcarbon::server {

using Clock = std::chrono::steady_clock;

// One client's training job as the coordinator knows it before the client runs it.
struct ClientWork {
  uint64_t shard_size = 0;  // the TrainResult's num_samples (its FedAvg weight)
  uint64_t samples = 0;     // the activity's samples: local_epochs x shard_size
  uint64_t flops = 0;       // the activity's FLOPs (models::ExpectedTrainWork)
  int64_t steps = 0;        // its optimizer steps (models::ExpectedTrainWork), for pricing
};

struct RoundPlan {
  int round = 0;                              // 1-based
  std::vector<std::pair<int, int>> selected;  // (client, worker hosting it), selection order
  Clock::time_point start{};
  Clock::duration timeout = std::chrono::seconds(600);  // federation.round_timeout_s
  int in_flight_per_worker = 2;
  // What each client's job is, by client id (from the deterministic partition and the model).
  // Empty: results are not checked against it.
  std::vector<ClientWork> expected;
};

// The transport is to send `client`'s TrainRequest to `worker`.
struct SendRequest {
  int worker = -1;
  int client = -1;
};

// `client` (hosted by `worker`) gets no result this round, and why.
struct Dropped {
  int worker = -1;
  int client = -1;
  std::string reason;
};

// What a TrainResult claims, as the transport read it from the message.
struct ResultClaim {
  int worker = -1;
  uint32_t round = 0;
  int client = -1;
  uint64_t request_seq = 0;
  uint64_t num_samples = 0;  // the shard size the client trained on
  uint64_t samples = 0;      // activity: samples processed
  uint64_t flops = 0;        // activity: FLOPs
};

class RoundEngine {
 public:
  explicit RoundEngine(RoundPlan plan);

  // The first requests: up to in_flight_per_worker per worker, in selection order.
  std::vector<SendRequest> Start();
  // The transport sent `client`'s request with this sequence number and frame size.
  void Sent(int client, uint64_t seq, uint64_t bytes);

  // Checks a result against what was asked (see the rules); OK: the transport may decode and
  // accept it. InvalidArgument naming the mismatch otherwise.
  Status Check(const ResultClaim& claim) const;
  // The transport accepted `client`'s checked result (its frame had `frame_bytes`): the client is
  // done and its worker's next queued requests go out.
  std::vector<SendRequest> Accept(int client, uint64_t frame_bytes);
  // `worker` could not train the request `seq` for `client`: the client is dropped (when that
  // request is outstanding; anything else is ignored, returning false) and the worker's next
  // requests go out.
  bool JobFailed(int worker, int client, uint64_t seq, std::vector<SendRequest>* next,
                 Dropped* dropped);
  // `worker` is gone (dead, disconnected, retired): its outstanding and queued clients are dropped.
  std::vector<Dropped> WorkerGone(int worker);
  // `worker` is dead: each of its outstanding and queued clients goes to `host(client)` (the
  // worker now hosting it: queued there, sent as its slots free up), or is dropped into *dropped
  // when that is -1 or `worker` itself. Returns the requests to send now.
  std::vector<SendRequest> Redeal(int worker, const std::function<int(int client)>& host,
                                  std::vector<Dropped>* dropped);
  // Time has come to `now`: past the deadline every client still queued or outstanding is
  // dropped (the round is then complete).
  std::vector<Dropped> Tick(Clock::time_point now);

  bool complete() const;  // nothing queued or outstanding
  int round() const { return plan_.round; }
  Clock::time_point deadline() const { return plan_.start + plan_.timeout; }
  int selected() const { return static_cast<int>(plan_.selected.size()); }
  int completed() const { return completed_; }
  int dropped() const { return dropped_; }
  int redealt() const { return redealt_; }             // clients moved off a dead worker this round
  uint64_t bytes_down() const { return bytes_down_; }  // requests sent
  uint64_t bytes_up() const { return bytes_up_; }      // accepted results
  // The size of the request the transport sent for an outstanding client (0 when none).
  uint64_t RequestBytes(int client) const;
  bool HasOutstanding(int worker) const;  // a request of this worker awaits its answer

 private:
  struct Pending {
    int worker = -1;
    uint64_t seq = 0;
    uint64_t bytes = 0;
    bool sent = false;  // Sent() was called
  };
  std::vector<SendRequest> Refill(int worker);

  RoundPlan plan_;
  std::map<int, std::deque<int>> queued_;  // worker -> clients not sent yet
  std::map<int, int> in_flight_;           // worker -> requests outstanding
  std::map<int, Pending> pending_;         // client -> its outstanding request
  int completed_ = 0;
  int dropped_ = 0;
  int redealt_ = 0;
  uint64_t bytes_down_ = 0;
  uint64_t bytes_up_ = 0;
};

// The run's accuracy tally after the evaluation of `round`: final and best accuracy, and the
// first round at or above `target`. Returns true when the target is reached: the run stops there.
bool TallyEvaluation(int round, double accuracy, double target, CoordinatorResult* result);

}  // namespace fedcarbon::server
