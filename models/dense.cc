// Dense (fully connected) layer on Eigen GEMMs.
//
// In Eigen's column-major view a batch x: [n, in] row-major is X: (in, n), and the Keras weight
// W: [in, out] row-major is Wm: (out, in). Forward Y = Wm X + b; backward dW = dY X^T,
// db = rowsum(dY), dX = Wm^T dY. Threads split the output rows of each product, so every
// element is computed by one thread in a fixed order.
#include <Eigen/Core>

#include "fedcarbon/models/layer.h"
#include "parallel.h"

namespace fedcarbon::models {
namespace {

using MatMap = Eigen::Map<Eigen::MatrixXf>;
using ConstMatMap = Eigen::Map<const Eigen::MatrixXf>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;

constexpr int64_t kRowGrain = 64;  // minimum rows per thread

class Dense final : public Layer {
 public:
  Dense(Shape in, int64_t units, float l2) : Layer(in, Shape{1, 1, units}) {
    AllocateParams(in.size() * units, units);
    set_l2(l2);
  }
  std::string kind() const override { return "dense"; }

  void Initialize(uint64_t seed) override { GlorotUniform(seed, in_.size(), out_.size()); }

  void Forward(const float* x, int64_t n, float* y, int threads) override {
    const int64_t in = in_.size(), out = out_.size();
    ConstMatMap w(params_.data(), out, in);
    ConstVecMap b(params_.data() + num_weights_, out);
    ConstMatMap xm(x, in, n);
    MatMap ym(y, out, n);
    internal::ParallelParts(internal::PartsFor(threads, out, kRowGrain), out,
                            [&](int, int64_t r0, int64_t r1) {
                              auto yb = ym.middleRows(r0, r1 - r0);
                              yb.noalias() = w.middleRows(r0, r1 - r0) * xm;
                              yb.colwise() += b.segment(r0, r1 - r0);
                            });
  }

  void Backward(const float* x, const float* /*y*/, const float* dy, int64_t n, float* dx,
                int threads) override {
    const int64_t in = in_.size(), out = out_.size();
    ConstMatMap w(params_.data(), out, in);
    MatMap dw(grads_.data(), out, in);
    float* db = grads_.data() + num_weights_;
    ConstMatMap xm(x, in, n);
    ConstMatMap dym(dy, out, n);
    internal::ParallelParts(
        internal::PartsFor(threads, out, kRowGrain), out, [&](int, int64_t r0, int64_t r1) {
          const int64_t rows = r1 - r0;
          dw.middleRows(r0, rows).noalias() = dym.middleRows(r0, rows) * xm.transpose();
          // db rows [r0, r1): the (rows, n) block has column stride out.
          for (int64_t r = r0; r < r1; ++r) db[r] = 0.0f;
          for (int64_t j = 0; j < n; ++j) {
            for (int64_t r = r0; r < r1; ++r) db[r] += dy[j * out + r];
          }
        });
    if (dx == nullptr) return;
    MatMap dxm(dx, in, n);
    internal::ParallelParts(
        internal::PartsFor(threads, in, kRowGrain), in, [&](int, int64_t c0, int64_t c1) {
          dxm.middleRows(c0, c1 - c0).noalias() = w.middleCols(c0, c1 - c0).transpose() * dym;
        });
  }

  FlopCount Flops(bool input_grad) const override {
    const uint64_t mac = 2ULL * in_.size() * out_.size();
    const uint64_t bias = out_.size();
    return {mac + bias, mac + bias + (input_grad ? mac : 0)};
  }
};

}  // namespace

Result<std::unique_ptr<Layer>> MakeDense(Shape in, int64_t units, float l2) {
  if (in.h < 1 || in.w < 1 || in.c < 1) return Status::Error("dense: bad input " + in.ToString());
  if (in.h != 1 || in.w != 1)
    return Status::Error("dense: input must be flat [1, 1, features], got " + in.ToString());
  if (units < 1) return Status::Error("dense: units must be >= 1, got " + std::to_string(units));
  if (!(l2 >= 0.0f)) return Status::Error("dense: l2 must be >= 0");
  return std::unique_ptr<Layer>(new Dense(in, units, l2));
}

}  // namespace fedcarbon::models
