// Supervisor: the coordinator's failure handling, without sockets or clocks of its own. The
// transport turns what happens into events (a message from a worker, a worker's connection
// closed, time passed); the supervisor decides which workers are dead and what becomes of their
// clients, and answers with actions for the coordinator to carry out (Welcomes, requests, drops).
// Tests drive it with a fake clock, like RoundEngine.
//
// Rules:
//  * A worker is dead when it has been silent longer than its limit: LivenessPolicy::silence once
//    it is ready (it has sent anything since its Welcome; workers heartbeat every
//    runtime.heartbeat_s, training or not), LivenessPolicy::startup before that (it is loading
//    its data). Or at once when its connection closes (the process exited or was killed; a
//    worker that reopens its socket speaks on another connection, which is not the one closed).
//  * A dead worker's clients move to alive workers with room (WorkerRegistry::MarkDead). Its
//    unfinished clients of the round in progress are re-dealt to their new workers in the same
//    round, or dropped when no live worker can host them (RoundEngine::Redeal); a late result
//    from it is then rejected, never counted twice.
//  * A message from a dead worker makes it alive again, hosting what it still has (it is sent a
//    Welcome); between rounds WorkerRegistry::Rebalance gives idle workers (restarted or revived)
//    a fair share.
//  * An alive worker is never declared dead for being slow: its clients get the round's deadline
//    (federation.round_timeout_s).
//  * Nothing is decided before the join phase ends (WorkerRegistry::Assign): workers reopen their
//    sockets freely while they wait for their Welcome.
//
// Threading: one thread (the coordinator's).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fedcarbon/server/registry.h"
#include "fedcarbon/server/round_engine.h"

namespace fedcarbon::server {

// A ready worker is dead after this many heartbeat periods of silence ...
inline constexpr int kSilentPeriods = 3;
// ... and never sooner than this many seconds: a short runtime.heartbeat_s must not turn a
// scheduling hiccup on a loaded machine into a death.
inline constexpr double kMinSilenceS = 5.0;

struct LivenessPolicy {
  Clock::duration silence = std::chrono::seconds(6);   // a ready worker silent this long is dead
  Clock::duration startup = std::chrono::seconds(60);  // a worker that is not ready yet
  // silence = max(kSilentPeriods x heartbeat_s, kMinSilenceS) (6 s with the default 2 s period);
  // startup = join_timeout_s (runtime.join_timeout_s), at least `silence`.
  static LivenessPolicy For(double heartbeat_s, double join_timeout_s);
};

// What the coordinator is to do, in this order: log the deaths, send a Welcome to each worker in
// `welcome` (its client set changed), send `requests`, record `dropped`.
struct Failover {
  struct Death {
    int worker = -1;
    std::string reason;  // "its connection closed", "silent for 6.1 s"
    int moved = 0;       // of its clients, handed to live workers
    int orphaned = 0;    // of its clients, kept (no live worker had room)
    int redealt = 0;     // of its unfinished clients of the round, re-dealt in the round
  };
  std::vector<Death> dead;
  std::vector<int> welcome;
  std::vector<SendRequest> requests;
  std::vector<Dropped> dropped;
  bool empty() const { return dead.empty(); }
};

class Supervisor {
 public:
  // `registry` is not owned and must outlive the supervisor.
  Supervisor(WorkerRegistry* registry, LivenessPolicy policy);

  // A message from `worker` at `t` (it passed the routing checks): it is seen and ready. Returns
  // true when it was dead and is alive again: send it a Welcome with what it hosts now.
  bool Heard(int worker, Clock::time_point t);
  // `worker`'s connection closed: it is dead (alive and suspect workers only, after the join).
  // `round`: the round in progress, or null.
  Failover Disconnected(int worker, RoundEngine* round);
  // Time has come to `t`: every alive or suspect worker silent past its limit is dead.
  Failover Tick(Clock::time_point t, RoundEngine* round);

  // How long `worker` may be silent now (startup while not ready, else silence).
  Clock::duration Limit(int worker) const;
  const LivenessPolicy& policy() const { return policy_; }

 private:
  void Fail(int worker, std::string reason, RoundEngine* round, Failover* out);

  WorkerRegistry* registry_;
  LivenessPolicy policy_;
};

}  // namespace fedcarbon::server
