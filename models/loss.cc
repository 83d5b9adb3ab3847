#include "fedcarbon/models/loss.h"

#include <cmath>
#include <string>

namespace fedcarbon::models {

Result<LossResult> SoftmaxCrossEntropy(std::span<const float> logits,
                                       std::span<const uint8_t> labels, int64_t classes,
                                       float grad_scale, std::span<float> dlogits) {
  const int64_t n = static_cast<int64_t>(labels.size());
  if (classes < 1) return Status::Error("loss: classes must be >= 1");
  if (static_cast<int64_t>(logits.size()) != n * classes) {
    return Status::Error("loss: logits size " + std::to_string(logits.size()) + " != n*classes " +
                         std::to_string(n * classes));
  }
  if (!dlogits.empty() && dlogits.size() != logits.size()) {
    return Status::Error("loss: dlogits size differs from logits size");
  }
  LossResult r;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = labels[i];
    if (y >= classes) return Status::Error("loss: label " + std::to_string(y) + " out of range");
    const float* z = logits.data() + i * classes;
    int64_t arg = 0;
    for (int64_t k = 1; k < classes; ++k) {
      if (z[k] > z[arg]) arg = k;
    }
    const double zmax = z[arg];
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(z[k]) - zmax);
    r.sum_loss += std::log(sum) - (static_cast<double>(z[y]) - zmax);
    r.correct += arg == y ? 1 : 0;
    if (!dlogits.empty()) {
      float* d = dlogits.data() + i * classes;
      for (int64_t k = 0; k < classes; ++k) {
        const double p = std::exp(static_cast<double>(z[k]) - zmax) / sum;
        d[k] = static_cast<float>((p - (k == y ? 1.0 : 0.0)) * grad_scale);
      }
    }
  }
  return r;
}

}  // namespace fedcarbon::models
