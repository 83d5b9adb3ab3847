// Conv2d (stride 1, square kernel, same/valid padding) as im2col + one Eigen GEMM per chunk.
//
// Column-major views: a chunk of `cnt` samples has P = cnt*out_h*out_w output pixels; its patch
// matrix Col: (R, P) with R = k*k*in_c in (kh, kw, c) order, which is the row order of the Keras
// weight [k, k, in_c, filters] seen as Wm: (filters, R). Then
//   forward  Y(filters, P) = Wm Col + b        (Y is the NHWC output of the chunk)
//   backward dW += dY Col^T, db += rowsum(dY), dCol = Wm^T dY, dX = col2im(dCol).
// Chunks of about `chunk_columns` pixels keep Col in L2. Threads take contiguous sample ranges;
// each range accumulates its own dW/db and the ranges are summed in a fixed order.
#include <Eigen/Core>

#include <algorithm>
#include <cstring>

#include "fedcarbon/models/layer.h"
#include "parallel.h"
#include "reduce.h"

namespace fedcarbon::models {
namespace {

using MatMap = Eigen::Map<Eigen::MatrixXf>;
using ConstMatMap = Eigen::Map<const Eigen::MatrixXf>;
using VecMap = Eigen::Map<Eigen::VectorXf>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;

class Conv2d final : public Layer {
 public:
  Conv2d(Shape in, Shape out, const Conv2dOptions& o, int64_t pad)
      : Layer(in, out),
        k_(o.kernel),
        pad_(pad),
        f_(o.filters),
        r_(o.kernel * o.kernel * in.c),
        pix_(out.h * out.w),
        chunk_(std::max<int64_t>(1, o.chunk_columns / (out.h * out.w))) {
    AllocateParams(r_ * f_, f_);
    set_l2(o.l2);
  }
  std::string kind() const override { return "conv2d"; }

  void Initialize(uint64_t seed) override {
    GlorotUniform(seed, k_ * k_ * in_.c, k_ * k_ * f_);  // Keras fans for conv kernels
  }

  void Forward(const float* x, int64_t n, float* y, int threads) override {
    const int parts = internal::PartsFor(threads, n, 1);
    EnsureWorkspace(parts, false);
    ConstMatMap w(params_.data(), f_, r_);
    ConstVecMap b(params_.data() + num_weights_, f_);
    internal::ParallelParts(parts, n, [&](int p, int64_t s0, int64_t s1) {
      float* col = cols_[p].data();
      for (int64_t s = s0; s < s1; s += chunk_) {
        const int64_t cnt = std::min(chunk_, s1 - s), ncols = cnt * pix_;
        Im2col(x + s * in_.size(), cnt, col);
        MatMap ym(y + s * out_.size(), f_, ncols);
        ym.noalias() = w * ConstMatMap(col, r_, ncols);
        ym.colwise() += b;
      }
    });
  }

  void Backward(const float* x, const float* /*y*/, const float* dy, int64_t n, float* dx,
                int threads) override {
    const int parts = internal::PartsFor(threads, n, 1);
    EnsureWorkspace(parts, true);
    ConstMatMap w(params_.data(), f_, r_);
    internal::ParallelParts(parts, n, [&](int p, int64_t s0, int64_t s1) {
      float* g = p == 0 ? grads_.data() : partial_[p - 1].data();
      MatMap dw(g, f_, r_);
      float* col = cols_[p].data();
      for (int64_t s = s0; s < s1; s += chunk_) {
        const int64_t cnt = std::min(chunk_, s1 - s), ncols = cnt * pix_;
        Im2col(x + s * in_.size(), cnt, col);
        MatMap colm(col, r_, ncols);
        ConstMatMap dym(dy + s * out_.size(), f_, ncols);
        if (s == s0) {
          dw.noalias() = dym * colm.transpose();
        } else {
          dw.noalias() += dym * colm.transpose();
        }
        internal::RowSums(dym.data(), f_, ncols, g + num_weights_, /*accumulate=*/s != s0);
        if (dx != nullptr) {
          colm.noalias() = w.transpose() * dym;  // dCol reuses the patch buffer
          Col2im(col, cnt, dx + s * in_.size());
        }
      }
    });
    for (int p = 1; p < parts; ++p) {
      VecMap(grads_.data(), num_params()) += ConstVecMap(partial_[p - 1].data(), num_params());
    }
  }

  FlopCount Flops(bool input_grad) const override {
    const uint64_t mac = 2ULL * pix_ * f_ * r_;
    const uint64_t bias = static_cast<uint64_t>(pix_ * f_);
    return {mac + bias, mac + bias + (input_grad ? mac : 0)};
  }

 private:
  void EnsureWorkspace(int parts, bool backward) {
    const size_t col_size = static_cast<size_t>(r_ * chunk_ * pix_);
    if (cols_.size() < static_cast<size_t>(parts)) cols_.resize(parts);
    for (int p = 0; p < parts; ++p) {
      if (cols_[p].size() < col_size) cols_[p].resize(col_size);
    }
    if (backward && partial_.size() + 1 < static_cast<size_t>(parts)) {
      partial_.resize(parts - 1, std::vector<float>(params_.size()));
    }
  }

  // Valid kernel columns [lo, hi) for output column ow.
  void KwRange(int64_t ow, int64_t* lo, int64_t* hi) const {
    *lo = std::max<int64_t>(0, pad_ - ow);
    *hi = std::min<int64_t>(k_, in_.w + pad_ - ow);
  }

  // x: cnt samples [cnt, h, w, c] -> col: (r_, cnt*pix_) column-major.
  void Im2col(const float* x, int64_t cnt, float* col) const {
    const int64_t c = in_.c, row = k_ * c;
    for (int64_t s = 0; s < cnt; ++s) {
      const float* xs = x + s * in_.size();
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          float* dst = col + ((s * out_.h + oh) * out_.w + ow) * r_;
          int64_t lo, hi;
          KwRange(ow, &lo, &hi);
          for (int64_t kh = 0; kh < k_; ++kh, dst += row) {
            const int64_t ih = oh + kh - pad_;
            if (ih < 0 || ih >= in_.h || hi <= lo) {
              Fill(dst, row);
              continue;
            }
            Fill(dst, lo * c);
            Copy(dst + lo * c, xs + (ih * in_.w + ow + lo - pad_) * c, (hi - lo) * c);
            Fill(dst + hi * c, (k_ - hi) * c);
          }
        }
      }
    }
  }

  // Plain loops rather than memcpy/memset: runs are short (k * in_c floats, 5 for conv1), where
  // the call overhead of the library functions dominates.
  static void Copy(float* __restrict dst, const float* __restrict src, int64_t len) {
    for (int64_t i = 0; i < len; ++i) dst[i] = src[i];
  }
  static void Fill(float* __restrict dst, int64_t len) {
    for (int64_t i = 0; i < len; ++i) dst[i] = 0.0f;
  }

  // Inverse scatter-add of Im2col: dx (cnt samples) = sum of the patch gradients.
  void Col2im(const float* col, int64_t cnt, float* dx) const {
    const int64_t c = in_.c, row = k_ * c;
    std::memset(dx, 0, sizeof(float) * cnt * in_.size());
    for (int64_t s = 0; s < cnt; ++s) {
      float* dxs = dx + s * in_.size();
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          const float* src = col + ((s * out_.h + oh) * out_.w + ow) * r_;
          int64_t lo, hi;
          KwRange(ow, &lo, &hi);
          for (int64_t kh = 0; kh < k_; ++kh, src += row) {
            const int64_t ih = oh + kh - pad_;
            if (ih < 0 || ih >= in_.h) continue;
            float* d = dxs + (ih * in_.w + ow + lo - pad_) * c;
            const float* sp = src + lo * c;
            const int64_t len = (hi - lo) * c;
            for (int64_t i = 0; i < len; ++i) d[i] += sp[i];
          }
        }
      }
    }
  }

  int64_t k_, pad_, f_, r_, pix_, chunk_;
  std::vector<std::vector<float>> cols_;     // per part: im2col / dCol workspace
  std::vector<std::vector<float>> partial_;  // per part > 0: dW and db partial sums
};

}  // namespace

Result<std::unique_ptr<Layer>> MakeConv2d(Shape in, const Conv2dOptions& o) {
  if (in.h < 1 || in.w < 1 || in.c < 1) return Status::Error("conv2d: bad input " + in.ToString());
  if (o.filters < 1) return Status::Error("conv2d: filters must be >= 1");
  if (o.kernel < 1) return Status::Error("conv2d: kernel must be >= 1");
  if (!(o.l2 >= 0.0f)) return Status::Error("conv2d: l2 must be >= 0");
  if (o.chunk_columns < 1) return Status::Error("conv2d: chunk_columns must be >= 1");
  Shape out{in.h, in.w, o.filters};
  int64_t pad = (o.kernel - 1) / 2;
  if (o.padding == Padding::kValid) {
    if (o.kernel > in.h || o.kernel > in.w) {
      return Status::Error("conv2d: kernel " + std::to_string(o.kernel) +
                           " larger than valid input " + in.ToString());
    }
    out = Shape{in.h - o.kernel + 1, in.w - o.kernel + 1, o.filters};
    pad = 0;
  }
  return std::unique_ptr<Layer>(new Conv2d(in, out, o, pad));
}

}  // namespace fedcarbon::models
