// Matrix products whose every sum has one order fixed by this code (internal to models/).
//
// Eigen's GEMM splits each sum into blocks sized from the cache sizes it detects at run time and
// uses register tiles (and, in some tails, two accumulators per output) that follow the vector
// width, so its results depend on the processor. These kernels define the order of every sum
// instead, and any vector width, block size or cache size gives the same bits:
//   GemmChain  each C(i, j) is one chain of fused multiply-adds over k = 0, 1, ..., K-1 (starting
//              from C(i, j) when accumulating, else from 0); vectorised across i, never across k.
//   GemmDot    each C(i, j) = A(:, i) . B(:, j) in kReduceLanes (16) partial sums: lane l chains
//              the k = l, l + 16, ... below the last multiple of 16; the lanes are then added in
//              lane order (from 0), then the k past the last multiple of 16, in order, by fused
//              multiply-adds. 16 is fixed, whatever the target's vector width.
// The fused multiply-add is the target's (x86-64-v3 and above have one). All matrices are
// column-major; no alignment is assumed. Single-threaded: callers split work by samples.
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

// Partial sums of every lane-split dot product (GemmDot, SkinnyBackward's dX).
inline constexpr int kReduceLanes = 16;

// C(m, n) (ldc) = (accumulate ? C : 0) + A(m, k) B(k, n); A column-major (lda);
// B(kk, j) = b[kk * b_k + j * b_j] (b_k = 1, b_j = ldb: B column-major; b_k = ldb, b_j = 1: the
// transpose of a column-major (n, k) matrix). Sums as GemmChain above.
void GemmChain(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
               int64_t b_k, int64_t b_j, float* c, int64_t ldc, bool accumulate);

// C(m, n) (ldc) = A(k, m)^T B(k, n); A and B column-major (lda, ldb), so every dot product reads
// two contiguous columns. Sums as GemmDot above.
void GemmDot(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
             int64_t ldb, float* c, int64_t ldc);

}  // namespace fedcarbon::models::internal
