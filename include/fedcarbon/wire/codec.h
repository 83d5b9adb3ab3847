// WeightCodec: model weights <-> the packed `Weights` wire message, used by both the coordinator
// and the client workers so that encoding and its validation live in one place.
//
// Encodings (bytes per weight on the wire):
//   kFp32  4   float32 little-endian, exact round trip
//   kFp16  2   IEEE binary16, round to nearest even; |error| <= 2^-11 * |w| for normal values
//   kInt8  1   symmetric per-tensor quantization: scale_t = max|w| / 127 over tensor t,
//              q = round(w / scale_t) in [-127, 127]; |error| <= scale_t / 2; plus 4 bytes per
//              tensor for the scale
// Decode validates the parameter count against the expected one and the payload length before
// it allocates or copies anything, and rejects NaN/Inf (fp32, fp16, and int8 scales; an int8
// scale above FLT_MAX / 128, whose products would overflow, too).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::wire {

namespace proto {
class Weights;
}

enum class Encoding { kFp32 = 0, kFp16 = 1, kInt8 = 2 };

// "none" or "fp32" -> kFp32, "fp16", "int8"; anything else is an error naming the value.
Result<Encoding> ParseEncoding(std::string_view name);
const char* EncodingName(Encoding e);  // "fp32", "fp16", "int8"

// Bytes of the packed payload for `num_params` weights in `num_tensors` tensors (int8 counts its
// scales too, which travel in their own packed field).
uint64_t PayloadBytes(Encoding e, uint64_t num_params, uint64_t num_tensors = 1);

// Encodes `values` into *out (previous contents replaced). `tensor_sizes` splits the flat vector
// into tensors for int8 scales (empty: one tensor); it must sum to values.size(). Errors on a
// non-finite value or an fp16 overflow (|w| > 65504), naming the index.
Status EncodeWeights(std::span<const float> values, std::span<const int64_t> tensor_sizes,
                     Encoding encoding, bool is_delta, proto::Weights* out);

// EncodeWeights in two steps, for writing the packed bytes straight into a frame's buffer
// (wire/frame.h) instead of into Weights.data: EncodeWeightsHead checks what EncodeWeights checks
// that needs no pass over the values (tensor sizes; int8: non-finite values too, as it scans them
// for its scales) and sets every field of *out but data; it returns the payload's size.
// EncodeWeightsPayload then writes exactly that many bytes to `dst` from the same values and the
// head, checking the rest (a non-finite value, an fp16 overflow) in the same pass. Together: the
// bytes and the errors of EncodeWeights.
Result<size_t> EncodeWeightsHead(std::span<const float> values,
                                 std::span<const int64_t> tensor_sizes, Encoding encoding,
                                 bool is_delta, proto::Weights* out);
Status EncodeWeightsPayload(std::span<const float> values, const proto::Weights& head, char* dst);

// Decodes `w` into `out`, which must have exactly `expected_params` elements. Errors name the
// problem: wrong num_params, wrong payload length, bad tensor sizes or scales, NaN/Inf (with its
// index), unknown encoding. On an error `out` may hold part of the values.
Status DecodeWeights(const proto::Weights& w, int64_t expected_params, std::span<float> out);
// The same, with the packed bytes given apart from `w` (w.data() is not read): a frame parsed in
// place (wire/frame.h) leaves them in the frame.
Status DecodeWeights(const proto::Weights& w, std::string_view data, int64_t expected_params,
                     std::span<float> out);
// Convenience: decodes into a new vector (allocated only after validation).
Result<std::vector<float>> DecodeWeights(const proto::Weights& w, int64_t expected_params);

// IEEE binary16 conversions (round to nearest even; overflow gives infinity).
uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);

}  // namespace fedcarbon::wire
