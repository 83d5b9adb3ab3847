// Products of a large weight matrix with a thin batch (internal to models/).
//
// Dense layers at FL batch sizes multiply W: (out, in) by only n <= kSkinnyMaxN columns. Eigen's
// GEMM then spends most of its time packing W, which it reads once more than it computes with.
// These kernels stream W exactly once per block of up to 12 columns, keep a 2-vector x J block
// of results in registers and never pack W. Fixed summation orders; results do not depend on
// data alignment. Vector width follows the target (AVX-512, AVX, else SSE).
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

inline constexpr int64_t kSkinnyMaxN = 12;   // one register block; above, Eigen wins
inline constexpr int64_t kSkinnyBlock = 12;  // columns per register block

// Whether the thin kernels beat Eigen for W: (out, in) times n columns: few columns, and enough
// rows to fill register blocks (the CNN's 10-way output layer stays on Eigen).
inline bool UseSkinny(int64_t out, int64_t n) { return n <= kSkinnyMaxN && out >= 64; }

// All matrices column-major. xt: workspace of in * kSkinnyBlock floats.
// Y(out, n) = W(out, in) X(in, n).
void SkinnyForward(const float* w, int64_t out, int64_t in, const float* x, int64_t n, float* y,
                   float* xt);
// dW(out, in) = dY(out, n) X(in, n)^T (overwrites dW).
void SkinnyWeightGrad(const float* dy, int64_t out, const float* x, int64_t in, int64_t n,
                      float* dw, float* xt);
// dX(in, n) = W(out, in)^T dY(out, n).
void SkinnyInputGrad(const float* w, int64_t out, int64_t in, const float* dy, int64_t n,
                     float* dx);

}  // namespace fedcarbon::models::internal
