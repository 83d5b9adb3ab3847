// Test helpers: random tensors and finite-difference checks for layers.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "fedcarbon/models/layer.h"

namespace fedcarbon::models::testing {

inline std::vector<float> RandomVector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// Values bounded away from 0 (|v| in [0.2, 1]) with random signs: no ReLU kink nearby.
inline std::vector<float> AwayFromZero(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.2f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = (rng() & 1) ? u(rng) : -u(rng);
  return v;
}

// Checks a layer's Backward against central differences of L = sum(r .* Forward(x)), for the
// input gradient (when check_input) and every parameter. Works in float with eps 1e-2; the
// layers are piecewise linear in each variable, so the difference quotient is exact away from
// kinks and only rounding remains.
inline void CheckLayerGradients(Layer& layer, std::vector<float> x, int64_t n, bool check_input,
                                uint32_t seed, int threads = 1) {
  const int64_t in = layer.in_shape().size(), out = layer.out_shape().size();
  ASSERT_EQ(static_cast<int64_t>(x.size()), n * in);
  const std::vector<float> r = RandomVector(n * out, seed);
  std::vector<float> y(n * out);
  auto loss = [&]() {
    layer.Forward(x.data(), n, y.data(), threads);
    double s = 0.0;
    for (int64_t i = 0; i < n * out; ++i) s += static_cast<double>(r[i]) * y[i];
    return s;
  };
  loss();
  std::vector<float> dx(n * in, -7.0f);
  layer.Backward(x.data(), y.data(), r.data(), n, check_input ? dx.data() : nullptr, threads);
  const std::vector<float> grads(layer.grads().begin(), layer.grads().end());
  const float eps = 1e-2f;
  auto expect_close = [](double numeric, double analytic, const char* what, size_t i) {
    EXPECT_NEAR(numeric, analytic, 2e-3 + 2e-3 * std::fabs(analytic)) << what << " " << i;
  };
  if (check_input) {
    for (size_t i = 0; i < x.size(); ++i) {
      const float keep = x[i];
      x[i] = keep + eps;
      const double lp = loss();
      x[i] = keep - eps;
      const double lm = loss();
      x[i] = keep;
      expect_close((lp - lm) / (2 * eps), dx[i], "dx", i);
    }
  }
  auto p = layer.params();
  for (size_t i = 0; i < p.size(); ++i) {
    const float keep = p[i];
    p[i] = keep + eps;
    const double lp = loss();
    p[i] = keep - eps;
    const double lm = loss();
    p[i] = keep;
    expect_close((lp - lm) / (2 * eps), grads[i], "param", i);
  }
}

}  // namespace fedcarbon::models::testing
