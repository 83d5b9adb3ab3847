// Direct stride-1 convolution kernels on zero-padded NHWC inputs (internal to models/).
//
// Conv2d's weight [k, k, c, f] is, row by row, R = k*k*c rows r = (kh, kw, ci) of f filters. For
// an output pixel (oh, ow) the taps of row kh, (kw, ci) for all kw and ci, are k*c consecutive
// floats of the padded input starting at (oh + kh, ow). So the kernels read patches straight from
// the padded input (no im2col matrix, no packing):
//   forward      y[p, :] = bias + sum over r of x(p, r) * w[r, :]  (a register block of pixels x
//                filters; the weight rows stream from cache, the patch values are broadcast)
//   weight grad  dw[r, :] (+)= sum over p of x(p, r) * dy[p, :]   (a register block of rows x
//                filters; every pixel of the batch streams through it)
// The input gradient is the forward kernel on the padded output gradient with the flipped,
// transposed weight (FlipWeights), so it needs filters and channels that are multiples of
// kDirectConvMultiple.
//
// Summation orders are fixed: each output sums its terms in r order (then adds the bias), each
// weight gradient in pixel order across the whole batch, whatever the block sizes. Results do not
// depend on data alignment or on how a caller splits samples into calls (accumulate continues
// the same running sums).
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

// A stride-1 convolution on padded samples [hp, wp, c] giving [oh, ow, f]; hp = oh + k - 1 and
// wp = ow + k - 1.
struct ConvGeometry {
  int64_t k = 1, c = 1, f = 1;
  int64_t hp = 1, wp = 1, oh = 1, ow = 1;
  int64_t rows() const { return k * k * c; }  // R
  int64_t in_size() const { return hp * wp * c; }
  int64_t out_size() const { return oh * ow * f; }
};

// The kernels handle filter counts that are multiples of this: the widest vector width (AVX-512's
// 16 floats) on every target, so that which path a layer takes (and so how it sums) never depends
// on the processor a build targets.
inline constexpr int64_t kDirectConvMultiple = 16;

// Whether the kernels handle `f` filters (a positive multiple of kDirectConvMultiple).
bool DirectConvSupports(int64_t f);

// y: n samples [oh, ow, f] from xpad: n samples [hp, wp, c] and w: [R, f]; bias: [f] or nullptr.
void DirectConvForward(const ConvGeometry& g, const float* xpad, int64_t n, const float* w,
                       const float* bias, float* y);

// dw: [R, f] = (accumulate ? dw : 0) + the gradient of n samples: xpad as above, dy: n samples
// [oh, ow, f].
void DirectConvWeightGrad(const ConvGeometry& g, const float* xpad, int64_t n, const float* dy,
                          float* dw, bool accumulate);

// wt[kh, kw, fo, ci] = w[k-1-kh, k-1-kw, ci, fo]: the weight of the input-gradient convolution,
// whose input is dy padded by k-1-pad before and pad after, and whose output is dx [h, w, c].
void FlipWeights(const float* w, int64_t k, int64_t c, int64_t f, float* wt);

}  // namespace fedcarbon::models::internal
