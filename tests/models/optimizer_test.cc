// SGD and Adam: one and two steps against hand computation, Reset, option errors.
#include <gtest/gtest.h>

#include <cmath>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/optimizer.h"

namespace fedcarbon::models {
namespace {

// A model with three parameters: Dense 2 -> 1, W = [1, -2], b = [0.5].
std::unique_ptr<Sequential> Tiny() {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(MakeDense(Shape{1, 1, 2}, 1).value());
  auto m = Sequential::Create("tiny", std::move(layers), 2).value();
  EXPECT_TRUE(m->SetParams(std::vector<float>{1.0f, -2.0f, 0.5f}).ok());
  return m;
}

void SetGrads(Sequential& m, std::vector<float> g) {
  std::copy(g.begin(), g.end(), m.layers()[0]->grads().begin());
}

const std::vector<float> kGrad = {0.1f, -0.2f, 0.3f};

TEST(SgdTest, PlainStep) {
  auto m = Tiny();
  OptimizerOptions o;
  o.name = "sgd";
  o.lr = 0.1f;
  auto opt = MakeOptimizer(o).value();
  SetGrads(*m, kGrad);
  opt->Step(*m);
  const auto p = m->GetParams();
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.1f * 0.1f);
  EXPECT_FLOAT_EQ(p[1], -2.0f + 0.1f * 0.2f);
  EXPECT_FLOAT_EQ(p[2], 0.5f - 0.1f * 0.3f);
  EXPECT_EQ(opt->FlopsPerParam(), 2);
}

TEST(SgdTest, MomentumAndWeightDecay) {
  auto m = Tiny();
  OptimizerOptions o;
  o.name = "sgd";
  o.lr = 0.1f;
  o.momentum = 0.9f;
  o.weight_decay = 0.01f;
  auto opt = MakeOptimizer(o).value();
  EXPECT_EQ(opt->FlopsPerParam(), 6);
  // Step 1: g' = g + wd*w; v = g'; w -= lr*v. Step 2 (same g): v = 0.9 v + g'; w -= lr*v.
  double w = 1.0, v = 0.0;
  for (int step = 0; step < 2; ++step) {
    SetGrads(*m, kGrad);
    opt->Step(*m);
    const double g = 0.1 + 0.01 * w;
    v = 0.9 * v + g;
    w -= 0.1 * v;
    EXPECT_NEAR(m->GetParams()[0], w, 1e-6) << "step " << step;
  }
  // Reset drops the velocity: the next step is a plain first step again.
  opt->Reset();
  const float before = m->GetParams()[0];
  SetGrads(*m, kGrad);
  opt->Step(*m);
  EXPECT_NEAR(m->GetParams()[0], before - 0.1 * (0.1 + 0.01 * before), 1e-6);
}

TEST(SgdTest, AppliesTheLayersL2OnWeightsOnly) {
  auto m = Tiny();
  m->layers()[0]->set_l2(0.25f);
  OptimizerOptions o;
  o.name = "sgd";
  o.lr = 0.1f;
  auto opt = MakeOptimizer(o).value();
  SetGrads(*m, kGrad);
  opt->Step(*m, /*threads=*/2);
  const auto p = m->GetParams();
  // Weights: g + 2 * l2 * w; the bias: g alone.
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.1f * (0.1f + 0.5f * 1.0f));
  EXPECT_FLOAT_EQ(p[1], -2.0f - 0.1f * (-0.2f + 0.5f * -2.0f));
  EXPECT_FLOAT_EQ(p[2], 0.5f - 0.1f * 0.3f);
}

TEST(AdamTest, TwoStepsMatchKerasFormula) {
  auto m = Tiny();
  OptimizerOptions o;  // adam, lr 1e-3, betas .9/.999, eps 1e-7
  o.lr = 0.01f;
  auto opt = MakeOptimizer(o).value();
  EXPECT_EQ(opt->FlopsPerParam(), 12);
  std::vector<double> w = {1.0, -2.0, 0.5}, mo(3, 0.0), ve(3, 0.0);
  const std::vector<std::vector<float>> grads = {kGrad, {-0.05f, 0.4f, 0.0f}};
  for (int t = 1; t <= 2; ++t) {
    SetGrads(*m, grads[t - 1]);
    opt->Step(*m);
    const double lr_t = 0.01 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (int i = 0; i < 3; ++i) {
      const double g = grads[t - 1][i];
      mo[i] = 0.9 * mo[i] + 0.1 * g;
      ve[i] = 0.999 * ve[i] + 0.001 * g * g;
      w[i] -= lr_t * mo[i] / (std::sqrt(ve[i]) + 1e-7);
      EXPECT_NEAR(m->GetParams()[i], w[i], 1e-6) << "t=" << t << " i=" << i;
    }
  }
  // First Adam step moves each parameter by about lr against the sign of its gradient.
  EXPECT_NEAR(
      1.0 - 0.01,
      [&] {
        auto fresh = Tiny();
        auto o2 = MakeOptimizer(o).value();
        SetGrads(*fresh, kGrad);
        o2->Step(*fresh);
        return double(fresh->GetParams()[0]);
      }(),
      1e-5);
}

TEST(AdamTest, ResetRestartsBiasCorrection) {
  auto a = Tiny();
  auto b = Tiny();
  OptimizerOptions o;
  auto opt_a = MakeOptimizer(o).value();
  auto opt_b = MakeOptimizer(o).value();
  SetGrads(*a, kGrad);
  opt_a->Step(*a);
  ASSERT_TRUE(a->SetParams(b->GetParams()).ok());
  opt_a->Reset();
  SetGrads(*a, kGrad);
  opt_a->Step(*a);
  SetGrads(*b, kGrad);
  opt_b->Step(*b);
  EXPECT_EQ(a->GetParams(), b->GetParams());
}

TEST(OptimizerTest, RejectsBadOptions) {
  OptimizerOptions o;
  o.name = "rmsprop";
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o.name = "sgd";
  o.lr = 0.0f;
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o.lr = 0.1f;
  o.momentum = 1.0f;
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o.momentum = 0.5f;
  o.weight_decay = -1.0f;
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o = OptimizerOptions{};
  o.beta2 = 1.0f;
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o.beta2 = 0.999f;
  o.epsilon = 0.0f;
  EXPECT_FALSE(MakeOptimizer(o).ok());
  o.epsilon = 1e-7f;
  EXPECT_TRUE(MakeOptimizer(o).ok());
}

}  // namespace
}  // namespace fedcarbon::models
