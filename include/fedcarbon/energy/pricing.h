// Pricing: a pure function of (activity, catalog, target) -> cost. No clocks, no files, no state,
// so a ledger's activity can be re-priced for another country, device, PUE or network model
// and give exactly the same numbers as pricing it fresh.
//
// Formulas (docs/methodology.md cites every constant):
//   compute_s   = flops / throughput            (host profile: the measured activity.compute_s)
//   E_compute   = compute_s * ComputePowerW(device, activity) * PUE / 3.6e6, where
//                 ComputePowerW = P_proc * (host: threads, else 1) + P_cpu + ram_gb * W/GB and
//                 P_proc = P_idle + u * (P_active - P_idle) (catalog.h, DeviceProfile)
//                 PUE = target.pue if > 0, else the profile's default; edge devices: always 1
//                 (target.pue is ignored for them: no cooling plant)
//   qiu:        comm_s = 8 * bytes_up / (up_Mbps * 1e6) + 8 * bytes_down / (down_Mbps * 1e6)
//               E_comm = comm_s * (router_w + device_w) / 3.6e6
//   intensity:  E_comm = (bytes_up + bytes_down) / 1e9 * kwh_per_gb            (comm_s = 0)
//   emissions_kg = (E_compute + E_comm) * intensity_g_per_kwh / 1000
//   embodied_kg  = (compute_s + comm_s) / 3600 * embodied_g_per_h / 1000   (scope 3, apart)
//
// Thread safety: pure functions.
#pragma once

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/activity.h"
#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::energy {

// The power drawn while `activity` computes on `device`, W, before PUE (formula above).
double ComputePowerW(const DeviceProfile& device, const Activity& activity);

// ComputePowerW's parts, W before PUE: the processor (host: per core times activity.threads),
// the host CPU share beside it (cpu_w) and memory. ComputePowerW is total_w(); the CodeCarbon
// export splits compute energy by these parts.
struct PowerParts {
  double processor_w = 0.0;
  double cpu_w = 0.0;
  double ram_w = 0.0;
  double total_w() const { return processor_w + cpu_w + ram_w; }
};
PowerParts ComputePowerParts(const DeviceProfile& device, const Activity& activity);

// Resolved pieces of a target (what Price looks up by name), for callers pricing many rows.
struct ResolvedTarget {
  DeviceProfile device;
  Country country;
  NetworkModel network;
  double pue = 1.0;  // the PUE actually applied
};

// Looks up device, country and network by name; errors name the bad value. Fails when
// target.pue is negative or in (0, 1).
Result<ResolvedTarget> Resolve(const Catalog& catalog, const PricingTarget& target);

// Prices `activity` on a resolved target. Always succeeds.
Cost PriceResolved(const Activity& activity, const ResolvedTarget& target);

// The same at another grid intensity than the country's annual figure (an hourly trace's mean
// over the interval the work ran in, gCO2e/kWh): only the emissions differ.
Cost PriceAt(const Activity& activity, const ResolvedTarget& target, double intensity_g_per_kwh);

// Resolve + PriceResolved.
Result<Cost> Price(const Catalog& catalog, const Activity& activity, const PricingTarget& target);

// Field-wise sum; carbon_intensity_g_per_kwh of the sum is the energy-weighted mean
// (emissions / energy * 1000; 0 when energy is 0).
Cost operator+(const Cost& a, const Cost& b);
Cost& operator+=(Cost& a, const Cost& b);
Activity operator+(const Activity& a, const Activity& b);
Activity& operator+=(Activity& a, const Activity& b);

}  // namespace fedcarbon::energy
