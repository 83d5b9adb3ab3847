// RunTargets (see include/fedcarbon/energy/run_targets.h).
#include "fedcarbon/energy/run_targets.h"

#include <map>
#include <utility>

#include "fedcarbon/common/seed.h"

namespace fedcarbon::energy {

namespace {

// A place name from the config: a zone id (its country and the zone) or a country.
struct Place {
  std::string country;
  const Zone* zone = nullptr;
};

Place PlaceOf(const std::string& name, const GridIntensity* grid) {
  if (grid) {
    if (const Zone* z = grid->FindZone(name)) return {z->country_iso3, z};
  }
  return {name, nullptr};
}

}  // namespace

Result<RunTargets> RunTargets::Resolve(const Catalog& catalog, const config::ExperimentConfig& cfg,
                                       const GridIntensity* grid) {
  RunTargets t;
  t.catalog_id_ = catalog.id();
  // The zone a resolved target is in: the named zone, else its country's default zone.
  const auto zone_for = [&](const Place& place, const ResolvedTarget& r) -> int {
    const Zone* z = place.zone;
    if (!z && grid) z = grid->DefaultZoneOf(r.country.iso3);
    if (!z) return -1;
    for (size_t i = 0; i < t.zones_.size(); ++i)
      if (t.zones_[i].id == z->id) return static_cast<int>(i);
    t.zones_.push_back(*z);
    return static_cast<int>(t.zones_.size()) - 1;
  };
  const Place coordinator_place = PlaceOf(cfg.energy.coordinator_country, grid);
  auto coordinator =
      energy::Resolve(catalog, {cfg.energy.coordinator_device, coordinator_place.country,
                                cfg.energy.network, cfg.energy.coordinator_pue});
  if (!coordinator.ok()) return coordinator.status().WithContext("energy.coordinator_*");
  t.coordinator_ = std::move(*coordinator);
  t.coordinator_zone_ = zone_for(coordinator_place, t.coordinator_);
  const int n = cfg.federation.num_clients;
  const uint64_t assignment = static_cast<uint64_t>(Stream::kAssignment);
  const std::vector<std::string> devices =
      cfg.clients.device.Resolve(n, DeriveSeed(cfg.seed, {assignment, 1}));
  const std::vector<std::string> countries =
      cfg.clients.countries.Resolve(n, DeriveSeed(cfg.seed, {assignment, 2}));
  if (static_cast<int>(devices.size()) != n || static_cast<int>(countries.size()) != n)
    return Status::InvalidArgument("clients.device / clients.countries do not resolve to " +
                                   std::to_string(n) + " clients");
  std::map<std::pair<std::string, std::string>, int> index;  // (device, country) -> distinct_
  t.of_client_.reserve(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) {
    auto [it, added] = index.emplace(std::make_pair(devices[c], countries[c]),
                                     static_cast<int>(t.distinct_.size()));
    if (added) {
      const Place place = PlaceOf(countries[c], grid);
      auto r = energy::Resolve(catalog, {devices[c], place.country, cfg.energy.network, 0.0});
      if (!r.ok()) {
        Status st = r.status();
        if (place.zone)
          st = st.WithContext("zone " + place.zone->id + " lies in " + place.country +
                              ", which the catalog does not have");
        return st.WithContext("clients");
      }
      t.zone_of_distinct_.push_back(zone_for(place, *r));
      t.distinct_.push_back(std::move(*r));
    }
    t.of_client_.push_back(it->second);
  }
  return t;
}

const Zone* RunTargets::client_zone(int id) const {
  return zone_index(zone_of_distinct_[of_client_.at(id)]);
}

}  // namespace fedcarbon::energy
