// Train / Evaluate on small synthetic data: the loss falls, runs are bit-for-bit deterministic,
// FLOPs and counts add up, FedProx pulls towards its center, bad views are errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"
#include "fedcarbon/models/train.h"

namespace fedcarbon::models {
namespace {

// n samples of 10 classes: class prototypes in [0,1]^784 plus uniform noise, clipped.
struct Synthetic {
  std::vector<float> x;
  std::vector<uint8_t> y;
  int64_t n;
  Synthetic(int64_t count, uint32_t seed) : n(count) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> proto(10 * 784);
    for (auto& v : proto) v = u(rng) < 0.3f ? u(rng) : 0.0f;
    x.resize(n * 784);
    y.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      y[i] = static_cast<uint8_t>(i % 10);
      for (int64_t j = 0; j < 784; ++j) {
        x[i * 784 + j] = std::clamp(proto[y[i] * 784 + j] + 0.4f * (u(rng) - 0.5f), 0.0f, 1.0f);
      }
    }
  }
  DataView view(std::span<const int64_t> idx = {}) const {
    return DataView{x.data(), y.data(), n, 784, idx};
  }
};

std::unique_ptr<Optimizer> Adam(float lr = 1e-3f) {
  OptimizerOptions o;
  o.lr = lr;
  return MakeOptimizer(o).value();
}

TEST(TrainTest, MlpLossFallsAndItLearns) {
  const Synthetic data(300, 1);
  auto m = MakeModel("mlp", 1).value();
  auto opt = Adam();
  const double before = Evaluate(*m, data.view()).value().loss;
  TrainOptions t;
  t.batch_size = 10;
  t.epochs = 2;
  auto st = Train(*m, *opt, data.view(), t);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto ev = Evaluate(*m, data.view()).value();
  EXPECT_LT(ev.loss, 0.5 * before);
  EXPECT_GT(ev.accuracy, 0.9);
  EXPECT_LT(st->mean_loss, before);
}

TEST(TrainTest, CnnLossFalls) {
  const Synthetic data(60, 2);
  auto m = MakeModel("cnn", 2).value();
  auto opt = Adam();
  const double before = Evaluate(*m, data.view()).value().loss;
  EXPECT_NEAR(before, std::log(10.0), 0.2);  // untrained: about uniform predictions
  TrainOptions t;
  t.batch_size = 10;
  t.epochs = 3;
  auto st = Train(*m, *opt, data.view(), t);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_LT(Evaluate(*m, data.view()).value().loss, 0.5 * before);
}

std::vector<float> TrainedParams(int threads, uint64_t shuffle_seed) {
  const Synthetic data(40, 3);
  auto m = MakeModel("cnn", 3).value();
  auto opt = Adam();
  TrainOptions t;
  t.batch_size = 8;
  t.threads = threads;
  t.seed = shuffle_seed;
  EXPECT_TRUE(Train(*m, *opt, data.view(), t).ok());
  return m->GetParams();
}

TEST(TrainTest, DeterministicForSameSeedAndThreads) {
  const auto a1 = TrainedParams(1, 7), b1 = TrainedParams(1, 7);
  EXPECT_TRUE(a1 == b1) << "1 thread: runs differ";
  const auto a2 = TrainedParams(2, 7), b2 = TrainedParams(2, 7);
  EXPECT_TRUE(a2 == b2) << "2 threads: runs differ";
  EXPECT_FALSE(a1 == TrainedParams(1, 8)) << "the shuffle seed must matter";
}

TEST(TrainTest, CountsAndExactFlops) {
  const Synthetic data(25, 4);
  auto m = MakeModel("cnn", 4).value();
  auto opt = Adam();
  TrainOptions t;
  t.batch_size = 10;
  t.epochs = 2;
  auto st = Train(*m, *opt, data.view(), t).value();
  EXPECT_EQ(st.samples, 50);
  EXPECT_EQ(st.steps, 6);  // 10 + 10 + 5, twice
  const uint64_t per_step = 12ULL * m->num_params() + m->RegularizationFlops();
  EXPECT_EQ(st.flops, 50 * m->FlopsPerSample().total() + 6 * per_step);
  EXPECT_GT(st.wall_s, 0.0);

  // A subset through indices; Evaluate counts forward FLOPs only.
  const std::vector<int64_t> idx = {3, 1, 4, 15, 9};
  auto ev = Evaluate(*m, data.view(idx), 1, 2).value();
  EXPECT_EQ(ev.samples, 5);
  EXPECT_EQ(ev.flops, 5 * m->FlopsPerSample().forward);
}

TEST(TrainTest, EvaluateMatchesManualArgmax) {
  const Synthetic data(30, 5);
  auto m = MakeModel("mlp", 5).value();
  auto ev = Evaluate(*m, data.view(), 1, 7).value();  // 7 does not divide 30
  auto logits = m->Forward(data.x, data.n).value();
  int64_t correct = 0;
  double loss = 0.0;
  for (int64_t i = 0; i < data.n; ++i) {
    const float* z = logits.data() + i * 10;
    correct += (std::max_element(z, z + 10) - z) == data.y[i];
    double s = 0.0;
    for (int k = 0; k < 10; ++k) s += std::exp(double(z[k]));
    loss += std::log(s) - z[data.y[i]];
  }
  EXPECT_DOUBLE_EQ(ev.accuracy, double(correct) / data.n);
  EXPECT_NEAR(ev.loss, loss / data.n, 1e-4);
}

TEST(TrainTest, FedProxPullsTowardsCenter) {
  const Synthetic data(60, 6);
  auto distance = [&](float mu) {
    auto m = MakeModel("mlp", 6).value();
    const std::vector<float> center = m->GetParams();
    OptimizerOptions o;
    o.name = "sgd";
    o.lr = 0.05f;
    auto opt = MakeOptimizer(o).value();
    TrainOptions t;
    t.prox_mu = mu;
    t.prox_center = center;
    auto st = Train(*m, *opt, data.view(), t).value();
    const uint64_t per_step =
        (2ULL + (mu > 0 ? 6ULL : 0ULL)) * static_cast<uint64_t>(m->num_params());
    EXPECT_EQ(st.flops, st.samples * m->FlopsPerSample().total() + st.steps * per_step);
    double d = 0.0;
    const auto p = m->GetParams();
    for (size_t i = 0; i < p.size(); ++i) d += double(p[i] - center[i]) * (p[i] - center[i]);
    return std::sqrt(d);
  };
  const double free = distance(0.0f), prox = distance(5.0f);
  EXPECT_GT(free, 0.0);
  EXPECT_LT(prox, 0.7 * free);
}

TEST(TrainTest, BadInputsAreErrors) {
  Synthetic data(20, 7);
  auto m = MakeModel("mlp", 7).value();
  auto opt = Adam();
  TrainOptions t;
  DataView v = data.view();
  v.dim = 783;
  EXPECT_FALSE(Train(*m, *opt, v, t).ok());
  EXPECT_FALSE(Evaluate(*m, v).ok());
  v = data.view();
  v.n = 0;
  EXPECT_FALSE(Train(*m, *opt, v, t).ok());
  const std::vector<int64_t> bad_idx = {0, 20};
  auto st = Train(*m, *opt, data.view(bad_idx), t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("index 20"), std::string::npos);
  t.batch_size = 0;
  EXPECT_FALSE(Train(*m, *opt, data.view(), t).ok());
  t.batch_size = 10;
  t.threads = 0;
  EXPECT_FALSE(Train(*m, *opt, data.view(), t).ok());
  t.threads = 1;
  const std::vector<float> short_center(10);
  t.prox_mu = 0.1f;
  t.prox_center = short_center;
  EXPECT_FALSE(Train(*m, *opt, data.view(), t).ok());
  t = TrainOptions{};
  data.y[3] = 10;
  auto bad_label = Train(*m, *opt, data.view(), t);
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("label 10"), std::string::npos);
}

TEST(LossTest, SoftmaxCrossEntropyByHand) {
  const std::vector<float> z = {1.0f, 2.0f, 3.0f};
  const std::vector<uint8_t> y = {2};
  std::vector<float> d(3);
  auto r = SoftmaxCrossEntropy(z, y, 3, 0.5f, d).value();
  const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(r.sum_loss, std::log(s) - 3.0, 1e-9);
  EXPECT_EQ(r.correct, 1);
  EXPECT_NEAR(d[0], 0.5 * std::exp(1.0) / s, 1e-7);
  EXPECT_NEAR(d[2], 0.5 * (std::exp(3.0) / s - 1.0), 1e-7);
  // Large logits stay finite.
  const std::vector<float> big = {1000.0f, -1000.0f, 0.0f};
  EXPECT_NEAR(SoftmaxCrossEntropy(big, std::vector<uint8_t>{0}, 3, 1.0f, {}).value().sum_loss, 0.0,
              1e-9);
  EXPECT_FALSE(SoftmaxCrossEntropy(z, std::vector<uint8_t>{3}, 3, 1.0f, {}).ok());
  EXPECT_FALSE(SoftmaxCrossEntropy(z, std::vector<uint8_t>{0, 1}, 3, 1.0f, {}).ok());
}

}  // namespace
}  // namespace fedcarbon::models
