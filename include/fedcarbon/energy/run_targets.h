// RunTargets: who is priced how in one run, a pure function of its config. Every client's device
// and country come from cfg.clients (Assignment::Resolve with the independent seeds
// DeriveSeed(seed, {kAssignment, 1}) for devices and {kAssignment, 2} for countries, so that
// with proportions on both the device a client gets says nothing about its country), its network
// from cfg.energy.network; the coordinator's target from cfg.energy.coordinator_*. A client's
// "country" may also be a grid zone with an hourly trace ("US-CAL-CISO"): it is then priced in
// the zone's country (annual figure, network speeds) and has that zone; a country whose only
// trace covers it whole (FRA -> FR, GridIntensity::DefaultZoneOf) has that zone too. Each distinct
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
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {

class RunTargets {
 public:
  // Errors name the config key: an unknown device, country or network, a bad PUE, or an
  // assignment that does not cover federation.num_clients clients.
  // `grid` (not owned, may be null: no zones) supplies the zones.
  static Result<RunTargets> Resolve(const Catalog& catalog, const config::ExperimentConfig& cfg,
                                    const GridIntensity* grid = nullptr);

  int num_clients() const { return static_cast<int>(of_client_.size()); }
  // The target of client `id` in [0, num_clients()).
  const ResolvedTarget& client(int id) const { return distinct_[of_client_.at(id)]; }
  const ResolvedTarget& coordinator() const { return coordinator_; }
  // The zone with an hourly trace client `id` (or the coordinator) is in; nullptr: none.
  const Zone* client_zone(int id) const;
  const Zone* coordinator_zone() const { return zone_index(coordinator_zone_); }
  // Catalog::id() of the catalog the targets were resolved in (recorded on every ledger row).
  const std::string& catalog_id() const { return catalog_id_; }

 private:
  std::vector<ResolvedTarget> distinct_;  // one per distinct (device, country)
  std::vector<int> of_client_;            // client id -> index into distinct_
  std::vector<int> zone_of_distinct_;     // distinct_ index -> index into zones_, or -1
  std::vector<Zone> zones_;               // copies of the zones clients are in
  ResolvedTarget coordinator_;
  std::string catalog_id_;
  int coordinator_zone_ = -1;
  const Zone* zone_index(int i) const { return i < 0 ? nullptr : &zones_[i]; }
};

}  // namespace fedcarbon::energy
