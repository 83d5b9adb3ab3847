// Parameter-free layers: ReLU, MaxPool2d (2x2, stride 2) and Flatten, on NHWC activations.
#include <algorithm>
#include <cstring>

#include "fedcarbon/models/layer.h"

namespace fedcarbon::models {
namespace {

class Relu final : public Layer {
 public:
  explicit Relu(Shape in) : Layer(in, in) {}
  std::string kind() const override { return "relu"; }

  void ForwardSlice(const float* x, int64_t n, float* y, int /*part*/) override {
    const int64_t total = n * in_.size();
    for (int64_t i = 0; i < total; ++i) y[i] = std::max(x[i], 0.0f);
  }
  void BackwardSlice(const float* /*x*/, const float* y, const float* dy, int64_t n, float* dx,
                     float* /*dparams*/, int /*part*/) override {
    if (dx == nullptr) return;
    const int64_t total = n * in_.size();
    for (int64_t i = 0; i < total; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  }
  FlopCount Flops(bool input_grad) const override {
    const uint64_t e = static_cast<uint64_t>(in_.size());
    return {e, input_grad ? e : 0};
  }
};

class MaxPool2d final : public Layer {
 public:
  explicit MaxPool2d(Shape in) : Layer(in, Shape{in.h / 2, in.w / 2, in.c}) {}
  std::string kind() const override { return "maxpool2d"; }

  void ForwardSlice(const float* x, int64_t n, float* y, int /*part*/) override {
    const int64_t c = in_.c, rs = in_.w * c;  // rs: input row stride
    for (int64_t s = 0; s < n; ++s) {
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          const float* a = x + s * in_.size() + (2 * oh * in_.w + 2 * ow) * c;
          float* o = y + s * out_.size() + (oh * out_.w + ow) * c;
          for (int64_t k = 0; k < c; ++k) {
            o[k] = std::max(std::max(a[k], a[c + k]), std::max(a[rs + k], a[rs + c + k]));
          }
        }
      }
    }
  }

  // The gradient goes to the first window element (scan order) equal to the maximum. Branch-free
  // over channels so that it vectorises; every window element is written.
  void BackwardSlice(const float* x, const float* y, const float* dy, int64_t n, float* dx,
                     float* /*dparams*/, int /*part*/) override {
    if (dx == nullptr) return;
    const int64_t c = in_.c, rs = in_.w * c;
    // Odd sizes: the trailing row/column is in no window and gets zero gradient.
    if ((in_.h % 2) != 0 || (in_.w % 2) != 0) std::memset(dx, 0, sizeof(float) * n * in_.size());
    for (int64_t s = 0; s < n; ++s) {
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          const int64_t base = s * in_.size() + (2 * oh * in_.w + 2 * ow) * c;
          const int64_t o = s * out_.size() + (oh * out_.w + ow) * c;
          RouteWindow(x + base, c, rs, y + o, dy + o, dx + base);
        }
      }
    }
  }

  FlopCount Flops(bool /*input_grad*/) const override {
    return {3ULL * static_cast<uint64_t>(out_.size()), 0};
  }

 private:
  // One 2x2 window across c channels; bitwise (not short-circuit) logic keeps it branch-free.
  static void RouteWindow(const float* __restrict x, int64_t c, int64_t rs,
                          const float* __restrict y, const float* __restrict g,
                          float* __restrict d) {
    for (int64_t k = 0; k < c; ++k) {
      const float m = y[k];
      const bool e0 = x[k] == m;
      const bool e1 = !e0 & (x[c + k] == m);
      const bool e2 = !e0 & !e1 & (x[rs + k] == m);
      const bool e3 = !e0 & !e1 & !e2;
      d[k] = e0 ? g[k] : 0.0f;
      d[c + k] = e1 ? g[k] : 0.0f;
      d[rs + k] = e2 ? g[k] : 0.0f;
      d[rs + c + k] = e3 ? g[k] : 0.0f;
    }
  }
};

class Flatten final : public Layer {
 public:
  explicit Flatten(Shape in) : Layer(in, Shape{1, 1, in.size()}) {}
  std::string kind() const override { return "flatten"; }
  void ForwardSlice(const float* x, int64_t n, float* y, int /*part*/) override {
    std::memcpy(y, x, sizeof(float) * n * in_.size());
  }
  void BackwardSlice(const float*, const float*, const float* dy, int64_t n, float* dx,
                     float* /*dparams*/, int /*part*/) override {
    if (dx != nullptr) std::memcpy(dx, dy, sizeof(float) * n * in_.size());
  }
  FlopCount Flops(bool) const override { return {0, 0}; }
};

Status CheckShape(const char* what, Shape in) {
  if (in.h < 1 || in.w < 1 || in.c < 1) {
    return Status::Error(std::string(what) + ": bad input " + in.ToString());
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Layer>> MakeRelu(Shape in) {
  FEDCARBON_RETURN_IF_ERROR(CheckShape("relu", in));
  return std::unique_ptr<Layer>(new Relu(in));
}

Result<std::unique_ptr<Layer>> MakeMaxPool2d(Shape in) {
  FEDCARBON_RETURN_IF_ERROR(CheckShape("maxpool2d", in));
  if (in.h < 2 || in.w < 2)
    return Status::Error("maxpool2d: input smaller than 2x2 " + in.ToString());
  return std::unique_ptr<Layer>(new MaxPool2d(in));
}

Result<std::unique_ptr<Layer>> MakeFlatten(Shape in) {
  FEDCARBON_RETURN_IF_ERROR(CheckShape("flatten", in));
  return std::unique_ptr<Layer>(new Flatten(in));
}

}  // namespace fedcarbon::models
