// RunTargets: who is priced how in one run, a pure function of its config. Every client's device
// and country come from cfg.clients (Assignment::Resolve with the independent seeds
// DeriveSeed(seed, {kAssignment, 1}) for devices and {kAssignment, 2} for countries, so that
// with proportions on both the device a client gets says nothing about its country), its network
// from cfg.energy.network; the coordinator's target from cfg.energy.coordinator_*. Each distinct
// (device, country) is resolved against the catalog once, here, and every ledger row of the run
// is priced through these targets (the coordinator prices client rows too: clients report
// activity only).
//
// Ownership: a value type; holds copies of the resolved catalog entries. Thread safety: const
// methods only after Resolve.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {

class RunTargets {
 public:
  // Errors name the config key: an unknown device, country or network, a bad PUE, or an
  // assignment that does not cover federation.num_clients clients.
  static Result<RunTargets> Resolve(const Catalog& catalog, const config::ExperimentConfig& cfg);

  int num_clients() const { return static_cast<int>(of_client_.size()); }
  // The target of client `id` in [0, num_clients()).
  const ResolvedTarget& client(int id) const { return distinct_[of_client_.at(id)]; }
  const ResolvedTarget& coordinator() const { return coordinator_; }

 private:
  std::vector<ResolvedTarget> distinct_;  // one per distinct (device, country)
  std::vector<int> of_client_;            // client id -> index into distinct_
  ResolvedTarget coordinator_;
};

}  // namespace fedcarbon::energy
