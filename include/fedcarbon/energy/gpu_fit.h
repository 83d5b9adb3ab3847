// Fits fedcarbon's data-center GPU step model (catalog.h ModelStep plus the linear power model of
// DeviceProfile) to measured epoch times and board powers: the Zeus NSDI'23 traces in
// sim/energy/data/gpu_power/ (`fedcarbon fit-gpu`, docs/gpu_fit.md).
//
// Per training step: t_arith = F_step / (peak * efficiency); overhead = seconds_per_kernel *
// kernels; t_step = max(t_arith, overhead); u = t_arith / t_step; P = P_floor + u * (P_full -
// P_floor). Free parameters: seconds_per_kernel, P_floor, P_full (shared by every network) and one
// efficiency per network. The loss is the sum over rows of squared log errors of epoch time and
// of average power (energy per sample = time * power / samples follows).
//
// Everything here is a pure function of its arguments except RunGpuFitFromDir, which reads the
// trace and workload files. Thread safety: values and free functions; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::energy {

// One row of a Zeus summary_power_<gpu>.csv.
struct PowerTraceRow {
  std::string dataset, network, optimizer;
  int batch_size = 0;
  double power_limit_w = 0.0;     // W
  double time_per_epoch_s = 0.0;  // s
  double average_power_w = 0.0;   // W, the GPU board only
  int line = 0;                   // 1-based line in the file (the header is line 1)
};

// Parses a power trace. Errors (Corruption) name `what`, the line and the column of a bad cell.
Result<std::vector<PowerTraceRow>> ParsePowerTrace(const std::string& text,
                                                   const std::string& what);

// One (dataset, network) pair of zeus_workloads.json.
struct GpuWorkload {
  std::string dataset, network;
  bool fit = false;
  std::string exclude_reason;      // when !fit
  double forward_flops = 0.0;      // FLOP per sample
  double samples_per_epoch = 0.0;  // samples
  double forward_ops = 0.0;        // framework ops of one forward pass
  double parameter_tensors = 0.0;  // tensors the optimizer updates
  std::string settings, flops_source, samples_source;
};

// The cards and the fedcarbon CNN: the numbers of zeus_workloads.json the fit uses.
struct GpuFitCatalog {
  double train_per_forward = 3.0;                   // training FLOPs / forward FLOPs
  double fwd_bwd_per_op = 3.0;                      // kernel launches per forward op (fwd + bwd)
  std::map<std::string, double> optimizer_kernels;  // per parameter tensor, by optimizer name
  std::vector<GpuWorkload> workloads;
  double v100_peak = 0.0, v100_nameplate_w = 0.0, v100_limit_w = 0.0;  // FLOP/s, W, W
  double p100_peak = 0.0, p100_limit_w = 0.0, p100_power_scale = 1.0;  // FLOP/s, W, ratio
  double k80_peak = 0.0, k80_peak_lo = 0.0, k80_peak_hi = 0.0;         // FLOP/s, one die
  double k80_die_w = 0.0, k80_die_w_lo = 0.0, k80_die_w_hi = 0.0;      // W
  double k80_bandwidth = 0.0, v100_bandwidth = 0.0;                    // B/s
  double k80_overhead_lo = 1.0, k80_overhead_hi = 1.0;                 // ratio
  double cnn_step_flops = 0.0, cnn_batch = 0.0, cnn_forward_ops = 0.0, cnn_parameter_tensors = 0.0;
  std::string cnn_optimizer, cnn_efficiency_from;

  // Kernel launches of one step: fwd_bwd_per_op * forward_ops + tensors * optimizer kernels.
  // NotFound when the optimizer is not listed.
  Result<double> Kernels(double forward_ops, double parameter_tensors,
                         const std::string& optimizer) const;
};

// Reads zeus_workloads.json (parsed). Errors name `what` and the key.
Result<GpuFitCatalog> ParseGpuFitCatalog(const nlohmann::json& doc, const std::string& what);

// A trace row turned into the quantities of one step.
struct GpuPoint {
  std::string dataset, network, optimizer;
  int batch = 0, line = 0;
  double step_flops = 0.0;       // FLOP per step
  double kernels = 0.0;          // launches per step
  double steps_per_epoch = 0.0;  // ceil(samples / batch)
  double samples_per_epoch = 0.0;
  double time_s = 0.0, power_w = 0.0;  // measured epoch time and average power
  // Measured energy per sample, J.
  double EnergyPerSampleJ() const { return time_s * power_w / samples_per_epoch; }
};

// The rows at `power_limit_w` of the workloads with fit = true; `excluded` gets one line per
// excluded (dataset, network) with its row count and reason. NotFound for a row whose pair is
// not in the catalog.
Result<std::vector<GpuPoint>> MakeGpuPoints(const std::vector<PowerTraceRow>& rows,
                                            const GpuFitCatalog& catalog, double power_limit_w,
                                            std::vector<std::string>* excluded);

// The fitted parameters; efficiency[i] belongs to networks[i] of the fit.
struct GpuParams {
  double seconds_per_kernel = 0.0;  // s per launch
  double p_floor_w = 0.0;           // W at u = 0
  double p_full_w = 0.0;            // W at u = 1
  std::vector<double> efficiency;   // fraction of peak fp32, (0, 1]
};

struct GpuStep {
  double arith_s = 0.0, overhead_s = 0.0, step_s = 0.0, utilisation = 0.0, power_w = 0.0;
  double EnergyJ() const { return step_s * power_w; }
};
// The step model. power_scale multiplies P_floor and P_full (another card's nameplate ratio).
GpuStep PredictGpuStep(double step_flops, double kernels, double peak_flops, double efficiency,
                       const GpuParams& p, double power_scale = 1.0);

struct GpuFitOptions {
  double peak_flops = 14.0e12;  // FLOP/s of the measured card (V100 PCIe)
  int resamples = 200;          // bootstrap resamples of the rows
  uint64_t seed = 1;            // bootstrap seed
  int max_evals = 6000;         // loss evaluations per Nelder-Mead run
  int restarts = 4;             // Nelder-Mead restarts from the best point so far
};

struct GpuFit {
  std::vector<std::string> networks;  // efficiency order
  GpuParams best;
  double loss = 0.0;            // at best
  std::vector<GpuParams> boot;  // one per resample
};

// Fits the points (deterministic for options.seed). InvalidArgument for no points or a bad
// option.
Result<GpuFit> FitGpuModel(const std::vector<GpuPoint>& points, const GpuFitOptions& options);

// The 5th and 95th percentiles of `values` (linear interpolation); {0, 0} for none.
std::pair<double, double> Percentile5To95(std::vector<double> values);

// ---- the report (gpu_fit_report.cc) ----
struct GpuRowResult {
  GpuPoint point;
  GpuStep step;
  double time_s = 0.0, power_w = 0.0;  // predicted epoch time and average power
  double energy_j = 0.0;               // predicted energy per sample
  double rel_err = 0.0;                // energy: predicted / measured - 1
};
struct Ranged {
  double value = 0.0, lo = 0.0, hi = 0.0;
};
struct GpuFitReport {
  GpuFitOptions options;
  GpuFitCatalog catalog;
  GpuFit fit;
  std::vector<std::string> excluded;
  std::vector<GpuRowResult> v100, p100;
  double v100_median = 0.0, v100_worst = 0.0, p100_median = 0.0, p100_worst = 0.0;  // |rel err|
  Ranged seconds_per_kernel, p_floor_w, p_full_w;
  std::vector<Ranged> efficiency;
  double cnn_kernels = 0.0;
  Ranged cnn_step_s, cnn_power_w, cnn_energy_j, cnn_utilisation;  // V100, batch-10 step
  // K80 (derived): parameters and the CNN's step on one GK210 die.
  Ranged k80_seconds_per_kernel, k80_efficiency, k80_p_floor_w, k80_p_full_w;
  Ranged k80_step_s, k80_power_w, k80_energy_j;
};

// The whole analysis from file contents (pure): the V100 and P100 traces and the workloads.
Result<GpuFitReport> RunGpuFit(const std::string& v100_csv, const std::string& p100_csv,
                               const nlohmann::json& workloads, const GpuFitOptions& options);
// Reads DIR/zeus_nsdi23/summary_power_{v100,p100}.csv and DIR/zeus_workloads.json.
Result<GpuFitReport> RunGpuFitFromDir(const std::string& dir, const GpuFitOptions& options);

std::string FormatGpuFitMarkdown(const GpuFitReport& report);
std::string FormatGpuFitCsv(const GpuFitReport& report);  // one line per row, V100 then P100

}  // namespace fedcarbon::energy
