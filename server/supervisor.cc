// Supervisor (see include/fedcarbon/server/supervisor.h).
#include "fedcarbon/server/supervisor.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace fedcarbon::server {
namespace {

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

bool Watched(WorkerState s) { return s == WorkerState::kAlive || s == WorkerState::kSuspect; }

}  // namespace

LivenessPolicy LivenessPolicy::For(double heartbeat_s, double join_timeout_s) {
  LivenessPolicy p;
  p.silence = Seconds(std::max(kSilentPeriods * heartbeat_s, kMinSilenceS));
  p.startup = std::max(Seconds(join_timeout_s), p.silence);
  return p;
}

Supervisor::Supervisor(WorkerRegistry* registry, LivenessPolicy policy)
    : registry_(registry), policy_(policy) {}

bool Supervisor::Heard(int worker, Clock::time_point t) {
  registry_->worker(worker).ready = true;
  return registry_->Touch(worker, t);
}

Clock::duration Supervisor::Limit(int worker) const {
  return registry_->workers()[worker].ready ? policy_.silence : policy_.startup;
}

Failover Supervisor::Disconnected(int worker, RoundEngine* round) {
  Failover out;
  if (registry_->assigned() && Watched(registry_->workers()[worker].state))
    Fail(worker, "its connection closed", round, &out);
  return out;
}

Failover Supervisor::Tick(Clock::time_point t, RoundEngine* round) {
  Failover out;
  if (!registry_->assigned()) return out;
  for (size_t i = 0; i < registry_->workers().size(); ++i) {
    const int w = static_cast<int>(i);
    const WorkerInfo& info = registry_->workers()[i];
    if (!Watched(info.state)) continue;
    const Clock::duration silent = t - info.last_seen;
    if (silent <= Limit(w)) continue;
    Fail(w,
         fmt::format("silent for {:.1f} s{}", std::chrono::duration<double>(silent).count(),
                     info.ready ? "" : " since its Welcome"),
         round, &out);
  }
  return out;
}

void Supervisor::Fail(int worker, std::string reason, RoundEngine* round, Failover* out) {
  Failover::Death death;
  death.worker = worker;
  death.reason = std::move(reason);
  const size_t hosted = registry_->workers()[worker].clients.size();
  // A receiver of an earlier death that is dead too gets no Welcome.
  out->welcome.erase(std::remove(out->welcome.begin(), out->welcome.end(), worker),
                     out->welcome.end());
  for (int w : registry_->MarkDead(worker))
    if (w != worker && std::find(out->welcome.begin(), out->welcome.end(), w) == out->welcome.end())
      out->welcome.push_back(w);
  death.orphaned = static_cast<int>(registry_->workers()[worker].clients.size());
  death.moved = static_cast<int>(hosted) - death.orphaned;
  if (round) {
    const int before = round->redealt();
    auto host = [this](int client) {
      const int w = registry_->WorkerOf(client);
      return w >= 0 && registry_->workers()[w].state == WorkerState::kAlive ? w : -1;
    };
    for (const SendRequest& s : round->Redeal(worker, host, &out->dropped))
      out->requests.push_back(s);
    death.redealt = round->redealt() - before;
  }
  out->dead.push_back(std::move(death));
}

}  // namespace fedcarbon::server
