// Which clients a round asks, and when it starts: uniform or carbon-aware sampling among the
// clients online at the round's simulated start, over-commitment, and time shifting.
//
// Every draw is a pure function of its seed (derive it from the run seed and the round:
// DeriveSeed(seed, {Stream::kSelection, round})), identical on every platform.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "fedcarbon/config/config.h"
#include "fedcarbon/simtime/world.h"

namespace fedcarbon::simtime {

// `k` distinct clients drawn uniformly without replacement from `pool` (all of them when k >=
// pool.size()), ascending.
std::vector<int> UniformSample(std::span<const int> pool, int k, uint64_t seed);

// `k` distinct clients drawn without replacement, each draw with probability proportional to
// its weight (> 0) among those left (Efraimidis-Spirakis keys u^(1/w)), ascending.
std::vector<int> WeightedSample(std::span<const int> pool, std::span<const double> weights, int k,
                                uint64_t seed);

// How many clients a round asks: ceil(clients_per_round x (1 + overcommit)).
int AskCount(const config::FederationConfig& f);

// The clients a round starting at `t` asks: AskCount of the `eligible` clients online at t,
// uniformly ("random") or with weights IntensityAt(c, t)^-carbon_beta ("carbon_aware"; every
// online client keeps a chance). Fewer when fewer are online.
std::vector<int> SelectRound(const World& world, const config::FederationConfig& f,
                             std::span<const int> eligible, double t, uint64_t seed);

// The earliest time >= t, on a 15-minute grid from t and at most `horizon_s` later, at which at
// least `need` of `eligible` are online; nullopt when there is none.
std::optional<double> NextOnline(const World& world, std::span<const int> eligible, int need,
                                 double t, double horizon_s);

// Time shifting: the start among t, t + 1 h, ..., t + floor(max_shift_h) h (only those with at
// least `need` eligible clients online) whose `need` cleanest online clients have the lowest mean
// IntensityAt: the trace itself is the forecast (a perfect one). Ties go to the earliest; t when
// max_shift_h < 1.
double ShiftedStart(const World& world, std::span<const int> eligible, int need, double t,
                    double max_shift_h);

}  // namespace fedcarbon::simtime
