// RunGpuFit (the analysis: fit, held-out check, the CNN and the K80 derived from the fit) and its
// markdown and CSV text.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/energy/gpu_fit.h"

namespace fedcarbon::energy {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Predicted rows for `points` with the efficiencies of `fit` (by network name).
std::vector<GpuRowResult> Predict(const std::vector<GpuPoint>& points, const GpuFit& fit,
                                  double peak, double power_scale) {
  std::vector<GpuRowResult> out;
  for (const GpuPoint& q : points) {
    auto it = std::find(fit.networks.begin(), fit.networks.end(), q.network);
    if (it == fit.networks.end()) continue;
    GpuRowResult r;
    r.point = q;
    r.step = PredictGpuStep(q.step_flops, q.kernels, peak,
                            fit.best.efficiency[static_cast<size_t>(it - fit.networks.begin())],
                            fit.best, power_scale);
    r.time_s = r.step.step_s * q.steps_per_epoch;
    r.power_w = r.step.power_w;
    r.energy_j = r.time_s * r.power_w / q.samples_per_epoch;
    r.rel_err = r.energy_j / q.EnergyPerSampleJ() - 1.0;
    out.push_back(std::move(r));
  }
  return out;
}

void Summarise(const std::vector<GpuRowResult>& rows, double* median, double* worst) {
  std::vector<double> e;
  for (const GpuRowResult& r : rows) e.push_back(std::fabs(r.rel_err));
  *median = Median(e);
  *worst = e.empty() ? 0.0 : *std::max_element(e.begin(), e.end());
}

Ranged Boot(double value, const std::vector<GpuParams>& boot,
            const std::function<double(const GpuParams&)>& f) {
  std::vector<double> v;
  for (const GpuParams& p : boot) v.push_back(f(p));
  const auto [lo, hi] = Percentile5To95(v);
  return {value, std::min(lo, value), std::max(hi, value)};
}

std::string Fmt(const Ranged& r, double scale, const char* spec) {
  return fmt::format(
      fmt::runtime(std::string("{:") + spec + "} [{:" + spec + "}, {:" + spec + "}]"),
      r.value * scale, r.lo * scale, r.hi * scale);
}

}  // namespace

Result<GpuFitReport> RunGpuFit(const std::string& v100_csv, const std::string& p100_csv,
                               const nlohmann::json& workloads, const GpuFitOptions& options) {
  GpuFitReport rep;
  rep.options = options;
  Result<GpuFitCatalog> cat = ParseGpuFitCatalog(workloads, "zeus_workloads.json");
  if (!cat.ok()) return cat.status();
  rep.catalog = *cat;
  const GpuFitCatalog& c = rep.catalog;
  rep.options.peak_flops = c.v100_peak;
  Result<std::vector<PowerTraceRow>> v = ParsePowerTrace(v100_csv, "summary_power_v100.csv");
  if (!v.ok()) return v.status();
  Result<std::vector<PowerTraceRow>> p = ParsePowerTrace(p100_csv, "summary_power_p100.csv");
  if (!p.ok()) return p.status();
  Result<std::vector<GpuPoint>> vp = MakeGpuPoints(*v, c, c.v100_limit_w, &rep.excluded);
  if (!vp.ok()) return vp.status().WithContext("summary_power_v100.csv");
  Result<std::vector<GpuPoint>> pp = MakeGpuPoints(*p, c, c.p100_limit_w, nullptr);
  if (!pp.ok()) return pp.status().WithContext("summary_power_p100.csv");
  Result<GpuFit> fit = FitGpuModel(*vp, rep.options);
  if (!fit.ok()) return fit.status();
  rep.fit = std::move(*fit);
  const GpuFit& f = rep.fit;
  rep.v100 = Predict(*vp, f, c.v100_peak, 1.0);
  rep.p100 = Predict(*pp, f, c.p100_peak, c.p100_power_scale);
  Summarise(rep.v100, &rep.v100_median, &rep.v100_worst);
  Summarise(rep.p100, &rep.p100_median, &rep.p100_worst);

  rep.seconds_per_kernel = Boot(f.best.seconds_per_kernel, f.boot,
                                [](const GpuParams& q) { return q.seconds_per_kernel; });
  rep.p_floor_w = Boot(f.best.p_floor_w, f.boot, [](const GpuParams& q) { return q.p_floor_w; });
  rep.p_full_w = Boot(f.best.p_full_w, f.boot, [](const GpuParams& q) { return q.p_full_w; });
  for (size_t i = 0; i < f.networks.size(); ++i) {
    rep.efficiency.push_back(
        Boot(f.best.efficiency[i], f.boot, [i](const GpuParams& q) { return q.efficiency[i]; }));
  }

  // The CNN on the V100: its efficiency is that of cnn_efficiency_from.
  auto src = std::find(f.networks.begin(), f.networks.end(), c.cnn_efficiency_from);
  if (src == f.networks.end())
    return Status::Corruption("zeus_workloads.json: fedcarbon_cnn.efficiency_from '" +
                              c.cnn_efficiency_from + "' is not a fitted network");
  const size_t ei = static_cast<size_t>(src - f.networks.begin());
  Result<double> k = c.Kernels(c.cnn_forward_ops, c.cnn_parameter_tensors, c.cnn_optimizer);
  if (!k.ok()) return k.status().WithContext("zeus_workloads.json: fedcarbon_cnn");
  rep.cnn_kernels = *k;
  auto cnn = [&](const GpuParams& q) {
    return PredictGpuStep(c.cnn_step_flops, rep.cnn_kernels, c.v100_peak, q.efficiency[ei], q);
  };
  const GpuStep best = cnn(f.best);
  rep.cnn_step_s = Boot(best.step_s, f.boot, [&](const GpuParams& q) { return cnn(q).step_s; });
  rep.cnn_power_w = Boot(best.power_w, f.boot, [&](const GpuParams& q) { return cnn(q).power_w; });
  rep.cnn_energy_j =
      Boot(best.EnergyJ(), f.boot, [&](const GpuParams& q) { return cnn(q).EnergyJ(); });
  rep.cnn_utilisation =
      Boot(best.utilisation, f.boot, [&](const GpuParams& q) { return cnn(q).utilisation; });

  // The K80 (one GK210 die), derived: launch cost x overhead factor; efficiency of the V100 fit,
  // its upper end raised by the ratio of the ridge points (peak / bandwidth; a lower ridge lets a
  // memory-bound kernel reach a larger share of peak), at most 1; powers scaled by die power /
  // V100 nameplate.
  const double ridge = (c.v100_peak / c.v100_bandwidth) / (c.k80_peak / c.k80_bandwidth);
  const Ranged& eff = rep.efficiency[ei];
  rep.k80_seconds_per_kernel = {rep.seconds_per_kernel.value,
                                rep.seconds_per_kernel.lo * c.k80_overhead_lo,
                                rep.seconds_per_kernel.hi * c.k80_overhead_hi};
  rep.k80_efficiency = {eff.value, eff.lo, std::min(1.0, eff.hi * std::max(1.0, ridge))};
  const double s = c.k80_die_w / c.v100_nameplate_w, slo = c.k80_die_w_lo / c.v100_nameplate_w,
               shi = c.k80_die_w_hi / c.v100_nameplate_w;
  rep.k80_p_floor_w = {rep.p_floor_w.value * s, rep.p_floor_w.lo * slo, rep.p_floor_w.hi * shi};
  rep.k80_p_full_w = {rep.p_full_w.value * s, rep.p_full_w.lo * slo, rep.p_full_w.hi * shi};
  auto k80 = [&](double peak, double e, double spk, double pf, double pu) {
    GpuParams q{spk, pf, pu, {}};
    return PredictGpuStep(c.cnn_step_flops, rep.cnn_kernels, peak, e, q);
  };
  const GpuStep kb = k80(c.k80_peak, rep.k80_efficiency.value, rep.k80_seconds_per_kernel.value,
                         rep.k80_p_floor_w.value, rep.k80_p_full_w.value);
  rep.k80_step_s = {kb.step_s, kb.step_s, kb.step_s};
  rep.k80_power_w = {kb.power_w, kb.power_w, kb.power_w};
  rep.k80_energy_j = {kb.EnergyJ(), kb.EnergyJ(), kb.EnergyJ()};
  // Every corner of the ranged inputs.
  for (int m = 0; m < 32; ++m) {
    auto pick = [&](int bit, double lo, double hi) { return (m >> bit) & 1 ? hi : lo; };
    const GpuStep st = k80(pick(0, c.k80_peak_lo, c.k80_peak_hi),
                           pick(1, rep.k80_efficiency.lo, rep.k80_efficiency.hi),
                           pick(2, rep.k80_seconds_per_kernel.lo, rep.k80_seconds_per_kernel.hi),
                           pick(3, rep.k80_p_floor_w.lo, rep.k80_p_floor_w.hi),
                           pick(4, rep.k80_p_full_w.lo, rep.k80_p_full_w.hi));
    for (auto [r, x] : {std::pair<Ranged*, double>{&rep.k80_step_s, st.step_s},
                        {&rep.k80_power_w, st.power_w},
                        {&rep.k80_energy_j, st.EnergyJ()}}) {
      r->lo = std::min(r->lo, x);
      r->hi = std::max(r->hi, x);
    }
  }
  return rep;
}

Result<GpuFitReport> RunGpuFitFromDir(const std::string& dir, const GpuFitOptions& options) {
  Result<std::string> v = ReadFile(dir + "/zeus_nsdi23/summary_power_v100.csv");
  if (!v.ok()) return v.status();
  Result<std::string> p = ReadFile(dir + "/zeus_nsdi23/summary_power_p100.csv");
  if (!p.ok()) return p.status();
  Result<nlohmann::json> w = ReadJsonFile(dir + "/zeus_workloads.json");
  if (!w.ok()) return w.status();
  return RunGpuFit(*v, *p, *w, options);
}

std::string FormatGpuFitCsv(const GpuFitReport& r) {
  CsvTable t({"card", "dataset", "network", "optimizer", "batch_size", "line", "step_flops",
              "kernels", "measured_time_per_epoch_s", "predicted_time_per_epoch_s",
              "measured_power_w", "predicted_power_w", "measured_energy_per_sample_j",
              "predicted_energy_per_sample_j", "relative_error", "utilisation"});
  for (const auto& [card, rows] :
       {std::pair<const char*, const std::vector<GpuRowResult>*>{"v100", &r.v100},
        {"p100", &r.p100}}) {
    for (const GpuRowResult& x : *rows) {
      const GpuPoint& q = x.point;
      (void)t.Add({card, q.dataset, q.network, q.optimizer, std::to_string(q.batch),
                   std::to_string(q.line), fmt::format("{:.6g}", q.step_flops),
                   fmt::format("{:g}", q.kernels), fmt::format("{:.6g}", q.time_s),
                   fmt::format("{:.6g}", x.time_s), fmt::format("{:.6g}", q.power_w),
                   fmt::format("{:.6g}", x.power_w), fmt::format("{:.6g}", q.EnergyPerSampleJ()),
                   fmt::format("{:.6g}", x.energy_j), fmt::format("{:.4f}", x.rel_err),
                   fmt::format("{:.4f}", x.step.utilisation)});
    }
  }
  return t.Format();
}

std::string FormatGpuFitMarkdown(const GpuFitReport& r) {
  const GpuFitCatalog& c = r.catalog;
  std::string s;
  auto add = [&](const std::string& x) { s += x; };
  add("# Data-center GPU step model fitted to measured power (Zeus NSDI'23 traces)\n\n");
  add(
      fmt::format("Made by `fedcarbon fit-gpu --seed {} --resamples {}` from "
                  "sim/energy/data/gpu_power/ (zeus_nsdi23/ traces, zeus_workloads.json).\n\n",
                  r.options.seed, r.options.resamples));
  add("Model (per step): t_arith = F_step / (peak x efficiency); overhead = seconds_per_kernel x "
      "kernels; t_step = max(t_arith, overhead); u = t_arith / t_step; P = P_floor + u x (P_full "
      "- P_floor). Fitted on the V100 rows at the 250 W limit by minimising the sum of squared "
      "log errors of epoch time and of average power (both, so that energy = time x power is "
      "right for the right reason), Nelder-Mead in log / logit parameter space. Intervals: "
      "5th-95th percentile over bootstrap resamples of the rows.\n\n");
  add(fmt::format("## Fitted parameters (V100 PCIe, peak fp32 {:.1f} TFLOPS)\n\n",
                  c.v100_peak / 1e12));
  add("| parameter | value [5%, 95%] |\n|---|---|\n");
  add("| seconds per kernel launch (us) | " + Fmt(r.seconds_per_kernel, 1e6, ".2f") + " |\n");
  add("| P_floor (W) | " + Fmt(r.p_floor_w, 1, ".1f") + " |\n");
  add("| P_full (W) | " + Fmt(r.p_full_w, 1, ".1f") + " |\n");
  for (size_t i = 0; i < r.fit.networks.size(); ++i)
    add("| efficiency " + r.fit.networks[i] + " | " + Fmt(r.efficiency[i], 1, ".3f") + " |\n");
  add(fmt::format("\nLoss at the fit: {:.4f} over {} rows.\n\n", r.fit.loss, r.v100.size()));
  add(
      fmt::format("## Errors of energy per sample\n\n- V100 (fitted rows, {}): median |error| "
                  "{:.1f}%, worst {:.1f}% (criterion of issue 20: median <= 15%)\n",
                  r.v100.size(), 100 * r.v100_median, 100 * r.v100_worst));
  add(
      fmt::format("- P100 held out ({} rows at its 250 W limit; peak {:.1f} TFLOPS, powers x "
                  "{:.2f}, every other parameter from the V100 fit): median |error| {:.1f}%, "
                  "worst {:.1f}%\n\n",
                  r.p100.size(), c.p100_peak / 1e12, c.p100_power_scale, 100 * r.p100_median,
                  100 * r.p100_worst));
  add("Excluded rows:\n\n");
  for (const std::string& e : r.excluded) add("- " + e + "\n");
  add("\n## fedcarbon's CNN, batch-10 step on the V100 (derived)\n\n");
  add(fmt::format("{:.0f} FLOP per step, {:g} kernel launches (Keras/TF), efficiency of {}.\n\n",
                  c.cnn_step_flops, r.cnn_kernels, c.cnn_efficiency_from));
  add("| quantity | value [5%, 95%] |\n|---|---|\n");
  add("| step time (ms) | " + Fmt(r.cnn_step_s, 1e3, ".3f") + " |\n");
  add("| utilisation u | " + Fmt(r.cnn_utilisation, 1, ".3f") + " |\n");
  add("| board power (W) | " + Fmt(r.cnn_power_w, 1, ".1f") + " |\n");
  add("| energy per step (J) | " + Fmt(r.cnn_energy_j, 1, ".4f") + " |\n");
  add("\n## K80, one GK210 die (derived, no measurement)\n\n");
  add(fmt::format(
      "Peak {:.2f} [{:.2f}, {:.2f}] TFLOPS; powers = V100 fit x die power / V100 nameplate "
      "({:.0f} [{:.0f}, {:.0f}] W / {:.0f} W); efficiency of the V100 fit, upper end x the ratio "
      "of ridge points (V100 {:.1f}, K80 die {:.1f} FLOP/B), at most 1; launch cost x [{:.1f}, "
      "{:.1f}]. Ranges: every corner of the ranged inputs.\n\n",
      c.k80_peak / 1e12, c.k80_peak_lo / 1e12, c.k80_peak_hi / 1e12, c.k80_die_w, c.k80_die_w_lo,
      c.k80_die_w_hi, c.v100_nameplate_w, c.v100_peak / c.v100_bandwidth,
      c.k80_peak / c.k80_bandwidth, c.k80_overhead_lo, c.k80_overhead_hi));
  add("| quantity | value [range] |\n|---|---|\n");
  add("| seconds per kernel launch (us) | " + Fmt(r.k80_seconds_per_kernel, 1e6, ".2f") + " |\n");
  add("| efficiency | " + Fmt(r.k80_efficiency, 1, ".3f") + " |\n");
  add("| P_floor (W) | " + Fmt(r.k80_p_floor_w, 1, ".1f") + " |\n");
  add("| P_full (W) | " + Fmt(r.k80_p_full_w, 1, ".1f") + " |\n");
  add("| CNN step time (ms) | " + Fmt(r.k80_step_s, 1e3, ".3f") + " |\n");
  add("| CNN board power (W) | " + Fmt(r.k80_power_w, 1, ".1f") + " |\n");
  add("| CNN energy per step (J) | " + Fmt(r.k80_energy_j, 1, ".4f") + " |\n");
  add("\n## Workloads\n\n| dataset / network | fwd FLOP per sample | samples per epoch | "
      "settings and sources |\n|---|---|---|---|\n");
  for (const GpuWorkload& w : c.workloads) {
    if (!w.fit) continue;
    add(fmt::format("| {}/{} | {:.4g} | {:.0f} | {} FLOPs: {} Samples: {} |\n", w.dataset,
                    w.network, w.forward_flops, w.samples_per_epoch, w.settings, w.flops_source,
                    w.samples_source));
  }
  for (const auto& [card, rows] :
       {std::pair<const char*, const std::vector<GpuRowResult>*>{"V100", &r.v100},
        {"P100 (held out)", &r.p100}}) {
    add(fmt::format("\n## Every row, {}\n\n", card));
    add("| dataset/network | opt | batch | time s (meas / pred) | power W (meas / pred) | "
        "energy/sample mJ (meas / pred) | error |\n|---|---|---|---|---|---|---|\n");
    for (const GpuRowResult& x : *rows) {
      const GpuPoint& q = x.point;
      add(
          fmt::format("| {}/{} | {} | {} | {:.1f} / {:.1f} | {:.1f} / {:.1f} | {:.2f} / {:.2f} | "
                      "{:+.1f}% |\n",
                      q.dataset, q.network, q.optimizer, q.batch, q.time_s, x.time_s, q.power_w,
                      x.power_w, 1e3 * q.EnergyPerSampleJ(), 1e3 * x.energy_j, 100 * x.rel_err));
    }
  }
  return s;
}

}  // namespace fedcarbon::energy
