// How a round ends in simulated time (FedScale's over-commitment): every asked client's job
// starts at the round's start; a client that goes offline mid-job is lost when it does; the
// others' results arrive at start + their job's time, and the first `keep` arrivals (ties by
// client id) within the deadline are aggregated. Later arrivals are late: their work is wasted.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <span>

#include "fedcarbon/simtime/world.h"

namespace fedcarbon::simtime {

struct Job {
  int client = -1;
  double start = 0.0;                      // unix seconds
  JobTimes times;                          // its full job
  std::optional<double> offline_fraction;  // World::Dropout: goes offline this far into it
};

enum class Fate { kKept, kLate, kOffline };

struct ClosedRound {
  struct Outcome {
    Fate fate = Fate::kKept;
    double end = 0.0;  // arrival, or the moment it went offline
  };
  std::map<int, Outcome> jobs;  // by client
  int kept = 0;
  // When the round closes: the keep-th arrival; with fewer kept, the deadline when a result
  // missed it, else the last arrival or loss.
  double end = 0.0;
};

// `deadline_s` 0: none.
ClosedRound CloseRound(std::span<const Job> jobs, int keep, double start, double deadline_s);

}  // namespace fedcarbon::simtime
