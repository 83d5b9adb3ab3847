// The coordinator: setup, join, the round loop and the summary (see coordinator.h).
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>

#include <spdlog/spdlog.h>

#include "coordinator_impl.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/common/utc_time.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/models/tensors.h"

namespace fedcarbon::server {
namespace {

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// name-YYYYmmdd-HHMMSS-xxxxxx, restricted to [A-Za-z0-9._-] (it goes into CSV rows).
std::string MakeRunId(const std::string& name) {
  std::string safe;
  for (char c : name)
    safe +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (safe.empty()) safe = "run";
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;  // an identifier, not an experiment random stream
  char tag[8];
  std::snprintf(tag, sizeof(tag), "%06x", rd() & 0xffffffu);
  return safe + "-" + stamp + "-" + tag;
}

}  // namespace

Coordinator::Coordinator(const config::ExperimentConfig& cfg, const CoordinatorOptions& options)
    : cfg_(cfg), options_(options), registry_(cfg.federation.num_clients) {}

Status Coordinator::Setup() {
  std::error_code ec;
  if (options_.out_dir.empty()) return Status::Error("coordinator: out_dir is required");
  std::filesystem::create_directories(options_.out_dir, ec);
  if (ec) return Status::Error(options_.out_dir + ": " + ec.message());
  result_.run_id = MakeRunId(cfg_.name);

  auto model = GlobalModel::Create(cfg_);
  if (!model.ok()) return model.status();
  model_ = std::move(*model);

  auto sim = simtime::Simulation::Create(cfg_);
  if (!sim.ok()) return sim.status();
  sim_ = std::move(*sim);

  // --resume: checked against this config and model before any file is touched.
  Result<std::optional<Checkpoint>> checkpoint = LoadCheckpointToResume();
  if (!checkpoint.ok()) return checkpoint.status();
  if (*checkpoint) FEDCARBON_RETURN_IF_ERROR(RestoreFrom(**checkpoint));

  // Every client's job, from the same deterministic partition the workers compute and the
  // model's FLOP counts: a result that claims another shard size, sample count or FLOPs is
  // rejected.
  auto labels = data::LoadFashionMnistLabels(config::ResolveDataPath(cfg_), data::Split::kTrain);
  if (!labels.ok()) return labels.status().WithContext("training labels");
  auto partition =
      data::MakePartition(*labels, cfg_.federation.num_clients, cfg_.partition, cfg_.seed);
  if (!partition.ok()) return partition.status().WithContext("partition");
  auto optimizer = models::MakeOptimizer(models::OptimizerOptionsFor(cfg_.train));
  if (!optimizer.ok()) return optimizer.status().WithContext("train.optimizer");
  const bool prox = cfg_.federation.strategy == "fedprox" &&
                    static_cast<float>(cfg_.federation.fedprox_mu) > 0.0f;  // as the client
  expected_work_.clear();
  for (const auto& shard : *partition) {
    const auto size = static_cast<int64_t>(shard.size());
    const models::TrainWork w = models::ExpectedTrainWork(
        model_->model(), **optimizer, size, cfg_.train.batch_size, cfg_.train.local_epochs, prox);
    expected_work_.push_back(
        {static_cast<uint64_t>(size), static_cast<uint64_t>(w.samples), w.flops, w.steps});
  }

  const std::string out = options_.out_dir + "/";
  auto recorder =
      *checkpoint ? RunRecorder::Resume(options_.out_dir, **checkpoint, cfg_.energy.measure_rapl)
                  : RunRecorder::Open(options_.out_dir, cfg_, cfg_.energy.measure_rapl);
  if (!recorder.ok()) return recorder.status();
  recorder_ = std::move(*recorder);

  const size_t max_frame = wire::MaxFrameBytesForModel(static_cast<uint64_t>(model_->num_params()),
                                                       models::TensorSizes(model_->model()).size());
  auto transport = Transport::Bind(options_, result_.run_id, max_frame);
  if (!transport.ok()) return transport.status();
  transport_ = std::move(*transport);
  if (resumed_) transport_->ContinueAfter(resumed_last_seq_);
  const std::string& endpoint = transport_->endpoint();
  result_.endpoint = endpoint;
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out + "endpoint", endpoint + "\n"));
  std::printf("fedcarbon-server: run %s listening on %s\n", result_.run_id.c_str(),
              endpoint.c_str());
  std::fflush(stdout);
  return Status::OK();
}

Status Coordinator::Join() {
  const int n = cfg_.federation.num_clients;
  const int expected = cfg_.runtime.workers;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(cfg_.runtime.join_timeout_s));
  spdlog::info("waiting up to {:.0f} s for {} worker(s) to host {} clients",
               cfg_.runtime.join_timeout_s, expected, n);
  while (!registry_.CanAssign(expected) && fatal_.ok() && !Stopping()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    PollOnce(std::min(left, std::chrono::milliseconds(options_.poll_slice_ms)));
  }
  FEDCARBON_RETURN_IF_ERROR(fatal_);
  if (Stopping()) return Status::Error("interrupted while waiting for workers");
  const int joined = static_cast<int>(registry_.workers().size());
  if (registry_.HostableClients() < n)
    return Status::Error("join timeout after " + std::to_string(cfg_.runtime.join_timeout_s) +
                         " s: " + std::to_string(joined) + " worker(s) host " +
                         std::to_string(registry_.HostableClients()) + " of " + std::to_string(n) +
                         " clients; expected " + std::to_string(expected) + " workers");
  if (joined < expected)
    spdlog::warn("join timeout: only {} of {} workers joined, but they can host all {} clients",
                 joined, expected, n);
  registry_.Assign();
  for (int w = 0; w < joined; ++w) {
    const WorkerInfo& info = registry_.workers()[w];
    spdlog::info("worker {} ({} pid {}) hosts {} clients", info.worker_id, info.host, info.pid,
                 info.clients.size());
    SendWelcome(w);
  }
  return WaitReady();
}

// Workers load their data after the Welcome; their first heartbeat says they are ready.
Status Coordinator::WaitReady() {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(cfg_.runtime.join_timeout_s));
  auto all_ready = [&] {
    for (size_t w = 0; w < registry_.workers().size(); ++w)
      if (!registry_.workers()[w].ready && !registry_.workers()[w].clients.empty()) return false;
    return true;
  };
  while (!all_ready() && fatal_.ok() && !Stopping() && Clock::now() < deadline)
    PollOnce(std::chrono::milliseconds(options_.poll_slice_ms));
  FEDCARBON_RETURN_IF_ERROR(fatal_);
  if (!all_ready()) spdlog::warn("not every worker reported ready; starting anyway");
  return Status::OK();
}

Status Coordinator::WaitForLiveWorker() {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(cfg_.runtime.join_timeout_s));
  spdlog::warn("no live worker hosts a client; waiting up to {:.0f} s for one to (re)join",
               cfg_.runtime.join_timeout_s);
  while (!Stopping() && Clock::now() < deadline) {
    PollOnce(std::chrono::milliseconds(options_.poll_slice_ms));
    for (int w : registry_.Rebalance()) SendWelcome(w);
    if (!registry_.EligibleClients().empty()) return Status::OK();
  }
  return Status::Error("no live worker within " + std::to_string(cfg_.runtime.join_timeout_s) +
                       " s");
}

Result<CoordinatorResult> Coordinator::Run() {
  start_ = Clock::now();
  Status st = Setup();
  if (st.ok() && !resumed_) st = EvaluateInitial();  // a resumed run has it from its checkpoint
  const bool finished = result_.reached_target || result_.rounds >= cfg_.federation.rounds;
  if (st.ok() && finished) spdlog::info("the run had finished: nothing left to resume");
  if (st.ok() && !finished) st = Join();
  for (int round = result_.rounds + 1;
       st.ok() && round <= cfg_.federation.rounds && !result_.reached_target && !Stopping();
       ++round) {
    st = RunRound(round);
    if (st.ok() && result_.rounds == round) st = SaveCheckpoint();  // not after an abandoned one
  }
  result_.interrupted = Stopping();
  Finish();
  if (transport_ && recorder_) {  // set up far enough to have an output folder: leave a summary
    Status written = WriteSummary(st);
    if (st.ok()) st = written;
  }
  if (!st.ok()) return st;
  return result_;
}

void Coordinator::Finish() {
  result_.wall_s = wall_before_s_ + SecondsSince(start_);
  if (transport_) {
    for (size_t w = 0; w < registry_.workers().size(); ++w)
      SendShutdown(static_cast<int>(w), result_.interrupted ? "interrupted" : "run finished");
  }
  if (recorder_) recorder_->Close();
}

Status Coordinator::WriteSummary(const Status& run_status) {
  records::FlRunSummary s;
  s.run_id = result_.run_id;
  s.name = cfg_.name;
  s.model = cfg_.model.name;
  s.strategy = cfg_.federation.strategy;
  s.partition = cfg_.partition.scheme;
  s.compression = wire::EncodingName(model_ ? model_->encoding() : wire::Encoding::kFp32);
  s.rounds = result_.rounds;
  s.initial_accuracy = initial_eval_.accuracy;
  s.final_accuracy = result_.final_accuracy;
  s.best_accuracy = result_.best_accuracy;
  s.target_accuracy = cfg_.federation.target_accuracy;
  s.reached_target = result_.reached_target;
  s.rounds_to_target = result_.rounds_to_target;
  s.wall_s = result_.wall_s;
  s.bytes_down = result_.bytes_down;
  s.bytes_up = result_.bytes_up;
  s.dropped = result_.dropped;
  s.late = result_.late;
  s.offline = result_.offline;
  if (sim_) {
    const double start = sim_->world().start();
    s.sim_start = FormatUtcTime(start);
    s.sim_hours = std::max(result_.sim_end - start, 0.0) / 3600.0;
    s.sim_hours_to_target = result_.reached_target ? (result_.sim_to_target - start) / 3600.0 : 0.0;
  } else {
    s.sim_start = cfg_.time.start;
  }
  s.rejected = result_.rejected;
  s.interrupted = result_.interrupted;
  s.workers = static_cast<int>(registry_.workers().size());
  if (!run_status.ok()) s.error = run_status.message();
  s.cpu = records::FlCpu{.evaluation_s = eval_cpu_s_, .process_s = ProcessCpuSeconds()};
  return recorder_->WriteSummary(std::move(s));
}

bool Coordinator::Stopping() const { return options_.stop && options_.stop->load(); }

double ProcessCpuSeconds() {
  timespec t{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0.0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

Result<CoordinatorResult> RunCoordinator(const config::ExperimentConfig& cfg,
                                         const CoordinatorOptions& options) {
  Coordinator c(cfg, options);
  return c.Run();
}

}  // namespace fedcarbon::server
