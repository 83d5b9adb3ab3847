// Layer base: parameter storage and Glorot-uniform initialisation.
#include "fedcarbon/models/layer.h"

#include <cmath>
#include <cstdio>
#include <random>

#include "parallel.h"

namespace fedcarbon::models {

std::string Shape::ToString() const {
  // snprintf rather than operator+ chains: GCC 12 -O3 emits a false -Wrestrict on those.
  char buf[80];
  std::snprintf(buf, sizeof(buf), "[%lld, %lld, %lld]", static_cast<long long>(h),
                static_cast<long long>(w), static_cast<long long>(c));
  return buf;
}

void Layer::Initialize(uint64_t /*seed*/) {}

void Layer::Reserve(int /*parts*/) {}

void Layer::Forward(const float* x, int64_t n, float* y, int threads) {
  const int parts = internal::PartsFor(threads, n, 1);
  Reserve(parts);
  internal::ParallelParts(parts, n, [&](int p, int64_t s0, int64_t s1) {
    ForwardSlice(x + s0 * in_.size(), s1 - s0, y + s0 * out_.size(), p);
  });
}

void Layer::Backward(const float* x, const float* y, const float* dy, int64_t n, float* dx,
                     int threads) {
  const int parts = internal::PartsFor(threads, n, 1);
  Reserve(parts);
  if (slice_grads_.size() + 1 < static_cast<size_t>(parts)) {
    slice_grads_.resize(parts - 1, std::vector<float>(params_.size()));
  }
  internal::ParallelParts(parts, n, [&](int p, int64_t s0, int64_t s1) {
    float* dparams = p == 0 ? grads_.data() : slice_grads_[p - 1].data();
    BackwardSlice(x + s0 * in_.size(), y + s0 * out_.size(), dy + s0 * out_.size(), s1 - s0,
                  dx == nullptr ? nullptr : dx + s0 * in_.size(), dparams, p);
  });
  for (int p = 1; p < parts; ++p) {
    for (size_t i = 0; i < grads_.size(); ++i) grads_[i] += slice_grads_[p - 1][i];
  }
}

void Layer::AllocateParams(int64_t num_weights, int64_t num_bias) {
  num_weights_ = num_weights;
  params_.assign(static_cast<size_t>(num_weights + num_bias), 0.0f);
  grads_.assign(params_.size(), 0.0f);
}

void Layer::GlorotUniform(uint64_t seed, int64_t fan_in, int64_t fan_out) {
  // Keras glorot_uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)). The uniform
  // is built from mt19937_64's raw bits (the standard fixes those), so it is portable.
  const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < num_weights_; ++i) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
    params_[i] = static_cast<float>((2.0 * u - 1.0) * limit);
  }
  std::fill(params_.begin() + num_weights_, params_.end(), 0.0f);
}

}  // namespace fedcarbon::models
