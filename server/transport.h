// Transport: the coordinator's ZeroMQ ROUTER socket and nothing else. Binds (plain, or CURVE with
// an optional allow-list of worker keys checked by a ZAP handler), receives one routed frame at
// a time (with the connection it came on), reports connections that closed (ZeroMQ's socket
// monitor, ZMQ_EVENT_DISCONNECTED), and sends protobuf messages numbered by its MessageBuilder.
// What the messages mean is the coordinator's business (messaging.cc, round.cc); the round's
// decisions are RoundEngine's.
//
// Threading: one thread (the coordinator's). The ZAP handler, when there is one, runs on its own
// thread inside wire::CurveAuthenticator.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/status.h"
#include "fedcarbon/server/coordinator.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::server {

class Transport {
 public:
  // Binds options.bind with the CURVE options (see CoordinatorOptions). Messages carry `run_id`.
  // Frames above `max_frame_bytes` are dropped by ZeroMQ (ZMQ_MAXMSGSIZE; the sender is
  // disconnected): wire::MaxFrameBytesForModel of the run's model. A bind that is not loopback
  // without CURVE logs wire::PlaintextBindWarning.
  static Result<std::unique_ptr<Transport>> Bind(const CoordinatorOptions& options,
                                                 const std::string& run_id, size_t max_frame_bytes);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The bound endpoint ("tcp://127.0.0.1:41234").
  const std::string& endpoint() const { return endpoint_; }

  struct Received {
    std::string identity;  // the sender's routing id
    zmq::message_t frame;  // the one frame after the routing id
    std::string error;     // set when the message did not have exactly one frame
    // The connection it came on: the TCP socket's file descriptor (ZMQ_SRCFD), -1 unknown.
    int connection = -1;
  };
  // Waits up to `timeout` for one message; nullopt when none came (or a signal interrupted), or
  // when only a connection closed. Closes are collected before a message is received, so a
  // message on a reused descriptor comes after the close of the connection that had it.
  std::optional<Received> Poll(std::chrono::milliseconds timeout);
  // The connections (as Received::connection) that closed since the last call.
  std::vector<int> TakeClosed();

  // Starts `m` for `round` with the next sequence number; returns it.
  uint64_t Start(wire::proto::Message* m, uint32_t round) { return builder_.Start(m, round); }
  // The last sequence number used; ContinueAfter(n): the next one is n + 1 (a resumed run).
  uint64_t last_seq() const { return builder_.last_seq(); }
  void ContinueAfter(uint64_t seq) { builder_.ContinueAfter(seq); }
  // Sends `m` to `identity` without blocking; *bytes (when given) = the frame's size. A failed
  // send is logged (the worker's silence is then handled like any other).
  void Send(const std::string& identity, const std::string& worker_name,
            const wire::proto::Message& m, uint64_t* bytes = nullptr);

 private:
  Transport() : ctx_(1) {}
  zmq::context_t ctx_;
  std::unique_ptr<wire::CurveAuthenticator> authenticator_;  // with a CURVE allow-list
  std::unique_ptr<zmq::socket_t> socket_;
  // The socket monitor's reading end (null when it could not start: silence is then the only
  // sign of a dead worker) and the closes it has reported, not taken yet.
  Status StartMonitor();
  void DrainMonitor();
  std::unique_ptr<zmq::socket_t> monitor_;
  std::vector<int> closed_;
  wire::MessageBuilder builder_;
  std::string endpoint_;
};

}  // namespace fedcarbon::server
