// Local launcher: one fedcarbon-server and cfg.runtime.workers fedcarbon-client processes on
// loopback (see include/fedcarbon/experiment/launcher.h).
//
// The children share one process group (led by the server), so the launcher can signal them
// all at once; each child also asks the kernel for SIGTERM when the launcher dies
// (PR_SET_PDEATHSIG). SIGINT/SIGTERM to the launcher kill the group and reap every child. A worker
// that dies during the run is restarted (at most twice per slot); the new process says Hello and
// takes over its predecessor's clients.
#include "fedcarbon/experiment/launcher.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace fedcarbon::experiment {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int kMaxWorkerRestarts = 2;  // per worker slot: a crashing worker is restarted twice

std::atomic<int> g_signal{0};  // the signal that asked us to stop; signals need a global
void OnSignal(int sig) { g_signal.store(sig); }

// Installs SIGINT/SIGTERM handlers for the launcher's lifetime and restores the old ones.
class SignalGuard {
 public:
  SignalGuard() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Child {
  pid_t pid = -1;
  std::string name;
  bool running = false;
  int exit_code = -1;  // exit status, or 128 + signal
};

// fork + exec `argv` with stdout/stderr written to `log` (truncated, or appended for a restart),
// in process group `pgid` (0: a new group led by the child).
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log, pid_t pgid,
                    bool append = false) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int fd =
      open(log.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0) return Status::Error(log + ": cannot open");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    return Status::Error("fork failed");
  }
  if (pid == 0) {  // child: async-signal-safe calls only
    setpgid(0, pgid);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the launcher died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pgid == 0 ? pid : pgid);  // also from the parent: no race with the signals below
  close(fd);
  return pid;
}

// Reaps `c` if it has exited.
void Poll(Child& c) {
  if (!c.running) return;
  int status = 0;
  if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
    c.running = false;
    c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

bool AnyRunning(std::vector<Child>& children) {
  bool any = false;
  for (Child& c : children) {
    Poll(c);
    any |= c.running;
  }
  return any;
}

bool WaitAll(std::vector<Child>& children, std::chrono::milliseconds grace) {
  const auto deadline = Clock::now() + grace;
  while (AnyRunning(children)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Sends `sig` (0: none) to the group and waits `grace`; then SIGTERM and 2 s; then SIGKILL. Every
// child is reaped on return. The group is only signalled while one of our children is unreaped,
// which keeps the group id from being reused by an unrelated process.
void StopAll(std::vector<Child>& children, pid_t pgid, int sig, std::chrono::milliseconds grace) {
  if (sig != 0 && AnyRunning(children)) kill(-pgid, sig);
  if (WaitAll(children, grace)) return;
  if (AnyRunning(children)) kill(-pgid, SIGTERM);
  if (WaitAll(children, std::chrono::milliseconds(2000))) return;
  if (AnyRunning(children)) kill(-pgid, SIGKILL);
  for (Child& c : children) {
    if (!c.running) continue;
    kill(c.pid, SIGKILL);
    int status = 0;
    waitpid(c.pid, &status, 0);
    c.running = false;
    c.exit_code = 128 + SIGKILL;
  }
}

std::string Tail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

// Prints rounds.csv lines that appeared since the last call.
class ProgressTail {
 public:
  ProgressTail(std::string path, int rounds) : path_(std::move(path)), rounds_(rounds) {}
  void Update() {
    std::ifstream in(path_);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline yet: a partial line
      offset_ += line.size() + 1;
      if (line.empty() || line.rfind("round,", 0) == 0) continue;
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
      if (f.size() < 9) continue;
      std::fprintf(stderr, "round %s/%d  accuracy %s  clients %s/%s  dropped %s  %.2f s\n",
                   f[0].c_str(), rounds_, f[4].empty() ? "-" : f[4].c_str(), f[2].c_str(),
                   f[1].c_str(), f[3].c_str(), std::atof(f[8].c_str()));
    }
  }

 private:
  std::string path_;
  int rounds_;
  size_t offset_ = 0;
};

Result<std::string> BinDir(const LaunchOptions& options) {
  if (!options.bin_dir.empty()) return options.bin_dir;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return Status::Error("cannot find the running executable: " + ec.message());
  return exe.parent_path().string();
}

}  // namespace

Result<RunResult> RunLocal(const config::ExperimentConfig& cfg, const std::string& out_dir,
                           const LaunchOptions& options) {
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

  SignalGuard signals;
  std::vector<Child> children;
  auto fail = [&](Status st) -> Result<RunResult> {
    StopAll(children, children.empty() ? 0 : children[0].pid, SIGTERM,
            std::chrono::milliseconds(3000));
    return st;
  };

  auto server = Spawn({server_exe, launch_config, "--bind", "tcp://127.0.0.1:*", "--out", out},
                      out + "/server.log", 0);
  if (!server.ok()) return server.status();
  const pid_t pgid = *server;
  children.push_back({*server, "fedcarbon-server", true, -1});

  // The server writes OUT/endpoint once bound (after loading the test set).
  std::string endpoint;
  const auto endpoint_deadline = Clock::now() + std::chrono::seconds(120);
  while (endpoint.empty()) {
    if (g_signal.load()) return fail(Status::Error("interrupted"));
    Poll(children[0]);
    if (!children[0].running)
      return fail(Status::Error("fedcarbon-server exited with code " +
                                std::to_string(children[0].exit_code) + " before binding:\n" +
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
    auto w = Spawn(worker_argv, worker_log(i), pgid);
    if (!w.ok()) return fail(w.status());
    children.push_back({*w, "fedcarbon-client " + std::to_string(i), true, -1});
  }
  std::vector<int> restarts(children.size(), 0);
  if (options.show_progress)
    std::fprintf(stderr, "fedcarbon run: coordinator on %s, %d workers x %d threads, output %s\n",
                 endpoint.c_str(), workers, threads, out.c_str());

  ProgressTail progress(out + "/rounds.csv", cfg.federation.rounds);
  while (children[0].running) {
    if (g_signal.load()) {
      StopAll(children, pgid, SIGTERM, std::chrono::milliseconds(3000));
      return Status::Error(std::string("interrupted by ") +
                           (g_signal.load() == SIGINT ? "SIGINT" : "SIGTERM") +
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
        children[i] = {*w, children[i].name, true, -1};
        spdlog::warn("restarted {} ({} of {} restarts)", children[i].name, restarts[i],
                     kMaxWorkerRestarts);
      }
    }
    if (options.show_progress) progress.Update();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (options.show_progress) progress.Update();
  // The server sent Shutdown to every worker; give them a moment, then make sure.
  StopAll(children, pgid, 0, std::chrono::milliseconds(5000));

  if (children[0].exit_code != 0)
    return Status::Error("fedcarbon-server exited with code " +
                         std::to_string(children[0].exit_code) + ":\n" + Tail(out + "/server.log"));
  std::ifstream f(out + "/summary.json");
  auto j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::Error(out + "/summary.json: missing or not JSON");
  RunResult r;
  r.rounds = j.value("rounds", 0);
  r.final_accuracy = j.value("final_accuracy", 0.0);
  r.best_accuracy = j.value("best_accuracy", 0.0);
  r.reached_target = j.value("reached_target", false);
  r.wall_s = j.value("wall_s", 0.0);
  r.out_dir = out;
  return r;
}

}  // namespace fedcarbon::experiment
