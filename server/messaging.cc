// The coordinator's socket I/O and the messages handled outside round logic (see
// coordinator_impl.h).
#include <spdlog/spdlog.h>

#include "coordinator_impl.h"

namespace fedcarbon::server {
namespace {

constexpr size_t kMaxTextField = 256;  // worker ids and host names

}  // namespace

std::string PrintableId(const std::string& id) {
  bool printable = !id.empty();
  for (unsigned char c : id) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable) return id;
  static const char* kHex = "0123456789abcdef";
  std::string out = "0x";
  for (size_t i = 0; i < id.size() && i < 16; ++i) {
    out += kHex[static_cast<unsigned char>(id[i]) >> 4];
    out += kHex[static_cast<unsigned char>(id[i]) & 15];
  }
  return out;
}

bool Coordinator::PollOnce(std::chrono::milliseconds timeout) {
  std::optional<Transport::Received> r = transport_->Poll(timeout);
  for (int connection : transport_->TakeClosed()) HandleClosed(connection);
  if (!r) {
    CheckLiveness();
    return false;
  }
  if (!r->error.empty()) {
    Reject(r->identity, "frame", r->error);
    return true;
  }
  Dispatch(r->identity, r->frame, r->connection);
  return true;
}

void Coordinator::Dispatch(const std::string& identity, const zmq::message_t& frame,
                           int connection) {
  wire::proto::Message m;
  if (Status st = wire::ParseFrame(frame.data(), frame.size(), &m); !st.ok()) {
    Reject(identity, "frame", st.message());
    return;
  }
  if (m.has_hello()) {
    HandleHello(identity, m);
    if (const std::optional<int> w = registry_.FindByIdentity(identity); w && connection >= 0)
      registry_.SetConnection(*w, connection);
    return;
  }
  const std::optional<int> w = registry_.FindByIdentity(identity);
  if (!w) {
    Reject(identity, wire::BodyName(m), "unknown sender (no Hello from this routing id)");
    return;
  }
  if (registry_.workers()[*w].state == WorkerState::kRetired) {
    SendShutdown(*w, "retired: its clients were handed to another worker");
    return;
  }
  if (m.header().run_id() != result_.run_id) {
    Reject(identity, wire::BodyName(m),
           "run id '" + m.header().run_id() + "', expected '" + result_.run_id + "'");
    return;
  }
  if (connection >= 0) registry_.SetConnection(*w, connection);
  if (supervisor_.Heard(*w, Clock::now())) {  // declared dead, yet here it is
    spdlog::warn("worker {} speaks again after it was declared dead",
                 registry_.workers()[*w].worker_id);
    Rehost({*w}, "alive again");
  }
  switch (m.body_case()) {
    case wire::proto::Message::kHeartbeat:
      HandleHeartbeat(*w);
      return;
    case wire::proto::Message::kTrainResult:
      HandleResult(*w, m, frame.size());
      return;
    case wire::proto::Message::kError: {
      const std::string text = m.error().message().substr(0, 1000);
      spdlog::error("worker {} reports: {}", registry_.workers()[*w].worker_id, text);
      if (!round_ && result_.rounds == 0)  // during startup: the config cannot run
        fatal_ = Status::Error("worker " + registry_.workers()[*w].worker_id + ": " + text);
      HandleJobError(*w, m);
      return;
    }
    default:
      Reject(identity, wire::BodyName(m), "not a message a worker sends");
  }
}

void Coordinator::HandleHello(const std::string& identity, const wire::proto::Message& m) {
  const wire::proto::Hello& h = m.hello();
  if (h.worker_id().size() > kMaxTextField || h.host().size() > kMaxTextField ||
      identity.size() > kMaxTextField) {
    Reject(identity, "hello", "worker id or host name longer than 256 bytes");
    return;
  }
  const std::string worker_id = h.worker_id().empty() ? PrintableId(identity) : h.worker_id();
  bool is_new = false;
  const int known = [&] {
    for (size_t i = 0; i < registry_.workers().size(); ++i)
      if (registry_.workers()[i].worker_id == worker_id) return static_cast<int>(i);
    return -1;
  }();
  const bool was_alive = known >= 0 && registry_.workers()[known].state == WorkerState::kAlive;
  const int w = registry_.Register(worker_id, identity, h.host(), h.pid(), h.capacity(),
                                   std::max<uint32_t>(h.threads(), 1), Clock::now(), &is_new);
  if (is_new)
    spdlog::info("worker {} joined from {} (pid {}, capacity {}, {} threads)", worker_id, h.host(),
                 h.pid(), h.capacity() ? std::to_string(h.capacity()) : "any", h.threads());
  if (!registry_.assigned()) return;  // join phase: the Welcome follows the assignment
  const std::vector<int> changed = registry_.Readmit(w);
  SendWelcome(w);  // again for a repeated Hello (its earlier Welcome may have crossed a retry)
  for (int other : changed)
    if (other != w) SendWelcome(other);
  if (is_new || !was_alive || !changed.empty()) {
    registry_.worker(w).ready = false;
    spdlog::info(
        "worker {} {} and hosts {} clients{}", worker_id, is_new ? "admitted" : "rejoined",
        registry_.workers()[w].clients.size(),
        registry_.workers()[w].clients.empty() ? " (until the next round's rebalance)" : "");
  }
}

void Coordinator::HandleClosed(int connection) {
  const std::optional<int> w = registry_.FindByConnection(connection);
  if (!w) return;  // not a worker's current connection (a reopened socket, a stranger)
  Carry(supervisor_.Disconnected(*w, round_ ? &round_->engine : nullptr));
}

void Coordinator::CheckLiveness() {
  Carry(supervisor_.Tick(Clock::now(), round_ ? &round_->engine : nullptr));
}

void Coordinator::Carry(const Failover& f) {
  if (f.empty()) return;
  for (const Failover::Death& d : f.dead) {
    const std::string& id = registry_.workers()[d.worker].worker_id;
    spdlog::warn("worker {} is dead ({}): {} of its clients moved to live workers, {} kept{}", id,
                 d.reason, d.moved, d.orphaned, d.orphaned > 0 ? " until a worker (re)joins" : "");
    if (round_ && d.redealt > 0)
      spdlog::warn("round {}: {} unfinished client(s) of worker {} re-dealt to live workers",
                   round_->engine.round(), d.redealt, id);
  }
  Rehost(f.welcome, "took over clients of a dead worker");
  if (!round_) return;
  SendRequests(f.requests);
  NoteDropped(f.dropped);
}

void Coordinator::Rehost(const std::vector<int>& workers, const char* why) {
  for (int w : workers) {
    spdlog::info("worker {} now hosts {} clients ({})", registry_.workers()[w].worker_id,
                 registry_.workers()[w].clients.size(), why);
    SendWelcome(w);
  }
}

void Coordinator::HandleHeartbeat(int worker) {
  wire::proto::Message reply;
  transport_->Start(&reply, 0);
  reply.mutable_heartbeat()->set_busy(round_.has_value());
  Send(worker, reply);
}

void Coordinator::Reject(const std::string& identity, const char* what, const std::string& why) {
  ++result_.rejected;
  spdlog::warn("rejected {} from {}: {}", what, PrintableId(identity), why);
}

void Coordinator::Send(int worker, const wire::proto::Message& m, uint64_t* bytes) {
  const WorkerInfo& w = registry_.workers()[worker];
  transport_->Send(w.identity, w.worker_id, m, bytes);
}

void Coordinator::SendWelcome(int worker) {
  wire::proto::Message m;
  transport_->Start(&m, 0);
  wire::proto::Welcome* welcome = m.mutable_welcome();
  welcome->set_config_json(config::ToJson(cfg_).dump());
  for (int c : registry_.workers()[worker].clients) welcome->add_client_ids(c);
  Send(worker, m);
}

void Coordinator::SendShutdown(int worker, const std::string& reason) {
  wire::proto::Message m;
  transport_->Start(&m, 0);
  m.mutable_shutdown()->set_reason(reason);
  Send(worker, m);
}

}  // namespace fedcarbon::server
