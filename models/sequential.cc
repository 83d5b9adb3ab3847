#include "fedcarbon/models/sequential.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fedcarbon/models/layer.h"
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
  threads = std::max(1, threads);
  acts_.resize(layers_.size());
  const float* in = x.data();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const size_t need = static_cast<size_t>(n * layers_[i]->out_shape().size());
    if (acts_[i].size() < need) acts_[i].resize(need);  // grows only, never per step
    layers_[i]->Forward(in, n, acts_[i].data(), threads);
    in = acts_[i].data();
  }
  last_x_ = x.data();
  last_n_ = n;
  return std::span<const float>(acts_.back().data(), static_cast<size_t>(n * num_classes()));
}

Status Sequential::Backward(std::span<const float> dlogits, int threads) {
  FEDCARBON_RETURN_IF_ERROR(valid_);
  if (last_x_ == nullptr) return Status::Error("Backward: no Forward before it");
  if (static_cast<int64_t>(dlogits.size()) != last_n_ * num_classes()) {
    return Status::Error("Backward: dlogits has " + std::to_string(dlogits.size()) +
                         " values, expected " + std::to_string(last_n_ * num_classes()));
  }
  threads = std::max(1, threads);
  const int64_t n = last_n_;
  size_t max_in = 0;
  for (const auto& l : layers_) max_in = std::max<size_t>(max_in, n * l->in_shape().size());
  if (grad_a_.size() < max_in) grad_a_.resize(max_in);
  if (grad_b_.size() < max_in) grad_b_.resize(max_in);
  const float* dy = dlogits.data();
  float* dx = grad_a_.data();
  float* spare = grad_b_.data();
  for (size_t i = layers_.size(); i-- > 0;) {
    const float* x = i == 0 ? last_x_ : acts_[i - 1].data();
    layers_[i]->Backward(x, acts_[i].data(), dy, n, i == 0 ? nullptr : dx, threads);
    dy = dx;
    std::swap(dx, spare);
  }
  return Status::OK();
}

double Sequential::RegularizationLoss() const {
  double total = 0.0;
  for (const auto& l : layers_) {
    if (l->l2() == 0.0f) continue;
    const double sq = internal::SumSquares(l->params().data(), l->num_weights());
    total += static_cast<double>(l->l2()) * sq;
  }
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
