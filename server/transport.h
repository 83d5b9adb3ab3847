// Transport: the coordinator's ZeroMQ ROUTER socket and nothing else. Binds (plain, or CURVE with
// an optional allow-list of worker keys checked by a ZAP handler), receives one routed frame at
// a time, and sends protobuf messages numbered by its MessageBuilder. What the messages mean is
// the coordinator's business (messaging.cc, round.cc); the round's decisions are RoundEngine's.
//
// Threading: one thread (the coordinator's). The ZAP handler, when there is one, runs on its own
// thread inside wire::CurveAuthenticator.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

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
  static Result<std::unique_ptr<Transport>> Bind(const CoordinatorOptions& options,
                                                 const std::string& run_id);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // The bound endpoint ("tcp://127.0.0.1:41234").
  const std::string& endpoint() const { return endpoint_; }

  struct Received {
    std::string identity;  // the sender's routing id
    zmq::message_t frame;  // the one frame after the routing id
    std::string error;     // set when the message did not have exactly one frame
  };
  // Waits up to `timeout` for one message; nullopt when none came (or a signal interrupted).
  std::optional<Received> Poll(std::chrono::milliseconds timeout);

  // Starts `m` for `round` with the next sequence number; returns it.
  uint64_t Start(wire::proto::Message* m, uint32_t round) { return builder_.Start(m, round); }
  // Sends `m` to `identity` without blocking; *bytes (when given) = the frame's size. A failed
  // send is logged (the worker's silence is then handled like any other).
  void Send(const std::string& identity, const std::string& worker_name,
            const wire::proto::Message& m, uint64_t* bytes = nullptr);

 private:
  Transport() : ctx_(1) {}
  zmq::context_t ctx_;
  std::unique_ptr<wire::CurveAuthenticator> authenticator_;  // with a CURVE allow-list
  std::unique_ptr<zmq::socket_t> socket_;
  wire::MessageBuilder builder_;
  std::string endpoint_;
};

}  // namespace fedcarbon::server
