// Conv2d and MaxPool2d against naive reference implementations (NHWC, double accumulation).
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>

#include "fedcarbon/models/layer.h"
#include "gradcheck.h"

namespace fedcarbon::models {
namespace {

using testing::RandomVector;

struct ConvCase {
  Shape in;
  int64_t filters, kernel;
  Padding padding;
  int64_t n, chunk_columns;
  int threads;
};

void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << "in " << c.in.ToString() << " filters " << c.filters << " kernel " << c.kernel
      << (c.padding == Padding::kSame ? " same" : " valid") << " n " << c.n << " chunk "
      << c.chunk_columns << " threads " << c.threads;
}

// Reference: y[s,oh,ow,f] = b[f] + sum_{kh,kw,c} x[s, oh+kh-pad, ow+kw-pad, c] W[kh,kw,c,f].
struct NaiveConv {
  Shape in, out;
  int64_t k, f, pad;
  const std::vector<float>& p;
  double W(int64_t kh, int64_t kw, int64_t c, int64_t fo) const {
    return p[((kh * k + kw) * in.c + c) * f + fo];
  }
  // Calls fn(s, oh, ow, ih, iw, kh, kw) for every in-bounds tap.
  template <class F>
  void Taps(int64_t n, F&& fn) const {
    for (int64_t s = 0; s < n; ++s)
      for (int64_t oh = 0; oh < out.h; ++oh)
        for (int64_t ow = 0; ow < out.w; ++ow)
          for (int64_t kh = 0; kh < k; ++kh)
            for (int64_t kw = 0; kw < k; ++kw) {
              const int64_t ih = oh + kh - pad, iw = ow + kw - pad;
              if (ih >= 0 && ih < in.h && iw >= 0 && iw < in.w) fn(s, oh, ow, ih, iw, kh, kw);
            }
  }
};

class ConvReferenceTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvReferenceTest, ForwardAndBackwardMatchNaive) {
  const ConvCase cc = GetParam();
  Conv2dOptions o;
  o.filters = cc.filters;
  o.kernel = cc.kernel;
  o.padding = cc.padding;
  o.chunk_columns = cc.chunk_columns;
  auto layer = MakeConv2d(cc.in, o).value();
  layer->Initialize(3);
  auto pp = layer->params();
  for (int64_t i = layer->num_weights(); i < layer->num_params(); ++i) pp[i] = 0.01f * i;
  const std::vector<float> p(pp.begin(), pp.end());
  const Shape out = layer->out_shape();
  const int64_t pad = cc.padding == Padding::kSame ? (cc.kernel - 1) / 2 : 0;
  const NaiveConv ref{cc.in, out, cc.kernel, cc.filters, pad, p};
  const int64_t n = cc.n;
  const auto x = RandomVector(n * cc.in.size(), 31);
  const auto dy = RandomVector(n * out.size(), 32);
  auto xi = [&](int64_t s, int64_t h, int64_t w, int64_t c) {
    return static_cast<double>(x[((s * cc.in.h + h) * cc.in.w + w) * cc.in.c + c]);
  };
  auto yi = [&](int64_t s, int64_t h, int64_t w) { return ((s * out.h + h) * out.w + w) * out.c; };

  std::vector<double> y_ref(n * out.size()), dx_ref(n * cc.in.size(), 0.0),
      dw_ref(layer->num_params(), 0.0);
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < out.h * out.w; ++i)
      for (int64_t fo = 0; fo < cc.filters; ++fo) {
        y_ref[(s * out.h * out.w + i) * out.c + fo] = p[layer->num_weights() + fo];
        dw_ref[layer->num_weights() + fo] += dy[(s * out.h * out.w + i) * out.c + fo];
      }
  ref.Taps(
      n, [&](int64_t s, int64_t oh, int64_t ow, int64_t ih, int64_t iw, int64_t kh, int64_t kw) {
        for (int64_t c = 0; c < cc.in.c; ++c)
          for (int64_t fo = 0; fo < cc.filters; ++fo) {
            const int64_t widx = ((kh * cc.kernel + kw) * cc.in.c + c) * cc.filters + fo;
            const double g = dy[yi(s, oh, ow) + fo];
            y_ref[yi(s, oh, ow) + fo] += xi(s, ih, iw, c) * ref.W(kh, kw, c, fo);
            dw_ref[widx] += g * xi(s, ih, iw, c);
            dx_ref[((s * cc.in.h + ih) * cc.in.w + iw) * cc.in.c + c] += g * ref.W(kh, kw, c, fo);
          }
      });

  std::vector<float> y(n * out.size()), dx(n * cc.in.size(), 99.0f);
  layer->Forward(x.data(), n, y.data(), cc.threads);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], y_ref[i], 1e-4) << "y " << i;
  layer->Backward(x.data(), y.data(), dy.data(), n, dx.data(), cc.threads);
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dx_ref[i], 1e-4) << "dx " << i;
  for (size_t i = 0; i < dw_ref.size(); ++i) {
    ASSERT_NEAR(layer->grads()[i], dw_ref[i], 1e-4 * (1 + std::fabs(dw_ref[i]))) << "grad " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvReferenceTest,
                         ::testing::Values(ConvCase{{7, 6, 3}, 4, 5, Padding::kSame, 3, 256, 1},
                                           ConvCase{{7, 6, 3}, 4, 5, Padding::kValid, 3, 256, 1},
                                           ConvCase{{8, 8, 1}, 6, 3, Padding::kSame, 4, 1, 2},
                                           ConvCase{{5, 9, 4}, 3, 4, Padding::kSame, 5, 100, 2},
                                           ConvCase{{28, 28, 1}, 8, 5, Padding::kSame, 2, 256, 1},
                                           ConvCase{{6, 6, 5}, 2, 1, Padding::kValid, 3, 256, 3}));

// Filter counts that are multiples of 16 take the direct kernels (direct_conv.h) on every vector
// width; with in_c a multiple of 16 the input gradient too. Pixel and weight-row counts that are
// not multiples of the register blocks exercise the tails; chunk_columns 1 gives one sample per
// call (the weight-gradient sums continue across calls), large values several samples per call.
INSTANTIATE_TEST_SUITE_P(
    Direct, ConvReferenceTest,
    ::testing::Values(ConvCase{{7, 6, 16}, 16, 3, Padding::kSame, 3, 256, 1},   // all direct
                      ConvCase{{7, 6, 3}, 32, 5, Padding::kSame, 3, 1, 1},      // dX on GEMM
                      ConvCase{{9, 8, 16}, 32, 4, Padding::kSame, 2, 1000, 2},  // even kernel
                      ConvCase{{8, 7, 16}, 48, 3, Padding::kValid, 5, 1, 1},    // no padding
                      ConvCase{{5, 5, 32}, 64, 5, Padding::kSame, 4, 60, 3},    // 2-sample chunks
                      ConvCase{{28, 28, 1}, 32, 5, Padding::kSame, 2, 256, 1},  // the CNN's conv1
                      ConvCase{{14, 14, 32}, 64, 5, Padding::kSame, 2, 256, 2}  // the CNN's conv2
                      ));

TEST(MaxPoolReferenceTest, ForwardAndBackwardMatchNaive) {
  const Shape in{7, 6, 3};
  const int64_t n = 3;
  auto layer = MakeMaxPool2d(in).value();
  const Shape out = layer->out_shape();
  ASSERT_EQ(out, (Shape{3, 3, 3}));
  const auto x = RandomVector(n * in.size(), 40);
  const auto dy = RandomVector(n * out.size(), 41);
  std::vector<float> y(n * out.size()), dx(n * in.size(), 5.0f);
  layer->Forward(x.data(), n, y.data(), 2);
  layer->Backward(x.data(), y.data(), dy.data(), n, dx.data(), 2);
  std::vector<float> dx_ref(n * in.size(), 0.0f);
  auto at = [&](int64_t s, int64_t h, int64_t w, int64_t c) {
    return ((s * in.h + h) * in.w + w) * in.c + c;
  };
  for (int64_t s = 0; s < n; ++s)
    for (int64_t oh = 0; oh < out.h; ++oh)
      for (int64_t ow = 0; ow < out.w; ++ow)
        for (int64_t c = 0; c < in.c; ++c) {
          int64_t best = at(s, 2 * oh, 2 * ow, c);
          for (int64_t dh = 0; dh < 2; ++dh)
            for (int64_t dw = 0; dw < 2; ++dw)
              if (x[at(s, 2 * oh + dh, 2 * ow + dw, c)] > x[best])
                best = at(s, 2 * oh + dh, 2 * ow + dw, c);
          const int64_t o = ((s * out.h + oh) * out.w + ow) * out.c + c;
          ASSERT_EQ(y[o], x[best]);
          dx_ref[best] = dy[o];
        }
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_EQ(dx[i], dx_ref[i]) << i;
}

TEST(MaxPoolReferenceTest, TiesRouteToTheFirstElement) {
  auto layer = MakeMaxPool2d(Shape{2, 2, 1}).value();
  const std::vector<float> x = {0, 0, 0, 0};  // ReLU zeros: all tie
  std::vector<float> y(1), dx(4);
  const std::vector<float> dy = {2.5f};
  layer->Forward(x.data(), 1, y.data(), 1);
  layer->Backward(x.data(), y.data(), dy.data(), 1, dx.data(), 1);
  EXPECT_EQ(dx, (std::vector<float>{2.5f, 0, 0, 0}));
}

}  // namespace
}  // namespace fedcarbon::models
