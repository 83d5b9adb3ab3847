// Portable float vectors for the hand-written kernels (internal to models/).
//
// V holds kLanes floats, the widest the target has (AVX-512, AVX, else SSE), as a GCC/Clang vector
// extension: arithmetic is elementwise and `a += b * c` contracts to one FMA where the target
// has it. kRegisters is the number of vector registers, which sizes the kernels' register blocks.
// Loads and stores are unaligned, so results never depend on data alignment.
#pragma once

#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <cstring>

namespace fedcarbon::models::internal::simd {

#if defined(__AVX512F__)
inline constexpr int kLanes = 16;
inline constexpr int kRegisters = 32;
#elif defined(__AVX__)
inline constexpr int kLanes = 8;
inline constexpr int kRegisters = 16;
#else
inline constexpr int kLanes = 4;
inline constexpr int kRegisters = 16;
#endif

typedef float V __attribute__((vector_size(kLanes * sizeof(float))));

inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
inline void Store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }

// All lanes = x: one broadcast instruction (V{} + x would cost an extra add).
inline V Splat(float x) {
#if defined(__AVX512F__)
  return (V)_mm512_set1_ps(x);
#elif defined(__AVX__)
  return (V)_mm256_set1_ps(x);
#elif defined(__SSE__)
  return (V)_mm_set1_ps(x);
#else
  return V{} + x;
#endif
}

}  // namespace fedcarbon::models::internal::simd
