// Centralized baseline: the whole training set, evaluation on the 10k test set after every epoch
// (or every train.eval_every_steps steps), stop at federation.target_accuracy or train.max_epochs.
#include "fedcarbon/experiment/centralized.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <stop_token>
#include <thread>

#include <spdlog/spdlog.h>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/models/from_config.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/records/curve.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds (user + system, every thread: OpenMP's too) this process has used so far.
double ProcessCpuSeconds() {
  timespec t{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0.0;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

records::CentralizedSummary Summary(const CentralizedResult& r, const config::ExperimentConfig& cfg,
                                    const models::Sequential& model) {
  const models::FlopCount f = model.FlopsPerSample();
  records::CentralizedSummary s;
  s.name = cfg.name;
  s.model = r.model;
  s.params = model.num_params();
  s.flops_per_sample = {f.forward, f.backward};
  s.optimizer = cfg.train.optimizer;
  s.lr = cfg.train.lr;
  s.batch_size = cfg.train.batch_size;
  s.threads = cfg.train.threads;
  s.target_accuracy = cfg.federation.target_accuracy;
  s.epochs = r.epochs;
  s.steps = r.steps;
  s.samples = r.samples;
  s.final_accuracy = r.final_accuracy;
  s.best_accuracy = r.best_accuracy;
  s.reached_target = r.reached_target;
  s.train_flops = r.train_flops;
  s.eval_flops = r.eval_flops;
  s.train_s = r.train_s;
  s.wall_s = r.wall_s;
  s.evaluations = static_cast<int64_t>(r.curve.size());
  s.cpu = records::CentralizedCpu{
      .train_s = r.train_cpu_s, .evaluation_s = r.eval_cpu_s, .process_s = r.process_cpu_s};
  return s;  // energy: added by PriceCentralized
}

// The run's progress line on stderr when stderr is a terminal (ProgressLine::IsTerminal): the
// epoch in progress, steps and test accuracy as of the latest evaluation, and the elapsed time,
// which a background thread keeps moving while training blocks the caller. When stderr is not a
// terminal it shows nothing (active() is false) and the caller logs each evaluation instead.
// Ended (a newline) by Finish or the destructor.
class CentralizedProgress {
 public:
  CentralizedProgress(const config::ExperimentConfig& cfg, std::chrono::steady_clock::time_point t0)
      : line_(stderr, ProgressLine::IsTerminal(stderr)), t0_(t0) {
    state_.label = cfg.name;
    state_.unit = "epoch";
    state_.rounds = cfg.train.max_epochs;
    if (!active()) return;
    ticker_ = std::jthread([this](std::stop_token stop) {
      std::unique_lock lock(mu_);
      while (!stop.stop_requested()) {
        if (!tick_.wait_for(lock, stop, std::chrono::milliseconds(250), [] { return false; })) {
          if (!stop.stop_requested()) DrawLocked();
        }
      }
    });
  }
  CentralizedProgress(const CentralizedProgress&) = delete;
  CentralizedProgress& operator=(const CentralizedProgress&) = delete;
  ~CentralizedProgress() { Finish(); }

  bool active() const { return line_.interactive(); }

  // `accuracy`: the latest test accuracy; NaN before the first evaluation.
  void Update(int epoch, int64_t steps, double accuracy) {
    if (!active()) return;
    std::lock_guard lock(mu_);
    state_.round = epoch;
    state_.steps = steps;
    state_.accuracy = accuracy;
    DrawLocked();
  }

  void Finish() {
    if (!active()) return;
    if (ticker_.joinable()) {
      ticker_.request_stop();
      ticker_.join();
    }
    std::lock_guard lock(mu_);
    line_.Finish();
  }

 private:
  void DrawLocked() {
    state_.elapsed_s = Since(t0_);
    line_.Update(state_);
  }

  ProgressLine line_;  // guarded by mu_ once the ticker runs
  std::chrono::steady_clock::time_point t0_;
  std::mutex mu_;
  std::condition_variable_any tick_;  // never notified: the ticker waits on its stop token
  ProgressState state_;
  std::jthread ticker_;  // last: stopped before the members it uses go
};

models::DataView View(const data::Dataset& d, std::span<const int64_t> idx = {}) {
  return models::DataView{d.images.data(), d.labels.data(), d.n, d.dim(), idx};
}

}  // namespace

Result<CentralizedResult> RunCentralized(const config::ExperimentConfig& cfg,
                                         const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = ProcessCpuSeconds();
  // The whole config (names, data, partition) before the output folder is made.
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfg));
  const config::TrainConfig& tc = cfg.train;
  if (tc.batch_size < 1 || tc.threads < 1 || tc.max_epochs < 1 || tc.eval_every_steps < 0) {
    return Status::Error(
        "centralized: train.batch_size, threads, max_epochs must be >= 1 and "
        "eval_every_steps >= 0");
  }
  if (!out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) return Status::Error(out_dir + ": " + ec.message());
  }
  const std::string dir = config::ResolveDataPath(cfg);
  Result<data::Dataset> train = data::LoadFashionMnist(dir, data::Split::kTrain);
  if (!train.ok()) return train.status();
  Result<data::Dataset> test = data::LoadFashionMnist(dir, data::Split::kTest);
  if (!test.ok()) return test.status();
  auto model = models::MakeModel(cfg.model.name, cfg.seed);
  if (!model.ok()) return model.status();
  auto opt = models::MakeOptimizer(models::OptimizerOptionsFor(tc));
  if (!opt.ok()) return opt.status();
  models::Sequential& m = **model;
  spdlog::info(
      "centralized: {} ({} params) on {} training / {} test samples, {} lr {} batch {}, "
      "{} thread(s), target {:.3f}, at most {} epochs",
      cfg.model.name, m.num_params(), train->n, test->n, tc.optimizer, tc.lr, tc.batch_size,
      tc.threads, cfg.federation.target_accuracy, tc.max_epochs);

  CentralizedResult r;
  r.threads = cfg.train.threads;
  r.model = cfg.model.name;
  CentralizedProgress progress(cfg, t0);
  // Steps between evaluations: eval_every_steps, or one epoch.
  const int64_t epoch_steps = (train->n + tc.batch_size - 1) / tc.batch_size;
  const int64_t segment_steps = tc.eval_every_steps > 0 ? tc.eval_every_steps : epoch_steps;
  std::vector<int64_t> order(static_cast<size_t>(train->n));
  double loss_sum = 0.0;  // training loss * samples since the last evaluation
  int64_t loss_samples = 0;
  for (int epoch = 1; epoch <= tc.max_epochs && !r.reached_target; ++epoch) {
    r.epochs = epoch;
    progress.Update(epoch, r.steps, r.curve.empty() ? ProgressState::kNone : r.final_accuracy);
    std::iota(order.begin(), order.end(), 0);
    models::Shuffle(order, DeriveSeed(cfg.seed, {static_cast<uint64_t>(Stream::kCentralized),
                                                 static_cast<uint64_t>(epoch)}));
    for (int64_t begin = 0; begin < train->n && !r.reached_target;) {
      // Train up to the next evaluation point (or the end of the epoch).
      const int64_t steps_to_eval = segment_steps - (r.steps % segment_steps);
      const int64_t end = std::min<int64_t>(train->n, begin + steps_to_eval * tc.batch_size);
      models::TrainOptions to;
      to.batch_size = tc.batch_size;
      to.threads = tc.threads;
      to.shuffle = false;  // `order` is this epoch's permutation
      const double train_cpu0 = ProcessCpuSeconds();
      auto st = models::Train(
          m, **opt, View(*train, std::span<const int64_t>(order).subspan(begin, end - begin)), to);
      r.train_cpu_s += ProcessCpuSeconds() - train_cpu0;
      if (!st.ok()) return st.status();
      r.steps += st->steps;
      r.samples += st->samples;
      r.train_flops += st->flops;
      r.train_s += st->wall_s;
      loss_sum += st->mean_loss * static_cast<double>(st->samples);
      loss_samples += st->samples;
      begin = end;
      const bool epoch_end = begin >= train->n;
      if (r.steps % segment_steps != 0 && !epoch_end) continue;
      if (tc.eval_every_steps > 0 && r.steps % segment_steps != 0 && epoch_end &&
          epoch < tc.max_epochs) {
        continue;  // evaluation cadence in steps runs across epoch boundaries
      }
      const double eval_cpu0 = ProcessCpuSeconds();
      auto ev = models::Evaluate(m, View(*test), tc.threads);
      r.eval_cpu_s += ProcessCpuSeconds() - eval_cpu0;
      if (!ev.ok()) return ev.status();
      r.eval_flops += ev->flops;
      EvalPoint p;
      p.epoch = epoch;
      p.steps = r.steps;
      p.samples = r.samples;
      p.train_loss = loss_samples > 0 ? loss_sum / static_cast<double>(loss_samples) : 0.0;
      p.test_accuracy = ev->accuracy;
      p.test_loss = ev->loss;
      p.train_flops = r.train_flops;
      p.train_s = r.train_s;
      r.curve.push_back(p);
      // The whole curve so far, at every point: a parent process follows the run's progress
      // from its folder (the final write below leaves the same file).
      if (!out_dir.empty())
        FEDCARBON_RETURN_IF_ERROR(records::WriteCurve(out_dir + "/curve.csv", r.curve));
      loss_sum = 0.0;
      loss_samples = 0;
      r.final_accuracy = ev->accuracy;
      r.best_accuracy = std::max(r.best_accuracy, ev->accuracy);
      r.reached_target = ev->accuracy >= cfg.federation.target_accuracy;
      progress.Update(epoch, r.steps, ev->accuracy);
      if (progress.active()) continue;  // the progress line shows it; curve.csv has every value
      spdlog::info(
          "epoch {} step {} samples {}: train loss {:.4f}, test accuracy {:.4f} (loss "
          "{:.4f}), {:.3f} TFLOP, train {:.1f} s",
          epoch, p.steps, p.samples, p.train_loss, p.test_accuracy, p.test_loss,
          static_cast<double>(p.train_flops) / 1e12, p.train_s);
    }
  }
  progress.Finish();
  r.wall_s = Since(t0);
  r.process_cpu_s = ProcessCpuSeconds() - cpu0;
  spdlog::info(
      "centralized: {} after {} epoch(s), {} steps: final accuracy {:.4f}, best {:.4f}, "
      "{:.3f} TFLOP, {:.1f} s training, {:.1f} s wall; CPU {:.1f} s training, {:.1f} s "
      "evaluation, {:.1f} s in all",
      r.reached_target ? "reached the target" : "stopped at the epoch limit", r.epochs, r.steps,
      r.final_accuracy, r.best_accuracy, static_cast<double>(r.train_flops) / 1e12, r.train_s,
      r.wall_s, r.train_cpu_s, r.eval_cpu_s, r.process_cpu_s);
  if (!out_dir.empty()) {
    FEDCARBON_RETURN_IF_ERROR(
        records::WriteCentralizedSummary(out_dir + "/summary.json", Summary(r, cfg, m)));
    FEDCARBON_RETURN_IF_ERROR(records::WriteCurve(out_dir + "/curve.csv", r.curve));
  }
  return r;
}

}  // namespace fedcarbon::experiment
