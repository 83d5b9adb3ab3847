// The client worker's socket loop (see include/fedcarbon/client/worker.h).
#include "fedcarbon/client/worker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/client/local_trainer.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/models/tensors.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/frame.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::client {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration Secs(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// ZMQ_MAXMSGSIZE of the worker's socket (wire::MaxWorkerFrameBytes): before its Welcome the
// worker does not know the run's model, so the largest model a config can name sets the bound.
size_t MaxFrameBytes() {
  uint64_t params = 0, tensors = 0;
  for (const std::string& name : models::ModelNames()) {
    auto model = models::MakeModel(name, 0);
    if (!model.ok()) continue;
    params = std::max<uint64_t>(params, static_cast<uint64_t>((*model)->num_params()));
    tensors = std::max<uint64_t>(tensors, models::TensorSizes(**model).size());
  }
  return wire::MaxWorkerFrameBytes(params, tensors);
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

// A message from the coordinator, parsed in place: a TrainRequest's weights stay in its frame
// until the job decodes them.
struct Incoming {
  wire::InFrame frame;
  const wire::proto::Message& message() const { return frame.message(); }
};

// A training job: the request, and what the job thread makes of it.
struct Job {
  Incoming request;
  wire::proto::TrainResult result;
  Status status;
};

class Worker {
 public:
  explicit Worker(const WorkerOptions& o) : o_(o), ctx_(1), max_frame_bytes_(MaxFrameBytes()) {
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
    const Status served = Serve();
    StopJobThread();
    FEDCARBON_RETURN_IF_ERROR(served);
    return stats_;
  }
  ~Worker() { StopJobThread(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

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
    socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_frame_bytes_));
    wire::SetSendBuffer(*socket_, o_.connect);
    socket_->set(zmq::sockopt::routing_id, o_.worker_id + "#" + std::to_string(++attempt_));
    socket_->connect(o_.connect);
  }

  void Send(const wire::proto::Message& m) { Send(wire::ToFrame(m)); }
  void Send(zmq::message_t frame) {
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
    if (Status st = in.frame.Parse(std::move(frame)); !st.ok()) {
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
      if (in->message().has_shutdown()) {
        stats_.shutdown_reason = in->message().shutdown().reason();
        return Status::OK();
      }
      if (in->message().has_welcome()) return Setup(in->message());
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
      // The whole config against this host's data before loading it (an injected data set:
      // nothing on disk to check).
      if (!o_.train_set) st = check::CheckExperiment(cfg_);
      auto trainer = st.ok() ? LocalTrainer::Create(cfg_, o_.threads, o_.train_set)
                             : Result<std::unique_ptr<LocalTrainer>>(st);
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

  // Handles a message (requests and Welcomes are queued, in order, for RunQueue); false when the
  // worker must stop.
  bool Handle(Incoming& in) {
    const wire::proto::Message& m = in.message();
    if (m.has_shutdown()) {
      stats_.shutdown_reason = m.shutdown().reason();
      return false;
    }
    if (m.header().run_id() != run_id_) {
      spdlog::warn("ignored {} of run '{}'", wire::BodyName(m), m.header().run_id());
      return true;
    }
    newest_round_ = std::max(newest_round_, m.header().round());
    if (m.has_train_request() || m.has_welcome()) {
      queue_.push_back(std::move(in));  // in order: a Welcome applies between jobs (RunQueue)
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

  // Takes queued messages in order while no job runs: applies Welcomes, skips requests of a
  // round that is over, and starts the next request on the job thread.
  void RunQueue() {
    while (!job_ && !queue_.empty() && !Stopping()) {
      Incoming in = std::move(queue_.front());
      queue_.pop_front();
      const wire::proto::Message& m = in.message();
      if (m.has_welcome()) {
        if (Status st = ApplyWelcome(m); !st.ok()) SendError(0, st.message());
        continue;
      }
      if (m.header().round() < newest_round_) {
        ++stats_.skipped;
        spdlog::info("skipped client {} of round {}: round {} has begun",
                     m.train_request().client_id(), m.header().round(), newest_round_);
        continue;
      }
      spdlog::debug("round {}: training client {}", m.header().round(),
                    m.train_request().client_id());
      StartJob(std::move(in));
    }
  }

  // Hands `in` to the job thread (started on first use). Only the job thread touches trainer_
  // and the job until it reports the job done; this thread keeps the socket meanwhile.
  void StartJob(Incoming in) {
    if (!job_thread_.joinable()) {
      done_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
      done_->set(zmq::sockopt::linger, 0);
      done_->bind(kJobsDone);
      auto tx = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
      tx->set(zmq::sockopt::linger, 0);
      tx->connect(kJobsDone);
      job_thread_ = std::thread([this, tx = std::move(tx)]() mutable { JobLoop(*tx); });
    }
    job_ = std::make_unique<Job>();
    job_->request = std::move(in);
    std::lock_guard<std::mutex> lock(mu_);
    handed_ = job_.get();
    cv_.notify_one();
  }

  // The job thread: trains each job handed to it, then sends one empty frame on `done`.
  void JobLoop(zmq::socket_t& done) {
    for (;;) {
      Job* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return quit_ || handed_ != nullptr; });
        if (quit_) return;
        job = handed_;
      }
      Train(job);
      {
        std::lock_guard<std::mutex> lock(mu_);
        handed_ = nullptr;
        finished_ = true;
      }
      try {
        done.send(zmq::message_t(), zmq::send_flags::dontwait);
      } catch (const zmq::error_t& e) {
        spdlog::error("job thread: {}", e.what());
      }
    }
  }

  void Train(Job* job) {
    const auto t0 = Clock::now();
    const wire::proto::Message& m = job->request.message();
    wire::proto::TrainResult* r = &job->result;
    r->set_client_id(m.train_request().client_id());
    r->set_request_seq(m.header().seq());
    try {
      job->status = trainer_->TrainInPlace(m.train_request(), job->request.frame.weights_data(),
                                           static_cast<int>(m.header().round()), r);
    } catch (const std::exception& e) {
      job->status = Status::Error(std::string("training failed: ") + e.what());
    }
    r->mutable_activity()->set_wall_s(std::chrono::duration<double>(Clock::now() - t0).count());
  }

  // The job thread said a job is done: sends its result (or its Error).
  void FinishJob() {
    zmq::message_t signal;
    (void)done_->recv(signal, zmq::recv_flags::dontwait);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!finished_) return;
      finished_ = false;
    }
    std::unique_ptr<Job> job = std::move(job_);
    const wire::proto::Message& m = job->request.message();
    const uint32_t round = m.header().round();
    // The result, its weights encoded straight into the frame (the job thread is idle: the
    // trainer is this thread's until the next StartJob).
    Status st = job->status;
    zmq::message_t frame;
    if (st.ok()) {
      wire::proto::Message reply;
      builder_.Start(&reply, round);
      reply.mutable_train_result()->Swap(&job->result);
      Result<zmq::message_t> encoded = trainer_->ResultFrame(&reply);
      if (encoded.ok()) {
        frame = std::move(*encoded);
      } else {
        st = encoded.status();
      }
    }
    if (!st.ok()) {
      ++stats_.failed;
      spdlog::error("round {} client {}: {}", round, m.train_request().client_id(), st.message());
      SendError(round, st.message(), &m);
      return;
    }
    Send(std::move(frame));
    ++stats_.jobs;
  }

  // Waits up to `timeout` for a message or a finished job (handled here; messages are left for
  // Drain).
  void Wait(std::chrono::milliseconds timeout) {
    zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                               {done_ ? done_->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    try {
      if (zmq::poll(items, done_ ? 2 : 1, timeout) <= 0) return;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("poll failed: {}", e.what());
      return;
    }
    if (items[1].revents & ZMQ_POLLIN) FinishJob();
  }

  // The socket loop: receives, applies and queues messages, heartbeats every heartbeat_s (busy
  // while a job runs or waits), and runs one job at a time on the job thread.
  Status Serve() {
    last_heard_ = Clock::now();
    while (!Stopping()) {
      if (!Drain()) return Status::OK();
      RunQueue();
      const auto now = Clock::now();
      if (now - last_heard_ > Secs(o_.silence_timeout_s))
        return Status::Error("coordinator silent for " + std::to_string(o_.silence_timeout_s) +
                             " s");
      if (now >= next_heartbeat_) SendHeartbeat(job_ != nullptr || !queue_.empty());
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat_ - now);
      Wait(std::clamp(wait, std::chrono::milliseconds(1), std::chrono::milliseconds(200)));
    }
    stats_.shutdown_reason = "stopped";
    return Status::OK();
  }

  // Stops the job thread, after the job it runs (training cannot be interrupted).
  void StopJobThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    if (job_thread_.joinable()) job_thread_.join();
  }

  WorkerOptions o_;
  zmq::context_t ctx_;
  size_t max_frame_bytes_;  // ZMQ_MAXMSGSIZE
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

  // One training job at a time runs on job_thread_, so that this thread keeps the socket:
  // heartbeats go out while a client trains, however long its job (the coordinator declares a
  // silent worker dead within a few heartbeat periods).
  static constexpr char kJobsDone[] = "inproc://fedcarbon-jobs-done";  // in ctx_, this worker's
  std::unique_ptr<Job> job_;             // the job running; this thread's (see StartJob)
  std::unique_ptr<zmq::socket_t> done_;  // PAIR: one empty frame from the job thread per job
  std::thread job_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  Job* handed_ = nullptr;  // guarded by mu_: the job the job thread is to run
  bool finished_ = false;  // guarded by mu_: the job handed is done
  bool quit_ = false;      // guarded by mu_
};

}  // namespace

Result<WorkerStats> RunWorker(const WorkerOptions& options) {
  if (options.connect.empty()) return Status::Error("worker: --connect is required");
  try {
    Worker w(options);
    return w.Run();
  } catch (const zmq::error_t& e) {
    // An endpoint ZeroMQ cannot parse is bad input (exit 2); anything else a failure.
    if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT)
      return Status::InvalidArgument("--connect '" + options.connect + "': " + e.what());
    return Status::Error(std::string("worker: ") + e.what());
  }
}

}  // namespace fedcarbon::client
