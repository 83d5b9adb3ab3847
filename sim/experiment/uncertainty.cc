// The Monte Carlo core of `fedcarbon uncertainty` (see uncertainty.h): the sample, the evaluation
// on a few threads, quantiles, probabilities and first-order Sobol indices by binning.
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/experiment/uncertainty.h"

namespace fedcarbon::experiment {
namespace {

// [0, 1) from the top 53 bits of one 64-bit output: the same on every platform.
double Uniform01(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

size_t DefaultBins(size_t n) {
  const auto b = static_cast<size_t>(std::lround(std::sqrt(static_cast<double>(n))));
  return std::clamp<size_t>(b, 2, 200);
}

// S_i from the bin of each draw (bin[d] in [0, bins)).
double IndexFromBins(const std::vector<size_t>& bin, const std::vector<double>& y, size_t bins) {
  const size_t n = y.size();
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  std::vector<double> sum(bins, 0.0);
  std::vector<size_t> count(bins, 0);
  for (size_t d = 0; d < n; ++d) {
    sum[bin[d]] += y[d];
    ++count[bin[d]];
  }
  double ssb = 0.0, ssw = 0.0;
  size_t used = 0;
  for (size_t b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    ++used;
    const double m = sum[b] / static_cast<double>(count[b]);
    ssb += static_cast<double>(count[b]) * (m - mean) * (m - mean);
    sum[b] = m;  // now the bin's mean
  }
  for (size_t d = 0; d < n; ++d) ssw += (y[d] - sum[bin[d]]) * (y[d] - sum[bin[d]]);
  const double sst = ssb + ssw;
  if (!(sst > 1e-300 * static_cast<double>(n)) || used < 2 || n <= used) return 0.0;
  const double noise = static_cast<double>(used - 1) * ssw / static_cast<double>(n - used);
  return std::clamp((ssb - noise) / sst, 0.0, 1.0);
}

// Each draw's bin for input i of `params`, then (with a discrete factor) for the level: computed
// once, since it depends on the inputs only.
struct Bins {
  std::vector<std::vector<size_t>> of;  // [input][draw]
  std::vector<size_t> count;            // bins per input
};

std::vector<size_t> RankBins(const std::vector<double>& x, size_t bins) {
  const size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&x](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<size_t> bin(n);
  for (size_t r = 0; r < n; ++r) bin[order[r]] = r * bins / n;  // equiprobable: by rank
  return bin;
}

Bins MakeBins(const std::vector<McParameter>& params, const McOptions& o,
              const std::vector<McDraw>& sample) {
  Bins b;
  std::vector<double> x(sample.size());
  for (size_t i = 0; i < params.size(); ++i) {
    for (size_t d = 0; d < sample.size(); ++d) x[d] = sample[d].x[i];
    b.count.push_back(DefaultBins(sample.size()));
    b.of.push_back(RankBins(x, b.count.back()));
  }
  if (o.levels > 1) {
    std::vector<size_t> bin(sample.size());
    for (size_t d = 0; d < sample.size(); ++d) bin[d] = sample[d].level;
    b.of.push_back(std::move(bin));
    b.count.push_back(o.levels);
  }
  return b;
}

// Every input's index on y, largest first (input order on ties).
std::vector<Driver> Rank(const std::vector<McParameter>& params, const McOptions& o,
                         const Bins& bins, const std::vector<double>& y) {
  std::vector<Driver> out;
  for (size_t i = 0; i < bins.of.size(); ++i) {
    out.push_back({i < params.size() ? params[i].name : o.level_name,
                   IndexFromBins(bins.of[i], y, bins.count[i])});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Driver& a, const Driver& b) { return a.first_order > b.first_order; });
  return out;
}

}  // namespace

Result<Distribution> ParseDistribution(const std::string& text) {
  if (text == "uniform") return Distribution::kUniform;
  if (text == "log-uniform") return Distribution::kLogUniform;
  return Status::InvalidArgument("unknown distribution '" + text +
                                 "' (known: uniform, log-uniform)");
}

const char* DistributionName(Distribution d) {
  return d == Distribution::kLogUniform ? "log-uniform" : "uniform";
}

double Quantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double FirstOrderIndex(const std::vector<double>& x, const std::vector<double>& y, size_t bins) {
  const size_t n = y.size();
  if (n < 2 || bins < 2 || x.size() != n) return 0.0;
  return IndexFromBins(RankBins(x, bins), y, bins);
}

Result<std::vector<McDraw>> DrawSample(const std::vector<McParameter>& params, const McOptions& o) {
  if (o.draws < 10) return Status::InvalidArgument("uncertainty: --draws must be >= 10");
  for (const McParameter& p : params) {
    if (!(p.lo <= p.hi) || !std::isfinite(p.lo) || !std::isfinite(p.hi)) {
      return Status::InvalidArgument(
          fmt::format("{}: range [{}, {}] is not lo <= hi", p.name, p.lo, p.hi));
    }
    if (p.distribution == Distribution::kLogUniform && p.lo <= 0.0) {
      return Status::InvalidArgument(
          fmt::format("{}: a log-uniform range needs lo > 0, not {}", p.name, p.lo));
    }
  }
  std::vector<McDraw> sample(o.draws);
  for (size_t d = 0; d < o.draws; ++d) {
    std::mt19937_64 g(DeriveSeed(o.seed, {static_cast<uint64_t>(d)}));
    McDraw& draw = sample[d];
    draw.x.reserve(params.size());
    for (const McParameter& p : params) {
      const double u = Uniform01(g);
      draw.x.push_back(p.distribution == Distribution::kLogUniform ? p.lo * std::pow(p.hi / p.lo, u)
                                                                   : p.lo + u * (p.hi - p.lo));
    }
    const double u = Uniform01(g);
    draw.level = o.levels > 1 ? std::min(static_cast<size_t>(u * static_cast<double>(o.levels)),
                                         o.levels - 1)
                              : 0;
  }
  return sample;
}

Result<McResult> RunMonteCarlo(const std::vector<McParameter>& params, const McOutputNames& names,
                               const McEvaluator& evaluate, const McOptions& o) {
  Result<std::vector<McDraw>> sample = DrawSample(params, o);
  if (!sample.ok()) return sample.status();
  const size_t n = sample->size();
  std::vector<Result<McOutputs>> out(n, Result<McOutputs>(Status::Error("not evaluated")));
  const size_t threads = static_cast<size_t>(std::max(1, o.threads));
  const auto work = [&](size_t t) {
    for (size_t d = t; d < n; d += threads) out[d] = evaluate((*sample)[d]);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& th : pool) th.join();
  for (size_t d = 0; d < n; ++d) {
    if (!out[d].ok()) return out[d].status().WithContext(fmt::format("draw {}", d));
    if (out[d]->reals.size() != names.reals.size() || out[d]->flags.size() != names.flags.size() ||
        out[d]->margins.size() != names.flags.size()) {
      return Status::Error(
          fmt::format("draw {}: the evaluator's outputs do not match the names", d));
    }
  }
  const Bins bins = MakeBins(params, o, *sample);
  McResult r;
  r.draws = n;
  std::vector<double> y(n);
  for (size_t k = 0; k < names.reals.size(); ++k) {
    for (size_t d = 0; d < n; ++d) y[d] = out[d]->reals[k];
    RealSummary s;
    s.name = names.reals[k];
    s.drivers = Rank(params, o, bins, y);
    s.mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
    std::vector<double> sorted = y;
    std::sort(sorted.begin(), sorted.end());
    s.median = Quantile(sorted, 0.5);
    s.p05 = Quantile(sorted, 0.05);
    s.p95 = Quantile(sorted, 0.95);
    r.reals.push_back(std::move(s));
  }
  for (size_t k = 0; k < names.flags.size(); ++k) {
    size_t holds = 0;
    for (size_t d = 0; d < n; ++d) {
      y[d] = out[d]->margins[k];
      holds += out[d]->flags[k] ? 1 : 0;
    }
    FlagSummary s;
    s.name = names.flags[k];
    s.probability = static_cast<double>(holds) / static_cast<double>(n);
    s.std_error = std::sqrt(s.probability * (1.0 - s.probability) / static_cast<double>(n));
    s.drivers = Rank(params, o, bins, y);
    r.flags.push_back(std::move(s));
  }
  return r;
}

}  // namespace fedcarbon::experiment
