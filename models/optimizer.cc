// SGD (momentum, weight decay) and Adam (Keras' formulation) over a Sequential's layers.
#include "fedcarbon/models/optimizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/sequential.h"
#include "parallel.h"
#include "reduce.h"

namespace fedcarbon::models {
namespace {

constexpr int64_t kGrain = 1 << 15;  // parameters per thread, at least
constexpr int64_t kBlock = 4096;     // values per call of the update: squares are read from L1

// One pass over every parameter of `model` on up to `threads` threads: f(w, g, n, state_offset,
// decay) on contiguous blocks of at most kBlock values, with decay = weight_decay + 2 * l2 on a
// layer's weights (its L2 term, fused here to save a pass over the parameters) and weight_decay
// on biases. Part p owns part p of the regularised weights as RegularizationParts splits them and
// the p-th share of the other parameters. With `sums` (one per regularisation part), part p also
// adds l2 * sum(W^2) of its regularised pieces, each taken just before its update, to sums[p]:
// the pieces and their order are Sequential::RegularizationLoss's.
template <class F>
void ParamPass(Sequential& model, int threads, float weight_decay, double* sums, F&& f) {
  int64_t reg_total = 0;
  for (const auto& l : model.layers()) reg_total += l->l2() != 0.0f ? l->num_weights() : 0;
  const int64_t other_total = model.num_params() - reg_total;
  const int reg_parts = internal::RegularizationParts(threads, reg_total);
  const int parts = std::max(reg_parts, internal::PartsFor(threads, model.num_params(), kGrain));
  if (sums != nullptr) std::fill(sums, sums + reg_parts, 0.0);
  internal::ParallelParts(parts, other_total, [&](int p, int64_t ob, int64_t oe) {
    const int64_t rb = p < reg_parts ? internal::PartBegin(reg_total, reg_parts, p) : 0;
    const int64_t re = p < reg_parts ? internal::PartBegin(reg_total, reg_parts, p + 1) : 0;
    int64_t off = 0, roff = 0, ooff = 0;  // flat, regularised and other offsets of the layer
    for (auto& l : model.layers()) {
      float* w = l->params().data();
      float* g = l->grads().data();
      const int64_t nw = l->num_weights(), nb = l->num_params() - nw;
      // Values [lo, hi) of the layer, in blocks; with ss, their squares first.
      auto run = [&](int64_t lo, int64_t hi, float decay, internal::SquareSum* ss) {
        for (int64_t b = lo; b < hi; b += kBlock) {
          const int64_t len = std::min(kBlock, hi - b);
          if (ss != nullptr) ss->Add(w + b, len);
          f(w + b, g + b, len, off + b, decay);
        }
      };
      if (l->l2() != 0.0f) {
        const int64_t lo = std::max(rb, roff) - roff, hi = std::min(re, roff + nw) - roff;
        if (lo < hi) {
          internal::SquareSum ss;
          run(lo, hi, weight_decay + 2.0f * l->l2(), sums != nullptr ? &ss : nullptr);
          if (sums != nullptr) sums[p] += static_cast<double>(l->l2()) * ss.Total();
        }
        roff += nw;
      } else {
        const int64_t lo = std::max(ob, ooff) - ooff, hi = std::min(oe, ooff + nw) - ooff;
        if (lo < hi) run(lo, hi, weight_decay, nullptr);
        ooff += nw;
      }
      const int64_t lo = std::max(ob, ooff) - ooff, hi = std::min(oe, ooff + nb) - ooff;
      if (lo < hi) run(nw + lo, nw + hi, weight_decay, nullptr);  // the bias
      ooff += nb;
      off += nw + nb;
    }
  });
}

// The pass with the regularisation loss: RegularizationLoss(threads) of the weights before the
// update, its parts' sums kept in `sums` (grown, never shrunk: no allocation per step).
template <class F>
double ParamPassWithLoss(Sequential& model, int threads, float weight_decay,
                         std::vector<double>& sums, F&& f) {
  int64_t reg_total = 0;
  for (const auto& l : model.layers()) reg_total += l->l2() != 0.0f ? l->num_weights() : 0;
  const size_t reg_parts = static_cast<size_t>(internal::RegularizationParts(threads, reg_total));
  if (sums.size() < reg_parts) sums.resize(reg_parts);
  ParamPass(model, threads, weight_decay, sums.data(), f);
  double total = 0.0;
  for (size_t p = 0; p < reg_parts; ++p) total += sums[p];
  return total;
}

// Runs f over the parameters, with the regularisation loss when `with_loss` (else returns 0).
template <class F>
double Pass(Sequential& model, int threads, float weight_decay, bool with_loss,
            std::vector<double>& sums, F&& f) {
  if (!with_loss) {
    ParamPass(model, threads, weight_decay, nullptr, f);
    return 0.0;
  }
  return ParamPassWithLoss(model, threads, weight_decay, sums, f);
}

// w -= lr * (g + wd*w), or with momentum: v = mu*v + (g + wd*w); w -= lr * v (PyTorch form;
// equals Keras' v = mu*v - lr*g; w += v for a constant lr).
class Sgd final : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& o) : o_(o) {}
  using Optimizer::Step;
  void Step(Sequential& model, int threads) override { Update(model, threads, false); }
  double StepWithRegularizationLoss(Sequential& model, int threads) override {
    return Update(model, threads, true);
  }
  void Reset() override { v_.clear(); }
  int FlopsPerParam() const override {
    return 2 + (o_.momentum > 0.0f ? 2 : 0) + (o_.weight_decay > 0.0f ? 2 : 0);
  }

 private:
  double Update(Sequential& model, int threads, bool with_loss) {
    if (o_.momentum > 0.0f && static_cast<int64_t>(v_.size()) != model.num_params()) {
      v_.assign(static_cast<size_t>(model.num_params()), 0.0f);
    }
    const float lr = o_.lr, mu = o_.momentum;
    return Pass(
        model, threads, o_.weight_decay, with_loss, sums_,
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

  OptimizerOptions o_;
  std::vector<float> v_;
  std::vector<double> sums_;  // the regularisation loss's part sums
};

// Keras Adam: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= lr_t * m / (sqrt(v) + eps).
class Adam final : public Optimizer {
 public:
  explicit Adam(const OptimizerOptions& o) : o_(o) {}
  using Optimizer::Step;
  void Step(Sequential& model, int threads) override { Update(model, threads, false); }
  double StepWithRegularizationLoss(Sequential& model, int threads) override {
    return Update(model, threads, true);
  }
  void Reset() override {
    m_.clear();
    v_.clear();
    t_ = 0;
  }
  int FlopsPerParam() const override { return 12 + (o_.weight_decay > 0.0f ? 2 : 0); }

 private:
  double Update(Sequential& model, int threads, bool with_loss) {
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
    return Pass(
        model, threads, o_.weight_decay, with_loss, sums_,
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

  OptimizerOptions o_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
  std::vector<double> sums_;  // the regularisation loss's part sums
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
