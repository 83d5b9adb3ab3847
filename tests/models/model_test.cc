// The named models: parameter counts, FLOP counts by hand, flat parameters, gradients of the
// whole loss (cross-entropy + L2) against finite differences, shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"
#include "fedcarbon/models/train.h"
#include "gradcheck.h"

namespace fedcarbon::models {
namespace {

using testing::RandomVector;

TEST(ModelZooTest, ParameterCounts) {
  EXPECT_EQ(MakeModel("mlp", 1).value()->num_params(), 199210);
  EXPECT_EQ(MakeModel("cnn", 1).value()->num_params(), 1663370);
  auto bad = MakeModel("resnet", 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("resnet"), std::string::npos);
}

TEST(ModelZooTest, CnnLayersAndRegularisation) {
  auto m = MakeModel("cnn", 1).value();
  std::vector<std::string> kinds;
  for (const auto& l : m->layers()) kinds.push_back(l->kind());
  EXPECT_EQ(kinds, (std::vector<std::string>{"conv2d", "relu", "maxpool2d", "conv2d", "relu",
                                             "maxpool2d", "flatten", "dense", "relu", "dense"}));
  EXPECT_FLOAT_EQ(m->layers()[0]->l2(), 1e-5f);
  EXPECT_FLOAT_EQ(m->layers()[3]->l2(), 1e-5f);
  EXPECT_FLOAT_EQ(m->layers()[7]->l2(), 1e-3f);
  EXPECT_FLOAT_EQ(m->layers()[9]->l2(), 1e-3f);
  EXPECT_EQ(m->layers()[6]->out_shape(), (Shape{1, 1, 3136}));
  EXPECT_EQ(m->num_classes(), 10);
  EXPECT_EQ(m->input_dim(), 784);
  auto mlp = MakeModel("mlp", 1).value();
  for (const auto& l : mlp->layers()) EXPECT_EQ(l->l2(), 0.0f);
}

TEST(ModelZooTest, CnnFlopsByHand) {
  // Forward, per sample (multiply-add = 2 FLOPs; bias 1 per output; ReLU 1 per element;
  // max-pool 3 per output; softmax cross-entropy 4 per class).
  const uint64_t conv1 = 2ULL * 28 * 28 * 32 * 25 * 1, conv1_b = 28 * 28 * 32;
  const uint64_t relu1 = 28 * 28 * 32, pool1 = 3 * 14 * 14 * 32;
  const uint64_t conv2 = 2ULL * 14 * 14 * 64 * 25 * 32, conv2_b = 14 * 14 * 64;
  const uint64_t relu2 = 14 * 14 * 64, pool2 = 3 * 7 * 7 * 64;
  const uint64_t dense1 = 2ULL * 3136 * 512, dense1_b = 512, relu3 = 512;
  const uint64_t dense2 = 2ULL * 512 * 10, dense2_b = 10, loss_f = 4 * 10, loss_b = 2 * 10;
  const uint64_t forward = conv1 + conv1_b + relu1 + pool1 + conv2 + conv2_b + relu2 + pool2 +
                           dense1 + dense1_b + relu3 + dense2 + dense2_b + loss_f;
  // Backward: every layer's weight GEMM and bias sum; input-gradient GEMMs for all but conv1
  // (the first layer); ReLU 1 per element; pooling and flatten route without arithmetic.
  const uint64_t backward = (conv1 + conv1_b) + relu1 + (conv2 + conv2_b + conv2) + relu2 +
                            (dense1 + dense1_b + dense1) + relu3 + (dense2 + dense2_b + dense2) +
                            loss_b;
  EXPECT_EQ(forward, 24'650'866ULL);   // about 24.7 MFLOP
  EXPECT_EQ(backward, 47'914'526ULL);  // about 47.9 MFLOP
  const FlopCount f = MakeModel("cnn", 1).value()->FlopsPerSample();
  EXPECT_EQ(f.forward, forward);
  EXPECT_EQ(f.backward, backward);
  EXPECT_EQ(f.total(), forward + backward);
}

TEST(ModelZooTest, MlpFlopsByHand) {
  const uint64_t d1 = 2ULL * 784 * 200, d2 = 2ULL * 200 * 200, d3 = 2ULL * 200 * 10;
  const uint64_t forward = d1 + 200 + 200 + d2 + 200 + 200 + d3 + 10 + 4 * 10;
  const uint64_t backward = (d1 + 200) + 200 + (d2 + 200 + d2) + 200 + (d3 + 10 + d3) + 2 * 10;
  EXPECT_EQ(forward, 398'450ULL);
  EXPECT_EQ(backward, 482'430ULL);
  const FlopCount f = MakeModel("mlp", 1).value()->FlopsPerSample();
  EXPECT_EQ(f.forward, forward);
  EXPECT_EQ(f.backward, backward);
}

TEST(SequentialTest, GetSetParamsRoundTripAndErrors) {
  auto a = MakeModel("mlp", 1).value();
  auto b = MakeModel("mlp", 2).value();
  const std::vector<float> pa = a->GetParams();
  ASSERT_EQ(static_cast<int64_t>(pa.size()), a->num_params());
  EXPECT_NE(pa, b->GetParams());
  ASSERT_TRUE(b->SetParams(pa).ok());
  EXPECT_EQ(b->GetParams(), pa);
  // Layout: layer by layer, weights then bias (first layer's bias are the zeros after W).
  EXPECT_EQ(pa[784 * 200], 0.0f);
  EXPECT_EQ(
      std::vector<float>(pa.begin(), pa.begin() + 10),
      std::vector<float>(a->layers()[0]->params().begin(), a->layers()[0]->params().begin() + 10));

  std::vector<float> short_params(pa.begin(), pa.end() - 1);
  auto st = b->SetParams(short_params);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("199209"), std::string::npos);
  std::vector<float> bad = pa;
  bad[1234] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(b->SetParams(bad).ok());
  bad[1234] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(b->SetParams(bad).ok());
  EXPECT_EQ(b->GetParams(), pa);  // a rejected SetParams changes nothing
}

TEST(SequentialTest, WrongShapesAreErrors) {
  auto m = MakeModel("cnn", 1).value();
  std::vector<float> x(2 * 784, 0.5f);
  EXPECT_FALSE(m->Forward(x, 3).ok());                                    // size mismatch
  EXPECT_FALSE(m->Forward(std::span<const float>(x.data(), 0), 0).ok());  // empty batch
  EXPECT_FALSE(m->Backward(std::vector<float>(20)).ok());                 // no Forward yet
  ASSERT_TRUE(m->Forward(x, 2).ok());
  EXPECT_FALSE(m->Backward(std::vector<float>(30)).ok());  // wrong dlogits size
  EXPECT_TRUE(m->Backward(std::vector<float>(20)).ok());

  // A broken chain is reported by Create and by Forward on a directly built model.
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(MakeDense(Shape{1, 1, 4}, 3).value());
  layers.push_back(MakeDense(Shape{1, 1, 5}, 2).value());
  auto bad = Sequential::Create("bad", std::move(layers), 4);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("layer 1"), std::string::npos);
  std::vector<std::unique_ptr<Layer>> layers2;
  layers2.push_back(MakeDense(Shape{1, 1, 4}, 3).value());
  Sequential wrong_input("w", std::move(layers2), 5);
  EXPECT_FALSE(wrong_input.valid().ok());
  EXPECT_FALSE(wrong_input.Forward(std::vector<float>(5), 1).ok());
  EXPECT_FALSE(Sequential::Create("empty", {}, 4).ok());
}

// Total loss as training sees it: mean cross-entropy + L2 (computed in double here).
double TotalLoss(Sequential& m, const std::vector<float>& x, const std::vector<uint8_t>& y) {
  const int64_t n = static_cast<int64_t>(y.size());
  auto logits = m.Forward(x, n).value();
  double loss = SoftmaxCrossEntropy(logits, y, m.num_classes(), 1.0f, {}).value().sum_loss / n;
  for (const auto& l : m.layers()) {
    double sq = 0.0;
    for (int64_t i = 0; i < l->num_weights(); ++i) sq += double(l->params()[i]) * l->params()[i];
    loss += l->l2() * sq;
  }
  return loss;
}

// Finite differences of the whole loss against Backward + AddRegularizationGrad, per
// parameterised layer: (a) along the layer's normalised gradient plus a random component (a
// step of norm 1e-3, which moves a large block's weights by tiny amounts, so ReLU kinks are
// rarely crossed while the loss changes well above float rounding), (b) single parameters with
// the largest gradients, and one bias. Probes whose one-sided differences disagree straddle a
// ReLU kink; they are skipped and counted.
void CheckModelGradients(const std::string& name) {
  auto m = MakeModel(name, 5).value();
  const int64_t n = 2;
  const auto x = RandomVector(n * 784, 50, 0.0f, 1.0f);
  const std::vector<uint8_t> y = {3, 7};
  auto logits = m->Forward(x, n).value();
  std::vector<float> dlogits(logits.size());
  ASSERT_TRUE(SoftmaxCrossEntropy(logits, y, 10, 1.0f / n, dlogits).ok());
  ASSERT_TRUE(m->Backward(dlogits).ok());
  m->AddRegularizationGrad();
  int checked = 0, skipped = 0;
  auto probe = [&](std::span<float> p, const std::vector<double>& dir, double analytic, double eps,
                   const std::string& what) {
    const std::vector<float> keep(p.begin(), p.end());
    auto at = [&](double t) {
      for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<float>(keep[i] + t * dir[i]);
      return TotalLoss(*m, x, y);
    };
    const double l0 = at(0), lp = at(eps), lm = at(-eps);
    std::copy(keep.begin(), keep.end(), p.begin());
    const double fwd = (lp - l0) / eps, bwd = (l0 - lm) / eps, central = (lp - lm) / (2 * eps);
    if (std::fabs(fwd - bwd) > 0.1 * std::fabs(central) + 1e-3) {
      ++skipped;  // a ReLU kink between the probes
      return;
    }
    ++checked;
    EXPECT_NEAR(central, analytic, 1e-3 + 2e-2 * std::fabs(analytic)) << what;
  };
  uint32_t seed = 60;
  for (size_t li = 0; li < m->layers().size(); ++li) {
    auto& l = m->layers()[li];
    if (l->num_params() == 0) continue;
    const std::string where = "layer " + std::to_string(li) + " " + l->kind();
    auto p = l->params();
    const std::vector<float> g(l->grads().begin(), l->grads().end());
    double gnorm = 0.0;
    for (float v : g) gnorm += double(v) * v;
    gnorm = std::sqrt(gnorm);
    ASSERT_GT(gnorm, 0.0) << where;
    const auto noise = RandomVector(p.size(), seed++);
    std::vector<double> dir(p.size());
    double dnorm = 0.0;
    for (size_t i = 0; i < p.size(); ++i) {
      dir[i] = g[i] / gnorm + noise[i] / std::sqrt(double(p.size()));
      dnorm += dir[i] * dir[i];
    }
    double analytic = 0.0;
    for (size_t i = 0; i < p.size(); ++i) {
      dir[i] /= std::sqrt(dnorm);
      analytic += dir[i] * g[i];
    }
    probe(p, dir, analytic, 1e-3, where + " direction");
    // The three weights with the largest gradients, and the bias with the largest gradient.
    std::vector<size_t> order;
    for (int k = 0; k < 3; ++k) {
      size_t best = 0;
      for (size_t i = 0; i < static_cast<size_t>(l->num_weights()); ++i) {
        if (std::find(order.begin(), order.end(), i) != order.end()) continue;
        if (std::fabs(g[i]) > std::fabs(g[best]) ||
            std::find(order.begin(), order.end(), best) != order.end()) {
          best = i;
        }
      }
      order.push_back(best);
    }
    size_t best_bias = l->num_weights();
    for (size_t i = best_bias; i < p.size(); ++i)
      if (std::fabs(g[i]) > std::fabs(g[best_bias])) best_bias = i;
    for (size_t i : {order[0], order[1], order[2], best_bias}) {
      std::vector<double> unit(p.size(), 0.0);
      unit[i] = 1.0;
      probe(p, unit, g[i], 1e-3, where + " param " + std::to_string(i));
    }
  }
  EXPECT_GE(checked, 4 * (skipped + 1)) << "too many probes hit ReLU kinks";
  std::printf("%s: %d probes checked, %d skipped at kinks\n", name.c_str(), checked, skipped);
}

TEST(ModelGradientTest, MlpMatchesFiniteDifferences) { CheckModelGradients("mlp"); }
TEST(ModelGradientTest, CnnMatchesFiniteDifferences) { CheckModelGradients("cnn"); }

TEST(SequentialTest, RegularizationMatchesHandComputation) {
  auto m = MakeModel("cnn", 9).value();
  double expect = 0.0;
  uint64_t reg_weights = 0;
  for (const auto& l : m->layers()) {
    double sq = 0.0;
    for (int64_t i = 0; i < l->num_weights(); ++i) sq += double(l->params()[i]) * l->params()[i];
    expect += l->l2() * sq;
    if (l->l2() > 0) reg_weights += l->num_weights();
  }
  EXPECT_NEAR(m->RegularizationLoss(), expect, 1e-5 * expect);
  EXPECT_NEAR(m->RegularizationLoss(/*threads=*/2), expect, 1e-5 * expect);
  EXPECT_EQ(reg_weights, 1663370ULL - 32 - 64 - 512 - 10);
  EXPECT_EQ(m->RegularizationFlops(), 4 * reg_weights);
  // Gradient: grads_W += 2 * l2 * W on weights only.
  for (auto& l : m->layers()) std::fill(l->grads().begin(), l->grads().end(), 1.0f);
  m->AddRegularizationGrad();
  const auto& d1 = m->layers()[7];
  EXPECT_FLOAT_EQ(d1->grads()[5], 1.0f + 2e-3f * d1->params()[5]);
  EXPECT_EQ(d1->grads()[d1->num_weights()], 1.0f);  // bias untouched
}

}  // namespace
}  // namespace fedcarbon::models
