// FinishTrainResult: a TrainResult's activity and energy report, with exact byte counts (see
// include/fedcarbon/client/local_trainer.h).
#include <spdlog/spdlog.h>

#include "fedcarbon.pb.h"
#include "fedcarbon/client/local_trainer.h"

namespace fedcarbon::client {
namespace {

void SetCost(wire::proto::EnergyReport* e, const energy::Cost& c) {
  e->set_compute_s(c.compute_s);
  e->set_comm_s(c.comm_s);
  e->set_compute_energy_kwh(c.compute_energy_kwh);
  e->set_comm_energy_kwh(c.comm_energy_kwh);
  e->set_energy_kwh(c.energy_kwh);
  e->set_carbon_intensity_g_per_kwh(c.carbon_intensity_g_per_kwh);
  e->set_emissions_kg(c.emissions_kg);
}

}  // namespace

void FinishTrainResult(const LocalTrainer& trainer, int client, energy::Activity activity,
                       std::chrono::steady_clock::time_point start, wire::proto::Message* reply) {
  wire::proto::TrainResult* r = reply->mutable_train_result();
  wire::proto::Activity* a = r->mutable_activity();
  a->set_flops(activity.flops);
  a->set_samples(static_cast<uint64_t>(activity.samples));
  a->set_bytes_down(activity.bytes_down);
  a->set_compute_s(activity.compute_s);
  const energy::ResolvedTarget& target = trainer.Target(client);
  wire::proto::EnergyReport* e = r->mutable_energy();
  e->set_device(target.device.name);
  e->set_country(target.country.iso3);
  e->set_pue(target.pue);
  e->set_network(target.network.name);

  // Placeholders for every late field (present, fixed width), then the size, then the values.
  a->set_bytes_up(1);
  a->set_wall_s(0.0);
  SetCost(e, energy::Cost{});
  const size_t size = reply->ByteSizeLong();
  activity.bytes_up = size;
  activity.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  a->set_bytes_up(size);
  a->set_wall_s(activity.wall_s);
  auto cost = trainer.Price(client, activity);
  if (cost.ok()) SetCost(e, *cost);
  if (reply->ByteSizeLong() != size)  // cannot happen: every late field is fixed-width
    spdlog::error("TrainResult size changed while filling it in");
}

}  // namespace fedcarbon::client
