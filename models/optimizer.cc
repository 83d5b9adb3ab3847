// SGD (momentum, weight decay) and Adam (Keras' formulation) over a Sequential's layers.
#include "fedcarbon/models/optimizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/sequential.h"
#include "parallel.h"

namespace fedcarbon::models {
namespace {

constexpr int64_t kGrain = 1 << 15;  // parameters per thread, at least

// Calls f(params, grads, size, state_offset, decay) on contiguous pieces of every layer's
// parameters, spread over up to `threads` threads. decay = weight_decay + 2 * l2 on a layer's
// weights (its L2 term, fused here to save a pass over the parameters), weight_decay on biases.
template <class F>
void ForEachParamBlock(Sequential& model, int threads, float weight_decay, F&& f) {
  const int64_t total = model.num_params();
  internal::ParallelParts(
      internal::PartsFor(threads, total, kGrain), total, [&](int, int64_t b, int64_t e) {
        int64_t off = 0;
        for (auto& l : model.layers()) {
          const int64_t bounds[3] = {off, off + l->num_weights(), off + l->num_params()};
          for (int part = 0; part < 2; ++part) {  // weights, then bias
            const int64_t lo = std::max(b, bounds[part]), hi = std::min(e, bounds[part + 1]);
            if (lo >= hi) continue;
            const float decay = weight_decay + (part == 0 ? 2.0f * l->l2() : 0.0f);
            f(l->params().data() + (lo - off), l->grads().data() + (lo - off), hi - lo, lo, decay);
          }
          off += l->num_params();
        }
      });
}

// w -= lr * (g + wd*w), or with momentum: v = mu*v + (g + wd*w); w -= lr * v (PyTorch form;
// equals Keras' v = mu*v - lr*g; w += v for a constant lr).
class Sgd final : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& o) : o_(o) {}
  using Optimizer::Step;
  void Step(Sequential& model, int threads) override {
    if (o_.momentum > 0.0f && static_cast<int64_t>(v_.size()) != model.num_params()) {
      v_.assign(static_cast<size_t>(model.num_params()), 0.0f);
    }
    const float lr = o_.lr, mu = o_.momentum;
    ForEachParamBlock(
        model, threads, o_.weight_decay,
        [&](float* __restrict w, const float* __restrict g, int64_t n, int64_t off, float wd) {
          if (mu > 0.0f) {
            float* __restrict v = v_.data() + off;
            for (int64_t i = 0; i < n; ++i) {
              v[i] = mu * v[i] + (g[i] + wd * w[i]);
              w[i] -= lr * v[i];
            }
          } else {
            for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + wd * w[i]);
          }
        });
  }
  void Reset() override { v_.clear(); }
  int FlopsPerParam() const override {
    return 2 + (o_.momentum > 0.0f ? 2 : 0) + (o_.weight_decay > 0.0f ? 2 : 0);
  }

 private:
  OptimizerOptions o_;
  std::vector<float> v_;
};

// Keras Adam: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t * m / (sqrt(v) + eps).
class Adam final : public Optimizer {
 public:
  explicit Adam(const OptimizerOptions& o) : o_(o) {}
  using Optimizer::Step;
  void Step(Sequential& model, int threads) override {
    if (static_cast<int64_t>(m_.size()) != model.num_params()) {
      m_.assign(static_cast<size_t>(model.num_params()), 0.0f);
      v_.assign(m_.size(), 0.0f);
      t_ = 0;
    }
    ++t_;
    const double b1t = std::pow(static_cast<double>(o_.beta1), static_cast<double>(t_));
    const double b2t = std::pow(static_cast<double>(o_.beta2), static_cast<double>(t_));
    const float lr_t = static_cast<float>(o_.lr * std::sqrt(1.0 - b2t) / (1.0 - b1t));
    const float b1 = o_.beta1, b2 = o_.beta2, eps = o_.epsilon;
    ForEachParamBlock(
        model, threads, o_.weight_decay,
        [&](float* __restrict w, const float* __restrict g, int64_t n, int64_t off, float wd) {
          float* __restrict m = m_.data() + off;
          float* __restrict v = v_.data() + off;
          for (int64_t i = 0; i < n; ++i) {
            const float gi = g[i] + wd * w[i];
            m[i] = b1 * m[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            w[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
          }
        });
  }
  void Reset() override {
    m_.clear();
    v_.clear();
    t_ = 0;
  }
  int FlopsPerParam() const override { return 12 + (o_.weight_decay > 0.0f ? 2 : 0); }

 private:
  OptimizerOptions o_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
};

}  // namespace

Result<std::unique_ptr<Optimizer>> MakeOptimizer(const OptimizerOptions& o) {
  if (!(o.lr > 0.0f) || !std::isfinite(o.lr)) return Status::Error("optimizer: lr must be > 0");
  if (!(o.weight_decay >= 0.0f)) return Status::Error("optimizer: weight_decay must be >= 0");
  if (o.name == "sgd") {
    if (!(o.momentum >= 0.0f && o.momentum < 1.0f)) {
      return Status::Error("optimizer: momentum must be in [0, 1)");
    }
    return std::unique_ptr<Optimizer>(new Sgd(o));
  }
  if (o.name == "adam") {
    if (!(o.beta1 >= 0.0f && o.beta1 < 1.0f)) return Status::Error("adam: beta1 must be in [0, 1)");
    if (!(o.beta2 >= 0.0f && o.beta2 < 1.0f)) return Status::Error("adam: beta2 must be in [0, 1)");
    if (!(o.epsilon > 0.0f)) return Status::Error("adam: epsilon must be > 0");
    return std::unique_ptr<Optimizer>(new Adam(o));
  }
  return Status::Error("unknown optimizer '" + o.name + "' (expected \"adam\" or \"sgd\")");
}

}  // namespace fedcarbon::models
