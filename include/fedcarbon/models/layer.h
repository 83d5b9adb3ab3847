// Layers of a Sequential model: Dense, Conv2d, MaxPool2d, ReLU, Flatten.
//
// Activations are NHWC, row-major, one sample after another: a batch is x: [n, h, w, c], i.e.
// [n, shape.size()] floats. Dense inputs/outputs are shape {1, 1, features}. Flatten keeps the
// (h, w, c) order, as Keras does. Parameters use Keras' layouts, weights first then bias:
//   Dense:  W: [in, out]                         b: [out]
//   Conv2d: W: [kernel, kernel, in_c, filters]   b: [filters]
//
// FLOP convention (per sample, `Flops()`; a multiply-add = 2 FLOPs):
//   Dense   forward 2*in*out + out (bias); backward 2*in*out (dW) + out (db)
//           + 2*in*out (dX, only when the input gradient is needed).
//   Conv2d  with P = out_h*out_w output pixels and R = kernel*kernel*in_c: forward 2*P*filters*R
//           + P*filters (bias); backward 2*P*filters*R (dW) + P*filters (db) + 2*P*filters*R (dX,
//           only when needed). Products are counted as the dense products that run (patches
//           include the zero padding of `same`, on the direct and the im2col path alike); col2im
//           scatter-adds and padding copies are not counted separately.
//   ReLU    forward 1 per element (max), backward 1 per element (select).
//   MaxPool forward 3 per output (three max of four), backward 0 (routing, no arithmetic).
//   Flatten 0.
// The first layer of a model never computes its input gradient (Sequential passes dx=nullptr).
//
// Ownership: a layer owns its parameters, gradients and scratch workspaces.
// Threading: parallelism is over samples. ForwardSlice/BackwardSlice run on the calling thread
// and may be called concurrently for distinct workspace parts; Forward/Backward split a batch
// over `threads` OpenMP threads and give bit-identical results for a given thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/models/sequential.h"

namespace fedcarbon::models {

// Per-sample activation shape (NHWC without the batch dimension).
struct Shape {
  int64_t h = 1;
  int64_t w = 1;
  int64_t c = 1;
  int64_t size() const { return h * w * c; }
  bool operator==(const Shape&) const = default;
  std::string ToString() const;
};

enum class Padding { kSame, kValid };

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::string kind() const = 0;  // "dense", "conv2d", "maxpool2d", "relu", "flatten"

  const Shape& in_shape() const { return in_; }
  const Shape& out_shape() const { return out_; }

  // Parameters: weights (the first num_weights() values) then bias. Gradients have the same
  // layout and hold the data-loss gradient of the last Backward.
  int64_t num_params() const { return static_cast<int64_t>(params_.size()); }
  int64_t num_weights() const { return num_weights_; }
  std::span<float> params() { return params_; }
  std::span<const float> params() const { return params_; }
  std::span<float> grads() { return grads_; }
  std::span<const float> grads() const { return grads_; }

  // L2 coefficient on the weights (not the bias), Keras semantics: loss += l2 * sum(W^2).
  float l2() const { return l2_; }
  void set_l2(float l2) { l2_ = l2; }

  // Glorot-uniform weights from `seed`, zero bias. No-op for layers without parameters.
  virtual void Initialize(uint64_t seed);

  // Slices: the work on samples [0, n) of a batch slice, single-threaded, using the scratch
  // workspace `part`. Calls with distinct `part`s may run concurrently: they only read the
  // parameters. Reserve(parts) must have been called (it is not thread-safe).
  virtual void Reserve(int parts);
  // x: [n, in.size()], y: [n, out.size()] (caller-owned, not aliasing).
  virtual void ForwardSlice(const float* x, int64_t n, float* y, int part) = 0;
  // x and y are the input/output of the forward pass on this slice; dy: [n, out.size()].
  // Writes dx: [n, in.size()] unless dx is nullptr, and overwrites dparams: [num_params()] with
  // this slice's parameter gradient (nullptr allowed when num_params() == 0).
  virtual void BackwardSlice(const float* x, const float* y, const float* dy, int64_t n, float* dx,
                             float* dparams, int part) = 0;

  // Whole batch on `threads` threads: contiguous sample slices, one per thread; Backward sums
  // the slices' parameter gradients in slice order into grads(). Deterministic for a given
  // thread count. (Sequential does the same across all layers at once.)
  void Forward(const float* x, int64_t n, float* y, int threads);
  void Backward(const float* x, const float* y, const float* dy, int64_t n, float* dx, int threads);

  // Per-sample FLOPs (see the convention above); input_grad: whether backward computes dX.
  virtual FlopCount Flops(bool input_grad) const = 0;

 protected:
  Layer(Shape in, Shape out) : in_(in), out_(out) {}
  void AllocateParams(int64_t num_weights, int64_t num_bias);
  // fan_in/fan_out for Glorot-uniform.
  void GlorotUniform(uint64_t seed, int64_t fan_in, int64_t fan_out);

  Shape in_;
  Shape out_;
  std::vector<float> params_;
  std::vector<float> grads_;
  int64_t num_weights_ = 0;
  float l2_ = 0.0f;

 private:
  std::vector<std::vector<float>> slice_grads_;  // Backward(threads): slices 1.. of the batch
};

// Factories validate shapes and sizes; errors name the layer and the bad value.
Result<std::unique_ptr<Layer>> MakeDense(Shape in, int64_t units, float l2 = 0.0f);

struct Conv2dOptions {
  int64_t filters = 32;              // >= 1
  int64_t kernel = 5;                // square kernel, >= 1, stride 1
  Padding padding = Padding::kSame;  // same: out = in, zero padding (k-1)/2 before, rest after
  float l2 = 0.0f;                   // >= 0
  // Samples are processed in chunks of about this many output pixels (at least one sample),
  // which keeps the im2col patch matrix, or the direct path's padded copies, in L2 cache. >= 1.
  // With filters a multiple of the vector width (16 floats with AVX-512, 8 with AVX, 4 with
  // SSE) the layer runs on direct kernels whose results do not depend on this value.
  int64_t chunk_columns = 256;
};
Result<std::unique_ptr<Layer>> MakeConv2d(Shape in, const Conv2dOptions& options);

// 2x2 window, stride 2, no padding (odd trailing rows/columns are dropped, as Keras "valid").
Result<std::unique_ptr<Layer>> MakeMaxPool2d(Shape in);
Result<std::unique_ptr<Layer>> MakeRelu(Shape in);
// Output {1, 1, h*w*c} in (h, w, c) order.
Result<std::unique_ptr<Layer>> MakeFlatten(Shape in);

}  // namespace fedcarbon::models
