// Deterministic OpenMP helpers (internal to models/).
//
// Work is split into `parts` = threads contiguous ranges whatever the number of threads OpenMP
// actually grants (nested regions get one), so results depend only on the requested count.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace fedcarbon::models::internal {

// Range [begin, end) of part `p` of `parts` over n items.
inline int64_t PartBegin(int64_t n, int parts, int p) { return n * p / parts; }

// Calls f(part, begin, end) for each of `parts` contiguous ranges of [0, n), in parallel on up to
// `parts` threads. parts <= 1 calls f(0, 0, n) on the calling thread.
template <class F>
void ParallelParts(int parts, int64_t n, F&& f) {
  if (parts <= 1) {
    f(0, int64_t{0}, n);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(parts)
  for (int p = 0; p < parts; ++p) f(p, PartBegin(n, parts, p), PartBegin(n, parts, p + 1));
}

// Phase 1: f1(part, begin, end) over `parts` ranges of [0, n1); then, after all of phase 1,
// f2(part, begin, end) over `parts` ranges of [0, n2). One parallel region, one barrier.
template <class F1, class F2>
void ParallelTwoPhases(int parts, int64_t n1, F1&& f1, int64_t n2, F2&& f2) {
  if (parts <= 1) {
    f1(0, int64_t{0}, n1);
    f2(0, int64_t{0}, n2);
    return;
  }
#pragma omp parallel num_threads(parts)
  {
#pragma omp for schedule(static)
    for (int p = 0; p < parts; ++p) f1(p, PartBegin(n1, parts, p), PartBegin(n1, parts, p + 1));
      // implicit barrier: every slice is done before the sums start
#pragma omp for schedule(static)
    for (int p = 0; p < parts; ++p) f2(p, PartBegin(n2, parts, p), PartBegin(n2, parts, p + 1));
  }
}

// How many parts to use for `n` items of `grain` minimum size each.
inline int PartsFor(int threads, int64_t n, int64_t grain) {
  const int64_t by_size = std::max<int64_t>(1, n / std::max<int64_t>(1, grain));
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, by_size)));
}

}  // namespace fedcarbon::models::internal
