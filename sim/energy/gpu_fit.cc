// The trace parser, the workload catalog, the step model and the fit of gpu_fit.h.
#include "fedcarbon/energy/gpu_fit.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "fedcarbon/common/csv.h"

namespace fedcarbon::energy {
namespace {

using Json = nlohmann::json;

// {value, unit, ...} at `key` of `obj`: the value, or Corruption naming what and the key.
Result<double> Num(const Json& obj, const std::string& key, const std::string& what) {
  if (!obj.is_object() || !obj.contains(key))
    return Status::Corruption(what + ": no '" + key + "'");
  const Json& v = obj.at(key);
  const Json& x = v.is_object() ? (v.contains("value") ? v.at("value") : Json()) : v;
  if (!x.is_number()) return Status::Corruption(what + ": '" + key + "' has no numeric value");
  return x.get<double>();
}
// The [lo, hi] range of `key`, or {value, value}.
std::pair<double, double> Range(const Json& obj, const std::string& key, double value) {
  const Json& v = obj.at(key);
  if (v.is_object() && v.contains("range") && v.at("range").is_array() &&
      v.at("range").size() == 2 && v.at("range")[0].is_number() && v.at("range")[1].is_number()) {
    return {v.at("range")[0].get<double>(), v.at("range")[1].get<double>()};
  }
  return {value, value};
}
std::string Text(const Json& obj, const std::string& key) {
  if (!obj.contains(key)) return "";
  const Json& v = obj.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("source") && v.at("source").is_string())
    return v.at("source").get<std::string>();
  return "";
}

#define FC_ASSIGN(lhs, expr)          \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    lhs = *_r;                        \
  } while (0)

// The parameter vector z of the minimiser: log seconds_per_kernel, log P_floor,
// log (P_full - P_floor), logit efficiency_i. Every z is a valid parameter set.
GpuParams FromZ(const std::vector<double>& z) {
  GpuParams p;
  p.seconds_per_kernel = std::exp(z[0]);
  p.p_floor_w = std::exp(z[1]);
  p.p_full_w = p.p_floor_w + std::exp(z[2]);
  for (size_t i = 3; i < z.size(); ++i) p.efficiency.push_back(1.0 / (1.0 + std::exp(-z[i])));
  return p;
}
std::vector<double> ToZ(const GpuParams& p) {
  std::vector<double> z = {std::log(p.seconds_per_kernel), std::log(p.p_floor_w),
                           std::log(p.p_full_w - p.p_floor_w)};
  for (double e : p.efficiency) z.push_back(std::log(e / (1.0 - e)));
  return z;
}

struct Problem {
  const std::vector<GpuPoint>* points;
  std::vector<size_t> net;   // network index of each point
  std::vector<size_t> rows;  // the rows (with repeats) of this fit
  double peak;
  double Loss(const std::vector<double>& z) const {
    const GpuParams p = FromZ(z);
    double s = 0.0;
    for (size_t r : rows) {
      const GpuPoint& q = (*points)[r];
      const GpuStep st = PredictGpuStep(q.step_flops, q.kernels, peak, p.efficiency[net[r]], p);
      const double lt = std::log(st.step_s * q.steps_per_epoch / q.time_s);
      const double lp = std::log(st.power_w / q.power_w);
      s += lt * lt + lp * lp;
    }
    return std::isfinite(s) ? s : 1e300;
  }
};

// Nelder-Mead (Nelder & Mead 1965; standard coefficients 1, 2, 0.5, 0.5) from x0 with initial
// steps `step`; returns the best vertex after max_evals evaluations or when the simplex's loss
// spread falls below 1e-12.
std::vector<double> NelderMead(const Problem& pr, std::vector<double> x0, double step,
                               int max_evals, double* best_loss) {
  const size_t n = x0.size();
  std::vector<std::vector<double>> v(n + 1, x0);
  std::vector<double> f(n + 1);
  for (size_t i = 0; i < n; ++i) v[i + 1][i] += step;
  int evals = 0;
  for (size_t i = 0; i <= n; ++i, ++evals) f[i] = pr.Loss(v[i]);
  std::vector<size_t> order(n + 1);
  auto at = [&](const std::vector<double>& c, const std::vector<double>& w, double t) {
    std::vector<double> x(n);
    for (size_t j = 0; j < n; ++j) x[j] = c[j] + t * (w[j] - c[j]);
    return x;
  };
  while (evals < max_evals) {
    for (size_t i = 0; i <= n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return f[a] < f[b]; });
    const size_t b = order[0], w = order[n], sw = order[n - 1];
    if (f[w] - f[b] < 1e-12) break;
    std::vector<double> c(n, 0.0);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) c[j] += v[order[i]][j] / static_cast<double>(n);
    const std::vector<double> xr = at(c, v[w], -1.0);
    const double fr = pr.Loss(xr);
    ++evals;
    if (fr < f[b]) {
      const std::vector<double> xe = at(c, v[w], -2.0);
      const double fe = pr.Loss(xe);
      ++evals;
      if (fe < fr)
        v[w] = xe, f[w] = fe;
      else
        v[w] = xr, f[w] = fr;
    } else if (fr < f[sw]) {
      v[w] = xr, f[w] = fr;
    } else {
      const std::vector<double> xc = at(c, v[w], 0.5);
      const double fc = pr.Loss(xc);
      ++evals;
      if (fc < f[w]) {
        v[w] = xc, f[w] = fc;
      } else {
        for (size_t i = 1; i <= n; ++i) {
          v[order[i]] = at(v[b], v[order[i]], 0.5);
          f[order[i]] = pr.Loss(v[order[i]]);
          ++evals;
        }
      }
    }
  }
  const size_t b = static_cast<size_t>(std::min_element(f.begin(), f.end()) - f.begin());
  *best_loss = f[b];
  return v[b];
}

std::vector<double> Minimise(const Problem& pr, std::vector<double> z, const GpuFitOptions& o,
                             double* loss) {
  double step = 1.0;
  for (int r = 0; r <= o.restarts; ++r, step *= 0.5) z = NelderMead(pr, z, step, o.max_evals, loss);
  return z;
}

}  // namespace

Result<std::vector<PowerTraceRow>> ParsePowerTrace(const std::string& text,
                                                   const std::string& what) {
  Result<CsvTable> t = ParseCsv(text, what);
  if (!t.ok()) return t.status();
  const char* names[] = {"dataset",     "network",        "batch_size",   "optimizer",
                         "power_limit", "time_per_epoch", "average_power"};
  std::array<size_t, 7> col{};
  for (size_t i = 0; i < 7; ++i) FC_ASSIGN(col[i], t->Require(names[i], what));
  std::vector<PowerTraceRow> out;
  for (size_t i = 0; i < t->size(); ++i) {
    const std::vector<std::string>& r = t->rows()[i];
    PowerTraceRow row;
    row.line = static_cast<int>(i) + 2;
    auto where = [&](size_t c) {
      return what + ": line " + std::to_string(row.line) + ", column " +
             std::to_string(col[c] + 1) + " (" + names[c] + ")";
    };
    row.dataset = r[col[0]];
    row.network = r[col[1]];
    row.optimizer = r[col[3]];
    for (size_t c : {0, 1, 3})
      if (r[col[c]].empty()) return Status::Corruption(where(c) + ": empty");
    double v[7] = {};
    for (size_t c : {2, 4, 5, 6}) {
      Result<double> d = ParseDouble(r[col[c]], where(c));
      if (!d.ok()) return d.status();
      if (!(*d > 0.0))
        return Status::Corruption(where(c) + ": must be > 0, got '" + r[col[c]] + "'");
      v[c] = *d;
    }
    if (v[2] != std::floor(v[2]) || v[2] > 1e9)
      return Status::Corruption(where(2) + ": not a whole batch size: '" + r[col[2]] + "'");
    row.batch_size = static_cast<int>(v[2]);
    row.power_limit_w = v[4];
    row.time_per_epoch_s = v[5];
    row.average_power_w = v[6];
    out.push_back(std::move(row));
  }
  return out;
}

Result<double> GpuFitCatalog::Kernels(double forward_ops, double parameter_tensors,
                                      const std::string& optimizer) const {
  auto it = optimizer_kernels.find(optimizer);
  if (it == optimizer_kernels.end())
    return Status::NotFound("no kernel count for optimizer '" + optimizer + "'");
  return fwd_bwd_per_op * forward_ops + parameter_tensors * it->second;
}

Result<GpuFitCatalog> ParseGpuFitCatalog(const Json& doc, const std::string& what) {
  GpuFitCatalog c;
  if (!doc.is_object()) return Status::Corruption(what + ": not a JSON object");
  FC_ASSIGN(c.train_per_forward, Num(doc, "training_flops_per_forward", what));
  FC_ASSIGN(c.fwd_bwd_per_op, Num(doc, "fwd_bwd_per_forward_op", what));
  if (!doc.contains("optimizers") || !doc.at("optimizers").is_object())
    return Status::Corruption(what + ": no 'optimizers' object");
  for (const auto& [name, v] : doc.at("optimizers").items()) {
    FC_ASSIGN(c.optimizer_kernels[name], Num(doc.at("optimizers"), name, what + ": optimizers"));
  }
  if (!doc.contains("cards")) return Status::Corruption(what + ": no 'cards'");
  const Json& cards = doc.at("cards");
  for (const char* k : {"v100", "p100", "k80"})
    if (!cards.contains(k)) return Status::Corruption(what + ": cards: no '" + k + "'");
  const Json &v100 = cards.at("v100"), &p100 = cards.at("p100"), &k80 = cards.at("k80");
  FC_ASSIGN(c.v100_peak, Num(v100, "peak_fp32", what + ": cards.v100"));
  FC_ASSIGN(c.v100_nameplate_w, Num(v100, "nameplate_w", what + ": cards.v100"));
  FC_ASSIGN(c.v100_limit_w, Num(v100, "max_power_limit_w", what + ": cards.v100"));
  FC_ASSIGN(c.p100_peak, Num(p100, "peak_fp32", what + ": cards.p100"));
  FC_ASSIGN(c.p100_limit_w, Num(p100, "max_power_limit_w", what + ": cards.p100"));
  FC_ASSIGN(c.p100_power_scale, Num(p100, "power_scale", what + ": cards.p100"));
  FC_ASSIGN(c.k80_peak, Num(k80, "peak_fp32", what + ": cards.k80"));
  std::tie(c.k80_peak_lo, c.k80_peak_hi) = Range(k80, "peak_fp32", c.k80_peak);
  FC_ASSIGN(c.k80_die_w, Num(k80, "die_power_w", what + ": cards.k80"));
  std::tie(c.k80_die_w_lo, c.k80_die_w_hi) = Range(k80, "die_power_w", c.k80_die_w);
  FC_ASSIGN(c.k80_bandwidth, Num(k80, "memory_bandwidth", what + ": cards.k80"));
  FC_ASSIGN(c.v100_bandwidth, Num(k80, "v100_memory_bandwidth", what + ": cards.k80"));
  double of = 1.0;
  FC_ASSIGN(of, Num(k80, "overhead_factor", what + ": cards.k80"));
  std::tie(c.k80_overhead_lo, c.k80_overhead_hi) = Range(k80, "overhead_factor", of);

  if (!doc.contains("workloads") || !doc.at("workloads").is_array())
    return Status::Corruption(what + ": no 'workloads' array");
  for (const Json& w : doc.at("workloads")) {
    GpuWorkload g;
    g.dataset = Text(w, "dataset");
    g.network = Text(w, "network");
    const std::string at = what + ": workload " + g.dataset + "/" + g.network;
    if (g.dataset.empty() || g.network.empty())
      return Status::Corruption(what + ": a workload without dataset or network");
    g.fit = w.value("fit", false);
    g.exclude_reason = Text(w, "exclude_reason");
    if (g.fit) {
      FC_ASSIGN(g.forward_flops, Num(w, "forward_flops", at));
      FC_ASSIGN(g.samples_per_epoch, Num(w, "samples_per_epoch", at));
      FC_ASSIGN(g.forward_ops, Num(w, "forward_ops", at));
      FC_ASSIGN(g.parameter_tensors, Num(w, "parameter_tensors", at));
      g.settings = Text(w, "settings");
      g.flops_source = Text(w, "forward_flops");
      g.samples_source = Text(w, "samples_per_epoch");
    } else if (g.exclude_reason.empty()) {
      return Status::Corruption(at + ": fit is false but there is no exclude_reason");
    }
    c.workloads.push_back(std::move(g));
  }
  if (!doc.contains("fedcarbon_cnn")) return Status::Corruption(what + ": no 'fedcarbon_cnn'");
  const Json& cnn = doc.at("fedcarbon_cnn");
  FC_ASSIGN(c.cnn_step_flops, Num(cnn, "step_flops", what + ": fedcarbon_cnn"));
  FC_ASSIGN(c.cnn_batch, Num(cnn, "batch", what + ": fedcarbon_cnn"));
  FC_ASSIGN(c.cnn_forward_ops, Num(cnn, "forward_ops", what + ": fedcarbon_cnn"));
  FC_ASSIGN(c.cnn_parameter_tensors, Num(cnn, "parameter_tensors", what + ": fedcarbon_cnn"));
  c.cnn_optimizer = Text(cnn, "optimizer");
  c.cnn_efficiency_from = Text(cnn, "efficiency_from");
  return c;
}

Result<std::vector<GpuPoint>> MakeGpuPoints(const std::vector<PowerTraceRow>& rows,
                                            const GpuFitCatalog& catalog, double power_limit_w,
                                            std::vector<std::string>* excluded) {
  std::vector<GpuPoint> out;
  std::map<std::string, int> skipped;
  for (const PowerTraceRow& r : rows) {
    if (r.power_limit_w != power_limit_w) continue;
    const GpuWorkload* w = nullptr;
    for (const GpuWorkload& g : catalog.workloads)
      if (g.dataset == r.dataset && g.network == r.network) w = &g;
    if (w == nullptr) {
      return Status::NotFound("line " + std::to_string(r.line) + ": no workload " + r.dataset +
                              "/" + r.network + " in the workload file");
    }
    if (!w->fit) {
      ++skipped[r.dataset + "/" + r.network];
      continue;
    }
    GpuPoint p;
    p.dataset = r.dataset;
    p.network = r.network;
    p.optimizer = r.optimizer;
    p.batch = r.batch_size;
    p.line = r.line;
    p.step_flops = r.batch_size * catalog.train_per_forward * w->forward_flops;
    Result<double> k = catalog.Kernels(w->forward_ops, w->parameter_tensors, r.optimizer);
    if (!k.ok()) return k.status().WithContext("line " + std::to_string(r.line));
    p.kernels = *k;
    p.samples_per_epoch = w->samples_per_epoch;
    p.steps_per_epoch = std::ceil(w->samples_per_epoch / r.batch_size);
    p.time_s = r.time_per_epoch_s;
    p.power_w = r.average_power_w;
    out.push_back(std::move(p));
  }
  if (excluded != nullptr) {
    for (const GpuWorkload& g : catalog.workloads) {
      auto it = skipped.find(g.dataset + "/" + g.network);
      if (it == skipped.end()) continue;
      excluded->push_back(g.dataset + "/" + g.network + " (" + std::to_string(it->second) +
                          " rows): " + g.exclude_reason);
    }
  }
  return out;
}

GpuStep PredictGpuStep(double step_flops, double kernels, double peak_flops, double efficiency,
                       const GpuParams& p, double power_scale) {
  GpuStep s;
  s.arith_s = step_flops / (peak_flops * efficiency);
  s.overhead_s = p.seconds_per_kernel * kernels;
  s.step_s = std::max(s.arith_s, s.overhead_s);
  s.utilisation = s.arith_s / s.step_s;
  s.power_w = power_scale * (p.p_floor_w + s.utilisation * (p.p_full_w - p.p_floor_w));
  return s;
}

Result<GpuFit> FitGpuModel(const std::vector<GpuPoint>& points, const GpuFitOptions& o) {
  if (points.empty()) return Status::InvalidArgument("fit-gpu: no rows to fit");
  if (!(o.peak_flops > 0) || o.resamples < 0 || o.max_evals < 10 || o.restarts < 0)
    return Status::InvalidArgument("fit-gpu: bad options");
  GpuFit fit;
  Problem pr{&points, {}, {}, o.peak_flops};
  for (const GpuPoint& q : points) {
    auto it = std::find(fit.networks.begin(), fit.networks.end(), q.network);
    pr.net.push_back(static_cast<size_t>(it - fit.networks.begin()));
    if (it == fit.networks.end()) fit.networks.push_back(q.network);
  }
  for (size_t i = 0; i < points.size(); ++i) pr.rows.push_back(i);
  // Start: 10 us per launch, 40 W floor, 200 W full, 30% of peak (all inside the data's range).
  GpuParams start{10e-6, 40.0, 200.0, std::vector<double>(fit.networks.size(), 0.3)};
  const std::vector<double> z = Minimise(pr, ToZ(start), o, &fit.loss);
  fit.best = FromZ(z);
  std::mt19937_64 rng(o.seed);
  const double n = static_cast<double>(points.size());
  for (int b = 0; b < o.resamples; ++b) {
    Problem rp = pr;
    for (size_t i = 0; i < points.size(); ++i) {
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
      rp.rows[i] = std::min(points.size() - 1, static_cast<size_t>(u * n));
    }
    double loss = 0.0;
    fit.boot.push_back(FromZ(Minimise(rp, z, o, &loss)));
  }
  return fit;
}

std::pair<double, double> Percentile5To95(std::vector<double> v) {
  if (v.empty()) return {0.0, 0.0};
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double x = p * static_cast<double>(v.size() - 1);
    const size_t i = static_cast<size_t>(x);
    const double f = x - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  return {q(0.05), q(0.95)};
}

}  // namespace fedcarbon::energy
