// Deterministic random streams. Every random stream in fedcarbon derives from the run seed and
// the identity of what uses it (client id, round, purpose), never from global state or time.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace fedcarbon {

// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed for the stream identified by (run seed, parts...), e.g. DeriveSeed(seed, {client, round}).
constexpr uint64_t DeriveSeed(uint64_t run_seed, std::initializer_list<uint64_t> parts) {
  uint64_t s = Mix64(run_seed);
  for (uint64_t p : parts) s = Mix64(s ^ Mix64(p + 0x632be59bd9b4e019ULL));
  return s;
}

// A uniform double in [0, 1) from one seed: the top 53 bits of Mix64(seed), the same on every
// platform (unlike std distributions).
constexpr double UniformFromSeed(uint64_t seed) {
  return static_cast<double>(Mix64(seed) >> 11) * 0x1.0p-53;
}

// Named purposes so that two streams of one client never coincide.
enum class Stream : uint64_t {
  kInit = 1,         // model initialisation
  kPartition = 2,    // data partitioning
  kSelection = 3,    // per-round client selection
  kLocalTrain = 4,   // a client's shuffling in one round
  kAssignment = 5,   // device / country assignment
  kCentralized = 6,  // centralized training shuffles
  kSimTraits = 7,    // a client's simulated speed, link and availability traits
  kDropout = 8,      // whether a selected client goes offline mid-job
};

}  // namespace fedcarbon
