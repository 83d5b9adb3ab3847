// Simulation (see include/fedcarbon/simtime/simulation.h).
#include "fedcarbon/simtime/simulation.h"

namespace fedcarbon::simtime {

Result<std::unique_ptr<Simulation>> Simulation::Create(const config::ExperimentConfig& cfg) {
  std::unique_ptr<Simulation> s(new Simulation());
  auto catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status().WithContext("energy catalog");
  auto grid = energy::GridIntensity::Default();
  if (!grid.ok()) return grid.status().WithContext("hourly grid intensity");
  s->grid_ = std::move(*grid);
  auto targets = energy::RunTargets::Resolve(*catalog, cfg, &s->grid_);
  if (!targets.ok()) return targets.status();
  s->targets_ = std::move(*targets);
  auto world = World::Create(cfg, &s->targets_, &s->grid_);
  if (!world.ok()) return world.status();
  s->world_.emplace(std::move(*world));
  s->now_ = s->world_->start();
  return s;
}

}  // namespace fedcarbon::simtime
