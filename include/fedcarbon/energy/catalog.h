// The catalog of pricing constants: device profiles, countries and network models, read from the
// JSON data files shipped in sim/energy/data/ (embedded into the binary at build time, so a worker
// on another host needs no extra files). $FEDCARBON_CATALOG=DIR (a folder holding countries.json,
// devices.json and networks.json) overrides the embedded copy. Every constant in those files has
// a unit, year and source, or is a named assumption; docs/methodology.md explains each one.
//
// Thread safety: a Catalog is an immutable value once built; share it freely between threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::energy {

// How a processor's power is priced (docs/methodology.md section 4; `--method`):
//  kFitted     P_proc = idle_w + u * (active_w - idle_w), u the share of the modelled time the
//              processor executes (StepFor, pricing.h): the linear utilisation model, whose
//              data-center parameters are fit to measured GPU power (docs/gpu_fit.md).
//  kNameplate  P_proc = nameplate_w for the whole modelled time (usage factor 1): the method of
//              the ML CO2 Impact calculator (Lacoste et al. 2019) and of Green Algorithms.
// Step time, host power, memory, PUE and communication are the same under both.
enum class PowerMethod { kFitted, kNameplate };
// "fitted" | "nameplate"; InvalidArgument naming the text otherwise.
Result<PowerMethod> ParsePowerMethod(const std::string& text);
const char* PowerMethodName(PowerMethod method);

// A piece of hardware that trains (a data-center GPU server, an edge device, or this host).
//
// Time: a step model (peak_flops > 0: t_step = max(step FLOPs / (peak_flops * efficiency),
// step_overhead_s)) or a direct throughput (throughput_flops, busy the whole time). Power while
// training: ProcessorPowerW(u) under the catalog's PowerMethod, beside it a data-center host
// draws cpu_w and memory.
struct DeviceProfile {
  std::string name;          // "v100", "jetson_tx2", "host", ...
  std::string kind;          // "datacenter" | "edge" | "host"
  std::string processor;     // what trains: "gpu" | "cpu" (CodeCarbon's power columns)
  double active_w = 0.0;     // processor power when fully busy (TDP for GPUs), W, > 0;
                             // host: per training thread (one core)
  double idle_w = 0.0;       // processor power when idle, W, [0, active_w]
  double nameplate_w = 0.0;  // the datasheet's maximum (TDP), W; active_w when not given
  // The step model: peak_flops > 0. Else throughput_flops is a direct rate, busy all the time.
  double peak_flops = 0.0;        // processor peak fp32 FLOP/s
  double efficiency = 1.0;        // share of the peak a step's arithmetic reaches, (0, 1]
  double step_overhead_s = 0.0;   // launch/framework time per step, s (overlaps the arithmetic)
  double throughput_flops = 0.0;  // direct FLOP/s (no step model), > 0 when peak_flops is 0
  PowerMethod power_method = PowerMethod::kFitted;  // the catalog's method

  double default_pue = 1.0;         // datacenter: the profile's PUE when the target says 0; else 1
  double cpu_w = 0.0;               // datacenter/host: host CPU share drawn alongside, W, >= 0
  double ram_gb = 0.0;              // datacenter/host: memory priced at memory_w_per_gb, >= 0
  double memory_w_per_gb = 0.3725;  // W per GB of memory (Green Algorithms)
  // Embodied (scope 3) carbon: manufacturing footprint amortised over lifetime and duty cycle,
  // gCO2e per hour of use: manufacturing_kg * 1000 / (lifetime_years * 8760 * duty_cycle).
  double embodied_g_per_h = 0.0;
  std::string source;      // where the power figures come from
  std::string assumption;  // how throughput (and any unsourced value) was derived

  bool is_datacenter() const { return kind == "datacenter"; }
  bool is_host() const { return kind == "host"; }
  bool has_step_model() const { return peak_flops > 0.0; }
  // The processor's draw while it executes a share `busy` in [0, 1] of the time, W (before PUE),
  // under power_method (see PowerMethod).
  double ProcessorPowerW(double busy) const {
    if (power_method == PowerMethod::kNameplate) return nameplate_w;
    return idle_w + busy * (active_w - idle_w);
  }
  // Memory, W.
  double RamPowerW() const { return ram_gb * memory_w_per_gb; }
};

// A country's grid and broadband.
struct Country {
  std::string iso3;                       // ISO 3166-1 alpha-3, "USA"
  std::string iso2;                       // ISO 3166-1 alpha-2, "US" (may be empty)
  std::string name;                       // "United States"
  double carbon_intensity_g_per_kwh = 0;  // gCO2e per kWh of electricity, > 0
  double download_mbps = 0.0;             // fixed broadband median download, Mbit/s, > 0
  double upload_mbps = 0.0;               // fixed broadband median upload, Mbit/s, > 0
  std::string intensity_source;           // source and year of the grid intensity
  std::string bandwidth_source;           // source and month/year of the speeds (or assumption)
  // Hours from UTC of the standard time of the country's most populous time zone, [-12, 14]
  // (named assumption: daylight saving time ignored). 0 when the data file omits it (WLD: 0).
  double utc_offset_h = 0.0;
};

// How communication is priced.
//  "qiu":       E = t_comm * (router_w + device_w), t_comm from bytes and the country's speeds.
//  "intensity": E = (bytes_up + bytes_down) / 1e9 * kwh_per_gb.
struct NetworkModel {
  std::string name;         // "qiu", "intensity", "intensity_ccf", ...
  std::string kind;         // "qiu" | "intensity"
  double router_w = 0.0;    // qiu: home router power attributed to the transfer, W
  double device_w = 0.0;    // qiu: the client's radio/NIC power while transferring, W
  double kwh_per_gb = 0.0;  // intensity: electricity per GB transferred, kWh/GB
  int year = 0;             // intensity: the year kwh_per_gb applies to
  std::string source;
  std::string assumption;
};

// The step model of a training profile (docs/methodology.md section 4): a step's arithmetic
// takes t_arith = step_flops / (peak * efficiency); launch and framework overhead overlaps it, so
// the step takes max(t_arith, overhead); the processor executes for the share t_arith / t_step.
// The same rule prices every model: step_flops is the code's own count (models::TrainWork).
struct StepModel {
  double arith_s = 0.0;           // arithmetic time of one step, s
  double step_s = 0.0;            // max(arith_s, overhead_s)
  double busy_fraction = 1.0;     // arith_s / step_s, (0, 1]
  double throughput_flops = 0.0;  // step_flops / step_s, FLOP/s
};
StepModel ModelStep(double step_flops, double peak_flops, double efficiency, double overhead_s);

// gCO2e per hour of use: manufacturing_kg * 1000 / (lifetime_years * 8760 h * duty_cycle).
double EmbodiedGramsPerHour(double manufacturing_kg, double lifetime_years, double duty_cycle);

// A number of the catalog with a documented range [lo, hi]: what `fedcarbon sensitivity` varies.
// value, lo and hi are in `unit` as written in the data file.
struct RangedValue {
  std::string name;     // "devices[v100].idle_w", "countries[USA].upload", "pue_presets.hyperscale"
  std::string pointer;  // JSON pointer to the value in document(): "/devices/0/idle_w/value"
  std::string unit;
  double value = 0.0, lo = 0.0, hi = 0.0;
  std::string provenance;  // the source, or "assumption: ..."
  // How `fedcarbon uncertainty` draws it, one rule for every value: "log-uniform" when lo > 0
  // and hi >= 3 lo (a range spanning a factor of 3 or more), else "uniform".
  std::string distribution = "uniform";
  // The values tied to this one ({"same_as": name} in the data file: one fact, such as a K80
  // host's cpu_w being the V100 host's), which move with it.
  std::vector<std::string> tied;
};

class Catalog {
 public:
  // The embedded data files, or the folder named by $FEDCARBON_CATALOG when it is set.
  static Result<Catalog> Default();
  // From one document {"devices": [...], "countries": [...], "networks": [...]} or the three
  // files' documents merged; validates every entry (errors name the entry and field).
  static Result<Catalog> FromJson(const nlohmann::json& j);
  // Reads DIR/countries.json, DIR/devices.json, DIR/networks.json.
  static Result<Catalog> FromDirectory(const std::string& dir);

  // Exact name, case-insensitive. Errors list the known names:
  // "unknown device 'jetsn_tx2' (known: raspberry_pi_4, jetson_tx2, ...)".
  Result<DeviceProfile> Device(const std::string& name) const;
  // ISO alpha-3 or alpha-2 code or English name, case-insensitive ("fra", "FR", "France").
  Result<Country> FindCountry(const std::string& iso3_or_name) const;
  Result<NetworkModel> Network(const std::string& name) const;

  const std::vector<DeviceProfile>& devices() const { return devices_; }
  const std::vector<Country>& countries() const { return countries_; }
  const std::vector<NetworkModel>& networks() const { return networks_; }
  // Named PUE values ("global_average" 1.67, "hyperscale" 1.11, "uptime_2023" 1.58).
  const std::map<std::string, double>& pue_presets() const { return pue_presets_; }

  // The document it was built from (the merged data files, without "_doc").
  const nlohmann::json& document() const { return document_; }
  // Identifies the constants: "fnv1a64:<16 hex>" of the canonical document. Recorded in every
  // ledger row and summary, so a re-pricing can tell whether it uses the recording's catalog.
  const std::string& id() const { return id_; }
  // Every quantity with a documented range, in document order.
  const std::vector<RangedValue>& ranged() const { return ranged_; }
  // This catalog with the ranged value `name` set to `value` (its written unit), re-validated.
  // A value tied to it ({"same_as": name} in the data file) moves with it.
  Result<Catalog> WithValue(const std::string& name, double value) const;
  // The same for several values at once (one re-validation): the Monte Carlo's draws.
  Result<Catalog> WithValues(const std::vector<std::pair<std::string, double>>& values) const;
  // This catalog priced with `method` (recorded in the document, so the id differs).
  Result<Catalog> WithMethod(PowerMethod method) const;
  PowerMethod method() const { return method_; }

 private:
  nlohmann::json document_;
  std::string id_;
  std::vector<RangedValue> ranged_;
  PowerMethod method_ = PowerMethod::kFitted;
  std::map<std::string, double> pue_presets_;
  std::vector<DeviceProfile> devices_;
  std::vector<Country> countries_;
  std::vector<NetworkModel> networks_;
};

}  // namespace fedcarbon::energy
