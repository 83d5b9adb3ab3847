// Client selection and time shifting (see include/fedcarbon/simtime/selection.h).
#include "fedcarbon/simtime/selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fedcarbon/common/seed.h"

namespace fedcarbon::simtime {
namespace {

// The clients of `eligible` online at t.
std::vector<int> OnlineAt(const World& world, std::span<const int> eligible, double t) {
  std::vector<int> out;
  for (int c : eligible)
    if (world.Online(c, t)) out.push_back(c);
  return out;
}

}  // namespace

std::vector<int> UniformSample(std::span<const int> pool_in, int k, uint64_t seed) {
  std::vector<int> pool(pool_in.begin(), pool_in.end());
  const size_t take = std::min(pool.size(), static_cast<size_t>(std::max(k, 0)));
  // Partial Fisher-Yates on a SplitMix64 stream (the modulo bias for pools of a few thousand is
  // below 2^-50), so the draw is the same on every platform, unlike std distributions.
  uint64_t state = seed;
  for (size_t i = 0; i < take; ++i) {
    state += 0x9e3779b97f4a7c15ULL;
    const uint64_t r = Mix64(state);
    const uint64_t span = pool.size() - i;
    const size_t j = i + static_cast<size_t>(r % span);
    std::swap(pool[i], pool[j]);
  }
  pool.resize(take);
  std::sort(pool.begin(), pool.end());
  return pool;
}

std::vector<int> WeightedSample(std::span<const int> pool, std::span<const double> weights, int k,
                                uint64_t seed) {
  // Key u^(1/w), largest keys win; compared as log(u) / w to stay in range.
  std::vector<std::pair<double, int>> keyed;
  keyed.reserve(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    const double u = UniformFromSeed(DeriveSeed(seed, {static_cast<uint64_t>(pool[i])})) +
                     0x1.0p-54;  // (0, 1): log(u) is finite
    keyed.emplace_back(std::log(u) / weights[i], pool[i]);
  }
  const size_t take = std::min(pool.size(), static_cast<size_t>(std::max(k, 0)));
  std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(take), keyed.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<int> out;
  for (size_t i = 0; i < take; ++i) out.push_back(keyed[i].second);
  std::sort(out.begin(), out.end());
  return out;
}

int AskCount(const config::FederationConfig& f) {
  return static_cast<int>(
      std::ceil(f.clients_per_round * (1.0 + f.overcommit) - 1e-9));  // 5 x 1.2 is 6, not 7
}

std::vector<int> SelectRound(const World& world, const config::FederationConfig& f,
                             std::span<const int> eligible, double t, uint64_t seed) {
  const std::vector<int> online = OnlineAt(world, eligible, t);
  const int k = AskCount(f);
  if (f.selection != "carbon_aware") return UniformSample(online, k, seed);
  std::vector<double> weights;
  for (int c : online)
    weights.push_back(std::pow(std::max(world.IntensityAt(c, t), 1e-3), -f.carbon_beta));
  return WeightedSample(online, weights, k, seed);
}

std::optional<double> NextOnline(const World& world, std::span<const int> eligible, int need,
                                 double t, double horizon_s) {
  constexpr double kStep = 900.0;
  for (double dt = 0.0; dt <= horizon_s; dt += kStep) {
    if (static_cast<int>(OnlineAt(world, eligible, t + dt).size()) >= std::max(need, 1))
      return t + dt;
  }
  return std::nullopt;
}

double ShiftedStart(const World& world, std::span<const int> eligible, int need, double t,
                    double max_shift_h) {
  double best_t = t, best = INFINITY;
  for (int h = 0; h <= static_cast<int>(std::floor(max_shift_h)); ++h) {
    const double at = t + 3600.0 * h;
    std::vector<double> now;
    for (int c : OnlineAt(world, eligible, at)) now.push_back(world.IntensityAt(c, at));
    if (now.empty() || static_cast<int>(now.size()) < need) continue;
    const size_t n = std::min(now.size(), static_cast<size_t>(std::max(need, 1)));
    std::partial_sort(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(n), now.end());
    const double mean = std::accumulate(now.begin(), now.begin() + n, 0.0) / n;
    if (mean < best) {
      best = mean;
      best_t = at;
    }
  }
  return best_t;
}

}  // namespace fedcarbon::simtime
