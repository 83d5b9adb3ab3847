// WeightCodec implementation (see include/fedcarbon/wire/codec.h).
#include "fedcarbon/wire/codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "fedcarbon.pb.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace fedcarbon::wire {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian; add byte swapping for big-endian hosts");

constexpr uint64_t kMaxTensors = 1 << 16;  // far above any model here; bounds the scale table
// The largest int8 scale whose products with -128..127 stay finite.
constexpr float kMaxInt8Scale = std::numeric_limits<float>::max() / 128.0f;

bool FiniteBits(uint32_t bits) { return (bits & 0x7f800000u) != 0x7f800000u; }

// Index of the first non-finite value, or -1.
int64_t FirstNonFinite(std::span<const float> v) {
  uint32_t bad = 0;
  for (float x : v) bad |= !FiniteBits(std::bit_cast<uint32_t>(x));
  if (!bad) return -1;
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return static_cast<int64_t>(i);
  return -1;
}

// Copies n little-endian floats (4-byte words, any alignment) from `in` to `out` and checks them
// in the same pass (vectorized; no conversion on a little-endian host); false when one is Inf or
// NaN.
bool CopyFiniteWords(const char* in, char* out, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, in + 4 * i, 4);
    bad |= (bits & 0x7f800000u) == 0x7f800000u;
    std::memcpy(out + 4 * i, &bits, 4);
  }
  return bad == 0;
}

// Converts n floats to halves (unaligned bytes); returns the index of the first half that is
// Inf/NaN, or -1.
int64_t FloatsToHalves(const float* in, char* out, size_t n) {
  size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {  // vcvtps2ph rounds to nearest even, as FloatToHalf
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), h);
  }
#endif
  for (; i < n; ++i) {
    const uint16_t h = FloatToHalf(in[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
  uint32_t bad = 0;
  for (size_t j = 0; j < n; ++j) {
    uint16_t h;
    std::memcpy(&h, out + 2 * j, 2);
    bad |= (h & 0x7c00u) == 0x7c00u;
  }
  if (!bad) return -1;
  for (size_t j = 0; j < n; ++j) {
    uint16_t h;
    std::memcpy(&h, out + 2 * j, 2);
    if ((h & 0x7c00u) == 0x7c00u) return static_cast<int64_t>(j);
  }
  return -1;
}

// Converts n halves (unaligned bytes) to floats; returns the index of the first Inf/NaN, or -1
// (checked before anything is converted).
int64_t HalvesToFloats(const char* in, float* out, size_t n) {
  uint32_t bad = 0;
  for (size_t j = 0; j < n; ++j) {
    uint16_t h;
    std::memcpy(&h, in + 2 * j, 2);
    bad |= (h & 0x7c00u) == 0x7c00u;
  }
  if (bad) {
    for (size_t j = 0; j < n; ++j) {
      uint16_t h;
      std::memcpy(&h, in + 2 * j, 2);
      if ((h & 0x7c00u) == 0x7c00u) return static_cast<int64_t>(j);
    }
  }
  size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(
        out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 2 * i))));
#endif
  for (; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, in + 2 * i, 2);
    out[i] = HalfToFloat(h);
  }
  return -1;
}

Status NotFinite(int64_t index) {
  return Status::Error("encode weights: value " + std::to_string(index) + " is not finite");
}

// The int8 scale of each tensor (max |w| / 127), checking that every value is finite in the
// same pass.
Status Int8Scales(std::span<const float> values, std::span<const int64_t> sizes,
                  proto::Weights* out) {
  size_t begin = 0;
  uint32_t bad = 0;
  for (int64_t size : sizes) {
    float max_abs = 0.0f;
    for (float x : values.subspan(begin, static_cast<size_t>(size))) {
      bad |= !FiniteBits(std::bit_cast<uint32_t>(x));
      max_abs = std::max(max_abs, std::fabs(x));
    }
    out->add_tensor_sizes(static_cast<uint64_t>(size));
    out->add_scales(max_abs / 127.0f);
    begin += static_cast<size_t>(size);
  }
  if (bad) return NotFinite(FirstNonFinite(values));
  return Status::OK();
}

// Quantizes each tensor with its scale (from Int8Scales) into dst.
void QuantizeInt8(std::span<const float> values, const proto::Weights& head, char* dst) {
  auto* q = reinterpret_cast<int8_t*>(dst);
  size_t begin = 0;
  for (int t = 0; t < head.tensor_sizes_size(); ++t) {
    std::span<const float> v = values.subspan(begin, static_cast<size_t>(head.tensor_sizes(t)));
    const float scale = head.scales(t);
    // In double: for a tensor whose largest |w| is tiny the scale is subnormal and its float
    // inverse overflows to infinity (0 x inf = NaN; a fuzz finding,
    // fuzz/regressions/wire_frame/int8-subnormal-scale-nan).
    const double inv = scale > 0.0f ? 1.0 / static_cast<double>(scale) : 0.0;
    for (size_t i = 0; i < v.size(); ++i) {
      const double r = std::nearbyint(static_cast<double>(v[i]) * inv);
      q[begin + i] = static_cast<int8_t>(std::clamp(r, -127.0, 127.0));
    }
    begin += v.size();
  }
}

}  // namespace

Result<Encoding> ParseEncoding(std::string_view name) {
  if (name == "none" || name == "fp32") return Encoding::kFp32;
  if (name == "fp16") return Encoding::kFp16;
  if (name == "int8") return Encoding::kInt8;
  return Status::Error("unknown weight encoding '" + std::string(name) +
                       "' (known: none, fp32, fp16, int8)");
}

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kFp32:
      return "fp32";
    case Encoding::kFp16:
      return "fp16";
    case Encoding::kInt8:
      return "int8";
  }
  return "?";
}

uint64_t PayloadBytes(Encoding e, uint64_t num_params, uint64_t num_tensors) {
  switch (e) {
    case Encoding::kFp32:
      return 4 * num_params;
    case Encoding::kFp16:
      return 2 * num_params;
    case Encoding::kInt8:
      return num_params + 4 * num_tensors;
  }
  return 0;
}

uint16_t FloatToHalf(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7fffffffu;
  uint32_t h;
  if (u >= (143u << 23)) {  // |f| >= 2^16 (or Inf/NaN): infinity, NaN stays NaN
    h = u > 0x7f800000u ? 0x7e00u : 0x7c00u;
  } else if (u < (113u << 23)) {  // below 2^-14: a half subnormal or zero
    // Adding 0.5 aligns the value's 2^-24 units at the bottom of the float's mantissa; the FPU's
    // round-to-nearest-even does the rounding.
    const float magic = std::bit_cast<float>(126u << 23);
    h = std::bit_cast<uint32_t>(std::bit_cast<float>(u) + magic) - (126u << 23);
  } else {  // normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to even
    const uint32_t odd = (u >> 13) & 1u;
    u += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu + odd;
    h = u >> 13;  // a carry into the exponent rounds up to the next binade or to infinity
  }
  return static_cast<uint16_t>(h | sign);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return std::bit_cast<float>(std::bit_cast<uint32_t>(v) | sign);
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

Result<size_t> EncodeWeightsHead(std::span<const float> values,
                                 std::span<const int64_t> tensor_sizes, Encoding encoding,
                                 bool is_delta, proto::Weights* out) {
  out->Clear();
  const int64_t whole = static_cast<int64_t>(values.size());
  std::span<const int64_t> sizes =
      tensor_sizes.empty() ? std::span<const int64_t>(&whole, 1) : tensor_sizes;
  int64_t sum = 0;
  bool positive = true;
  for (int64_t s : sizes) {
    positive = positive && s > 0;
    sum += s;
  }
  if (!positive || sum != whole) {
    // A non-finite value is reported first, as EncodeWeights always has.
    if (int64_t bad = FirstNonFinite(values); bad >= 0) return NotFinite(bad);
    if (!positive) return Status::Error("encode weights: tensor sizes must be > 0");
    return Status::Error("encode weights: tensor sizes sum to " + std::to_string(sum) +
                         ", expected " + std::to_string(whole));
  }
  out->set_encoding(static_cast<proto::Encoding>(encoding));
  out->set_num_params(values.size());
  out->set_is_delta(is_delta);
  switch (encoding) {
    case Encoding::kFp32:
      return 4 * values.size();
    case Encoding::kFp16:
      return 2 * values.size();
    case Encoding::kInt8:
      if (Status st = Int8Scales(values, sizes, out); !st.ok()) {
        out->Clear();
        return st;
      }
      return values.size();
  }
  return Status::Error("encode weights: unknown encoding");
}

Status EncodeWeightsPayload(std::span<const float> values, const proto::Weights& head, char* dst) {
  switch (head.encoding()) {
    case proto::ENCODING_FP32:
      if (!CopyFiniteWords(reinterpret_cast<const char*>(values.data()), dst, values.size()))
        return NotFinite(FirstNonFinite(values));
      return Status::OK();
    case proto::ENCODING_FP16:
      if (int64_t i = FloatsToHalves(values.data(), dst, values.size()); i >= 0) {
        if (int64_t bad = FirstNonFinite(values); bad >= 0) return NotFinite(bad);
        return Status::Error("encode weights: value " + std::to_string(i) + " (" +
                             std::to_string(values[i]) + ") overflows fp16");
      }
      return Status::OK();
    case proto::ENCODING_INT8:
      QuantizeInt8(values, head, dst);  // Int8Scales has checked the values
      return Status::OK();
    default:
      return Status::Error("encode weights: unknown encoding");
  }
}

Status EncodeWeights(std::span<const float> values, std::span<const int64_t> tensor_sizes,
                     Encoding encoding, bool is_delta, proto::Weights* out) {
  Result<size_t> bytes = EncodeWeightsHead(values, tensor_sizes, encoding, is_delta, out);
  Status st = bytes.status();
  if (st.ok()) {
    std::string* data = out->mutable_data();
    data->resize(*bytes);
    st = EncodeWeightsPayload(values, *out, data->data());
  }
  if (!st.ok()) out->Clear();
  return st;
}

Status DecodeWeights(const proto::Weights& w, int64_t expected_params, std::span<float> out) {
  return DecodeWeights(w, w.data(), expected_params, out);
}

Status DecodeWeights(const proto::Weights& w, std::string_view data, int64_t expected_params,
                     std::span<float> out) {
  if (expected_params < 0 || static_cast<int64_t>(out.size()) != expected_params)
    return Status::Error("decode weights: output holds " + std::to_string(out.size()) +
                         " values, expected " + std::to_string(expected_params));
  const uint64_t n = static_cast<uint64_t>(expected_params);
  if (w.num_params() != n)
    return Status::Error("weights: num_params is " + std::to_string(w.num_params()) +
                         ", the model has " + std::to_string(n));
  switch (w.encoding()) {
    case proto::ENCODING_FP32: {
      if (data.size() != 4 * n)
        return Status::Error("weights: fp32 payload is " + std::to_string(data.size()) +
                             " bytes, expected " + std::to_string(4 * n));
      // One pass: copy and check together (the bytes are unaligned little-endian floats).
      if (!CopyFiniteWords(data.data(), reinterpret_cast<char*>(out.data()), n))
        return Status::Error("weights: value " + std::to_string(FirstNonFinite(out)) +
                             " is NaN or Inf");
      return Status::OK();
    }
    case proto::ENCODING_FP16: {
      if (data.size() != 2 * n)
        return Status::Error("weights: fp16 payload is " + std::to_string(data.size()) +
                             " bytes, expected " + std::to_string(2 * n));
      if (int64_t i = HalvesToFloats(data.data(), out.data(), n); i >= 0)
        return Status::Error("weights: value " + std::to_string(i) + " is NaN or Inf");
      return Status::OK();
    }
    case proto::ENCODING_INT8: {
      if (data.size() != n)
        return Status::Error("weights: int8 payload is " + std::to_string(data.size()) +
                             " bytes, expected " + std::to_string(n));
      const int tensors = w.tensor_sizes_size();
      if (tensors < 1 || static_cast<uint64_t>(tensors) > kMaxTensors || w.scales_size() != tensors)
        return Status::Error("weights: int8 needs 1.." + std::to_string(kMaxTensors) +
                             " tensors with one scale each, got " + std::to_string(tensors) +
                             " sizes and " + std::to_string(w.scales_size()) + " scales");
      uint64_t sum = 0;
      for (int t = 0; t < tensors; ++t) {
        const uint64_t s = w.tensor_sizes(t);
        if (s == 0 || s > n - sum)
          return Status::Error("weights: int8 tensor sizes do not sum to " + std::to_string(n));
        sum += s;
        const float scale = w.scales(t);
        // Above FLT_MAX / 128 a quantized value times its scale overflows to infinity.
        if (!std::isfinite(scale) || scale < 0.0f || scale > kMaxInt8Scale)
          return Status::Error("weights: int8 scale " + std::to_string(t) +
                               " is negative, NaN, Inf or above FLT_MAX / 128");
      }
      if (sum != n)
        return Status::Error("weights: int8 tensor sizes do not sum to " + std::to_string(n));
      const auto* q = reinterpret_cast<const int8_t*>(data.data());
      uint64_t begin = 0;
      for (int t = 0; t < tensors; ++t) {
        const float scale = w.scales(t);
        const uint64_t end = begin + w.tensor_sizes(t);
        for (uint64_t i = begin; i < end; ++i) out[i] = static_cast<float>(q[i]) * scale;
        begin = end;
      }
      return Status::OK();
    }
    default:
      return Status::Error("weights: unknown encoding " + std::to_string(w.encoding()));
  }
}

Result<std::vector<float>> DecodeWeights(const proto::Weights& w, int64_t expected_params) {
  if (expected_params < 0 || w.num_params() != static_cast<uint64_t>(expected_params))
    return Status::Error("weights: num_params is " + std::to_string(w.num_params()) +
                         ", the model has " + std::to_string(expected_params));
  std::vector<float> out(static_cast<size_t>(expected_params));
  FEDCARBON_RETURN_IF_ERROR(DecodeWeights(w, expected_params, out));
  return out;
}

}  // namespace fedcarbon::wire
