// Protobuf wire format, the little frame.cc needs (see wire_format.h).
#include "wire_format.h"

#include <cstring>
#include <limits>

#include "fedcarbon.pb.h"

namespace fedcarbon::wire::internal {
namespace {

constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

// Reads a varint of at most `max_bytes` bytes from [*p, end).
bool ReadVarint(const uint8_t** p, const uint8_t* end, int max_bytes, uint64_t* v) {
  uint64_t r = 0;
  for (int i = 0; i < max_bytes && *p < end; ++i) {
    const uint8_t b = *(*p)++;
    r |= static_cast<uint64_t>(b & 0x7fu) << (7 * i);
    if (!(b & 0x80u)) {
      *v = r;
      return true;
    }
  }
  return false;
}

// Calls visit(field) for every field in [p, end); false when one is not a well-formed field of
// the kinds protobuf writes (tags and lengths of at most 5 bytes, as protobuf reads them).
template <typename Visit>
bool ForEachField(const uint8_t* p, const uint8_t* end, Visit visit) {
  while (p < end) {
    WireField f;
    f.begin = p;
    uint64_t tag = 0, v = 0;
    if (!ReadVarint(&p, end, 5, &tag) || tag > std::numeric_limits<uint32_t>::max()) return false;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.type = static_cast<uint32_t>(tag & 7);
    if (f.number == 0) return false;
    switch (f.type) {
      case kVarint:
        if (!ReadVarint(&p, end, 10, &v)) return false;
        break;
      case kFixed64:
        if (end - p < 8) return false;
        p += 8;
        break;
      case kFixed32:
        if (end - p < 4) return false;
        p += 4;
        break;
      case kLengthDelimited:
        f.len_at = p;
        if (!ReadVarint(&p, end, 5, &v) || v > static_cast<uint64_t>(end - p)) return false;
        f.value = p;
        p += v;
        break;
      default:  // groups (3, 4) and invalid types: protobuf's business
        return false;
    }
    f.end = p;
    visit(f);
  }
  return true;
}

bool IsBody(uint32_t number) {
  const auto* field = proto::Message::descriptor()->FindFieldByNumber(static_cast<int>(number));
  return field != nullptr && field->containing_oneof() != nullptr;
}

}  // namespace

bool FindWeights(const uint8_t* begin, const uint8_t* end, WeightsLayout* out) {
  // The body: one train_request or train_result, and no body after it (a later one would
  // replace it in the oneof; a second one of the same kind would be merged into it).
  int bodies = 0;
  bool last = false;
  if (!ForEachField(begin, end, [&](const WireField& f) {
        if (f.number == proto::Message::kTrainRequestFieldNumber ||
            f.number == proto::Message::kTrainResultFieldNumber) {
          ++bodies;
          out->body = f;
          last = true;
        } else if (IsBody(f.number)) {
          last = false;
        }
      }))
    return false;
  if (bodies != 1 || !last || out->body.type != kLengthDelimited) return false;

  const uint32_t weights_number =
      out->body.number == proto::Message::kTrainRequestFieldNumber
          ? static_cast<uint32_t>(proto::TrainRequest::kWeightsFieldNumber)
          : static_cast<uint32_t>(proto::TrainResult::kWeightsFieldNumber);
  int weights = 0;
  if (!ForEachField(out->body.value, out->body.end, [&](const WireField& f) {
        if (f.number != weights_number) return;
        ++weights;
        out->weights = f;
      }))
    return false;
  if (weights != 1 || out->weights.type != kLengthDelimited) return false;

  int data = 0;
  if (!ForEachField(out->weights.value, out->weights.end, [&](const WireField& f) {
        if (f.number != proto::Weights::kDataFieldNumber) return;
        ++data;
        out->data = f;
      }))
    return false;
  if (data > 1 || (data == 1 && out->data.type != kLengthDelimited)) return false;
  out->has_data = data == 1;
  return true;
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80u; v >>= 7) ++n;
  return n;
}

uint8_t* WriteVarint(uint64_t v, uint8_t* p) {
  for (; v >= 0x80u; v >>= 7) *p++ = static_cast<uint8_t>(v | 0x80u);
  *p++ = static_cast<uint8_t>(v);
  return p;
}

Splice::Splice(const uint8_t* begin, const uint8_t* end, const WeightsLayout& layout,
               const uint8_t* cut_begin, const uint8_t* cut_end, size_t insert_size)
    : begin_(begin),
      end_(end),
      layout_(layout),
      cut_begin_(cut_begin),
      cut_end_(cut_end),
      insert_size_(insert_size) {
  const WireField& b = layout_.body;
  const WireField& w = layout_.weights;
  const size_t cut = static_cast<size_t>(cut_end - cut_begin);
  weights_len_ = static_cast<uint64_t>(w.end - w.value) - cut + insert_size;
  const size_t weights_field = VarintSize(weights_len_) + weights_len_;
  body_len_ = static_cast<uint64_t>(b.end - b.value) - static_cast<uint64_t>(w.end - w.len_at) +
              weights_field;
  size_ = static_cast<size_t>(end - begin) - static_cast<size_t>(b.end - b.len_at) +
          VarintSize(body_len_) + body_len_;
}

uint8_t* Splice::Write(uint8_t* dst) const {
  const WireField& b = layout_.body;
  const WireField& w = layout_.weights;
  auto copy = [&dst](const uint8_t* from, const uint8_t* to) {
    std::memcpy(dst, from, static_cast<size_t>(to - from));
    dst += to - from;
  };
  copy(begin_, b.len_at);
  dst = WriteVarint(body_len_, dst);
  copy(b.value, w.len_at);
  dst = WriteVarint(weights_len_, dst);
  copy(w.value, cut_begin_);
  uint8_t* insert = dst;
  dst += insert_size_;
  copy(cut_end_, end_);
  return insert;
}

}  // namespace fedcarbon::wire::internal
