// Framing of wire messages (see include/fedcarbon/wire/messages.h).
#include "fedcarbon/wire/messages.h"

#include <algorithm>
#include <limits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string>

#include "fedcarbon/wire/curve.h"

namespace fedcarbon::wire {

zmq::message_t ToFrame(const proto::Message& m) {
  const size_t size = m.ByteSizeLong();
  zmq::message_t frame(size);
  m.SerializeWithCachedSizesToArray(static_cast<uint8_t*>(frame.data()));
  return frame;
}

void SetSendBuffer(zmq::socket_t& socket, const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) == 0 && IsLoopbackEndpoint(endpoint))
    socket.set(zmq::sockopt::sndbuf, kLoopbackSendBufferBytes);
}

size_t MaxFrameBytesForModel(uint64_t num_params, uint64_t num_tensors) {
  // fp32 data, plus int8's per-tensor size (a varint, <= 10 bytes) and scale (4 bytes).
  const uint64_t weights = 4 * num_params + 14 * num_tensors;
  return static_cast<size_t>(
      std::min<uint64_t>(weights + kFrameHeadroomBytes, uint64_t{kMaxFrameBytes}));
}

size_t MaxWorkerFrameBytes(uint64_t largest_model_params, uint64_t largest_model_tensors) {
  return std::max(MaxFrameBytesForModel(largest_model_params, largest_model_tensors),
                  kMaxWelcomeBytes + kFrameHeadroomBytes);
}

size_t WelcomeBytes(size_t config_json_bytes, uint64_t num_clients) {
  return config_json_bytes + 5 * static_cast<size_t>(num_clients);
}

Status ParseFrame(const void* data, size_t size, proto::Message* out) {
  if (size > kMaxFrameBytes)
    return Status::Error("frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                         std::to_string(kMaxFrameBytes));
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !out->ParseFromArray(data, static_cast<int>(size)))
    return Status::Error("frame of " + std::to_string(size) + " bytes does not parse as a Message");
  return CheckMessage(*out);
}

Status CheckMessage(const proto::Message& m) {
  if (!m.has_header()) return Status::Error("message has no header");
  if (m.header().protocol_version() != kProtocolVersion)
    return Status::Error("protocol version " + std::to_string(m.header().protocol_version()) +
                         ", expected " + std::to_string(kProtocolVersion));
  if (m.body_case() == proto::Message::BODY_NOT_SET) return Status::Error("message has no body");
  return Status::OK();
}

void TuneAllocatorForLargeFrames() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

void ReleaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

const char* BodyName(const proto::Message& m) {
  switch (m.body_case()) {
    case proto::Message::kHello:
      return "hello";
    case proto::Message::kWelcome:
      return "welcome";
    case proto::Message::kTrainRequest:
      return "train_request";
    case proto::Message::kTrainResult:
      return "train_result";
    case proto::Message::kHeartbeat:
      return "heartbeat";
    case proto::Message::kShutdown:
      return "shutdown";
    case proto::Message::kError:
      return "error";
    case proto::Message::BODY_NOT_SET:
      return "none";
  }
  return "unknown";
}

uint64_t MessageBuilder::Start(proto::Message* m, uint32_t round) {
  m->Clear();
  proto::Header* h = m->mutable_header();
  h->set_protocol_version(kProtocolVersion);
  h->set_run_id(run_id_);
  h->set_round(round);
  h->set_seq(++seq_);
  return seq_;
}

}  // namespace fedcarbon::wire
