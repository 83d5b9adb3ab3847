// The tensor layout of a model's flat parameter vector (what the wire codec's int8 encoding
// scales per tensor): layer by layer, the weights then the bias, skipping layers without
// parameters.
#pragma once

#include <cstdint>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/sequential.h"

namespace fedcarbon::models {

inline std::vector<int64_t> TensorSizes(const Sequential& model) {
  std::vector<int64_t> sizes;
  for (const auto& layer : model.layers()) {
    const int64_t weights = layer->num_weights();
    const int64_t bias = layer->num_params() - weights;
    if (weights > 0) sizes.push_back(weights);
    if (bias > 0) sizes.push_back(bias);
  }
  return sizes;
}

}  // namespace fedcarbon::models
