// The kernels' summation orders, pinned bit for bit against scalar references that spell each
// order out with std::fma. A kernel that sums in an order depending on the vector width, the block
// sizes or the cache sizes fails here in some build (run it in an AVX2 and an AVX-512 build, as
// the two-build test does for whole runs): these are the bits every machine must agree on.
#include <gtest/gtest.h>
#include <Eigen/Core>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/sequential.h"
#include "fedcarbon/models/train.h"
#include "gradcheck.h"
#include "models/direct_conv.h"
#include "models/gemm.h"
#include "models/skinny_gemm.h"

namespace fedcarbon::models {
namespace {

using internal::kReduceLanes;
// Uniform in [-1, 1] from a fixed seed.
constexpr auto Random = [](size_t n, uint32_t seed) { return testing::RandomVector(n, seed); };

// Bitwise equality, reporting the first differing index.
void ExpectSameBits(const std::vector<float>& got, const std::vector<float>& want,
                    const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", want " << want[i]
                    << " (bit for bit)";
      return;
    }
  }
}

// GemmChain's order: one fma chain over k per output.
void RefChain(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
              int64_t b_k, int64_t b_j, float* c, int64_t ldc, bool accumulate) {
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      float s = accumulate ? c[j * ldc + i] : 0.0f;
      for (int64_t t = 0; t < k; ++t) s = std::fma(a[t * lda + i], b[t * b_k + j * b_j], s);
      c[j * ldc + i] = s;
    }
  }
}

// GemmDot's order: 16 lane chains, the lanes added in order from 0, then the tail's fma chain.
float RefDot(const float* a, const float* b, int64_t k) {
  float lane[kReduceLanes] = {};
  const int64_t k16 = k - k % kReduceLanes;
  for (int64_t t = 0; t < k16; ++t) {
    lane[t % kReduceLanes] = std::fma(a[t], b[t], lane[t % kReduceLanes]);
  }
  float s = 0.0f;
  for (float l : lane) s += l;
  for (int64_t t = k16; t < k; ++t) s = std::fma(a[t], b[t], s);
  return s;
}

TEST(GemmChainTest, EveryOutputIsOneFmaChainOverK) {
  // Row counts around the vector widths (4, 8, 16, 32), k across the 128-deep blocks, columns
  // around the 6 and 12 of a register block; both layouts of B; fresh and accumulating.
  for (int64_t m : {1, 5, 16, 31, 33, 64, 77}) {
    for (int64_t n : {1, 6, 12, 13, 25}) {
      for (int64_t k : {1, 17, 128, 300}) {
        for (bool transposed_b : {false, true}) {
          for (bool accumulate : {false, true}) {
            const uint32_t seed = static_cast<uint32_t>(m * 1000003 + n * 1009 + k);
            const auto a = Random(static_cast<size_t>(m * k), seed);
            const auto b = Random(static_cast<size_t>(k * n), seed + 1);
            const int64_t b_k = transposed_b ? n : 1, b_j = transposed_b ? 1 : k;
            auto got = Random(static_cast<size_t>(m * n), seed + 2);
            auto want = got;
            internal::GemmChain(m, n, k, a.data(), m, b.data(), b_k, b_j, got.data(), m,
                                accumulate);
            RefChain(m, n, k, a.data(), m, b.data(), b_k, b_j, want.data(), m, accumulate);
            ExpectSameBits(got, want,
                           "m " + std::to_string(m) + " n " + std::to_string(n) + " k " +
                               std::to_string(k) + (transposed_b ? " B^T" : " B") +
                               (accumulate ? " accumulate" : ""));
          }
        }
      }
    }
  }
}

TEST(GemmDotTest, EveryOutputIsSixteenLaneSumsThenTheTail) {
  for (int64_t m : {1, 3, 4, 9}) {
    for (int64_t n : {1, 2, 5, 12}) {
      for (int64_t k : {1, 15, 16, 17, 100, 512}) {
        const uint32_t seed = static_cast<uint32_t>(m * 7919 + n * 104729 + k);
        const int64_t lda = k + 3, ldb = k + 1;  // padded columns: strides are honoured
        const auto a = Random(static_cast<size_t>(lda * m), seed);
        const auto b = Random(static_cast<size_t>(ldb * n), seed + 1);
        std::vector<float> got(static_cast<size_t>(m * n)), want(got.size());
        internal::GemmDot(m, n, k, a.data(), lda, b.data(), ldb, got.data(), m);
        for (int64_t j = 0; j < n; ++j) {
          for (int64_t i = 0; i < m; ++i) want[j * m + i] = RefDot(&a[i * lda], &b[j * ldb], k);
        }
        ExpectSameBits(
            got, want,
            "m " + std::to_string(m) + " n " + std::to_string(n) + " k " + std::to_string(k));
      }
    }
  }
}

// The thin kernels sum as the general ones: forward and dW as GemmChain, dX as GemmDot.
TEST(SkinnyGemmTest, ThinKernelsSumAsTheGeneralOnes) {
  for (int64_t out : {64, 77, 200, 512}) {
    for (int64_t n : {1, 5, 10, 12}) {
      const int64_t in = 45;
      const uint32_t seed = static_cast<uint32_t>(out * 31 + n);
      const auto w = Random(static_cast<size_t>(out * in), seed);  // W(out, in)
      const auto x = Random(static_cast<size_t>(in * n), seed + 1);
      const auto dy = Random(static_cast<size_t>(out * n), seed + 2);
      std::vector<float> xt(static_cast<size_t>(in * internal::kSkinnyBlock));
      std::vector<float> y(static_cast<size_t>(out * n)), y_ref(y.size());
      internal::SkinnyForward(w.data(), out, in, x.data(), n, y.data(), xt.data());
      RefChain(out, n, in, w.data(), out, x.data(), 1, in, y_ref.data(), out, false);
      ExpectSameBits(y, y_ref, "forward out " + std::to_string(out) + " n " + std::to_string(n));

      std::vector<float> dw(static_cast<size_t>(out * in)), dw_ref(dw.size());
      std::vector<float> dx(static_cast<size_t>(in * n)), dx_ref(dx.size());
      internal::SkinnyBackward(w.data(), out, in, dy.data(), x.data(), n, dw.data(), dx.data(),
                               xt.data());
      RefChain(out, in, n, dy.data(), out, x.data(), in, 1, dw_ref.data(), out, false);
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t i = 0; i < in; ++i) {
          dx_ref[j * in + i] = RefDot(&w[i * out], &dy[j * out], out);
        }
      }
      ExpectSameBits(dw, dw_ref, "dW out " + std::to_string(out) + " n " + std::to_string(n));
      ExpectSameBits(dx, dx_ref, "dX out " + std::to_string(out) + " n " + std::to_string(n));
    }
  }
}

// Direct convolution: each output sums its R terms in r = (kh, kw, c) order, then adds the bias;
// each weight gradient sums over the batch's pixels in order.
TEST(DirectConvTest, OutputsAndWeightGradientsSumInTheirDocumentedOrder) {
  internal::ConvGeometry g;
  g.k = 3;
  g.c = 2;
  g.f = 32;
  g.oh = 5;
  g.ow = 4;
  g.hp = g.oh + g.k - 1;
  g.wp = g.ow + g.k - 1;
  const int64_t n = 3, rows = g.rows();
  const auto xpad = Random(static_cast<size_t>(n * g.in_size()), 5);
  const auto w = Random(static_cast<size_t>(rows * g.f), 6);
  const auto bias = Random(static_cast<size_t>(g.f), 7);
  const auto dy = Random(static_cast<size_t>(n * g.out_size()), 8);
  // x(p, r): the patch value of pixel p for weight row r.
  auto patch = [&](int64_t p, int64_t r) {
    const int64_t pix = g.oh * g.ow, s = p / pix, oh = p % pix / g.ow, ow = p % g.ow;
    const int64_t kh = r / (g.k * g.c), rest = r % (g.k * g.c);
    return xpad[s * g.in_size() + ((oh + kh) * g.wp + ow) * g.c + rest];
  };
  std::vector<float> y(static_cast<size_t>(n * g.out_size())), y_ref(y.size());
  internal::DirectConvForward(g, xpad.data(), n, w.data(), bias.data(), y.data());
  for (int64_t p = 0; p < n * g.oh * g.ow; ++p) {
    for (int64_t f = 0; f < g.f; ++f) {
      float s = 0.0f;
      for (int64_t r = 0; r < rows; ++r) s = std::fma(w[r * g.f + f], patch(p, r), s);
      y_ref[p * g.f + f] = s + bias[f];
    }
  }
  ExpectSameBits(y, y_ref, "forward");
  std::vector<float> dw(static_cast<size_t>(rows * g.f)), dw_ref(dw.size());
  internal::DirectConvWeightGrad(g, xpad.data(), n, dy.data(), dw.data(), false);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t f = 0; f < g.f; ++f) {
      float s = 0.0f;
      for (int64_t p = 0; p < n * g.oh * g.ow; ++p) s = std::fma(dy[p * g.f + f], patch(p, r), s);
      dw_ref[r * g.f + f] = s;
    }
  }
  ExpectSameBits(dw, dw_ref, "weight gradient");
}

// Which path a conv layer takes depends on its shape only: 16 and its multiples, on every target.
TEST(DirectConvTest, SupportIsTheSameOnEveryTarget) {
  EXPECT_TRUE(internal::DirectConvSupports(16));
  EXPECT_TRUE(internal::DirectConvSupports(32));
  EXPECT_TRUE(internal::DirectConvSupports(64));
  EXPECT_FALSE(internal::DirectConvSupports(8));
  EXPECT_FALSE(internal::DirectConvSupports(24));
  EXPECT_FALSE(internal::DirectConvSupports(4));
}

// A dense layer's forward and backward give the same bits whatever cache sizes Eigen assumes
// (Eigen sizes its GEMM blocks from them, so a product left on Eigen would fail here).
TEST(DenseTest, SameBitsWhateverCacheSizesEigenAssumes) {
  auto run = [](int64_t n) {
    auto layer = MakeDense(Shape{1, 1, 300}, 200).value();
    layer->Initialize(11);
    const auto x = Random(static_cast<size_t>(n * 300), 12);
    const auto dy = Random(static_cast<size_t>(n * 200), 13);
    std::vector<float> y(static_cast<size_t>(n * 200)), dx(static_cast<size_t>(n * 300));
    layer->Forward(x.data(), n, y.data(), 1);
    layer->Backward(x.data(), y.data(), dy.data(), n, dx.data(), 1);
    std::vector<float> all = y;
    all.insert(all.end(), dx.begin(), dx.end());
    all.insert(all.end(), layer->grads().begin(), layer->grads().end());
    return all;
  };
  std::ptrdiff_t l1 = 0, l2 = 0, l3 = 0;
  Eigen::internal::manage_caching_sizes(Eigen::GetAction, &l1, &l2, &l3);
  std::vector<std::vector<float>> first;
  for (int64_t n : {10, 32, 500}) first.push_back(run(n));
  for (auto [c1, c2, c3] :
       {std::tuple<std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t>{4 * 1024, 32 * 1024, 256 * 1024},
        {64 * 1024, 2048 * 1024, 64 * 1024 * 1024}}) {
    Eigen::setCpuCacheSizes(c1, c2, c3);
    size_t i = 0;
    for (int64_t n : {10, 32, 500}) {
      ExpectSameBits(run(n), first[i++],
                     "batch " + std::to_string(n) + " with L1 " + std::to_string(c1) + " L2 " +
                         std::to_string(c2));
    }
  }
  Eigen::setCpuCacheSizes(l1, l2, l3);
}

// A sample's logits do not depend on the batch it is in: thin batches take skinny_gemm.h, wide
// ones gemm.h, and both sum in one order (so evaluation at batch 500 sees what training saw).
TEST(SequentialTest, LogitsDoNotDependOnTheBatch) {
  for (const char* name : {"mlp", "cnn"}) {
    auto model = MakeModel(name, 3).value();
    const int64_t n = 40, dim = 784;
    const auto x = Random(static_cast<size_t>(n * dim), 21);
    auto all = model->Forward(std::span<const float>(x.data(), x.size()), n).value();
    const std::vector<float> wide(all.begin(), all.end());
    std::vector<float> thin;
    for (int64_t s = 0; s < n; s += 8) {
      auto part = model->Forward(std::span<const float>(x.data() + s * dim, 8 * dim), 8).value();
      thin.insert(thin.end(), part.begin(), part.end());
    }
    ExpectSameBits(thin, wide, name);
  }
}

}  // namespace
}  // namespace fedcarbon::models
