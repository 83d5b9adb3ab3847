// Reductions with a fixed summation order (internal to models/).
//
// Eigen's vectorised reductions peel unaligned leading elements, so their rounding depends on
// the address of the data; these loops do not, which keeps training bit-for-bit reproducible.
#pragma once

#include <cstdint>

#include "parallel.h"

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

// sum of v[i]^2 over consecutive blocks: 32 float lanes (lane = i mod 32), then the lanes in
// order in double, then the last n mod 32 values in double. Every block but the last must hold
// a multiple of kLanes values, so that the lanes continue across blocks.
class SquareSum {
 public:
  static constexpr int kLanes = 32;
  void Add(const float* __restrict v, int64_t n) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int k = 0; k < kLanes; ++k) acc_[k] += v[i + k] * v[i + k];
    }
    tail_n_ = static_cast<int>(n - i);
    for (int k = 0; k < tail_n_; ++k) tail_[k] = v[i + k];
  }
  double Total() const {
    double total = 0.0;
    for (int k = 0; k < kLanes; ++k) total += acc_[k];
    for (int k = 0; k < tail_n_; ++k) total += static_cast<double>(tail_[k]) * tail_[k];
    return total;
  }

 private:
  float acc_[kLanes] = {};
  float tail_[kLanes] = {};  // the last block's values past its last full group of kLanes
  int tail_n_ = 0;
};

// sum of v[i]^2 in SquareSum's order.
inline double SumSquares(const float* __restrict v, int64_t n) {
  SquareSum s;
  s.Add(v, n);
  return s.Total();
}

// Sums over the regularised weights (the weights of layers with l2 > 0, in layer order, `total`
// of them) are split into this many contiguous parts, each summed on its own, then added in part
// order: Sequential::RegularizationLoss and the optimizers' fused pass agree bit for bit.
inline int RegularizationParts(int threads, int64_t total) {
  return PartsFor(threads, total, int64_t{1} << 16);
}

}  // namespace fedcarbon::models::internal
