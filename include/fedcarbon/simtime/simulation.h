// Simulation: what a coordinator needs to run a federation in simulated time, in one owner: the
// embedded hourly grid traces, every row's pricing target (energy::RunTargets), the World made
// of them, and the clock.
//
// Ownership: owns all of it; the World points into this object, so it is neither copied nor
// moved (held by unique_ptr). Thread safety: one thread (the coordinator's).
#pragma once

#include <memory>
#include <optional>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/run_targets.h"
#include "fedcarbon/simtime/world.h"

namespace fedcarbon::simtime {

class Simulation {
 public:
  // The default catalog and grid; `cfg` must outlive the simulation. Errors name the config key (an
  // unknown device, country or zone, a bad time.start, a bad trace file).
  static Result<std::unique_ptr<Simulation>> Create(const config::ExperimentConfig& cfg);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const energy::RunTargets& targets() const { return targets_; }
  const energy::GridIntensity& grid() const { return grid_; }
  const World& world() const { return *world_; }

  double now() const { return now_; }  // unix seconds; starts at time.start
  void AdvanceTo(double t) { now_ = t > now_ ? t : now_; }
  // The earliest the next round may start: now, or the last round's start plus
  // federation.round_interval_s when that is later.
  double EarliestRoundStart(double round_interval_s) const {
    return has_started_ && last_start_ + round_interval_s > now_ ? last_start_ + round_interval_s
                                                                 : now_;
  }
  void RoundStarted(double t) {
    last_start_ = t;
    has_started_ = true;
  }

  // The clock's whole state, for a coordinator's checkpoint: now, the last round's start and
  // whether a round has started (unix seconds).
  struct ClockState {
    double now = 0.0;
    double last_start = 0.0;
    bool has_started = false;
  };
  ClockState clock() const { return {now_, last_start_, has_started_}; }
  // Continues from a saved clock (a resumed run).
  void set_clock(const ClockState& c) {
    now_ = c.now;
    last_start_ = c.last_start;
    has_started_ = c.has_started;
  }

 private:
  Simulation() = default;
  energy::GridIntensity grid_;
  energy::RunTargets targets_;
  std::optional<World> world_;
  double now_ = 0.0;
  double last_start_ = 0.0;
  bool has_started_ = false;
};

}  // namespace fedcarbon::simtime
