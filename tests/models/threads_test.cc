// Training on 1 and 2 threads: the same numbers up to the rounding of the gradient sums.
//
// Sequential splits a batch into one contiguous slice of samples per thread; each slice computes
// its own parameter gradient and the slices are added in slice order (sequential.h). The design
// promises bit-identical results for a given thread count, not across thread counts: with two
// slices a gradient is (sum over samples 0..k) + (sum over k+1..n-1) instead of one running sum,
// which rounds differently in the last bits. These tests pin that the split changes nothing else:
// forward outputs per sample, gradients and trained parameters agree within bounds derived from
// float rounding, on a conv + dense model large enough that both threads get real work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"
#include "fedcarbon/models/train.h"

namespace fedcarbon::models {
namespace {

constexpr int64_t kSide = 12, kDim = kSide * kSide;

// 12x12x1 -> conv 5x5x8 -> relu -> pool -> conv 3x3x16 -> relu -> pool -> flatten (144)
// -> dense 64 -> relu -> dense 10: 11,306 parameters, the CNN's layer kinds and L2 terms.
std::unique_ptr<Sequential> ConvDenseModel(uint64_t seed) {
  auto conv = [](Shape in, int64_t filters, int64_t kernel) {
    Conv2dOptions o;
    o.filters = filters;
    o.kernel = kernel;
    o.l2 = 1e-5f;
    return MakeConv2d(in, o).value();
  };
  std::vector<std::unique_ptr<Layer>> l;
  l.push_back(conv(Shape{kSide, kSide, 1}, 8, 5));
  l.push_back(MakeRelu(Shape{12, 12, 8}).value());
  l.push_back(MakeMaxPool2d(Shape{12, 12, 8}).value());
  l.push_back(conv(Shape{6, 6, 8}, 16, 3));
  l.push_back(MakeRelu(Shape{6, 6, 16}).value());
  l.push_back(MakeMaxPool2d(Shape{6, 6, 16}).value());
  l.push_back(MakeFlatten(Shape{3, 3, 16}).value());
  l.push_back(MakeDense(Shape{1, 1, 144}, 64, 1e-3f).value());
  l.push_back(MakeRelu(Shape{1, 1, 64}).value());
  l.push_back(MakeDense(Shape{1, 1, 64}, 10, 1e-3f).value());
  auto m = Sequential::Create("convdense", std::move(l), kDim).value();
  for (size_t i = 0; i < m->layers().size(); ++i) m->layers()[i]->Initialize(seed + i);
  return m;
}

// n samples of 10 classes: noisy class prototypes in [0, 1].
struct Data {
  std::vector<float> x;
  std::vector<uint8_t> y;
  int64_t n;
  explicit Data(int64_t count) : n(count) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> proto(10 * kDim);
    for (auto& v : proto) v = u(rng) < 0.4f ? u(rng) : 0.0f;
    x.resize(n * kDim);
    y.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      y[i] = static_cast<uint8_t>((i * 7) % 10);
      for (int64_t j = 0; j < kDim; ++j) {
        x[i * kDim + j] = std::clamp(proto[y[i] * kDim + j] + 0.3f * (u(rng) - 0.5f), 0.0f, 1.0f);
      }
    }
  }
  DataView view() const { return DataView{x.data(), y.data(), n, kDim, {}}; }
};

struct Pass {
  std::vector<float> logits;
  std::vector<std::vector<float>> grads;  // per layer
};

Pass ForwardBackward(const Data& d, int64_t n, int threads) {
  auto m = ConvDenseModel(3);
  Pass r;
  auto logits = m->Forward(std::span<const float>(d.x.data(), n * kDim), n, threads).value();
  r.logits.assign(logits.begin(), logits.end());
  std::vector<float> dl(logits.size());
  EXPECT_TRUE(SoftmaxCrossEntropy(logits, std::span<const uint8_t>(d.y.data(), n), 10,
                                  1.0f / static_cast<float>(n), dl)
                  .ok());
  EXPECT_TRUE(m->Backward(dl).ok());
  for (auto& l : m->layers()) r.grads.emplace_back(l->grads().begin(), l->grads().end());
  return r;
}

TEST(ThreadsTest, ModelIsLargeEnoughToSplit) { EXPECT_EQ(ConvDenseModel(1)->num_params(), 11306); }

// Batch 10 (two slices of 5: the thin-batch kernels) and 32 (two slices of 16: the GEMM paths).
TEST(ThreadsTest, OneAndTwoThreadsGiveTheSameForwardAndGradients) {
  const Data d(32);
  for (int64_t n : {10, 32}) {
    SCOPED_TRACE("batch " + std::to_string(n));
    const Pass one = ForwardBackward(d, n, 1), two = ForwardBackward(d, n, 2);
    // Each sample's forward runs the same kernels on its own, whichever slice holds it.
    ASSERT_EQ(one.logits.size(), two.logits.size());
    for (size_t i = 0; i < one.logits.size(); ++i) {
      EXPECT_NEAR(one.logits[i], two.logits[i], 1e-6f * (1.0f + std::fabs(one.logits[i]))) << i;
    }
    // Gradients: n per-sample terms summed in two groups instead of one run. Rounding is a few
    // ulps of the layer's largest gradient; 1e-5 of it leaves a wide margin, while a slice
    // dropped from the sum or added twice moves a gradient by about 1/2 of its size.
    int compared = 0;
    for (size_t li = 0; li < one.grads.size(); ++li) {
      const auto& a = one.grads[li];
      const auto& b = two.grads[li];
      ASSERT_EQ(a.size(), b.size());
      if (a.empty()) continue;
      float scale = 0.0f;
      for (float v : a) scale = std::max(scale, std::fabs(v));
      ASSERT_GT(scale, 0.0f) << "layer " << li;
      for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_NEAR(a[i], b[i], 1e-5f * scale) << "layer " << li << " param " << i;
      }
      ++compared;
    }
    EXPECT_EQ(compared, 4);
  }
}

std::vector<float> TrainedParams(int threads, const std::string& optimizer, float lr) {
  const Data d(60);
  auto m = ConvDenseModel(4);
  OptimizerOptions o;
  o.name = optimizer;
  o.lr = lr;
  auto opt = MakeOptimizer(o).value();
  TrainOptions t;
  t.batch_size = 10;
  t.epochs = 2;
  t.threads = threads;
  t.seed = 9;
  auto st = Train(*m, *opt, d.view(), t);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  return m->GetParams();
}

// 12 steps of batch 10 (the FL setting). SGD passes a gradient's rounding on to the parameters
// scaled by lr: they agree to a few float ulps (3e-8 measured; bound 2e-6). Adam divides each
// gradient by its own running magnitude, which magnifies the rounding of small gradients (2e-7
// measured; bound lr / 50 = 2e-5). Both bounds are far below what training moves: parameters
// change by about 1e-2 (checked), and a slice dropped from the gradient sum shows at that scale.
TEST(ThreadsTest, TrainingOnOneAndTwoThreadsAgrees) {
  const auto init = ConvDenseModel(4)->GetParams();
  struct Case {
    const char* optimizer;
    float lr, tolerance;
  };
  for (const Case& c : {Case{"sgd", 0.05f, 2e-6f}, Case{"adam", 1e-3f, 2e-5f}}) {
    SCOPED_TRACE(c.optimizer);
    const auto one = TrainedParams(1, c.optimizer, c.lr), two = TrainedParams(2, c.optimizer, c.lr);
    ASSERT_EQ(one.size(), two.size());
    double moved = 0.0, max_diff = 0.0;
    for (size_t i = 0; i < one.size(); ++i) {
      moved = std::max(moved, double(std::fabs(one[i] - init[i])));
      max_diff = std::max(max_diff, double(std::fabs(one[i] - two[i])));
    }
    EXPECT_GT(moved, 1e-2) << "training must move the parameters";
    EXPECT_LE(max_diff, c.tolerance);
    std::printf("%s: max |1 thread - 2 threads| = %.3g, max move %.3g\n", c.optimizer, max_diff,
                moved);
  }
}

}  // namespace
}  // namespace fedcarbon::models
