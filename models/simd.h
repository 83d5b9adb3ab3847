// Portable float vectors for the hand-written kernels (internal to models/).
//
// V holds kLanes floats, the widest the target has (AVX-512, AVX, else SSE) unless the build sets
// FEDCARBON_SIMD_LANES (4 or 8 on a wider target: the two-build test's narrower kernels), as a
// GCC/Clang vector extension: arithmetic is elementwise and `a += b * c` contracts to one FMA
// (-ffp-contract=fast, cmake/Warnings.cmake). kRegisters is the number of vector registers, which
// sizes the kernels' register blocks. Loads and stores are unaligned, so results never depend on
// data alignment. No kernel's result depends on kLanes: sums split into lanes use a fixed 16
// (gemm.h's kReduceLanes), and everything else vectorises across independent outputs.
#pragma once

#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <cstring>

namespace fedcarbon::models::internal::simd {

#if defined(__AVX512F__)
#define FEDCARBON_WIDEST_LANES 16
inline constexpr int kRegisters = 32;
#elif defined(__AVX__)
#define FEDCARBON_WIDEST_LANES 8
inline constexpr int kRegisters = 16;
#else
#define FEDCARBON_WIDEST_LANES 4
inline constexpr int kRegisters = 16;
#endif
#if defined(FEDCARBON_SIMD_LANES)
#define FEDCARBON_LANES FEDCARBON_SIMD_LANES
#else
#define FEDCARBON_LANES FEDCARBON_WIDEST_LANES
#endif
inline constexpr int kLanes = FEDCARBON_LANES;
static_assert(kLanes == 4 || kLanes == 8 || kLanes == 16, "FEDCARBON_SIMD_LANES: 4, 8 or 16");
static_assert(kLanes <= FEDCARBON_WIDEST_LANES, "FEDCARBON_SIMD_LANES: wider than the target's");

typedef float V __attribute__((vector_size(kLanes * sizeof(float))));

inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
inline void Store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }

// All lanes = x: one broadcast instruction (V{} + x would cost an extra add).
inline V Splat(float x) {
#if FEDCARBON_LANES == 16 && defined(__AVX512F__)
  return (V)_mm512_set1_ps(x);
#elif FEDCARBON_LANES == 8 && defined(__AVX__)
  return (V)_mm256_set1_ps(x);
#elif FEDCARBON_LANES == 4 && defined(__SSE__)
  return (V)_mm_set1_ps(x);
#else
  return V{} + x;
#endif
}

}  // namespace fedcarbon::models::internal::simd
