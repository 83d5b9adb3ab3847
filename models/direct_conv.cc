// Direct convolution kernels (see direct_conv.h). Register blocks: the forward kernel keeps
// P pixels x FV vectors of filters in registers and, per weight row, loads FV weight vectors and
// broadcasts one input value per pixel; the weight-gradient kernel keeps RB weight rows x FV
// vectors and, per pixel, loads FV gradient vectors and broadcasts one input value per row.
#include "direct_conv.h"

#include <algorithm>

#include "simd.h"

namespace fedcarbon::models::internal {
namespace {

using simd::kLanes;
using simd::Load;
using simd::Splat;
using simd::Store;
using simd::V;

// Vectors of filters per block: 4 where there are 32 vector registers, else 2.
constexpr int kMaxFilterVectors = simd::kRegisters >= 32 ? 4 : 2;
// Pixels per forward block for FV filter vectors: 12-24 accumulators with 32 registers (the
// fastest measured on AVX-512), 8-12 with 16; at most 12 pixels (each holds an address register).
constexpr int PixelsFor(int fv) {
  return simd::kRegisters >= 32 ? (fv == 4 ? 6 : fv == 2 ? 8 : 12) : (fv == 2 ? 6 : 8);
}
constexpr int kMaxPixels = 12;
static_assert(PixelsFor(1) <= kMaxPixels && PixelsFor(2) <= kMaxPixels &&
              PixelsFor(4) <= kMaxPixels);
constexpr int kRowsPerBlock = 6;  // weight rows per weight-gradient block (one address each)

int FilterVectors(int64_t f) {
  const int64_t nv = f / kLanes;
  for (int fv = kMaxFilterVectors; fv > 1; fv /= 2) {
    if (nv % fv == 0) return fv;
  }
  return 1;
}

// Pixels [p0, p0 + P) of the batch: their input patch origins and output rows.
struct PixelBlock {
  const float* x[kMaxPixels];
  float* y[kMaxPixels];
};

template <int P>
void Locate(const ConvGeometry& g, const float* xpad, float* y, int64_t p0, PixelBlock& b) {
  const int64_t pix = g.oh * g.ow;
  for (int q = 0; q < P; ++q) {
    const int64_t p = p0 + q, s = p / pix, rem = p % pix, oh = rem / g.ow, ow = rem % g.ow;
    b.x[q] = xpad + s * g.in_size() + (oh * g.wp + ow) * g.c;
    b.y[q] = y + p * g.f;
  }
}

// y[q, fo .. fo + FV*kLanes) for the P pixels of `b`. Not inlined: in one function with its
// callers GCC spilled the weight vectors to the stack.
template <int FV, int P>
[[gnu::noinline]] void ForwardBlock(const ConvGeometry& g, const PixelBlock& b, const float* w,
                                    const float* bias, int64_t fo) {
  const int64_t kc = g.k * g.c, row = g.wp * g.c, f = g.f;
  V acc[P][FV];
  for (int q = 0; q < P; ++q) {
    for (int v = 0; v < FV; ++v) acc[q][v] = V{};
  }
  for (int64_t kh = 0; kh < g.k; ++kh) {
    const float* wr = w + kh * kc * f + fo;
    const float* x[P];
    for (int q = 0; q < P; ++q) x[q] = b.x[q] + kh * row;
    for (int64_t t = 0; t < kc; ++t, wr += f) {
      V wv[FV];
      for (int v = 0; v < FV; ++v) wv[v] = Load(wr + v * kLanes);
      for (int q = 0; q < P; ++q) {
        const V xv = Splat(x[q][t]);
        for (int v = 0; v < FV; ++v) acc[q][v] += wv[v] * xv;
      }
    }
  }
  for (int q = 0; q < P; ++q) {
    for (int v = 0; v < FV; ++v) {
      const V out = bias != nullptr ? acc[q][v] + Load(bias + fo + v * kLanes) : acc[q][v];
      Store(b.y[q] + fo + v * kLanes, out);
    }
  }
}

// Pixels [p0, p0 + P) for every filter block.
template <int FV, int P>
void ForwardPixels(const ConvGeometry& g, const float* xpad, const float* w, const float* bias,
                   float* y, int64_t p0) {
  PixelBlock b;
  Locate<P>(g, xpad, y, p0, b);
  for (int64_t fo = 0; fo < g.f; fo += FV * kLanes) ForwardBlock<FV, P>(g, b, w, bias, fo);
}

// The last `left` (< P) pixels: the block size that fits.
template <int FV, int P>
void ForwardTail(const ConvGeometry& g, const float* xpad, const float* w, const float* bias,
                 float* y, int64_t p0, int64_t left) {
  if constexpr (P > 1) {
    if (left == P - 1) {
      ForwardPixels<FV, P - 1>(g, xpad, w, bias, y, p0);
    } else {
      ForwardTail<FV, P - 1>(g, xpad, w, bias, y, p0, left);
    }
  }
}

template <int FV>
void Forward(const ConvGeometry& g, const float* xpad, int64_t n, const float* w, const float* bias,
             float* y) {
  constexpr int P = PixelsFor(FV);
  const int64_t total = n * g.oh * g.ow;
  int64_t p0 = 0;
  for (; p0 + P <= total; p0 += P) ForwardPixels<FV, P>(g, xpad, w, bias, y, p0);
  ForwardTail<FV, P>(g, xpad, w, bias, y, p0, total - p0);
}

// dw rows [r0, r0 + RB), filters [fo, fo + FV*kLanes): the running sums over every pixel.
template <int FV, int RB>
[[gnu::noinline]] void WeightGradBlock(const ConvGeometry& g, const float* xpad, int64_t n,
                                       const float* dy, float* dw, int64_t r0, int64_t fo,
                                       bool accumulate) {
  const int64_t kc = g.k * g.c, row = g.wp * g.c, f = g.f;
  int64_t off[RB];  // each row's offset from a pixel's patch origin
  for (int i = 0; i < RB; ++i) off[i] = (r0 + i) / kc * row + (r0 + i) % kc;
  V acc[RB][FV];
  for (int i = 0; i < RB; ++i) {
    for (int v = 0; v < FV; ++v) {
      acc[i][v] = accumulate ? Load(dw + (r0 + i) * f + fo + v * kLanes) : V{};
    }
  }
  const float* d = dy + fo;
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      const float* xr = xpad + s * g.in_size() + oh * row;
      for (int64_t ow = 0; ow < g.ow; ++ow, d += f) {
        const float* xb = xr + ow * g.c;
        V dv[FV];
        for (int v = 0; v < FV; ++v) dv[v] = Load(d + v * kLanes);
        for (int i = 0; i < RB; ++i) {
          const V xv = Splat(xb[off[i]]);
          for (int v = 0; v < FV; ++v) acc[i][v] += dv[v] * xv;
        }
      }
    }
  }
  for (int i = 0; i < RB; ++i) {
    for (int v = 0; v < FV; ++v) Store(dw + (r0 + i) * f + fo + v * kLanes, acc[i][v]);
  }
}

template <int FV, int RB>
void WeightGradTail(const ConvGeometry& g, const float* xpad, int64_t n, const float* dy, float* dw,
                    int64_t r0, int64_t left, int64_t fo, bool accumulate) {
  if constexpr (RB > 1) {
    if (left == RB - 1) {
      WeightGradBlock<FV, RB - 1>(g, xpad, n, dy, dw, r0, fo, accumulate);
    } else {
      WeightGradTail<FV, RB - 1>(g, xpad, n, dy, dw, r0, left, fo, accumulate);
    }
  }
}

template <int FV>
void WeightGrad(const ConvGeometry& g, const float* xpad, int64_t n, const float* dy, float* dw,
                bool accumulate) {
  constexpr int RB = kRowsPerBlock;
  const int64_t rows = g.rows();
  for (int64_t fo = 0; fo < g.f; fo += FV * kLanes) {
    int64_t r0 = 0;
    for (; r0 + RB <= rows; r0 += RB) {
      WeightGradBlock<FV, RB>(g, xpad, n, dy, dw, r0, fo, accumulate);
    }
    WeightGradTail<FV, RB>(g, xpad, n, dy, dw, r0, rows - r0, fo, accumulate);
  }
}

}  // namespace

bool DirectConvSupports(int64_t f) {
  static_assert(kDirectConvMultiple % kLanes == 0, "every vector width divides the multiple");
  return f >= kDirectConvMultiple && f % kDirectConvMultiple == 0;
}

void DirectConvForward(const ConvGeometry& g, const float* xpad, int64_t n, const float* w,
                       const float* bias, float* y) {
  switch (FilterVectors(g.f)) {
    case 4:
      if constexpr (kMaxFilterVectors >= 4) Forward<4>(g, xpad, n, w, bias, y);
      break;
    case 2:
      Forward<2>(g, xpad, n, w, bias, y);
      break;
    default:
      Forward<1>(g, xpad, n, w, bias, y);
      break;
  }
}

void DirectConvWeightGrad(const ConvGeometry& g, const float* xpad, int64_t n, const float* dy,
                          float* dw, bool accumulate) {
  switch (FilterVectors(g.f)) {
    case 4:
      if constexpr (kMaxFilterVectors >= 4) WeightGrad<4>(g, xpad, n, dy, dw, accumulate);
      break;
    case 2:
      WeightGrad<2>(g, xpad, n, dy, dw, accumulate);
      break;
    default:
      WeightGrad<1>(g, xpad, n, dy, dw, accumulate);
      break;
  }
}

void FlipWeights(const float* w, int64_t k, int64_t c, int64_t f, float* wt) {
  for (int64_t kh = 0; kh < k; ++kh) {
    for (int64_t kw = 0; kw < k; ++kw) {
      const float* src = w + ((k - 1 - kh) * k + (k - 1 - kw)) * c * f;
      float* dst = wt + (kh * k + kw) * f * c;
      for (int64_t ci = 0; ci < c; ++ci) {
        for (int64_t fo = 0; fo < f; ++fo) dst[fo * c + ci] = src[ci * f + fo];
      }
    }
  }
}

}  // namespace fedcarbon::models::internal
