// Local launcher: one fedcarbon-server and cfg.runtime.workers fedcarbon-client processes on
// loopback (see include/fedcarbon/experiment/launcher.h).
//
// The children share one process group (led by the server), so the launcher can signal them
// all at once; each child also asks the kernel for SIGTERM when the launcher dies
// (PR_SET_PDEATHSIG). SIGINT/SIGTERM to the launcher kill the group and reap every child. A worker
// that dies during the run is restarted (at most twice per slot); the new process says Hello and
// takes over its predecessor's clients.
//
// After a successful run it writes OUT/launch.json (records::LaunchRecord): the CPU seconds of the
// coordinator and of every worker process (wait4 as each is reaped; a restarted worker's
// predecessors included), of the launcher itself, and the run's wall seconds.
#include "fedcarbon/experiment/launcher.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/records/launch.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kMaxWorkerRestarts = 2;  // per worker slot: a crashing worker is restarted twice

// The run's progress line on stderr (progress.h), fed from rounds.csv and ledger.csv as the
// server appends them. The line is ended (a newline on a terminal) by Finish or the destructor.
class ProgressTail {
 public:
  ProgressTail(const std::string& out, const config::ExperimentConfig& cfg,
               const LaunchOptions& options)
      : follower_(out),
        line_(stderr, ProgressLine::IsTerminal(stderr)),
        job_elapsed_s_(options.progress_job_elapsed_s),
        start_(Clock::now()) {
    state_.label = options.progress_label.empty() ? cfg.name : options.progress_label;
    state_.point = options.progress_point;
    state_.points = options.progress_points;
    state_.rounds = cfg.federation.rounds;
  }
  ~ProgressTail() { line_.Finish(); }
  void Update() {
    follower_.Poll();
    const double run_s = std::chrono::duration<double>(Clock::now() - start_).count();
    state_.round = follower_.round();
    state_.accuracy = follower_.accuracy();
    state_.gco2e = follower_.gco2e();
    state_.elapsed_s = job_elapsed_s_ + run_s;
    const double run_done =
        state_.rounds > 0 ? std::min(1.0, static_cast<double>(state_.round) / state_.rounds) : 0;
    state_.eta_s = state_.points > 0
                       ? EstimateEta(state_.elapsed_s, state_.point - 1 + run_done, state_.points)
                       : EstimateEta(run_s, run_done, 1.0);
    line_.Update(state_);
  }
  void Finish() {
    Update();
    line_.Finish();
  }

 private:
  RunFollower follower_;
  ProgressLine line_;
  ProgressState state_;
  double job_elapsed_s_;
  Clock::time_point start_;
};

Result<std::string> BinDir(const LaunchOptions& options) {
  if (!options.bin_dir.empty()) return options.bin_dir;
  Result<std::string> exe = SelfExecutable();
  if (!exe.ok()) return exe.status();
  return fs::path(*exe).parent_path().string();
}

}  // namespace

Result<RunResult> RunLocal(const config::ExperimentConfig& cfg, const std::string& out_dir,
                           const LaunchOptions& options) {
  // launch.json's launcher_cpu_s and wall_s count from here: the process may have done other
  // work before this call.
  const auto launch_start = Clock::now();
  const double launch_cpu_start = SelfCpuSeconds();
  // The whole config (names, data, partition) before a folder is made or a process started.
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfg));
  auto bin = BinDir(options);
  if (!bin.ok()) return bin.status();
  const std::string server_exe = *bin + "/fedcarbon-server";
  const std::string client_exe = *bin + "/fedcarbon-client";
  for (const std::string& exe : {server_exe, client_exe})
    if (access(exe.c_str(), X_OK) != 0) return Status::Error(exe + ": not found or not executable");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Status::Error(out_dir + ": " + ec.message());
  const std::string out = fs::absolute(out_dir).string();
  const std::string launch_config = out + "/launch-config.json";
  {
    std::ofstream f(launch_config);
    f << config::ToJson(cfg).dump(2) << "\n";
    if (!f) return Status::Error(launch_config + ": cannot write");
  }
  fs::remove(out + "/endpoint", ec);
  fs::remove(out + "/summary.json", ec);
  fs::remove(out + "/" + records::kLaunchRecordFile, ec);

  StopSignalGuard signals;
  std::vector<Child> children;
  auto fail = [&](Status st) -> Result<RunResult> {
    StopAll(children, children.empty() ? 0 : children[0].pid, SIGTERM,
            std::chrono::milliseconds(3000));
    return st;
  };

  std::vector<std::string> server_argv = {server_exe,          launch_config, "--bind",
                                          "tcp://127.0.0.1:*", "--out",       out};
  if (options.resume) server_argv.push_back("--resume");
  auto server = Spawn(server_argv, out + "/server.log", 0, /*append=*/options.resume);
  if (!server.ok()) return server.status();
  const pid_t pgid = *server;
  children.push_back({*server, "fedcarbon-server", true, -1});

  // The server writes OUT/endpoint once bound (after loading the test set).
  std::string endpoint;
  const auto endpoint_deadline = Clock::now() + std::chrono::seconds(120);
  while (endpoint.empty()) {
    if (signals.signal() != 0) return fail(Status::Error("interrupted"));
    Poll(children[0]);
    if (!children[0].running)
      return fail(FromExitCode(children[0].exit_code, "fedcarbon-server exited with code " +
                                                          std::to_string(children[0].exit_code) +
                                                          " before binding:\n" +
                                                          Tail(out + "/server.log")));
    if (Clock::now() > endpoint_deadline)
      return fail(Status::Error("fedcarbon-server did not report its endpoint within 120 s"));
    std::ifstream f(out + "/endpoint");
    std::getline(f, endpoint);
    if (endpoint.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  const int workers = cfg.runtime.workers;
  const int n = cfg.federation.num_clients;
  const int capacity = (n + workers - 1) / workers;
  const int threads = std::max(1, cfg.train.threads / workers);
  const std::vector<std::string> worker_argv = {client_exe,
                                                "--connect",
                                                endpoint,
                                                "--capacity",
                                                std::to_string(capacity),
                                                "--threads",
                                                std::to_string(threads)};
  auto worker_log = [&](size_t i) { return out + "/worker-" + std::to_string(i) + ".log"; };
  for (int i = 0; i < workers; ++i) {
    auto w = Spawn(worker_argv, worker_log(i), pgid, /*append=*/options.resume);
    if (!w.ok()) return fail(w.status());
    children.push_back({*w, "fedcarbon-client " + std::to_string(i), true, -1});
  }
  std::vector<int> restarts(children.size(), 0);
  double replaced_workers_cpu_s = 0.0;  // of workers that died and were restarted
  if (options.show_progress)
    std::fprintf(stderr, "fedcarbon run: coordinator on %s, %d workers x %d threads, output %s\n",
                 endpoint.c_str(), workers, threads, out.c_str());

  ProgressTail progress(out, cfg, options);
  while (children[0].running) {
    if (signals.signal() != 0) {
      StopAll(children, pgid, SIGTERM, std::chrono::milliseconds(3000));
      return Status::Error(std::string("interrupted by ") + signals.name() +
                           "; every child process was stopped");
    }
    Poll(children[0]);
    for (size_t i = 1; i < children.size() && children[0].running; ++i) {
      const bool was_running = children[i].running;
      Poll(children[i]);
      if (!was_running || children[i].running || children[i].exit_code == 0) continue;
      spdlog::warn("{} exited with code {} during the run (see {})", children[i].name,
                   children[i].exit_code, worker_log(i - 1));
      if (restarts[i] >= kMaxWorkerRestarts) continue;
      // A restarted worker says Hello and takes over its predecessor's clients.
      if (auto w = Spawn(worker_argv, worker_log(i - 1), pgid, /*append=*/true); w.ok()) {
        ++restarts[i];
        replaced_workers_cpu_s += children[i].cpu_s;  // reaped by Poll above
        children[i] = {*w, children[i].name, true, -1};
        spdlog::warn("restarted {} ({} of {} restarts)", children[i].name, restarts[i],
                     kMaxWorkerRestarts);
      }
    }
    if (options.show_progress) progress.Update();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (options.show_progress) progress.Finish();
  // The server sent Shutdown to every worker; give them a moment, then make sure.
  StopAll(children, pgid, 0, std::chrono::milliseconds(5000));

  if (children[0].exit_code != 0)
    return FromExitCode(children[0].exit_code, "fedcarbon-server exited with code " +
                                                   std::to_string(children[0].exit_code) + ":\n" +
                                                   Tail(out + "/server.log"));
  Result<records::FlRunSummary> s = records::ReadFlRunSummary(out + "/summary.json");
  if (!s.ok()) return s.status();
  // Every child is reaped (StopAll): their CPU seconds are final.
  records::LaunchRecord launch;
  launch.coordinator_cpu_s = children[0].cpu_s;
  launch.workers_cpu_s = replaced_workers_cpu_s;
  for (size_t i = 1; i < children.size(); ++i) launch.workers_cpu_s += children[i].cpu_s;
  for (int n_restarts : restarts) launch.worker_restarts += n_restarts;
  launch.workers = workers;
  launch.launcher_cpu_s = SelfCpuSeconds() - launch_cpu_start;
  launch.wall_s = std::chrono::duration<double>(Clock::now() - launch_start).count();
  FEDCARBON_RETURN_IF_ERROR(
      records::WriteLaunchRecord(out + "/" + records::kLaunchRecordFile, launch));
  RunResult r;
  r.rounds = s->rounds;
  r.final_accuracy = s->final_accuracy;
  r.best_accuracy = s->best_accuracy;
  r.reached_target = s->reached_target;
  r.wall_s = s->wall_s;
  r.out_dir = out;
  r.launch = launch;
  return r;
}

}  // namespace fedcarbon::experiment
