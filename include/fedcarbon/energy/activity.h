// Activity (what happened) and Cost (what it cost), kept apart: pricing is a pure function of
// activity + profiles, so a run can be re-priced for another country, device, PUE or network
// model without retraining.
#pragma once

#include <cstdint>
#include <string>

namespace fedcarbon::energy {

// What one party did in one round (or a whole centralized run). No prices here.
struct Activity {
  uint64_t flops = 0;       // exact training (+ evaluation, for the coordinator) FLOPs
  int64_t samples = 0;      // samples processed
  uint64_t bytes_down = 0;  // bytes received (serialized messages, as sent on the wire)
  uint64_t bytes_up = 0;    // bytes sent
  double compute_s = 0.0;   // measured wall seconds of compute on the host that ran it
  double wall_s = 0.0;      // measured wall seconds of the whole round for this party
  int threads = 1;          // training threads the compute ran on (train.threads), >= 1
  // Steps the FLOPs came in: optimizer steps of training, forward batches of an evaluation. The
  // step model prices each step at least its device's launch/framework overhead (catalog.h,
  // StepFor). 0: unknown (a ledger written before steps were recorded): priced by arithmetic only.
  int64_t steps = 0;
};

// What it cost, in CodeCarbon's units (kWh, kg CO2e).
struct Cost {
  double compute_s = 0.0;  // modelled seconds on the priced device
  double comm_s = 0.0;     // modelled transfer seconds
  double compute_energy_kwh = 0.0;
  double comm_energy_kwh = 0.0;
  double energy_kwh = 0.0;                  // compute + comm (PUE included where it applies)
  double carbon_intensity_g_per_kwh = 0.0;  // of the country priced
  double emissions_kg = 0.0;                // energy_kwh * intensity / 1000 (operational)
  // Embodied (scope 3): the device's manufacturing footprint for the modelled seconds of use,
  // (compute_s + comm_s) / 3600 * DeviceProfile::embodied_g_per_h / 1000. Kept apart from
  // emissions_kg: Table 4 and every "emissions" total are operational, as in the paper.
  double embodied_kg = 0.0;
};

// Whom to price as: a device profile name, a country (ISO 3166 alpha-3 such as "USA", or name),
// a network model ("qiu" or "intensity") and a PUE (0: the profile's own default; edge devices 1).
struct PricingTarget {
  std::string device = "jetson_tx2";
  std::string country = "USA";
  std::string network = "qiu";
  double pue = 0.0;
};

}  // namespace fedcarbon::energy
