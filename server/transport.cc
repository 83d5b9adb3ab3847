// Transport (see transport.h).
#include "transport.h"

#include <cerrno>
#include <iterator>
#include <vector>

#include <spdlog/spdlog.h>

#include <zmq_addon.hpp>

namespace fedcarbon::server {

Result<std::unique_ptr<Transport>> Transport::Bind(const CoordinatorOptions& options,
                                                   const std::string& run_id) {
  std::unique_ptr<Transport> t(new Transport());
  t->builder_.set_run_id(run_id);
  std::optional<wire::CurveKeyPair> curve;
  if (!options.curve_key_file.empty()) {
    auto keys = wire::ReadCurveKeyFile(options.curve_key_file);
    if (!keys.ok()) return keys.status();
    curve = *keys;
    if (!options.curve_allow_file.empty()) {
      auto allowed = wire::ReadPublicKeyList(options.curve_allow_file);
      if (!allowed.ok()) return allowed.status();
      auto auth = wire::CurveAuthenticator::Start(t->ctx_, *allowed);
      if (!auth.ok()) return auth.status();
      t->authenticator_ = std::move(*auth);
      spdlog::info("CURVE: {} worker key(s) allowed", allowed->size());
    } else {
      spdlog::warn(
          "CURVE without --curve-allow: traffic is encrypted, but any worker that "
          "knows the server's public key may join");
    }
  } else if (!options.curve_allow_file.empty()) {
    return Status::InvalidArgument("--curve-allow needs --curve-key (the server's key pair)");
  }
  try {
    t->socket_ = std::make_unique<zmq::socket_t>(t->ctx_, zmq::socket_type::router);
    if (curve) {
      t->socket_->set(zmq::sockopt::curve_server, 1);
      t->socket_->set(zmq::sockopt::curve_secretkey, curve->secret_key);
    }
    t->socket_->set(zmq::sockopt::linger, 0);
    t->socket_->set(zmq::sockopt::router_handover, 1);
    t->socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(wire::kMaxFrameBytes));
    t->socket_->bind(options.bind);
    t->endpoint_ = t->socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("bind " + options.bind + ": " + e.what());
  }
  return t;
}

Transport::~Transport() {
  socket_.reset();  // before the authenticator and the context
  authenticator_.reset();
}

std::optional<Transport::Received> Transport::Poll(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<zmq::message_t> parts;
  try {
    if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
    if (!zmq::recv_multipart(*socket_, std::back_inserter(parts), zmq::recv_flags::dontwait))
      return std::nullopt;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;  // a signal: the caller checks its stop flag
    spdlog::error("receive failed: {}", e.what());
    return std::nullopt;
  }
  if (parts.empty()) return std::nullopt;
  Received r;
  r.identity = parts[0].to_string();
  if (parts.size() != 2) {
    r.error = "expected 1 frame after the routing id, got " + std::to_string(parts.size() - 1);
    return r;
  }
  r.frame = std::move(parts[1]);
  return r;
}

void Transport::Send(const std::string& identity, const std::string& worker_name,
                     const wire::proto::Message& m, uint64_t* bytes) {
  zmq::message_t frame = wire::ToFrame(m);
  if (bytes) *bytes = frame.size();
  try {
    socket_->send(zmq::buffer(identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket_->send(frame, zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::warn("send to {} failed: {}", worker_name, e.what());
  }
}

}  // namespace fedcarbon::server
