// Softmax cross-entropy on logits, numerically stable (log-sum-exp with the max subtracted).
//
// Threading: pure function of its arguments.
#pragma once

#include <cstdint>
#include <span>

#include "fedcarbon/common/status.h"

namespace fedcarbon::models {

struct LossResult {
  double sum_loss = 0.0;  // sum over samples of -log softmax(z)[label]
  int64_t correct = 0;    // samples whose argmax (lowest index on ties) equals the label
};

// logits: [n, classes] row-major; labels: [n], each < classes. When dlogits is non-empty
// ([n, classes]) writes (softmax(z) - onehot(label)) * grad_scale into it (grad_scale = 1/n gives
// the gradient of the mean loss). Errors on size mismatches or an out-of-range label.
Result<LossResult> SoftmaxCrossEntropy(std::span<const float> logits,
                                       std::span<const uint8_t> labels, int64_t classes,
                                       float grad_scale, std::span<float> dlogits);

}  // namespace fedcarbon::models
