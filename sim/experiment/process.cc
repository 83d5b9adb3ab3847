// Child processes: spawn, poll, stop (see include/fedcarbon/experiment/process.h).
#include "fedcarbon/experiment/process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fedcarbon::experiment {
namespace {
using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};  // signal handlers can only reach globals
void OnStopSignal(int sig) { g_stop_signal.store(sig); }

double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
}

// Records what wait4 said about the child it reaped.
void Reaped(Child& c, int status, const rusage& usage) {
  c.running = false;
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  c.cpu_s = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
}
}  // namespace

StopSignalGuard::StopSignalGuard() {
  g_stop_signal.store(0);
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignalGuard::~StopSignalGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int StopSignalGuard::signal() const { return g_stop_signal.load(); }

const char* StopSignalGuard::name() const { return signal() == SIGINT ? "SIGINT" : "SIGTERM"; }

// fork + exec `argv` with stdout/stderr written to `log` (truncated, or appended for a restart),
// in process group `pgid` (0: a new group led by the child).
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log, pid_t pgid,
                    bool append) {
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
  rusage usage{};
  if (wait4(c.pid, &status, WNOHANG, &usage) == c.pid) Reaped(c, status, usage);
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
    rusage usage{};
    if (wait4(c.pid, &status, 0, &usage) == c.pid) {
      Reaped(c, status, usage);
    } else {
      c.running = false;
      c.exit_code = 128 + SIGKILL;
    }
  }
}

Result<std::string> SelfExecutable() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return Status::Error("cannot find the running executable: " + ec.message());
  return exe.string();
}

double SelfCpuSeconds() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0.0;
  return Seconds(u.ru_utime) + Seconds(u.ru_stime);
}

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

}  // namespace fedcarbon::experiment
