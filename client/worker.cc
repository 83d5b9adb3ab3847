// The client worker's socket loop (see include/fedcarbon/client/worker.h).
#include "fedcarbon/client/worker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <memory>
#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/client/local_trainer.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::client {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration Secs(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

struct Incoming {
  wire::proto::Message message;
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& o) : o_(o), ctx_(1) {
    if (o_.worker_id.empty()) {
      std::random_device rd;  // an identifier, not an experiment random stream
      char tag[8];
      std::snprintf(tag, sizeof(tag), "%04x", rd() & 0xffffu);
      o_.worker_id = HostName() + "-" + std::to_string(getpid()) + "-" + tag;
    }
  }

  Result<WorkerStats> Run() {
    FEDCARBON_RETURN_IF_ERROR(SetupCurve());
    FEDCARBON_RETURN_IF_ERROR(WaitWelcome());
    if (stats_.shutdown_reason.size()) return stats_;
    FEDCARBON_RETURN_IF_ERROR(Serve());
    return stats_;
  }

 private:
  bool Stopping() const { return o_.stop && o_.stop->load(); }

  Status SetupCurve() {
    if (o_.curve_server_key.empty()) return Status::OK();
    auto server = wire::ReadPublicKey(o_.curve_server_key);
    if (!server.ok()) return server.status().WithContext("--curve-server-key");
    auto keys = o_.curve_key_file.empty() ? wire::GenerateCurveKeyPair()
                                          : wire::ReadCurveKeyFile(o_.curve_key_file);
    if (!keys.ok()) return keys.status();
    curve_server_ = *server;
    curve_ = *keys;
    return Status::OK();
  }

  void Reconnect() {
    socket_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 0);
    if (curve_) {
      socket_->set(zmq::sockopt::curve_serverkey, curve_server_);
      socket_->set(zmq::sockopt::curve_publickey, curve_->public_key);
      socket_->set(zmq::sockopt::curve_secretkey, curve_->secret_key);
    }
    socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(wire::kMaxFrameBytes));
    socket_->set(zmq::sockopt::routing_id, o_.worker_id + "#" + std::to_string(++attempt_));
    socket_->connect(o_.connect);
  }

  void Send(const wire::proto::Message& m) {
    zmq::message_t frame = wire::ToFrame(m);
    try {
      socket_->send(frame, zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("send failed: {}", e.what());
    }
  }

  void SendHello() {
    wire::proto::Message m;
    builder_.Start(&m, 0);
    wire::proto::Hello* h = m.mutable_hello();
    h->set_capacity(static_cast<uint32_t>(std::max(o_.capacity, 0)));
    h->set_host(HostName());
    h->set_pid(static_cast<uint32_t>(getpid()));
    h->set_threads(static_cast<uint32_t>(std::max(o_.threads, 1)));
    h->set_worker_id(o_.worker_id);
    Send(m);
  }

  void SendHeartbeat(bool busy) {
    wire::proto::Message m;
    builder_.Start(&m, 0);
    m.mutable_heartbeat()->set_busy(busy);
    Send(m);
    next_heartbeat_ = Clock::now() + Secs(heartbeat_s_);
  }

  void SendError(uint32_t round, const std::string& text,
                 const wire::proto::Message* request = nullptr) {
    wire::proto::Message m;
    builder_.Start(&m, round);
    m.mutable_error()->set_message(text);
    if (request) {
      m.mutable_error()->set_client_id(request->train_request().client_id());
      m.mutable_error()->set_request_seq(request->header().seq());
    }
    Send(m);
  }

  // Receives one message within `timeout`; nullopt on timeout, EINTR or a bad frame.
  std::optional<Incoming> Receive(std::chrono::milliseconds timeout) {
    zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
    zmq::message_t frame;
    try {
      if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
      if (!socket_->recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("receive failed: {}", e.what());
      return std::nullopt;
    }
    Incoming in;
    if (Status st = wire::ParseFrame(frame.data(), frame.size(), &in.message); !st.ok()) {
      spdlog::warn("ignored a frame from the coordinator: {}", st.message());
      return std::nullopt;
    }
    last_heard_ = Clock::now();
    return in;
  }

  Status WaitWelcome() {
    const auto deadline = Clock::now() + Secs(o_.hello_timeout_s);
    Reconnect();
    SendHello();
    auto next_retry = Clock::now() + Secs(o_.hello_retry_s);
    while (!Stopping()) {
      const auto now = Clock::now();
      if (now >= deadline)
        return Status::Error("no Welcome from " + o_.connect + " within " +
                             std::to_string(o_.hello_timeout_s) + " s");
      if (now >= next_retry) {  // Lazy Pirate: a fresh socket, the same worker id
        Reconnect();
        SendHello();
        next_retry = now + Secs(o_.hello_retry_s);
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::min(next_retry, deadline) - now);
      auto in =
          Receive(std::min(wait, std::chrono::milliseconds(200)) + std::chrono::milliseconds(1));
      if (!in) continue;
      if (in->message.has_shutdown()) {
        stats_.shutdown_reason = in->message.shutdown().reason();
        return Status::OK();
      }
      if (in->message.has_welcome()) return Setup(in->message);
    }
    stats_.shutdown_reason = "stopped";
    return Status::OK();
  }

  Status Setup(const wire::proto::Message& m) {
    run_id_ = m.header().run_id();
    builder_.set_run_id(run_id_);
    auto json = nlohmann::json::parse(m.welcome().config_json(), nullptr, false);
    Status st;
    if (json.is_discarded()) st = Status::Error("welcome: config is not valid JSON");
    Result<config::ExperimentConfig> cfg =
        st.ok() ? config::FromJson(json) : Result<config::ExperimentConfig>(st);
    if (cfg.ok()) {
      cfg_ = *cfg;
      if (!o_.data_dir.empty()) cfg_.data.path = o_.data_dir;
      heartbeat_s_ = cfg_.runtime.heartbeat_s;
      auto trainer = LocalTrainer::Create(cfg_, o_.threads, o_.train_set);
      if (trainer.ok()) {
        trainer_ = std::move(*trainer);
        wire::ReleaseFreeMemory();  // the loader's temporary buffers
        st = ApplyWelcome(m);
      } else {
        st = trainer.status();
      }
    } else {
      st = cfg.status();
    }
    if (!st.ok()) {
      SendError(0, st.message());
      return st.WithContext("worker " + o_.worker_id);
    }
    return Status::OK();
  }

  Status ApplyWelcome(const wire::proto::Message& m) {
    std::vector<int> ids(m.welcome().client_ids().begin(), m.welcome().client_ids().end());
    std::sort(ids.begin(), ids.end());
    if (trainer_->clients() == ids && ids_applied_) return Status::OK();  // a repeated Welcome
    ids_applied_ = true;
    FEDCARBON_RETURN_IF_ERROR(trainer_->SetClients(ids));
    spdlog::info("worker {} hosts {} clients (run {})", o_.worker_id, ids.size(), run_id_);
    SendHeartbeat(false);  // ready
    return Status::OK();
  }

  // Handles a non-request message; false when the worker must stop.
  bool Handle(Incoming& in) {
    const wire::proto::Message& m = in.message;
    if (m.has_shutdown()) {
      stats_.shutdown_reason = m.shutdown().reason();
      return false;
    }
    if (m.header().run_id() != run_id_) {
      spdlog::warn("ignored {} of run '{}'", wire::BodyName(m), m.header().run_id());
      return true;
    }
    newest_round_ = std::max(newest_round_, m.header().round());
    if (m.has_train_request()) {
      queue_.push_back(std::move(in));
    } else if (m.has_welcome()) {
      if (Status st = ApplyWelcome(m); !st.ok()) SendError(0, st.message());
    } else if (m.has_error()) {
      spdlog::warn("coordinator reports: {}", m.error().message());
    }
    return true;
  }

  // Receives everything already queued in the socket (no waiting).
  bool Drain() {
    while (auto in = Receive(std::chrono::milliseconds(0)))
      if (!Handle(*in)) return false;
    return true;
  }

  void TrainOne(const Incoming& in) {
    const auto t0 = Clock::now();
    const wire::proto::Message& m = in.message;
    const uint32_t round = m.header().round();
    const int client = static_cast<int>(m.train_request().client_id());
    wire::proto::Message reply;
    builder_.Start(&reply, round);
    wire::proto::TrainResult* r = reply.mutable_train_result();
    r->set_client_id(static_cast<uint32_t>(client));
    r->set_request_seq(m.header().seq());
    if (Status st = trainer_->Train(m.train_request(), static_cast<int>(round), r); !st.ok()) {
      ++stats_.failed;
      spdlog::error("round {} client {}: {}", round, client, st.message());
      SendError(round, st.message(), &m);
      return;
    }
    r->mutable_activity()->set_wall_s(std::chrono::duration<double>(Clock::now() - t0).count());
    Send(reply);
    ++stats_.jobs;
    last_heard_ = Clock::now();  // the coordinator gets a fresh silence window after a job
  }

  Status Serve() {
    last_heard_ = Clock::now();
    while (!Stopping()) {
      if (!Drain()) return Status::OK();
      while (!queue_.empty() && !Stopping()) {
        Incoming in = std::move(queue_.front());
        queue_.pop_front();
        if (in.message.header().round() < newest_round_) {
          ++stats_.skipped;
          spdlog::info("skipped client {} of round {}: round {} has begun",
                       in.message.train_request().client_id(), in.message.header().round(),
                       newest_round_);
          continue;
        }
        TrainOne(in);
        if (!Drain()) return Status::OK();
      }
      const auto now = Clock::now();
      if (now - last_heard_ > Secs(o_.silence_timeout_s))
        return Status::Error("coordinator silent for " + std::to_string(o_.silence_timeout_s) +
                             " s");
      if (now >= next_heartbeat_) SendHeartbeat(false);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat_ - now);
      auto in =
          Receive(std::clamp(wait, std::chrono::milliseconds(1), std::chrono::milliseconds(200)));
      if (in && !Handle(*in)) return Status::OK();
    }
    stats_.shutdown_reason = "stopped";
    return Status::OK();
  }

  WorkerOptions o_;
  zmq::context_t ctx_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::optional<wire::CurveKeyPair> curve_;
  std::string curve_server_;
  int attempt_ = 0;
  wire::MessageBuilder builder_;
  std::string run_id_;
  config::ExperimentConfig cfg_;
  std::unique_ptr<LocalTrainer> trainer_;
  std::deque<Incoming> queue_;
  bool ids_applied_ = false;
  uint32_t newest_round_ = 0;
  double heartbeat_s_ = 2.0;
  Clock::time_point last_heard_{};
  Clock::time_point next_heartbeat_{};
  WorkerStats stats_;
};

}  // namespace

Result<WorkerStats> RunWorker(const WorkerOptions& options) {
  if (options.connect.empty()) return Status::Error("worker: --connect is required");
  try {
    Worker w(options);
    return w.Run();
  } catch (const zmq::error_t& e) {
    return Status::Error(std::string("worker: ") + e.what());
  }
}

}  // namespace fedcarbon::client
