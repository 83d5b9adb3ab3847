// Dense (fully connected) layer on the fixed-order kernels of gemm.h and skinny_gemm.h.
//
// In Eigen's column-major view a batch x: [n, in] row-major is X: (in, n), and the Keras weight
// W: [in, out] row-major is Wm: (out, in). Forward Y = Wm X + b; backward dW = dY X^T,
// db = rowsum(dY), dX = Wm^T dY. Thin slices (n <= 12 samples, e.g. FL's batch 10) use the
// streaming kernels of skinny_gemm.h (dW and dX in one pass), others GemmChain and GemmDot; both
// sum in the same order, so the results do not depend on which ran, nor on the processor.
#include <Eigen/Core>

#include "fedcarbon/models/layer.h"
#include "gemm.h"
#include "reduce.h"
#include "skinny_gemm.h"

namespace fedcarbon::models {
namespace {

using MatMap = Eigen::Map<Eigen::MatrixXf>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;

class Dense final : public Layer {
 public:
  Dense(Shape in, int64_t units, float l2) : Layer(in, Shape{1, 1, units}) {
    AllocateParams(in.size() * units, units);
    set_l2(l2);
  }
  std::string kind() const override { return "dense"; }

  void Initialize(uint64_t seed) override { GlorotUniform(seed, in_.size(), out_.size()); }

  void Reserve(int parts) override {
    if (xt_.size() < static_cast<size_t>(parts)) xt_.resize(parts);
    for (auto& w : xt_) w.resize(static_cast<size_t>(in_.size() * internal::kSkinnyBlock));
  }

  void ForwardSlice(const float* x, int64_t n, float* y, int part) override {
    const int64_t in = in_.size(), out = out_.size();
    MatMap ym(y, out, n);
    if (internal::UseSkinny(out, n)) {
      internal::SkinnyForward(params_.data(), out, in, x, n, y, xt_[part].data());
    } else {
      internal::GemmChain(out, n, in, params_.data(), out, x, /*b_k=*/1, /*b_j=*/in, y, out,
                          /*accumulate=*/false);
    }
    ym.colwise() += ConstVecMap(params_.data() + num_weights_, out);
  }

  void BackwardSlice(const float* x, const float* /*y*/, const float* dy, int64_t n, float* dx,
                     float* dparams, int part) override {
    const int64_t in = in_.size(), out = out_.size();
    internal::RowSums(dy, out, n, dparams + num_weights_, /*accumulate=*/false);
    if (internal::UseSkinny(out, n)) {
      internal::SkinnyBackward(params_.data(), out, in, dy, x, n, dparams, dx, xt_[part].data());
      return;
    }
    // dW(out, in) = dY(out, n) X(in, n)^T: B(j, i) = x[j * in + i].
    internal::GemmChain(out, in, n, dy, out, x, /*b_k=*/in, /*b_j=*/1, dparams, out,
                        /*accumulate=*/false);
    if (dx != nullptr) internal::GemmDot(in, n, out, params_.data(), out, dy, out, dx, in);
  }

  FlopCount Flops(bool input_grad) const override {
    const uint64_t mac = 2ULL * in_.size() * out_.size();
    const uint64_t bias = out_.size();
    return {mac + bias, mac + bias + (input_grad ? mac : 0)};
  }

 private:
  std::vector<std::vector<float>> xt_;  // per part: interleaved input block for the thin kernels
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
