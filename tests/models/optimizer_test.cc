// SGD and Adam: one and two steps against hand computation, Reset, option errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"
#include "fedcarbon/models/optimizer.h"
#include "fedcarbon/models/train.h"

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

// Conv2d -> ReLU -> Flatten -> Dense, each parameterised layer with its own L2 (Keras
// kernel_regularizer): the Table 4 CNN's kinds of layers at a size where every number can be
// followed by hand.
std::unique_ptr<Sequential> SmallConvDense(float conv_l2, float dense_l2) {
  Conv2dOptions co;
  co.filters = 3;
  co.kernel = 3;
  co.l2 = conv_l2;
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(MakeConv2d(Shape{4, 4, 2}, co).value());  // W: [3, 3, 2, 3], b: [3]
  layers.push_back(MakeRelu(Shape{4, 4, 3}).value());
  layers.push_back(MakeFlatten(Shape{4, 4, 3}).value());
  layers.push_back(MakeDense(Shape{1, 1, 48}, 4, dense_l2).value());  // W: [48, 4], b: [4]
  auto m = Sequential::Create("small", std::move(layers), 32).value();
  m->layers()[0]->Initialize(11);
  m->layers()[3]->Initialize(12);
  for (int li : {0, 3}) {  // non-zero biases
    auto p = m->layers()[li]->params();
    for (int64_t i = m->layers()[li]->num_weights(); i < m->layers()[li]->num_params(); ++i) {
      p[i] = 0.1f * static_cast<float>(i % 5) - 0.15f;
    }
  }
  return m;
}

// Forward + backward of the mean cross-entropy on a fixed batch: fills the layers' grads.
void DataLossGradients(Sequential& m) {
  std::vector<float> x(3 * 32);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.7f * static_cast<float>(i)) + 0.2f;
  const std::vector<uint8_t> y = {1, 3, 0};
  auto logits = m.Forward(x, 3).value();
  std::vector<float> d(logits.size());
  ASSERT_TRUE(SoftmaxCrossEntropy(logits, y, 4, 1.0f / 3.0f, d).ok());
  ASSERT_TRUE(m.Backward(d).ok());
}

// Adam as the Table 4 runs use it (lr 1e-3, Keras betas and epsilon), with the layers' L2 terms
// added to the gradient (coupled L2, not AdamW's decoupled decay), against the update written
// out by hand in double for chosen parameters of the conv and the dense layer, over two steps
// (step 2 checks that the moments carry over and the bias correction advances). The CNN's own
// coefficients (1e-5, 1e-3) would move a parameter by less than a float ulp in two steps, so
// larger ones are used; the code path is the same. Also with OptimizerOptions::weight_decay,
// which the project adds to every gradient, biases included.
TEST(AdamTest, StepsWithL2OnConvAndDenseWeightsMatchHandComputation) {
  for (const float wd : {0.0f, 0.1f}) {
    SCOPED_TRACE("weight_decay " + std::to_string(wd));
    const float conv_l2 = 0.05f, dense_l2 = 0.2f;
    auto m = SmallConvDense(conv_l2, dense_l2);
    OptimizerOptions o;  // adam
    o.lr = 1e-3f;
    o.weight_decay = wd;
    auto opt = MakeOptimizer(o).value();
    const double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    ASSERT_FLOAT_EQ(o.beta1, b1);
    ASSERT_FLOAT_EQ(o.beta2, b2);
    ASSERT_FLOAT_EQ(o.epsilon, eps);

    struct Probe {
      int layer;
      int64_t index;
      double w = 0, m = 0, v = 0;  // the hand-computed state
    };
    std::vector<Probe> probes;
    for (int li : {0, 3}) {
      const Layer& l = *m->layers()[li];
      for (int64_t i :
           {int64_t{0}, int64_t{7}, l.num_weights() - 1, l.num_weights(), l.num_params() - 1}) {
        probes.push_back({li, i});
      }
    }
    DataLossGradients(*m);
    // Also the weight and the bias of each layer whose data gradient is smallest next to the
    // parameter (zero behind a dead ReLU): their first update is driven by the L2 and decay terms.
    for (int li : {0, 3}) {
      const Layer& l = *m->layers()[li];
      for (auto [lo, hi] :
           {std::pair{int64_t{0}, l.num_weights()}, std::pair{l.num_weights(), l.num_params()}}) {
        int64_t best = lo;
        for (int64_t i = lo + 1; i < hi; ++i) {
          if (std::fabs(l.grads()[i]) * std::fabs(l.params()[best]) <
              std::fabs(l.grads()[best]) * std::fabs(l.params()[i])) {
            best = i;
          }
        }
        probes.push_back({li, best});
      }
    }
    for (auto& p : probes) p.w = m->layers()[p.layer]->params()[p.index];

    for (int t = 1; t <= 2; ++t) {
      if (t > 1) DataLossGradients(*m);  // fresh gradients at the updated parameters
      std::vector<double> g(probes.size());
      for (size_t k = 0; k < probes.size(); ++k) {
        const Layer& l = *m->layers()[probes[k].layer];
        g[k] = l.grads()[probes[k].index];
      }
      opt->Step(*m);
      const double lr_t = lr * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));
      for (size_t k = 0; k < probes.size(); ++k) {
        Probe& p = probes[k];
        const Layer& l = *m->layers()[p.layer];
        const bool weight = p.index < l.num_weights();
        const double l2 = p.layer == 0 ? conv_l2 : dense_l2;
        // The gradient Adam sees: data loss + d/dw (l2 * w^2) on weights + weight_decay * w.
        const double gt = g[k] + (weight ? 2.0 * l2 * p.w : 0.0) + wd * p.w;
        p.m = b1 * p.m + (1.0 - b1) * gt;
        p.v = b2 * p.v + (1.0 - b2) * gt * gt;
        p.w -= lr_t * p.m / (std::sqrt(p.v) + eps);
        EXPECT_NEAR(l.params()[p.index], p.w, 2e-7)
            << "t=" << t << " layer " << p.layer << (weight ? " weight " : " bias ") << p.index;
      }
    }
  }
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

// Train takes the L2 loss from the optimizer's pass over the weights: it must be
// RegularizationLoss of the weights before the update, bit for bit, and the update Step's, for
// every thread count. The CNN (every weight regularised, 2-3 parts), and an MLP with L2 on its
// last layer only (one regularisation part, while the update is split over three).
TEST(OptimizerTest, FusedRegularizationLossEqualsRegularizationLoss) {
  auto cnn = [] { return MakeModel("cnn", 21).value(); };
  auto mlp = [] {
    auto m = MakeModel("mlp", 22).value();
    m->layers()[2]->set_l2(0.01f);  // the middle 200 x 200 layer
    return m;
  };
  for (auto make : {+cnn, +mlp}) {
    for (const char* name : {"sgd", "adam"}) {
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(std::string(name) + " threads " + std::to_string(threads));
        auto a = make(), b = make();
        for (auto* m : {a.get(), b.get()}) {
          for (auto& l : m->layers()) {
            auto g = l->grads();
            for (size_t i = 0; i < g.size(); ++i) g[i] = 1e-3f * static_cast<float>(i % 7) - 3e-3f;
          }
        }
        OptimizerOptions o;
        o.name = name;
        o.lr = 0.01f;
        o.weight_decay = 1e-4f;
        auto opt_a = MakeOptimizer(o).value(), opt_b = MakeOptimizer(o).value();
        const double want = a->RegularizationLoss(threads);
        opt_a->Step(*a, threads);
        const double got = opt_b->StepWithRegularizationLoss(*b, threads);
        EXPECT_GT(want, 0.0);
        EXPECT_EQ(got, want);  // bitwise
        EXPECT_TRUE(a->GetParams() == b->GetParams());
      }
    }
  }
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
