// Frames that carry model weights, with the packed weight bytes written and read in place.
// Through protobuf alone the bytes are copied into Weights.data and from it into the frame when
// sending (EncodeWeights, ToFrame), and from the frame into Weights.data when receiving
// (ParseFrame). Here EncodeFrame encodes the weights straight into the frame's buffer, and
// ParseFrameInPlace / InFrame parse everything else and leave the weight bytes in the frame.
//
// Same bytes, same meaning: EncodeFrame's frame is byte for byte ToFrame's after EncodeWeights
// (the priced sizes do not change), and ParseFrameInPlace accepts and rejects exactly what
// ParseFrame does, with the same errors and the same message apart from where the weight bytes
// are (tests/wire/frame_test.cc pins both, for every encoding and for hostile frames).
//
// Thread safety: the functions are pure; an InFrame belongs to one thread at a time (it may be
// moved to another).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/status.h"
#include "fedcarbon/wire/codec.h"

namespace fedcarbon::wire {

// The Weights of m's body (train_request or train_result); null for the other bodies.
const proto::Weights* BodyWeights(const proto::Message& m);

// Encodes `values` as the weights of m's body (a train_request or train_result the caller has
// set; EncodeWeights's arguments and checks) and serializes m with the packed bytes written
// straight into the frame: the bytes of EncodeWeights then ToFrame, in one pass over the values.
// Afterwards m's weights hold every field but data, which stays empty.
Result<zmq::message_t> EncodeFrame(proto::Message* m, std::span<const float> values,
                                   std::span<const int64_t> tensor_sizes, Encoding encoding,
                                   bool is_delta);

// Parses a frame as ParseFrame does, but leaves the packed bytes of the body's weights in
// [data, data + size): *weights_data views them there and out's Weights.data stays empty. A frame
// of unusual layout (a field repeated, another body after the weights' one, ...; see
// wire/wire_format.h) goes through ParseFrame; *weights_data then views out's own Weights.data.
// Bodies without weights: *weights_data is empty.
Status ParseFrameInPlace(const void* data, size_t size, proto::Message* out,
                         std::string_view* weights_data);

// A received frame parsed in place (ParseFrameInPlace): it keeps the frame, which holds the
// weight bytes. Decode them with DecodeWeights(*BodyWeights(message()), weights_data(), ...).
class InFrame {
 public:
  // Takes `frame` and parses it; ParseFrame's errors.
  Status Parse(zmq::message_t frame);

  const proto::Message& message() const { return message_; }
  // The packed bytes of the body's weights, wherever they are (empty for other bodies).
  std::string_view weights_data() const;
  // The frame's size in bytes (what the message is priced by).
  size_t size() const { return size_; }

 private:
  zmq::message_t frame_;  // empty unless the weight bytes are in it
  proto::Message message_;
  size_t size_ = 0;
  bool in_frame_ = false;
  size_t offset_ = 0, length_ = 0;  // the weight bytes in frame_ (an offset: a small frame's
                                    // bytes move with the message_t)
};

}  // namespace fedcarbon::wire
