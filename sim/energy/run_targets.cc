// RunTargets (see include/fedcarbon/energy/run_targets.h).
#include "fedcarbon/energy/run_targets.h"

#include <map>
#include <utility>

#include "fedcarbon/common/seed.h"

namespace fedcarbon::energy {

Result<RunTargets> RunTargets::Resolve(const Catalog& catalog,
                                       const config::ExperimentConfig& cfg) {
  RunTargets t;
  auto coordinator =
      energy::Resolve(catalog, {cfg.energy.coordinator_device, cfg.energy.coordinator_country,
                                cfg.energy.network, cfg.energy.coordinator_pue});
  if (!coordinator.ok()) return coordinator.status().WithContext("energy.coordinator_*");
  t.coordinator_ = std::move(*coordinator);

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
      auto r = energy::Resolve(catalog, {devices[c], countries[c], cfg.energy.network, 0.0});
      if (!r.ok()) return r.status().WithContext("clients");
      t.distinct_.push_back(std::move(*r));
    }
    t.of_client_.push_back(it->second);
  }
  return t;
}

}  // namespace fedcarbon::energy
