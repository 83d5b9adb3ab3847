#include "fedcarbon/models/sequential.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fedcarbon/models/layer.h"
#include "parallel.h"
#include "reduce.h"

namespace fedcarbon::models {
namespace {

constexpr uint64_t kLossForwardPerClass = 4;   // subtract max, exp, sum, normalise
constexpr uint64_t kLossBackwardPerClass = 2;  // subtract one-hot, scale

Status CheckChain(const std::vector<std::unique_ptr<Layer>>& layers, int64_t input_dim) {
  if (layers.empty()) return Status::Error("model has no layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i] == nullptr) return Status::Error("layer " + std::to_string(i) + " is null");
  }
  if (layers[0]->in_shape().size() != input_dim) {
    return Status::Error("layer 0 takes " + std::to_string(layers[0]->in_shape().size()) +
                         " values, model input_dim is " + std::to_string(input_dim));
  }
  for (size_t i = 1; i < layers.size(); ++i) {
    if (!(layers[i]->in_shape() == layers[i - 1]->out_shape())) {
      return Status::Error("layer " + std::to_string(i) + " (" + layers[i]->kind() +
                           ") expects input " + layers[i]->in_shape().ToString() + " but layer " +
                           std::to_string(i - 1) + " outputs " +
                           layers[i - 1]->out_shape().ToString());
    }
  }
  const Shape& out = layers.back()->out_shape();
  if (out.h != 1 || out.w != 1) {
    return Status::Error("last layer must output [1, 1, classes], got " + out.ToString());
  }
  return Status::OK();
}

}  // namespace

Sequential::Sequential(std::string name, std::vector<std::unique_ptr<Layer>> layers,
                       int64_t input_dim)
    : name_(std::move(name)), layers_(std::move(layers)), input_dim_(input_dim) {
  valid_ = CheckChain(layers_, input_dim_);
}

Sequential::~Sequential() = default;

Result<std::unique_ptr<Sequential>> Sequential::Create(std::string name,
                                                       std::vector<std::unique_ptr<Layer>> layers,
                                                       int64_t input_dim) {
  auto model = std::make_unique<Sequential>(std::move(name), std::move(layers), input_dim);
  if (!model->valid().ok()) return model->valid();
  return model;
}

int64_t Sequential::num_classes() const {
  return valid_.ok() ? layers_.back()->out_shape().size() : 0;
}

int64_t Sequential::num_params() const {
  int64_t total = 0;
  for (const auto& l : layers_) total += l ? l->num_params() : 0;
  return total;
}

void Sequential::GetParams(std::span<float> out) const {
  size_t off = 0;
  for (const auto& l : layers_) {
    auto p = l->params();
    if (off + p.size() > out.size()) return;  // precondition violated: out too small
    std::copy(p.begin(), p.end(), out.begin() + off);
    off += p.size();
  }
}

std::vector<float> Sequential::GetParams() const {
  std::vector<float> out(static_cast<size_t>(num_params()));
  GetParams(out);
  return out;
}

Status Sequential::SetParams(std::span<const float> in) {
  if (static_cast<int64_t>(in.size()) != num_params()) {
    return Status::Error("SetParams: got " + std::to_string(in.size()) + " values, model " + name_ +
                         " has " + std::to_string(num_params()) + " parameters");
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (!std::isfinite(in[i])) {
      return Status::Error("SetParams: parameter " + std::to_string(i) + " is not finite");
    }
  }
  size_t off = 0;
  for (auto& l : layers_) {
    auto p = l->params();
    std::copy(in.begin() + off, in.begin() + off + p.size(), p.begin());
    off += p.size();
  }
  return Status::OK();
}

FlopCount Sequential::FlopsPerSample() const {
  FlopCount total;
  if (!valid_.ok()) return total;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const FlopCount f = layers_[i]->Flops(/*input_grad=*/i > 0);
    total.forward += f.forward;
    total.backward += f.backward;
  }
  const uint64_t classes = static_cast<uint64_t>(num_classes());
  total.forward += kLossForwardPerClass * classes;
  total.backward += kLossBackwardPerClass * classes;
  return total;
}

Result<std::span<const float>> Sequential::Forward(std::span<const float> x, int64_t n,
                                                   int threads) {
  FEDCARBON_RETURN_IF_ERROR(valid_);
  if (n < 1) return Status::Error("Forward: batch size must be >= 1");
  if (static_cast<int64_t>(x.size()) != n * input_dim_) {
    return Status::Error("Forward: input has " + std::to_string(x.size()) + " values, expected " +
                         std::to_string(n) + " x " + std::to_string(input_dim_));
  }
  const int parts = internal::PartsFor(std::max(1, threads), n, 1);
  for (auto& l : layers_) l->Reserve(parts);
  if (slices_.size() < static_cast<size_t>(parts)) slices_.resize(parts);
  const int64_t classes = num_classes();
  if (logits_.size() < static_cast<size_t>(n * classes)) logits_.resize(n * classes);
  internal::ParallelParts(parts, n, [&](int p, int64_t s0, int64_t s1) {
    Slice& sl = slices_[p];
    const int64_t cnt = s1 - s0;
    sl.acts.resize(layers_.size());
    const float* in = x.data() + s0 * input_dim_;
    for (size_t i = 0; i < layers_.size(); ++i) {
      const size_t need = static_cast<size_t>(cnt * layers_[i]->out_shape().size());
      if (sl.acts[i].size() < need) sl.acts[i].resize(need);  // grows only, never per step
      layers_[i]->ForwardSlice(in, cnt, sl.acts[i].data(), p);
      in = sl.acts[i].data();
    }
    std::copy(in, in + cnt * classes, logits_.begin() + s0 * classes);
  });
  last_x_ = x.data();
  last_n_ = n;
  last_slices_ = parts;
  return std::span<const float>(logits_.data(), static_cast<size_t>(n * classes));
}

Status Sequential::Backward(std::span<const float> dlogits) {
  FEDCARBON_RETURN_IF_ERROR(valid_);
  if (last_x_ == nullptr) return Status::Error("Backward: no Forward before it");
  const int64_t classes = num_classes();
  if (static_cast<int64_t>(dlogits.size()) != last_n_ * classes) {
    return Status::Error("Backward: dlogits has " + std::to_string(dlogits.size()) +
                         " values, expected " + std::to_string(last_n_ * classes));
  }
  const int parts = last_slices_;
  const int64_t n = last_n_;
  // Phase 1: each slice runs backward through every layer. Phase 2: the slices' parameter
  // gradients are summed into the layers' grads, the flat parameter range split over threads.
  internal::ParallelTwoPhases(
      parts, n,
      [&](int p, int64_t s0, int64_t s1) {
        Slice& sl = slices_[p];
        const int64_t cnt = s1 - s0;
        size_t max_in = 0;
        for (const auto& l : layers_) max_in = std::max<size_t>(max_in, cnt * l->in_shape().size());
        if (sl.grad_a.size() < max_in) sl.grad_a.resize(max_in);
        if (sl.grad_b.size() < max_in) sl.grad_b.resize(max_in);
        if (p > 0) sl.dparams.resize(layers_.size());
        const float* dy = dlogits.data() + s0 * classes;
        float* dx = sl.grad_a.data();
        float* spare = sl.grad_b.data();
        for (size_t i = layers_.size(); i-- > 0;) {
          Layer& l = *layers_[i];
          float* dparams = l.grads().data();
          if (p > 0) {
            sl.dparams[i].resize(static_cast<size_t>(l.num_params()));
            dparams = sl.dparams[i].data();
          }
          const float* x = i == 0 ? last_x_ + s0 * input_dim_ : sl.acts[i - 1].data();
          l.BackwardSlice(x, sl.acts[i].data(), dy, cnt, i == 0 ? nullptr : dx, dparams, p);
          dy = dx;
          std::swap(dx, spare);
        }
      },
      num_params(),
      [&](int, int64_t b, int64_t e) {
        int64_t off = 0;
        for (size_t i = 0; i < layers_.size(); ++i) {
          const int64_t np = layers_[i]->num_params();
          const int64_t lo = std::max(b, off), hi = std::min(e, off + np);
          float* g = layers_[i]->grads().data();
          for (int q = 1; q < parts && lo < hi; ++q) {
            const float* d = slices_[q].dparams[i].data();
            for (int64_t k = lo - off; k < hi - off; ++k) g[k] += d[k];
          }
          off += np;
        }
      });
  return Status::OK();
}

double Sequential::RegularizationLoss(int threads) const {
  // Each part sums l2 * W^2 over its share of every regularised layer's weights; the parts'
  // sums are added in part order (deterministic for a given thread count). The optimizers' fused
  // pass (Optimizer::StepWithRegularizationLoss) computes the same sums the same way.
  int64_t total_weights = 0;
  for (const auto& l : layers_) total_weights += l->l2() != 0.0f ? l->num_weights() : 0;
  const int parts = internal::RegularizationParts(threads, total_weights);
  std::vector<double> sums(static_cast<size_t>(parts), 0.0);
  internal::ParallelParts(parts, total_weights, [&](int p, int64_t b, int64_t e) {
    int64_t off = 0;
    for (const auto& l : layers_) {
      if (l->l2() == 0.0f) continue;
      const int64_t lo = std::max(b, off), hi = std::min(e, off + l->num_weights());
      if (lo < hi) {
        sums[p] += static_cast<double>(l->l2()) *
                   internal::SumSquares(l->params().data() + (lo - off), hi - lo);
      }
      off += l->num_weights();
    }
  });
  double total = 0.0;
  for (double v : sums) total += v;
  return total;
}

void Sequential::AddRegularizationGrad() {
  for (auto& l : layers_) {
    if (l->l2() == 0.0f) continue;
    const float k = 2.0f * l->l2();
    auto p = l->params();
    auto g = l->grads();
    for (int64_t i = 0; i < l->num_weights(); ++i) g[i] += k * p[i];
  }
}

uint64_t Sequential::RegularizationFlops() const {
  uint64_t total = 0;
  for (const auto& l : layers_) {
    if (l->l2() != 0.0f) total += 4ULL * static_cast<uint64_t>(l->num_weights());
  }
  return total;
}

}  // namespace fedcarbon::models
