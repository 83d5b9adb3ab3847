#include "skinny_gemm.h"

#include <algorithm>
#include <cstring>

namespace fedcarbon::models::internal {
namespace {

#if defined(__AVX512F__)
constexpr int kL = 16;
#elif defined(__AVX__)
constexpr int kL = 8;
#else
constexpr int kL = 4;
#endif
constexpr int64_t kRows = 2 * kL;  // rows per register block
typedef float V __attribute__((vector_size(kL * sizeof(float))));

inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));  // unaligned load
  return v;
}
inline void Store(float* p, V v) { std::memcpy(p, &v, sizeof(V)); }
inline V Splat(float x) { return V{} + x; }
inline float HSum(V v) {
  float s = 0.0f;
  for (int i = 0; i < kL; ++i) s += v[i];
  return s;
}

// xt[k * J + j] = x[j * in + k]: the block's columns interleaved, so one row of them is contiguous.
void Interleave(const float* x, int64_t in, int64_t j_count, float* xt) {
  for (int64_t k = 0; k < in; ++k) {
    for (int64_t j = 0; j < j_count; ++j) xt[k * j_count + j] = x[j * in + k];
  }
}

// Y rows [r, r + kRows) of J columns.
template <int J>
void ForwardRows(const float* w, int64_t out, int64_t in, const float* xt, float* y, int64_t r) {
  V a0[J], a1[J];
  for (int j = 0; j < J; ++j) a0[j] = a1[j] = V{};
  for (int64_t k = 0; k < in; ++k) {
    const V w0 = Load(w + k * out + r), w1 = Load(w + k * out + r + kL);
    for (int j = 0; j < J; ++j) {
      const V xv = Splat(xt[k * J + j]);
      a0[j] += w0 * xv;
      a1[j] += w1 * xv;
    }
  }
  for (int j = 0; j < J; ++j) {
    Store(y + j * out + r, a0[j]);
    Store(y + j * out + r + kL, a1[j]);
  }
}

// dW rows [r, r + kRows), every column i: sum over the J block columns (added to dW if acc).
template <int J>
void WeightGradRows(const float* dy, int64_t out, const float* xt, int64_t in, float* dw, int64_t r,
                    bool acc) {
  V d0[J], d1[J];
  for (int j = 0; j < J; ++j) {
    d0[j] = Load(dy + j * out + r);
    d1[j] = Load(dy + j * out + r + kL);
  }
  for (int64_t i = 0; i < in; ++i) {
    V a0 = V{}, a1 = V{};
    for (int j = 0; j < J; ++j) {
      const V xv = Splat(xt[i * J + j]);
      a0 += d0[j] * xv;
      a1 += d1[j] * xv;
    }
    float* p = dw + i * out + r;
    if (acc) {
      a0 += Load(p);
      a1 += Load(p + kL);
    }
    Store(p, a0);
    Store(p + kL, a1);
  }
}

// dX[i, j] = W[:, i] . dY[:, j] for I (1 or 2) columns i0.. and J columns of dY.
template <int J, int I>
void InputGradCols(const float* w, int64_t out, const float* dy, int64_t in, float* dx,
                   int64_t i0) {
  V a[I][J];
  for (int c = 0; c < I; ++c)
    for (int j = 0; j < J; ++j) a[c][j] = V{};
  const int64_t vec_end = out - out % kL;
  for (int64_t o = 0; o < vec_end; o += kL) {
    V wv[I];
    for (int c = 0; c < I; ++c) wv[c] = Load(w + (i0 + c) * out + o);
    for (int j = 0; j < J; ++j) {
      const V yv = Load(dy + j * out + o);
      for (int c = 0; c < I; ++c) a[c][j] += wv[c] * yv;
    }
  }
  for (int c = 0; c < I; ++c) {
    for (int j = 0; j < J; ++j) {
      float s = HSum(a[c][j]);
      for (int64_t o = vec_end; o < out; ++o) s += w[(i0 + c) * out + o] * dy[j * out + o];
      dx[j * in + i0 + c] = s;
    }
  }
}

// Calls Body<J>::Run(args...) for the runtime block width j_count in 1..kSkinnyBlock.
template <template <int> class Body, class... Args>
void Dispatch(int64_t j_count, Args&&... args) {
  switch (j_count) {
#define FEDCARBON_SKINNY_CASE(J) \
  case J:                        \
    Body<J>::Run(args...);       \
    break;
    FEDCARBON_SKINNY_CASE(1)
    FEDCARBON_SKINNY_CASE(2)
    FEDCARBON_SKINNY_CASE(3)
    FEDCARBON_SKINNY_CASE(4)
    FEDCARBON_SKINNY_CASE(5)
    FEDCARBON_SKINNY_CASE(6)
    FEDCARBON_SKINNY_CASE(7)
    FEDCARBON_SKINNY_CASE(8)
    FEDCARBON_SKINNY_CASE(9)
    FEDCARBON_SKINNY_CASE(10)
    FEDCARBON_SKINNY_CASE(11)
    FEDCARBON_SKINNY_CASE(12)
#undef FEDCARBON_SKINNY_CASE
    default:
      break;
  }
}
static_assert(kSkinnyBlock == 12, "Dispatch covers 1..12");

template <int J>
struct ForwardBody {
  static void Run(const float* w, int64_t out, int64_t in, const float* xt, float* y) {
    const int64_t main = out - out % kRows;
    for (int64_t r = 0; r < main; r += kRows) ForwardRows<J>(w, out, in, xt, y, r);
    for (int64_t r = main; r < out; ++r) {  // tail rows
      for (int j = 0; j < J; ++j) {
        float s = 0.0f;
        for (int64_t k = 0; k < in; ++k) s += w[k * out + r] * xt[k * J + j];
        y[j * out + r] = s;
      }
    }
  }
};

template <int J>
struct WeightGradBody {
  static void Run(const float* dy, int64_t out, const float* xt, int64_t in, float* dw, bool acc) {
    const int64_t main = out - out % kRows;
    for (int64_t r = 0; r < main; r += kRows) WeightGradRows<J>(dy, out, xt, in, dw, r, acc);
    for (int64_t i = 0; i < in; ++i) {  // tail rows
      for (int64_t r = main; r < out; ++r) {
        float s = 0.0f;
        for (int j = 0; j < J; ++j) s += dy[j * out + r] * xt[i * J + j];
        dw[i * out + r] = acc ? dw[i * out + r] + s : s;
      }
    }
  }
};

template <int J>
struct InputGradBody {
  static void Run(const float* w, int64_t out, const float* dy, int64_t in, float* dx) {
    int64_t i = 0;
    for (; i + 2 <= in; i += 2) InputGradCols<J, 2>(w, out, dy, in, dx, i);
    if (i < in) InputGradCols<J, 1>(w, out, dy, in, dx, i);
  }
};

}  // namespace

void SkinnyForward(const float* w, int64_t out, int64_t in, const float* x, int64_t n, float* y,
                   float* xt) {
  for (int64_t j0 = 0; j0 < n; j0 += kSkinnyBlock) {
    const int64_t jc = std::min(kSkinnyBlock, n - j0);
    Interleave(x + j0 * in, in, jc, xt);
    Dispatch<ForwardBody>(jc, w, out, in, static_cast<const float*>(xt), y + j0 * out);
  }
}

void SkinnyWeightGrad(const float* dy, int64_t out, const float* x, int64_t in, int64_t n,
                      float* dw, float* xt) {
  for (int64_t j0 = 0; j0 < n; j0 += kSkinnyBlock) {
    const int64_t jc = std::min(kSkinnyBlock, n - j0);
    Interleave(x + j0 * in, in, jc, xt);
    Dispatch<WeightGradBody>(jc, dy + j0 * out, out, static_cast<const float*>(xt), in, dw, j0 > 0);
  }
}

void SkinnyInputGrad(const float* w, int64_t out, int64_t in, const float* dy, int64_t n,
                     float* dx) {
  for (int64_t j0 = 0; j0 < n; j0 += kSkinnyBlock) {
    const int64_t jc = std::min(kSkinnyBlock, n - j0);
    Dispatch<InputGradBody>(jc, w, out, dy + j0 * out, in, dx + j0 * in);
  }
}

}  // namespace fedcarbon::models::internal
