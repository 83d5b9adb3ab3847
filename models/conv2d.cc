// Conv2d (stride 1, square kernel, same/valid padding).
//
// Two paths, chosen per layer from the shapes. Both are deterministic: results depend on the
// inputs, the layer and the slice, never on data alignment; the direct path's not on
// chunk_columns either.
//
// Direct (filters a multiple of the vector width, e.g. the CNN's 32 and 64): the kernels of
// direct_conv.h read patches straight from a zero-padded copy of the input, so nothing is
// expanded or packed. Forward y = bias + W x; backward dW (and db) summed over the slice's pixels
// in order; dX is the forward kernel on the padded output gradient with the flipped weight when
// in_c is a multiple of the vector width too, else the GEMM path's dCol + col2im.
//
// GEMM (any shape): im2col + gemm.h's fixed-order products per chunk. Column-major views: a chunk
// of `cnt` samples has P = cnt*out_h*out_w output pixels; its patch matrix Col: (R, P) with R =
// k*k*in_c in (kh, kw, c) order, which is the row order of the Keras weight [k, k, in_c, filters]
// seen as Wm: (filters, R). Then
//   forward  Y(filters, P) = Wm Col + b        (Y is the NHWC output of the chunk)
//   backward dW += dY Col^T, db += rowsum(dY), dCol = Wm^T dY, dX = col2im(dCol).
// dW's sums run over the pixels of every chunk in order (GemmChain continues them), as the direct
// path's do. Which path a layer takes depends on its shape only, never on the vector width.
// Chunks of about `chunk_columns` pixels keep Col (and the direct path's padded copies) in L2.
// Each slice (one thread's samples) has its own workspace and accumulates its own dW/db;
// Sequential sums the slices in a fixed order.
#include <Eigen/Core>

#include <algorithm>

#include "direct_conv.h"
#include "fedcarbon/models/layer.h"
#include "gemm.h"
#include "reduce.h"

// Keeps GCC from replacing a copy loop with a memcpy call (costly for runs of a few floats).
#if defined(__GNUC__) && !defined(__clang__)
#define FEDCARBON_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define FEDCARBON_NO_LIBCALL
#endif

namespace fedcarbon::models {
namespace {

using MatMap = Eigen::Map<Eigen::MatrixXf>;
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
        chunk_(std::max<int64_t>(1, o.chunk_columns / (out.h * out.w))),
        hp_(out.h + o.kernel - 1),
        wp_(out.w + o.kernel - 1),
        padded_(hp_ != in.h || wp_ != in.w),
        direct_(internal::DirectConvSupports(o.filters)),
        direct_dx_(direct_ && internal::DirectConvSupports(in.c)) {
    AllocateParams(r_ * f_, f_);
    set_l2(o.l2);
    fwd_ = {k_, in.c, f_, hp_, wp_, out.h, out.w};
    // dX = the forward kernel on dY padded by k-1-pad before (and pad after) with the flipped
    // weight: channels and filters swap roles.
    bwd_ = {k_, f_, in.c, in.h + k_ - 1, in.w + k_ - 1, in.h, in.w};
  }
  std::string kind() const override { return "conv2d"; }

  void Initialize(uint64_t seed) override {
    GlorotUniform(seed, k_ * k_ * in_.c, k_ * k_ * f_);  // Keras fans for conv kernels
  }

  void Reserve(int parts) override {
    const bool gemm_dx = !direct_dx_;  // dCol + col2im
    const size_t col_size = !direct_ || gemm_dx ? static_cast<size_t>(r_ * chunk_ * pix_) : 0;
    // The GEMM path pads one sample at a time, the direct path a chunk.
    const int64_t pad_samples = direct_ ? chunk_ : 1;
    const size_t pad_size = padded_ ? static_cast<size_t>(pad_samples * fwd_.in_size()) : 0;
    const size_t dpad_size = padded_ && gemm_dx ? static_cast<size_t>(fwd_.in_size()) : 0;
    const size_t dypad_size = direct_dx_ ? static_cast<size_t>(chunk_ * bwd_.in_size()) : 0;
    const size_t wt_size = direct_dx_ ? static_cast<size_t>(num_weights_) : 0;
    if (ws_.size() < static_cast<size_t>(parts)) ws_.resize(parts);
    for (int p = 0; p < parts; ++p) {
      Workspace& ws = ws_[p];
      if (ws.col.size() < col_size) ws.col.resize(col_size);
      if (ws.pad.size() < pad_size) ws.pad.assign(pad_size, 0.0f);  // borders stay zero
      if (ws.dpad.size() < dpad_size) ws.dpad.resize(dpad_size);
      if (ws.dypad.size() < dypad_size) ws.dypad.assign(dypad_size, 0.0f);  // borders stay zero
      if (ws.wt.size() < wt_size) ws.wt.resize(wt_size);
    }
  }

  void ForwardSlice(const float* x, int64_t n, float* y, int part) override {
    Workspace& ws = ws_[part];
    if (direct_) {
      for (int64_t s = 0; s < n; s += chunk_) {
        const int64_t cnt = std::min(chunk_, n - s);
        internal::DirectConvForward(fwd_, PaddedInput(x + s * in_.size(), cnt, ws), cnt,
                                    params_.data(), params_.data() + num_weights_,
                                    y + s * out_.size());
      }
      return;
    }
    ConstVecMap b(params_.data() + num_weights_, f_);
    for (int64_t s = 0; s < n; s += chunk_) {
      const int64_t cnt = std::min(chunk_, n - s), ncols = cnt * pix_;
      Im2col(x + s * in_.size(), cnt, ws);
      float* ys = y + s * out_.size();
      internal::GemmChain(f_, ncols, r_, params_.data(), f_, ws.col.data(), /*b_k=*/1,
                          /*b_j=*/r_, ys, f_, /*accumulate=*/false);
      MatMap(ys, f_, ncols).colwise() += b;
    }
  }

  void BackwardSlice(const float* x, const float* /*y*/, const float* dy, int64_t n, float* dx,
                     float* dparams, int part) override {
    Workspace& ws = ws_[part];
    if (direct_) {
      for (int64_t s = 0; s < n; s += chunk_) {
        const int64_t cnt = std::min(chunk_, n - s);
        const float* dys = dy + s * out_.size();
        internal::DirectConvWeightGrad(fwd_, PaddedInput(x + s * in_.size(), cnt, ws), cnt, dys,
                                       dparams, /*accumulate=*/s != 0);
        if (dx == nullptr) continue;
        if (direct_dx_) {
          if (s == 0) internal::FlipWeights(params_.data(), k_, in_.c, f_, ws.wt.data());
          internal::DirectConvForward(bwd_, PaddedOutputGrad(dys, cnt, ws), cnt, ws.wt.data(),
                                      nullptr, dx + s * in_.size());
        } else {
          InputGradGemm(dys, cnt, dx + s * in_.size(), ws);
        }
      }
      internal::RowSums(dy, f_, n * pix_, dparams + num_weights_, /*accumulate=*/false);
      return;
    }
    for (int64_t s = 0; s < n; s += chunk_) {
      const int64_t cnt = std::min(chunk_, n - s), ncols = cnt * pix_;
      Im2col(x + s * in_.size(), cnt, ws);
      const float* dys = dy + s * out_.size();
      // dW(f, R) (+)= dY(f, P) Col(R, P)^T: B(p, r) = col[p * R + r].
      internal::GemmChain(f_, r_, ncols, dys, f_, ws.col.data(), /*b_k=*/r_, /*b_j=*/1, dparams, f_,
                          /*accumulate=*/s != 0);
      internal::RowSums(dys, f_, ncols, dparams + num_weights_, /*accumulate=*/s != 0);
      if (dx != nullptr) InputGradGemm(dys, cnt, dx + s * in_.size(), ws);
    }
  }

  FlopCount Flops(bool input_grad) const override {
    const uint64_t mac = 2ULL * pix_ * f_ * r_;
    const uint64_t bias = static_cast<uint64_t>(pix_ * f_);
    return {mac + bias, mac + bias + (input_grad ? mac : 0)};
  }

 private:
  struct Workspace {
    std::vector<float> col;    // (r_, chunk * pix_): patches, then dCol in backward (GEMM path)
    std::vector<float> pad;    // [chunk or 1, hp, wp, c]: samples in a zero border (never written)
    std::vector<float> dpad;   // [hp, wp, c]: col2im accumulator
    std::vector<float> dypad;  // [chunk, in.h + k - 1, in.w + k - 1, filters]: dY in a zero border
    std::vector<float> wt;     // [k, k, filters, c]: the flipped weight (direct dX)
  };

  // cnt samples [h, w, c] in the interior of ws.pad's zero-bordered [hp, wp, c] slots; x itself
  // when there is no padding.
  const float* PaddedInput(const float* x, int64_t cnt, Workspace& ws) const {
    if (!padded_) return x;
    const int64_t c = in_.c;
    for (int64_t s = 0; s < cnt; ++s) {
      float* dst = ws.pad.data() + s * fwd_.in_size();
      const float* src = x + s * in_.size();
      for (int64_t h = 0; h < in_.h; ++h) {
        CopyRun(dst + ((h + pad_) * wp_ + pad_) * c, src + h * in_.w * c, in_.w * c);
      }
    }
    return ws.pad.data();
  }

  // cnt samples of dY [out_h, out_w, f] at (k-1-pad, k-1-pad) in ws.dypad's zero-bordered slots.
  const float* PaddedOutputGrad(const float* dy, int64_t cnt, Workspace& ws) const {
    const int64_t before = k_ - 1 - pad_, row = out_.w * f_;
    for (int64_t s = 0; s < cnt; ++s) {
      float* dst = ws.dypad.data() + s * bwd_.in_size();
      const float* src = dy + s * out_.size();
      for (int64_t h = 0; h < out_.h; ++h) {
        CopyRun(dst + ((h + before) * bwd_.wp + before) * f_, src + h * row, row);
      }
    }
    return ws.dypad.data();
  }

  // dX of cnt samples (at most chunk_) from their dY: dCol = Wm^T dY in ws.col, then col2im.
  void InputGradGemm(const float* dy, int64_t cnt, float* dx, Workspace& ws) const {
    // dCol(R, P) = Wm(f, R)^T dY(f, P), in the patch buffer.
    internal::GemmDot(r_, cnt * pix_, f_, params_.data(), f_, dy, f_, ws.col.data(), r_);
    Col2im(cnt, dx, ws);
  }

  // x: cnt samples [cnt, h, w, c] -> col: (r_, cnt*pix_) column-major. With padding, each sample
  // is first copied into the interior of a zero-bordered [hp, wp, c] buffer, so that every patch
  // row is one contiguous run of k*c floats, without bounds checks.
  void Im2col(const float* x, int64_t cnt, Workspace& ws) const {
    const int64_t c = in_.c, run = k_ * c;
    for (int64_t s = 0; s < cnt; ++s) {
      const float* xp = PaddedInput(x + s * in_.size(), 1, ws);
      float* dst = ws.col.data() + s * pix_ * r_;
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          for (int64_t kh = 0; kh < k_; ++kh, dst += run) {
            CopyRun(dst, xp + ((oh + kh) * wp_ + ow) * c, run);
          }
        }
      }
    }
  }

  // Inverse scatter-add of Im2col: dx (cnt samples) = sum of the patch gradients in ws.col.
  void Col2im(int64_t cnt, float* dx, Workspace& ws) const {
    const int64_t c = in_.c, run = k_ * c;
    for (int64_t s = 0; s < cnt; ++s) {
      float* dxs = dx + s * in_.size();
      float* dp = padded_ ? ws.dpad.data() : dxs;
      std::fill(dp, dp + hp_ * wp_ * c, 0.0f);
      const float* src = ws.col.data() + s * pix_ * r_;
      for (int64_t oh = 0; oh < out_.h; ++oh) {
        for (int64_t ow = 0; ow < out_.w; ++ow) {
          for (int64_t kh = 0; kh < k_; ++kh, src += run) {
            AddRun(dp + ((oh + kh) * wp_ + ow) * c, src, run);
          }
        }
      }
      if (padded_) {
        for (int64_t h = 0; h < in_.h; ++h) {
          CopyRun(dxs + h * in_.w * c, dp + ((h + pad_) * wp_ + pad_) * c, in_.w * c);
        }
      }
    }
  }

  // Inline loops for the short runs (5 floats for the CNN's conv1): GCC would otherwise turn the
  // copy into a memcpy call per run, whose overhead dominated conv1.
  FEDCARBON_NO_LIBCALL static void CopyRun(float* __restrict d, const float* __restrict s,
                                           int64_t len) {
    for (int64_t i = 0; i < len; ++i) d[i] = s[i];
  }
  static void AddRun(float* __restrict d, const float* __restrict s, int64_t len) {
    for (int64_t i = 0; i < len; ++i) d[i] += s[i];
  }

  int64_t k_, pad_, f_, r_, pix_, chunk_;
  int64_t hp_, wp_;                   // padded input size: out + k - 1
  bool padded_;                       // hp_ != in.h or wp_ != in.w
  bool direct_;                       // forward and dW on the direct kernels
  bool direct_dx_;                    // dX too (in_c is a multiple of the vector width)
  internal::ConvGeometry fwd_, bwd_;  // the layer; its input gradient
  std::vector<Workspace> ws_;         // per part
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
