// Weight frames written and read in place (see include/fedcarbon/wire/frame.h).
#include "fedcarbon/wire/frame.h"

#include <string>

#include "fedcarbon/wire/messages.h"
#include "wire_format.h"

namespace fedcarbon::wire {
namespace {

using internal::FindWeights;
using internal::Splice;
using internal::VarintSize;
using internal::WeightsLayout;
using internal::WriteVarint;

proto::Weights* MutableBodyWeights(proto::Message* m) {
  if (m->has_train_request()) return m->mutable_train_request()->mutable_weights();
  if (m->has_train_result()) return m->mutable_train_result()->mutable_weights();
  return nullptr;
}

// ParseFrameInPlace's own path: true when it parsed the frame with the weight bytes left at
// [*offset, *offset + *length); false when the frame is ParseFrame's to judge.
bool ParseLeavingWeights(const uint8_t* p, size_t size, proto::Message* out, size_t* offset,
                         size_t* length) {
  WeightsLayout l;
  if (size > kMaxFrameBytes || !FindWeights(p, p + size, &l) || !l.has_data) return false;
  // The frame without its data field: everything else, for protobuf to parse and check.
  const Splice rest(p, p + size, l, l.data.begin, l.data.end, 0);
  std::string bytes(rest.size(), '\0');
  rest.Write(reinterpret_cast<uint8_t*>(bytes.data()));
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !CheckMessage(*out).ok())
    return false;
  *offset = static_cast<size_t>(l.data.value - p);
  *length = static_cast<size_t>(l.data.end - l.data.value);
  return true;
}

}  // namespace

const proto::Weights* BodyWeights(const proto::Message& m) {
  if (m.has_train_request()) return &m.train_request().weights();
  if (m.has_train_result()) return &m.train_result().weights();
  return nullptr;
}

Result<zmq::message_t> EncodeFrame(proto::Message* m, std::span<const float> values,
                                   std::span<const int64_t> tensor_sizes, Encoding encoding,
                                   bool is_delta) {
  proto::Weights* w = MutableBodyWeights(m);
  if (!w) return Status::Error("encode frame: the message has no train_request or train_result");
  Result<size_t> payload = EncodeWeightsHead(values, tensor_sizes, encoding, is_delta, w);
  if (!payload.ok()) return payload.status();
  // The message without the weight bytes (a few hundred bytes), then the bytes inserted as the
  // Weights' last field, where protobuf writes data (field 6, its highest).
  const std::string rest = m->SerializeAsString();
  const auto* r = reinterpret_cast<const uint8_t*>(rest.data());
  WeightsLayout l;
  if (*payload == 0 || !FindWeights(r, r + rest.size(), &l) || l.has_data) {
    // Not a layout written here (a message with unknown fields that look like a body; no
    // weights at all, which protobuf writes without a data field): through protobuf.
    std::string* data = w->mutable_data();
    data->resize(*payload);
    if (Status st = EncodeWeightsPayload(values, *w, data->data()); !st.ok()) {
      w->Clear();
      return st;
    }
    zmq::message_t frame = ToFrame(*m);
    w->clear_data();
    return frame;
  }
  const uint64_t tag = (uint64_t{proto::Weights::kDataFieldNumber} << 3) | 2;
  const size_t field = VarintSize(tag) + VarintSize(*payload) + *payload;
  const Splice frame_layout(r, r + rest.size(), l, l.weights.end, l.weights.end, field);
  zmq::message_t frame(frame_layout.size());
  uint8_t* at = frame_layout.Write(static_cast<uint8_t*>(frame.data()));
  at = WriteVarint(*payload, WriteVarint(tag, at));
  if (Status st = EncodeWeightsPayload(values, *w, reinterpret_cast<char*>(at)); !st.ok()) {
    w->Clear();
    return st;
  }
  return frame;
}

Status ParseFrameInPlace(const void* data, size_t size, proto::Message* out,
                         std::string_view* weights_data) {
  size_t offset = 0, length = 0;
  if (ParseLeavingWeights(static_cast<const uint8_t*>(data), size, out, &offset, &length)) {
    *weights_data = std::string_view(static_cast<const char*>(data) + offset, length);
    return Status::OK();
  }
  const Status st = ParseFrame(data, size, out);
  const proto::Weights* w = st.ok() ? BodyWeights(*out) : nullptr;
  *weights_data = w ? std::string_view(w->data()) : std::string_view();
  return st;
}

Status InFrame::Parse(zmq::message_t frame) {
  frame_ = std::move(frame);
  size_ = frame_.size();
  in_frame_ = ParseLeavingWeights(static_cast<const uint8_t*>(frame_.data()), size_, &message_,
                                  &offset_, &length_);
  if (in_frame_) return Status::OK();
  const Status st = ParseFrame(frame_.data(), size_, &message_);
  frame_.rebuild();  // the message holds everything now
  return st;
}

std::string_view InFrame::weights_data() const {
  if (in_frame_)
    return std::string_view(static_cast<const char*>(frame_.data()) + offset_, length_);
  const proto::Weights* w = BodyWeights(message_);
  return w ? std::string_view(w->data()) : std::string_view();
}

}  // namespace fedcarbon::wire
