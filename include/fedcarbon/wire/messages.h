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

inline constexpr uint32_t kProtocolVersion = 3;  // 3: sequence numbers fixed64
// Frames larger than this are rejected before parsing (the CNN's fp32 weights are 6.7 MB).
inline constexpr size_t kMaxFrameBytes = size_t{256} << 20;

// ZMQ_MAXMSGSIZE of the sockets, so that ZeroMQ drops an oversized frame (and disconnects its
// sender) before it is read into memory. The limits are the largest legitimate frame plus
// headroom:
//   coordinator  MaxFrameBytesForModel(the run's model): a TrainResult is the largest message
//                a worker sends (the CNN: 6,653,480 bytes of fp32 weights in 8 tensors -> a
//                7,702,168-byte limit; the MLP: 1,845,500)
//   worker       MaxWorkerFrameBytes(): the largest model any config can name, or a Welcome of
//                at most kMaxWelcomeBytes, whichever is larger (it does not know the model before
//                its Welcome)
// Headroom over a frame's weights for its other fields (header, activity, int8 tensor sizes and
// scales are counted separately, an error text), bytes.
inline constexpr size_t kFrameHeadroomBytes = size_t{1} << 20;
// The most a Welcome (the config as JSON plus the client ids) may take, bytes;
// check::CheckExperiment rejects a config whose Welcome would be larger.
inline constexpr size_t kMaxWelcomeBytes = size_t{16} << 20;
// The largest legitimate frame carrying `num_params` weights in `num_tensors` tensors, in any
// encoding (fp32 is the largest; int8's tensor sizes and scales are counted), plus
// kFrameHeadroomBytes; at most kMaxFrameBytes.
size_t MaxFrameBytesForModel(uint64_t num_params, uint64_t num_tensors);
// The worker's limit: max(MaxFrameBytesForModel(largest model), kMaxWelcomeBytes +
// kFrameHeadroomBytes) for a model of `largest_model_params` in `largest_model_tensors` tensors.
size_t MaxWorkerFrameBytes(uint64_t largest_model_params, uint64_t largest_model_tensors);
// The bytes a Welcome for `config_json_bytes` of config and `num_clients` client ids takes at
// most (each id a varint of at most 5 bytes).
size_t WelcomeBytes(size_t config_json_bytes, uint64_t num_clients);

// ZMQ_SNDBUF of a socket that carries weights over `endpoint` (the coordinator's bind, a worker's
// connect), set before it binds or connects. Over tcp loopback: kLoopbackSendBufferBytes (the
// kernel doubles it), so that the bytes in flight stay in the cores' caches while the sending and
// the receiving I/O threads stream a frame between them: with the kernel's autotuned buffer (up
// to 4 MiB) a 6.65 MB frame took about 1.6 times as long, as it did with 1 MiB (256 or 512 KiB:
// the same). Any other endpoint keeps the autotuned buffer: over a real link a fixed one would
// cap throughput at one buffer per round trip.
inline constexpr int kLoopbackSendBufferBytes = 256 << 10;
void SetSendBuffer(zmq::socket_t& socket, const std::string& endpoint);

// Serializes `m` into a new frame (one copy, straight into the frame's buffer).
zmq::message_t ToFrame(const proto::Message& m);

// Parses one frame and checks size, protocol version and that a body is set. Errors name the
// problem ("frame of 12 bytes does not parse as a Message", "protocol version 7, expected 1").
// (wire/frame.h parses the same way without copying the weights out of the frame.)
Status ParseFrame(const void* data, size_t size, proto::Message* out);
// ParseFrame's checks of a parsed message: a header, the protocol version, a body.
Status CheckMessage(const proto::Message& m);

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
  // Continues numbering after `seq` (a resumed coordinator keeps its run's numbers increasing).
  void ContinueAfter(uint64_t seq) { seq_ = seq > seq_ ? seq : seq_; }

 private:
  std::string run_id_;
  uint64_t seq_ = 0;
};

}  // namespace fedcarbon::wire
