// Pricing: a pure function of (activity, catalog, target) -> cost. No clocks, no files, no state,
// so a ledger's activity can be re-priced for another country, device, PUE or network model
// and give exactly the same numbers as pricing it fresh.
//
// Formulas (docs/methodology.md cites every constant):
//   compute_s   = ModelledTime (below): the step model, one rule for every model and device
//   E_compute   = compute_s * ComputePowerW(device, activity) * PUE / 3.6e6, where
//                 ComputePowerW = P_proc(u) * (host: threads, else 1) + P_cpu + ram_gb * W/GB and
//                 P_proc(u) = P_idle + u * (P_active - P_idle), or the nameplate power under
//                 PowerMethod::kNameplate (catalog.h, DeviceProfile::ProcessorPowerW)
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

// The modelled seconds of `activity`'s compute on `device` and the share u of them the processor
// executes:
//   host with measured seconds:  compute_s = activity.compute_s, u = 1
//   step model (peak_flops > 0):  t_arith = flops / (peak_flops * efficiency),
//                                 compute_s = max(t_arith, steps * step_overhead_s)
//                                 (= steps x max(mean step arithmetic, overhead)),
//                                 u = t_arith / compute_s (1 when compute_s is 0)
//   direct throughput:            compute_s = flops / throughput_flops, u = 1
// flops and steps are the code's own counts (models::TrainWork, EvalStats), so the MLP, the CNN
// and any other model are priced by the same rule.
struct DeviceTime {
  double compute_s = 0.0;
  double busy_fraction = 1.0;
};
DeviceTime ModelledTime(const DeviceProfile& device, const Activity& activity);

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
