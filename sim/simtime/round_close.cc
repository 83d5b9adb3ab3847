// CloseRound (see include/fedcarbon/simtime/round_close.h).
#include "fedcarbon/simtime/round_close.h"

#include <algorithm>
#include <vector>

namespace fedcarbon::simtime {

ClosedRound CloseRound(std::span<const Job> jobs, int keep, double start, double deadline_s) {
  ClosedRound out;
  std::vector<std::pair<double, int>> arrivals;  // (arrival, client)
  double last = start;
  for (const Job& j : jobs) {
    if (j.offline_fraction) {
      const double end = j.start + *j.offline_fraction * j.times.total();
      out.jobs[j.client] = {Fate::kOffline, end};
      last = std::max(last, end);
    } else {
      arrivals.emplace_back(j.start + j.times.total(), j.client);
    }
  }
  std::sort(arrivals.begin(), arrivals.end());
  const double deadline = deadline_s > 0.0 ? start + deadline_s : INFINITY;
  for (const auto& [arrival, client] : arrivals) {
    const bool kept = out.kept < keep && arrival <= deadline;
    out.jobs[client] = {kept ? Fate::kKept : Fate::kLate, arrival};
    if (kept) {
      ++out.kept;
      out.end = arrival;  // ascending: the latest kept so far
    }
    last = std::max(last, arrival);
  }
  // Short of `keep`: the coordinator waits for the deadline while a result is still due, else
  // until every job has arrived or gone offline (a lost client's connection drops at once).
  if (out.kept < keep) out.end = static_cast<int>(arrivals.size()) > out.kept ? deadline : last;
  return out;
}

}  // namespace fedcarbon::simtime
