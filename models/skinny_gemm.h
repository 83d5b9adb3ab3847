// Products of a large weight matrix with a thin batch (internal to models/).
//
// Dense layers at FL batch sizes multiply W: (out, in) by only n <= kSkinnyMaxN columns. Eigen's
// GEMM then spends most of its time packing W, which it reads once more than it computes with,
// and a large W (the CNN's 3136 x 512, 6.4 MB) lives in L3, so what counts is how often and in
// what order it is streamed. These kernels never pack W: forward keeps a 2-vector x J block of
// results in registers while it streams W's rows of that block; backward makes one pass over W in
// address order for both dW and dX (each W column gives a dW column and a row of dX^T).
// Fixed summation orders, the same as gemm.h's (forward and dW: GemmChain's; dX: GemmDot's), so
// the thin and the general kernels give the same bits and neither depends on the vector width
// (simd.h), the data's alignment or the cache sizes.
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

inline constexpr int64_t kSkinnyMaxN =
    12;  // one register block; above, gemm.h's blocked kernels win
inline constexpr int64_t kSkinnyBlock = 12;  // columns per register block

// Whether the thin kernels beat gemm.h's for W: (out, in) times n columns: few columns, and enough
// rows to fill register blocks (the CNN's 10-way output layer goes to gemm.h).
inline bool UseSkinny(int64_t out, int64_t n) { return n <= kSkinnyMaxN && out >= 64; }

// All matrices column-major. xt: workspace of in * kSkinnyBlock floats.
// Y(out, n) = W(out, in) X(in, n): y[j, r] = sum over k in order of W[r, k] X[k, j].
void SkinnyForward(const float* w, int64_t out, int64_t in, const float* x, int64_t n, float* y,
                   float* xt);
// n <= kSkinnyBlock. dW(out, in) = dY(out, n) X(in, n)^T (overwrites dW; each sum in j order)
// and, unless dx is nullptr, dX(in, n) = W(out, in)^T dY(out, n) (each dot product in GemmDot's
// order, gemm.h: 16 lane sums whatever the vector width).
void SkinnyBackward(const float* w, int64_t out, int64_t in, const float* dy, const float* x,
                    int64_t n, float* dw, float* dx, float* xt);

}  // namespace fedcarbon::models::internal
