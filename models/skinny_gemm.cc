#include "skinny_gemm.h"

#include <algorithm>
#include <cmath>

#include "dispatch.h"
#include "gemm.h"
#include "simd.h"

namespace fedcarbon::models::internal {
namespace {

using simd::Load;
using simd::Splat;
using simd::Store;
using simd::V;
constexpr int kL = simd::kLanes;
constexpr int64_t kRows = 2 * kL;  // rows per register block

// xt[k * J + j] = x[j * in + k]: the block's columns interleaved, so one row of them is contiguous.
void Interleave(const float* x, int64_t in, int64_t j_count, float* xt) {
  for (int64_t k = 0; k < in; ++k) {
    for (int64_t j = 0; j < j_count; ++j) xt[k * j_count + j] = x[j * in + k];
  }
}

// Y rows [r, r + kRows) of J columns. (W is read with a stride of `out` floats; walking it in
// address order instead, a few columns at a time, measured no faster.)
template <int J>
void ForwardRows(const float* w, int64_t out, int64_t in, const float* xt, float* y, int64_t r) {
  V a0[J], a1[J];
  for (int j = 0; j < J; ++j) a0[j] = a1[j] = V{};
  for (int64_t k = 0; k < in; ++k) {
    const V w0 = Load(w + k * out + r), w1 = Load(w + k * out + r + kL);
    for (int j = 0; j < J; ++j) {
      const V xv = Splat(xt[k * J + j]);
      a0[j] += w0 * xv;
      a1[j] += w1 * xv;
    }
  }
  for (int j = 0; j < J; ++j) {
    Store(y + j * out + r, a0[j]);
    Store(y + j * out + r + kL, a1[j]);
  }
}

// Column i of dW (and, with dx, row i of dX^T): dW[:, i] = sum over j of dY[:, j] x[i, j] in j
// order; dX[i, j] = W[:, i] . dY[:, j] in GemmDot's order (kReduceLanes lane sums over the rows
// below the last multiple of kReduceLanes, the lanes added in order, then the tail rows), so the
// result does not depend on the vector width: a lane is one of kGroups vectors' elements.
template <int J>
void BackwardColumn(const float* w, int64_t out, const float* dy, const float* xi, float* dw,
                    float* dx, int64_t in) {
  constexpr int kGroups = kReduceLanes / kL;
  static_assert(kGroups * kL == kReduceLanes, "the vector width divides kReduceLanes");
  V xs[J], a[J][kGroups];
  for (int j = 0; j < J; ++j) {
    xs[j] = Splat(xi[j]);
    for (int g = 0; g < kGroups; ++g) a[j][g] = V{};
  }
  const int64_t vec_end = out - out % kReduceLanes;
  for (int64_t o = 0; o < vec_end; o += kReduceLanes) {
    for (int g = 0; g < kGroups; ++g) {
      const int64_t og = o + g * kL;
      const V wv = Load(w + og);
      V gw = V{};
      for (int j = 0; j < J; ++j) {
        const V d = Load(dy + j * out + og);
        gw += d * xs[j];
        if (dx != nullptr) a[j][g] += wv * d;
      }
      Store(dw + og, gw);
    }
  }
  for (int64_t o = vec_end; o < out; ++o) {
    float s = 0.0f;
    for (int j = 0; j < J; ++j) s = std::fma(dy[j * out + o], xi[j], s);
    dw[o] = s;
  }
  if (dx == nullptr) return;
  for (int j = 0; j < J; ++j) {
    float s = 0.0f;
    for (int g = 0; g < kGroups; ++g) {
      for (int l = 0; l < kL; ++l) s += a[j][g][l];
    }
    for (int64_t o = vec_end; o < out; ++o) s = std::fma(w[o], dy[j * out + o], s);
    dx[j * in] = s;
  }
}

template <int J>
struct ForwardBody {
  static void Run(const float* w, int64_t out, int64_t in, const float* xt, float* y) {
    const int64_t main = out - out % kRows;
    for (int64_t r = 0; r < main; r += kRows) ForwardRows<J>(w, out, in, xt, y, r);
    for (int64_t r = main; r < out; ++r) {  // tail rows
      for (int j = 0; j < J; ++j) {
        float s = 0.0f;
        for (int64_t k = 0; k < in; ++k) s = std::fma(w[k * out + r], xt[k * J + j], s);
        y[j * out + r] = s;
      }
    }
  }
};

template <int J>
struct BackwardBody {
  static void Run(const float* w, int64_t out, int64_t in, const float* dy, const float* xt,
                  float* dw, float* dx) {
    for (int64_t i = 0; i < in; ++i) {
      BackwardColumn<J>(w + i * out, out, dy, xt + i * J, dw + i * out,
                        dx == nullptr ? nullptr : dx + i, in);
    }
  }
};

}  // namespace

void SkinnyForward(const float* w, int64_t out, int64_t in, const float* x, int64_t n, float* y,
                   float* xt) {
  for (int64_t j0 = 0; j0 < n; j0 += kSkinnyBlock) {
    const int64_t jc = std::min(kSkinnyBlock, n - j0);
    Interleave(x + j0 * in, in, jc, xt);
    DispatchUpTo<ForwardBody, kSkinnyBlock>(jc, w, out, in, static_cast<const float*>(xt),
                                            y + j0 * out);
  }
}

void SkinnyBackward(const float* w, int64_t out, int64_t in, const float* dy, const float* x,
                    int64_t n, float* dw, float* dx, float* xt) {
  Interleave(x, in, n, xt);
  DispatchUpTo<BackwardBody, kSkinnyBlock>(n, w, out, in, dy, static_cast<const float*>(xt), dw,
                                           dx);
}

}  // namespace fedcarbon::models::internal
