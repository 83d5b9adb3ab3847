// Framing of wire messages: one serialized proto::Message per ZeroMQ frame, with the checks every
// receiver applies before looking at a body (size limit, parse, protocol version, a body present).
//
// Thread safety: pure functions; a MessageBuilder is owned by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/status.h"

namespace fedcarbon::wire {

inline constexpr uint32_t kProtocolVersion = 2;
// Frames larger than this are rejected before parsing (the CNN's fp32 weights are 6.7 MB).
inline constexpr size_t kMaxFrameBytes = size_t{256} << 20;

// Serializes `m` into a new frame (one copy, straight into the frame's buffer).
zmq::message_t ToFrame(const proto::Message& m);

// Parses one frame and checks size, protocol version and that a body is set. Errors name the
// problem ("frame of 12 bytes does not parse as a Message", "protocol version 7, expected 1").
Status ParseFrame(const void* data, size_t size, proto::Message* out);

// Keeps large allocations (frames, weight buffers of megabytes) on the heap and retained for
// reuse instead of fresh mmap()s that are page-faulted and zeroed on every message (glibc's
// default for blocks above its mmap threshold). Processes that move model weights call this once
// at start (fedcarbon-server, fedcarbon-client, bench_wire). No-op outside glibc.
void TuneAllocatorForLargeFrames();
// Returns the heap's free memory to the system (after loading a data set: the retained heap
// would otherwise keep the loader's temporary buffers resident). No-op outside glibc.
void ReleaseFreeMemory();

// "hello", "train_result", ... (for logs); "none" when no body is set.
const char* BodyName(const proto::Message& m);

// Fills headers with the protocol version, run id and a strictly increasing sequence number.
class MessageBuilder {
 public:
  void set_run_id(std::string run_id) { run_id_ = std::move(run_id); }
  const std::string& run_id() const { return run_id_; }
  // Clears *m and sets its header; returns the sequence number used.
  uint64_t Start(proto::Message* m, uint32_t round);
  uint64_t last_seq() const { return seq_; }

 private:
  std::string run_id_;
  uint64_t seq_ = 0;
};

}  // namespace fedcarbon::wire
