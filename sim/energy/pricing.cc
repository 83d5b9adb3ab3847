// Pricing: activity -> cost, pure (see pricing.h for the formulas).
#include "fedcarbon/energy/pricing.h"

#include <algorithm>
#include <sstream>

namespace fedcarbon::energy {
namespace {

constexpr double kJoulesPerKwh = 3.6e6;

}  // namespace

DeviceTime ModelledTime(const DeviceProfile& d, const Activity& a) {
  DeviceTime t;
  const double flops = static_cast<double>(a.flops);
  if (d.is_host() && a.compute_s > 0.0) {
    t.compute_s = a.compute_s;  // the host prices what it measured
  } else if (d.has_step_model()) {
    // steps x max(mean step arithmetic, overhead) = max(total arithmetic, steps x overhead).
    const double arith_s = flops / (d.peak_flops * d.efficiency);
    t.compute_s = std::max(arith_s, static_cast<double>(a.steps) * d.step_overhead_s);
    t.busy_fraction = t.compute_s > 0.0 ? arith_s / t.compute_s : 1.0;
  } else {
    t.compute_s = flops / d.throughput_flops;
  }
  return t;
}

double ComputePowerW(const DeviceProfile& d, const Activity& a) {
  return ComputePowerParts(d, a).total_w();
}

Result<ResolvedTarget> Resolve(const Catalog& catalog, const PricingTarget& target) {
  ResolvedTarget r;
  Result<DeviceProfile> device = catalog.Device(target.device);
  if (!device.ok()) return device.status();
  Result<Country> country = catalog.FindCountry(target.country);
  if (!country.ok()) return country.status();
  Result<NetworkModel> network = catalog.Network(target.network);
  if (!network.ok()) return network.status();
  if (target.pue < 0.0 || (target.pue > 0.0 && target.pue < 1.0)) {
    std::ostringstream os;
    os << "pue " << target.pue << " must be 0 (profile default) or >= 1";
    return Status::InvalidArgument(os.str());
  }
  r.device = std::move(device).value();
  r.country = std::move(country).value();
  r.network = std::move(network).value();
  if (r.device.kind == "edge") {
    r.pue = 1.0;  // no cooling plant
  } else {
    r.pue = target.pue > 0.0 ? target.pue : r.device.default_pue;
  }
  return r;
}

Cost PriceResolved(const Activity& a, const ResolvedTarget& t) {
  return PriceAt(a, t, t.country.carbon_intensity_g_per_kwh);
}

Cost PriceAt(const Activity& a, const ResolvedTarget& t, double intensity_g_per_kwh) {
  Cost c;
  const DeviceProfile& d = t.device;
  c.compute_s = ModelledTime(d, a).compute_s;
  c.compute_energy_kwh = c.compute_s * ComputePowerW(d, a) * t.pue / kJoulesPerKwh;

  const double bytes_up = static_cast<double>(a.bytes_up);
  const double bytes_down = static_cast<double>(a.bytes_down);
  if (t.network.kind == "qiu") {
    c.comm_s = 8.0 * bytes_up / (t.country.upload_mbps * 1e6) +
               8.0 * bytes_down / (t.country.download_mbps * 1e6);
    c.comm_energy_kwh = c.comm_s * (t.network.router_w + t.network.device_w) / kJoulesPerKwh;
  } else {  // "intensity"
    c.comm_s = 0.0;
    c.comm_energy_kwh = (bytes_up + bytes_down) / 1e9 * t.network.kwh_per_gb;
  }
  c.energy_kwh = c.compute_energy_kwh + c.comm_energy_kwh;
  c.carbon_intensity_g_per_kwh = intensity_g_per_kwh;
  c.emissions_kg = c.energy_kwh * c.carbon_intensity_g_per_kwh / 1000.0;
  c.embodied_kg = (c.compute_s + c.comm_s) / 3600.0 * d.embodied_g_per_h / 1000.0;
  return c;
}

Result<Cost> Price(const Catalog& catalog, const Activity& activity, const PricingTarget& target) {
  Result<ResolvedTarget> r = Resolve(catalog, target);
  if (!r.ok()) return r.status();
  return PriceResolved(activity, *r);
}

Cost& operator+=(Cost& a, const Cost& b) {
  a.compute_s += b.compute_s;
  a.comm_s += b.comm_s;
  a.compute_energy_kwh += b.compute_energy_kwh;
  a.comm_energy_kwh += b.comm_energy_kwh;
  a.energy_kwh += b.energy_kwh;
  a.emissions_kg += b.emissions_kg;
  a.embodied_kg += b.embodied_kg;
  a.carbon_intensity_g_per_kwh = a.energy_kwh > 0.0 ? a.emissions_kg / a.energy_kwh * 1000.0 : 0.0;
  return a;
}

Cost operator+(const Cost& a, const Cost& b) {
  Cost out = a;
  out += b;
  return out;
}

Activity& operator+=(Activity& a, const Activity& b) {
  a.flops += b.flops;
  a.samples += b.samples;
  a.bytes_down += b.bytes_down;
  a.bytes_up += b.bytes_up;
  a.compute_s += b.compute_s;
  a.wall_s += b.wall_s;
  a.steps += b.steps;
  return a;
}

Activity operator+(const Activity& a, const Activity& b) {
  Activity out = a;
  out += b;
  return out;
}

PowerParts ComputePowerParts(const DeviceProfile& d, const Activity& a) {
  PowerParts p;
  // The host profile's processor power is per core: one core per training thread.
  p.processor_w = d.ProcessorPowerW(ModelledTime(d, a).busy_fraction) *
                  (d.is_host() ? std::max(a.threads, 1) : 1);
  p.cpu_w = d.cpu_w;
  p.ram_w = d.RamPowerW();
  return p;
}

}  // namespace fedcarbon::energy
