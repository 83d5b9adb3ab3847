// The coordinator's round in simulated time: when it starts and whom it asks (availability,
// time shifting, carbon-aware selection), and how it closes (over-commitment, deadline,
// clients going offline), with every client row priced over its simulated interval.
#include <spdlog/spdlog.h>

#include "coordinator_impl.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/common/utc_time.h"
#include "fedcarbon/simtime/round_close.h"
#include "fedcarbon/simtime/selection.h"

namespace fedcarbon::server {
namespace {

constexpr double kOnlineHorizonS = 7 * 24 * 3600.0;  // how long a round waits for anyone online

const char* StatusOf(simtime::Fate f) {
  switch (f) {
    case simtime::Fate::kKept:
      return "used";
    case simtime::Fate::kLate:
      return "late";
    case simtime::Fate::kOffline:
      return "offline";
  }
  return "used";
}

}  // namespace

Result<std::vector<int>> Coordinator::SelectInSimTime(int round, const std::vector<int>& eligible,
                                                      double* sim_start, double* shift_h) {
  const simtime::World& world = sim_->world();
  sim_->AdvanceTo(sim_->EarliestRoundStart(cfg_.federation.round_interval_s));
  const double before = sim_->now();  // the pacing interval is not a wait
  const std::optional<double> online =
      simtime::NextOnline(world, eligible, 1, sim_->now(), kOnlineHorizonS);
  if (!online)
    return Status::Unavailable("no client is online within 7 days of " + FormatUtcTime(before) +
                               " (clients.availability)");
  double t = *online;
  if (cfg_.time.max_shift_h >= 1.0) {
    int online_now = 0;
    for (int c : eligible) online_now += world.Online(c, t) ? 1 : 0;
    const int need = std::min(simtime::AskCount(cfg_.federation), online_now);
    t = simtime::ShiftedStart(world, eligible, need, t, cfg_.time.max_shift_h);
  }
  sim_->AdvanceTo(t);
  sim_->RoundStarted(t);
  *sim_start = t;
  *shift_h = (t - before) / 3600.0;
  if (*shift_h > 0.0)
    spdlog::info("round {}: starts {:.2f} h later in simulated time, at {}", round, *shift_h,
                 FormatUtcTime(t));
  return simtime::SelectRound(world, cfg_.federation, eligible, t,
                              DeriveSeed(cfg_.seed, {static_cast<uint64_t>(Stream::kSelection),
                                                     static_cast<uint64_t>(round)}));
}

double Coordinator::CloseInSimTime() {
  RoundState& rs = *round_;
  const simtime::World& world = sim_->world();
  std::vector<simtime::Job> jobs;
  for (const auto& [client, accepted] : rs.accepted)
    jobs.push_back({client, rs.sim_start, world.Times(client, accepted.row.activity),
                    world.Dropout(client, rs.engine.round())});
  const simtime::ClosedRound closed = simtime::CloseRound(jobs, cfg_.federation.clients_per_round,
                                                          rs.sim_start, cfg_.federation.deadline_s);

  const auto add_start = Clock::now();
  for (const simtime::Job& job : jobs) {  // client order: the mean is the same on every run
    RoundState::Accepted& accepted = rs.accepted[job.client];
    const simtime::ClosedRound::Outcome& outcome = closed.jobs.at(job.client);
    energy::LedgerRow row = std::move(accepted.row);
    if (outcome.fate == simtime::Fate::kOffline) {
      row.activity = simtime::DoneBy(row.activity, job.times, outcome.end - job.start);
      ++rs.offline;
    } else if (outcome.fate == simtime::Fate::kLate) {
      ++rs.late;
    } else {
      model_->Add(accepted.update, accepted.weight);
    }
    row.status = StatusOf(outcome.fate);
    row.sim_start = job.start;
    row.sim_end = outcome.end;
    if (const energy::Zone* z = sim_->targets().client_zone(job.client)) row.zone = z->id;
    const energy::IntervalIntensity intensity =
        world.ClientIntensity(job.client, row.sim_start, row.sim_end);
    row.intensity_source = intensity.hourly ? "hourly" : "annual";
    row.cost =
        energy::PriceAt(row.activity, sim_->targets().client(job.client), intensity.g_per_kwh);
    rs.client_rows.push_back(std::move(row));
  }
  rs.add_s += std::chrono::duration<double>(Clock::now() - add_start).count();
  rs.accepted.clear();
  rs.sim_close = jobs.empty() ? rs.sim_start : closed.end;
  sim_->AdvanceTo(rs.sim_close);
  return rs.sim_close;
}

}  // namespace fedcarbon::server
