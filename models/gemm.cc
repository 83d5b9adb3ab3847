// Fixed-order matrix products (see gemm.h).
//
// GemmChain: for each block of kDepth values of k, each block of kCols columns of B is packed
// (kDepth x kCols floats on the stack, one row of it contiguous), then every register block of
// rows (kRowVectors vectors x kCols columns of accumulators) streams that block of k: the
// accumulators start from C (or 0 in the first block), so each output's chain continues across
// blocks exactly as if k were never split. Rows past the last full vector go through the same
// kernel on a zero-padded copy.
// GemmDot: register blocks of kDotRows x kDotCols dot products, each in 16 lane sums (V16, two or
// four hardware vectors below AVX-512), reading both operands' columns contiguously.
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dispatch.h"
#include "simd.h"

namespace fedcarbon::models::internal {
namespace {

using simd::Load;
using simd::Splat;
using simd::Store;
using simd::V;
constexpr int kL = simd::kLanes;
constexpr int kRowVectors = 2;
constexpr int kCols = simd::kRegisters >= 32 ? 12 : 6;  // 24 or 12 accumulators
constexpr int64_t kDepth = 128;  // a block of A: m x 128 floats (256 KiB for m = 512) in L2

// Rows [r, r + RV*kL) of columns [j0, j0 + J) over one block of k: a = &A(r, k0), c = &C(r, j0),
// bp = the packed block (bp[t * J + j] = B(k0 + t, j0 + j)).
template <int RV, int J>
void ChainBlock(const float* a, int64_t lda, const float* bp, int64_t kc, float* c, int64_t ldc,
                bool load) {
  V acc[RV][J];
  for (int j = 0; j < J; ++j) {
    for (int v = 0; v < RV; ++v) acc[v][j] = load ? Load(c + j * ldc + v * kL) : V{};
  }
  for (int64_t t = 0; t < kc; ++t) {
    V av[RV];
    for (int v = 0; v < RV; ++v) av[v] = Load(a + t * lda + v * kL);
    for (int j = 0; j < J; ++j) {
      const V bs = Splat(bp[t * J + j]);
      for (int v = 0; v < RV; ++v) acc[v][j] += av[v] * bs;
    }
  }
  for (int j = 0; j < J; ++j) {
    for (int v = 0; v < RV; ++v) Store(c + j * ldc + v * kL, acc[v][j]);
  }
}

// The rows [r, m) past the last full vector (fewer than kL) of the same block: copied into one
// zero-padded vector per k (ap) and per column (ct), then the vector kernel; every lane is still
// its own chain (the padding lanes are discarded), so the order is the scalar rows' own.
template <int J>
void ChainTailRows(const float* a, int64_t lda, int64_t rows, const float* bp, int64_t kc, float* c,
                   int64_t ldc, bool load) {
  alignas(64) float ap[kDepth * kL];
  alignas(64) float ct[J * kL];
  for (int64_t t = 0; t < kc; ++t) {
    for (int i = 0; i < kL; ++i) ap[t * kL + i] = i < rows ? a[t * lda + i] : 0.0f;
  }
  for (int j = 0; j < J; ++j) {
    for (int i = 0; i < kL; ++i) ct[j * kL + i] = load && i < rows ? c[j * ldc + i] : 0.0f;
  }
  ChainBlock<1, J>(ap, kL, bp, kc, ct, kL, /*load=*/true);  // from 0 when !load: the same bits
  for (int j = 0; j < J; ++j) {
    for (int64_t i = 0; i < rows; ++i) c[j * ldc + i] = ct[j * kL + i];
  }
}

// Columns [j0, j0 + J) of C over k block [k0, k0 + kc).
template <int J>
void ChainColumns(int64_t m, const float* a, int64_t lda, const float* b, int64_t b_k, int64_t b_j,
                  float* c, int64_t ldc, int64_t k0, int64_t kc, bool load) {
  alignas(64) float bp[kDepth * J];
  for (int64_t t = 0; t < kc; ++t) {
    for (int j = 0; j < J; ++j) bp[t * J + j] = b[(k0 + t) * b_k + j * b_j];
  }
  const float* ak = a + k0 * lda;
  int64_t r = 0;
  for (; r + kRowVectors * kL <= m; r += kRowVectors * kL) {
    ChainBlock<kRowVectors, J>(ak + r, lda, bp, kc, c + r, ldc, load);
  }
  for (; r + kL <= m; r += kL) ChainBlock<1, J>(ak + r, lda, bp, kc, c + r, ldc, load);
  if (r < m) ChainTailRows<J>(ak + r, lda, m - r, bp, kc, c + r, ldc, load);
}

// ChainColumns<J> as a Body for DispatchUpTo.
template <int J>
struct ChainBody {
  static void Run(int64_t m, const float* a, int64_t lda, const float* b, int64_t b_k, int64_t b_j,
                  float* c, int64_t ldc, int64_t k0, int64_t kc, bool load) {
    ChainColumns<J>(m, a, lda, b, b_k, b_j, c, ldc, k0, kc, load);
  }
};

typedef float V16 __attribute__((vector_size(kReduceLanes * sizeof(float))));
constexpr int kDotRows = simd::kRegisters >= 32 ? 4 : 2;
constexpr int kDotCols = simd::kRegisters >= 32 ? 4 : 2;

inline V16 Load16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof(V16));
  return v;
}

// C(i0 + i, j0 + j) for i < I, j < J: a = &A(0, i0), b = &B(0, j0), c = &C(i0, j0).
template <int I, int J>
void DotBlock(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c,
              int64_t ldc) {
  V16 acc[I][J];
  for (int i = 0; i < I; ++i) {
    for (int j = 0; j < J; ++j) acc[i][j] = V16{};
  }
  const int64_t k16 = k - k % kReduceLanes;
  for (int64_t t = 0; t < k16; t += kReduceLanes) {
    V16 av[I], bv[J];
    for (int i = 0; i < I; ++i) av[i] = Load16(a + i * lda + t);
    for (int j = 0; j < J; ++j) bv[j] = Load16(b + j * ldb + t);
    for (int i = 0; i < I; ++i) {
      for (int j = 0; j < J; ++j) acc[i][j] += av[i] * bv[j];
    }
  }
  // The lanes of all I x J sums, then the tail, each output a chain of its own; interleaved so
  // that the I x J chains overlap in the pipeline.
  float lanes[I][J][kReduceLanes];
  std::memcpy(lanes, acc, sizeof(lanes));
  float s[I][J];
  for (int i = 0; i < I; ++i) {
    for (int j = 0; j < J; ++j) s[i][j] = 0.0f;
  }
  for (int l = 0; l < kReduceLanes; ++l) {
    for (int i = 0; i < I; ++i) {
      for (int j = 0; j < J; ++j) s[i][j] += lanes[i][j][l];
    }
  }
  for (int64_t t = k16; t < k; ++t) {
    for (int i = 0; i < I; ++i) {
      for (int j = 0; j < J; ++j) s[i][j] = std::fma(a[i * lda + t], b[j * ldb + t], s[i][j]);
    }
  }
  for (int i = 0; i < I; ++i) {
    for (int j = 0; j < J; ++j) c[j * ldc + i] = s[i][j];
  }
}

// Rows [i0, m) of one block of columns: full row blocks, then single rows.
template <int J>
void DotColumns(int64_t m, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k,
                float* c, int64_t ldc) {
  int64_t i = 0;
  for (; i + kDotRows <= m; i += kDotRows) {
    DotBlock<kDotRows, J>(a + i * lda, lda, b, ldb, k, c + i, ldc);
  }
  for (; i < m; ++i) DotBlock<1, J>(a + i * lda, lda, b, ldb, k, c + i, ldc);
}

}  // namespace

void GemmChain(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
               int64_t b_k, int64_t b_j, float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      for (int64_t j = 0; j < n; ++j) std::fill(c + j * ldc, c + j * ldc + m, 0.0f);
    }
    return;
  }
  for (int64_t k0 = 0; k0 < k; k0 += kDepth) {
    const int64_t kc = std::min(kDepth, k - k0);
    const bool load = accumulate || k0 > 0;
    for (int64_t j0 = 0; j0 < n; j0 += kCols) {
      const int64_t jc = std::min<int64_t>(kCols, n - j0);
      DispatchUpTo<ChainBody, kCols>(jc, m, a, lda, b + j0 * b_j, b_k, b_j, c + j0 * ldc, ldc, k0,
                                     kc, load);
    }
  }
}

void GemmDot(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
             int64_t ldb, float* c, int64_t ldc) {
  int64_t j = 0;
  for (; j + kDotCols <= n; j += kDotCols) {
    DotColumns<kDotCols>(m, a, lda, b + j * ldb, ldb, k, c + j * ldc, ldc);
  }
  for (; j < n; ++j) DotColumns<1>(m, a, lda, b + j * ldb, ldb, k, c + j * ldc, ldc);
}

}  // namespace fedcarbon::models::internal
