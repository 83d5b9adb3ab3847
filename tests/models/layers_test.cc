// Finite-difference gradient checks for every layer, and the factories' shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "fedcarbon/models/layer.h"
#include "gradcheck.h"

namespace fedcarbon::models {
namespace {

using testing::AwayFromZero;
using testing::CheckLayerGradients;
using testing::RandomVector;

std::unique_ptr<Layer> Conv(Shape in, int64_t filters, int64_t kernel, Padding pad,
                            int64_t chunk_columns = 256) {
  Conv2dOptions o;
  o.filters = filters;
  o.kernel = kernel;
  o.padding = pad;
  o.chunk_columns = chunk_columns;
  auto r = MakeConv2d(in, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  auto layer = std::move(r).value();
  layer->Initialize(42);
  // Non-zero biases so that their gradients are exercised with non-trivial values.
  auto p = layer->params();
  for (int64_t i = layer->num_weights(); i < layer->num_params(); ++i) p[i] = 0.1f * (i % 3);
  return layer;
}

TEST(DenseTest, GradientsMatchFiniteDifferences) {
  auto layer = MakeDense(Shape{1, 1, 7}, 5).value();
  layer->Initialize(1);
  CheckLayerGradients(*layer, RandomVector(3 * 7, 2), 3, /*check_input=*/true, 3);
}

TEST(DenseTest, ForwardMatchesHandComputation) {
  auto layer = MakeDense(Shape{1, 1, 2}, 3).value();
  // Keras layout W: [in, out] then b: [out].
  const std::vector<float> p = {1, 2, 3, 4, 5, 6, 0.5f, -1, 0};
  std::copy(p.begin(), p.end(), layer->params().begin());
  const std::vector<float> x = {1, 10};  // one sample
  std::vector<float> y(3);
  layer->Forward(x.data(), 1, y.data(), 1);
  EXPECT_FLOAT_EQ(y[0], 1 * 1 + 10 * 4 + 0.5f);
  EXPECT_FLOAT_EQ(y[1], 1 * 2 + 10 * 5 - 1);
  EXPECT_FLOAT_EQ(y[2], 1 * 3 + 10 * 6);
}

// Thin slices (n <= 12, out >= 64) take the streaming kernels, others Eigen's GEMM; row counts
// that are not a multiple of the register block exercise the tails.
TEST(DenseTest, ThinAndWideBatchesMatchNaive) {
  for (int64_t out : {64, 77, 200, 10}) {
    for (int64_t n : {1, 2, 7, 12, 13, 16, 17, 30}) {
      const int64_t in = 37;
      auto layer = MakeDense(Shape{1, 1, in}, out).value();
      layer->Initialize(static_cast<uint64_t>(out * 100 + n));
      auto p = layer->params();
      for (int64_t i = layer->num_weights(); i < layer->num_params(); ++i) p[i] = 0.01f * i;
      const auto x = RandomVector(n * in, 70);
      const auto dy = RandomVector(n * out, 71);
      std::vector<float> y(n * out), dx(n * in);
      layer->Forward(x.data(), n, y.data(), 1);
      layer->Backward(x.data(), y.data(), dy.data(), n, dx.data(), 1);
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t o = 0; o < out; ++o) {
          double ref = p[layer->num_weights() + o];
          for (int64_t i = 0; i < in; ++i) ref += double(x[j * in + i]) * p[i * out + o];
          ASSERT_NEAR(y[j * out + o], ref, 1e-4) << "y out=" << out << " n=" << n;
        }
        for (int64_t i = 0; i < in; ++i) {
          double ref = 0.0;
          for (int64_t o = 0; o < out; ++o) ref += double(p[i * out + o]) * dy[j * out + o];
          ASSERT_NEAR(dx[j * in + i], ref, 1e-4) << "dx out=" << out << " n=" << n;
        }
      }
      for (int64_t i = 0; i < in; ++i) {
        for (int64_t o = 0; o < out; ++o) {
          double ref = 0.0;
          for (int64_t j = 0; j < n; ++j) ref += double(dy[j * out + o]) * x[j * in + i];
          ASSERT_NEAR(layer->grads()[i * out + o], ref, 1e-4) << "dW out=" << out << " n=" << n;
        }
      }
    }
  }
}

TEST(Conv2dTest, SameGradientsMatchFiniteDifferences) {
  auto layer = Conv(Shape{5, 6, 3}, 4, 3, Padding::kSame);
  CheckLayerGradients(*layer, RandomVector(2 * 5 * 6 * 3, 4), 2, true, 5);
}

TEST(Conv2dTest, ValidGradientsMatchFiniteDifferences) {
  auto layer = Conv(Shape{6, 5, 2}, 3, 3, Padding::kValid);
  EXPECT_EQ(layer->out_shape(), (Shape{4, 3, 3}));
  CheckLayerGradients(*layer, RandomVector(2 * 6 * 5 * 2, 6), 2, true, 7);
}

TEST(Conv2dTest, EvenKernelAndLargeKernelSameGradients) {
  auto even = Conv(Shape{4, 5, 2}, 3, 2, Padding::kSame);
  CheckLayerGradients(*even, RandomVector(2 * 4 * 5 * 2, 8), 2, true, 9);
  auto large = Conv(Shape{3, 4, 1}, 2, 5, Padding::kSame);  // kernel wider than the input
  CheckLayerGradients(*large, RandomVector(3 * 3 * 4, 10), 3, true, 11);
}

TEST(Conv2dTest, GradientsWithMultiSampleChunks) {
  // chunk_columns 1000 puts several samples in one GEMM. (Threads are covered against the
  // naive reference in conv_pool_test.cc: thousands of tiny parallel regions here would be slow
  // on a busy machine.)
  auto layer = Conv(Shape{4, 4, 3}, 5, 3, Padding::kSame, 1000);
  CheckLayerGradients(*layer, RandomVector(5 * 4 * 4 * 3, 12), 5, true, 13);
}

TEST(Conv2dTest, NoInputGradientRequested) {
  auto layer = Conv(Shape{4, 4, 1}, 2, 3, Padding::kSame);
  CheckLayerGradients(*layer, RandomVector(2 * 16, 14), 2, /*check_input=*/false, 15);
}

TEST(ReluTest, GradientsAwayFromTheKink) {
  auto layer = MakeRelu(Shape{3, 3, 2}).value();
  CheckLayerGradients(*layer, AwayFromZero(2 * 18, 16), 2, true, 17);
}

// The gradient checks above compare ReLU's backward with its own forward; this pins the forward
// to its definition, max(0, x) elementwise, including -0 and values next to zero.
TEST(ReluTest, ForwardIsMaxOfZeroAndX) {
  auto layer = MakeRelu(Shape{1, 2, 4}).value();
  const std::vector<float> x = {
      -3.5f, -1e-30f, 0.0f, -0.0f, 1e-30f, 0.25f,  7.0f, -0.5f,  // sample 0
      2.0f,  -2.0f,   0.5f, -1e6f, 1e6f,   -0.25f, 0.0f, 3.0f};  // sample 1
  std::vector<float> y(x.size(), -99.0f);
  layer->Forward(x.data(), 2, y.data(), 1);
  const std::vector<float> expect = {0.0f, 0.0f, 0.0f, 0.0f, 1e-30f, 0.25f, 7.0f, 0.0f,
                                     2.0f, 0.0f, 0.5f, 0.0f, 1e6f,   0.0f,  0.0f, 3.0f};
  EXPECT_EQ(y, expect);  // == : a -0 output for the -0 input would also be max(0, -0)
  // Two threads split the batch; the values are the same.
  std::vector<float> y2(x.size(), -99.0f);
  layer->Forward(x.data(), 2, y2.data(), 2);
  EXPECT_EQ(y2, expect);
}

TEST(MaxPoolTest, GradientsWithDistinctValues) {
  // Odd spatial size: the last row and column are dropped and receive zero gradient.
  const Shape in{5, 5, 2};
  auto layer = MakeMaxPool2d(in).value();
  EXPECT_EQ(layer->out_shape(), (Shape{2, 2, 2}));
  // Distinct values 0.05 apart (> 2 * eps), shuffled: the argmax never flips.
  std::vector<float> x(2 * in.size());
  std::iota(x.begin(), x.end(), 0.0f);
  for (auto& v : x) v *= 0.05f;
  std::shuffle(x.begin(), x.end(), std::mt19937(18));
  CheckLayerGradients(*layer, x, 2, true, 19);
}

TEST(FlattenTest, IsIdentityOnMemory) {
  auto layer = MakeFlatten(Shape{2, 3, 4}).value();
  EXPECT_EQ(layer->out_shape(), (Shape{1, 1, 24}));
  CheckLayerGradients(*layer, RandomVector(2 * 24, 20), 2, true, 21);
}

// Flatten's output is its NHWC input in the same order: y[s, (h * w_size + w) * c_size + c] =
// x[s, h, w, c] (Keras' order, which the Dense weights after it assume).
TEST(FlattenTest, ForwardKeepsTheNhwcOrder) {
  const Shape in{2, 3, 4};
  auto layer = MakeFlatten(in).value();
  const int64_t n = 2;
  std::vector<float> x(n * in.size());
  // x[s, h, w, c] = 1000 s + 100 h + 10 w + c: every value names its position.
  for (int64_t s = 0; s < n; ++s)
    for (int64_t h = 0; h < in.h; ++h)
      for (int64_t w = 0; w < in.w; ++w)
        for (int64_t c = 0; c < in.c; ++c)
          x[((s * in.h + h) * in.w + w) * in.c + c] = 1000.0f * s + 100.0f * h + 10.0f * w + c;
  std::vector<float> y(x.size(), -1.0f);
  layer->Forward(x.data(), n, y.data(), 1);
  EXPECT_EQ(y[0], 0.0f);           // s0 h0 w0 c0
  EXPECT_EQ(y[3], 3.0f);           // s0 h0 w0 c3
  EXPECT_EQ(y[4], 10.0f);          // s0 h0 w1 c0: channels vary fastest
  EXPECT_EQ(y[12], 100.0f);        // s0 h1 w0 c0
  EXPECT_EQ(y[23], 123.0f);        // s0 h1 w2 c3: last of sample 0
  EXPECT_EQ(y[24 + 17], 1111.0f);  // s1 h1 w1 c1
  EXPECT_EQ(y, x);
  std::vector<float> dx(x.size(), -1.0f);
  layer->Backward(x.data(), y.data(), y.data(), n, dx.data(), 1);
  EXPECT_EQ(dx, x);  // backward is the identity too
}

TEST(LayerFactoryTest, RejectsBadShapesAndOptions) {
  EXPECT_FALSE(MakeDense(Shape{2, 2, 1}, 3).ok());  // not flat
  EXPECT_FALSE(MakeDense(Shape{1, 1, 4}, 0).ok());
  EXPECT_FALSE(MakeDense(Shape{1, 1, 0}, 3).ok());
  EXPECT_FALSE(MakeDense(Shape{1, 1, 4}, 3, -1.0f).ok());
  Conv2dOptions o;
  o.kernel = 5;
  o.padding = Padding::kValid;
  auto too_big = MakeConv2d(Shape{4, 8, 1}, o);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("kernel"), std::string::npos);
  o.padding = Padding::kSame;
  EXPECT_TRUE(MakeConv2d(Shape{4, 8, 1}, o).ok());
  o.filters = 0;
  EXPECT_FALSE(MakeConv2d(Shape{4, 8, 1}, o).ok());
  o.filters = 2;
  o.chunk_columns = 0;
  EXPECT_FALSE(MakeConv2d(Shape{4, 8, 1}, o).ok());
  EXPECT_FALSE(MakeMaxPool2d(Shape{1, 4, 2}).ok());
  EXPECT_FALSE(MakeRelu(Shape{0, 1, 1}).ok());
  EXPECT_FALSE(MakeFlatten(Shape{1, -1, 1}).ok());
}

TEST(LayerTest, GlorotUniformIsSeededAndBounded) {
  auto a = MakeDense(Shape{1, 1, 30}, 20).value();
  auto b = MakeDense(Shape{1, 1, 30}, 20).value();
  a->Initialize(7);
  b->Initialize(7);
  EXPECT_TRUE(std::equal(a->params().begin(), a->params().end(), b->params().begin()));
  b->Initialize(8);
  EXPECT_FALSE(std::equal(a->params().begin(), a->params().end(), b->params().begin()));
  const float limit = std::sqrt(6.0f / 50.0f);
  float max_abs = 0.0f;
  for (int64_t i = 0; i < a->num_weights(); ++i)
    max_abs = std::max(max_abs, std::fabs(a->params()[i]));
  EXPECT_LE(max_abs, limit);
  EXPECT_GT(max_abs, 0.8f * limit);  // 600 draws reach near the bound
  for (int64_t i = a->num_weights(); i < a->num_params(); ++i) EXPECT_EQ(a->params()[i], 0.0f);
}

}  // namespace
}  // namespace fedcarbon::models
