// Private to fedcarbon::wire (frame.cc): just enough of protobuf's wire format to find the packed
// weight bytes (Weights.data) of a serialized Message, and to rewrite the Message with those bytes
// removed or inserted, the two enclosing lengths adjusted. Everything else is copied verbatim and
// left to protobuf.
//
// FindWeights accepts only a plain layout, in which taking the data field out cannot change what
// protobuf makes of the rest: every field well formed (tags and lengths as protobuf reads them:
// at most 5 bytes, no groups, no field 0), exactly one train_request or train_result field and no
// other body after it, exactly one Weights field in it, and at most one data field in that. Any
// other bytes are for protobuf's own parser (ParseFrame) to judge.
//
// Thread safety: pure functions over caller-owned buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fedcarbon::wire::internal {

// One field in a buffer of serialized fields.
struct WireField {
  uint32_t number = 0;
  uint32_t type = 0;                // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  const uint8_t* begin = nullptr;   // the tag
  const uint8_t* len_at = nullptr;  // length-delimited: the length
  const uint8_t* value = nullptr;   // length-delimited: the first byte of the value
  const uint8_t* end = nullptr;     // one past the field
};

// The body field (train_request or train_result) of a serialized Message, its Weights field and
// the Weights' data field (when has_data).
struct WeightsLayout {
  WireField body, weights, data;
  bool has_data = false;
};

// True when [begin, end) is a Message of the plain layout above; fills *out.
bool FindWeights(const uint8_t* begin, const uint8_t* end, WeightsLayout* out);

size_t VarintSize(uint64_t v);
uint8_t* WriteVarint(uint64_t v, uint8_t* p);

// The Message of `layout` in [begin, end) with its bytes [cut_begin, cut_end), inside the Weights'
// value, replaced by `insert_size` bytes; the Weights' and body's lengths follow.
class Splice {
 public:
  Splice(const uint8_t* begin, const uint8_t* end, const WeightsLayout& layout,
         const uint8_t* cut_begin, const uint8_t* cut_end, size_t insert_size);
  size_t size() const { return size_; }
  // Writes the rewritten Message (size() bytes) to dst, all but the inserted bytes; returns
  // where those go.
  uint8_t* Write(uint8_t* dst) const;

 private:
  const uint8_t* begin_;
  const uint8_t* end_;
  WeightsLayout layout_;
  const uint8_t* cut_begin_;
  const uint8_t* cut_end_;
  size_t insert_size_;
  uint64_t weights_len_ = 0, body_len_ = 0;  // the new lengths
  size_t size_ = 0;
};

}  // namespace fedcarbon::wire::internal
