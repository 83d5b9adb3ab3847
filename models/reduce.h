// Reductions with a fixed summation order (internal to models/).
//
// Eigen's vectorised reductions peel unaligned leading elements, so their rounding depends on
// the address of the data; these loops do not, which keeps training bit-for-bit reproducible.
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

// out[r] (+)= sum over j of m[j * rows + r]: the row sums of a column-major (rows, cols) matrix.
// Summed column by column in order; vectorised across rows.
inline void RowSums(const float* __restrict m, int64_t rows, int64_t cols, float* __restrict out,
                    bool accumulate) {
  if (!accumulate) {
    for (int64_t r = 0; r < rows; ++r) out[r] = 0.0f;
  }
  for (int64_t j = 0; j < cols; ++j) {
    const float* col = m + j * rows;
    for (int64_t r = 0; r < rows; ++r) out[r] += col[r];
  }
}

// sum of v[i]^2: 32 float lanes (lane = i mod 32), then the lanes in order in double.
inline double SumSquares(const float* __restrict v, int64_t n) {
  constexpr int kLanes = 32;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) acc[k] += v[i + k] * v[i + k];
  }
  double total = 0.0;
  for (int k = 0; k < kLanes; ++k) total += acc[k];
  for (; i < n; ++i) total += static_cast<double>(v[i]) * v[i];
  return total;
}

}  // namespace fedcarbon::models::internal
