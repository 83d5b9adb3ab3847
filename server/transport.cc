// Transport (see transport.h).
#include "transport.h"

#include <cerrno>
#include <cstring>
#include <iterator>
#include <vector>

#include <spdlog/spdlog.h>

#include <zmq_addon.hpp>

namespace fedcarbon::server {

Result<std::unique_ptr<Transport>> Transport::Bind(const CoordinatorOptions& options,
                                                   const std::string& run_id,
                                                   size_t max_frame_bytes) {
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
    t->socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_frame_bytes));
    wire::SetSendBuffer(*t->socket_, options.bind);
    t->socket_->bind(options.bind);
    t->endpoint_ = t->socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    // An endpoint ZeroMQ cannot parse is bad input (exit 2); a port in use is not.
    if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT)
      return Status::InvalidArgument("--bind " + options.bind + ": " + e.what());
    return Status::Unavailable("bind " + options.bind + ": " + e.what());
  }
  if (!curve && !wire::IsLoopbackEndpoint(options.bind))
    spdlog::warn("{}", wire::PlaintextBindWarning(options.bind));
  spdlog::debug("frames above {} bytes are dropped (ZMQ_MAXMSGSIZE)", max_frame_bytes);
  if (Status st = t->StartMonitor(); !st.ok())
    spdlog::warn("socket monitor: {} (a dead worker is noticed by its silence only)", st.message());
  return t;
}

Status Transport::StartMonitor() {
  static constexpr char kEndpoint[] = "inproc://fedcarbon-monitor";  // ctx_ is this transport's
  if (zmq_socket_monitor(socket_->handle(), kEndpoint, ZMQ_EVENT_DISCONNECTED) != 0)
    return Status::Unavailable(zmq_strerror(zmq_errno()));
  try {
    monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(kEndpoint);
  } catch (const zmq::error_t& e) {
    monitor_.reset();
    return Status::Unavailable(e.what());
  }
  return Status::OK();
}

void Transport::DrainMonitor() {
  if (!monitor_) return;
  for (;;) {
    zmq::message_t event, address;  // an event is two frames: (u16 id, i32 value), the endpoint
    try {
      if (!monitor_->recv(event, zmq::recv_flags::dontwait)) return;
      if (event.more()) (void)monitor_->recv(address, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("socket monitor: {}", e.what());
      return;
    }
    if (event.size() < 6) continue;
    uint16_t id = 0;
    int32_t fd = -1;
    std::memcpy(&id, event.data(), sizeof(id));
    std::memcpy(&fd, static_cast<const char*>(event.data()) + 2, sizeof(fd));
    if (id == ZMQ_EVENT_DISCONNECTED) closed_.push_back(fd);
  }
}

std::vector<int> Transport::TakeClosed() {
  std::vector<int> out;
  out.swap(closed_);
  return out;
}

Transport::~Transport() {
  if (monitor_) {
    zmq_socket_monitor(socket_->handle(), nullptr, 0);
    monitor_.reset();
  }
  socket_.reset();  // before the authenticator and the context
  authenticator_.reset();
}

std::optional<Transport::Received> Transport::Poll(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                             {monitor_ ? monitor_->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  std::vector<zmq::message_t> parts;
  try {
    if (zmq::poll(items, monitor_ ? 2 : 1, timeout) <= 0) return std::nullopt;
    DrainMonitor();  // first: a close is reported before its descriptor can be reused
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
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
  r.connection = zmq_msg_get(parts.back().handle(), ZMQ_SRCFD);
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
