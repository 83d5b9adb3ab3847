// Child processes of the launcher and the sweep runner: spawn with the output in a log file and a
// parent-death signal, poll, and stop a process group without leaving anything behind.
//
// Thread safety: a Child belongs to the thread that spawned it (wait4 reaps it there).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::experiment {

struct Child {
  pid_t pid = -1;
  std::string name;
  bool running = false;
  int exit_code = -1;  // exit status, or 128 + signal
  // CPU seconds (user + system, every thread) of the child and of its descendants it waited
  // for, as wait4(2) reports them when the child is reaped (Poll, WaitAll, StopAll); 0 while it
  // runs. CPU time, not wall time: it does not grow when the machine is oversubscribed.
  double cpu_s = 0;
};

// fork + exec `argv` (argv[0] is a path) with stdout/stderr written to `log` (truncated, or
// appended), in process group `pgid` (0: a new group led by the child). The child gets SIGTERM
// when its parent dies (PR_SET_PDEATHSIG) and starts with default SIGINT/SIGTERM handlers.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log, pid_t pgid,
                    bool append = false);

// Reaps `c` if it has exited (never blocks); then sets exit_code and cpu_s.
void Poll(Child& c);
// Polls every child; true while any of them runs.
bool AnyRunning(std::vector<Child>& children);
// Waits up to `grace` for every child to exit; true when none runs.
bool WaitAll(std::vector<Child>& children, std::chrono::milliseconds grace);
// Sends `sig` (0: none) to the group `pgid` and waits `grace`; then SIGTERM and 2 s; then SIGKILL.
// Every child is reaped on return. The group is only signalled while one of `children` is
// unreaped, which keeps the group id from being reused by an unrelated process.
void StopAll(std::vector<Child>& children, pid_t pgid, int sig, std::chrono::milliseconds grace);

// Catches SIGINT and SIGTERM for its lifetime (the old handlers come back on destruction), so
// that a long wait on children can stop them cleanly. One per process at a time: the signal is
// kept in the one process-wide flag that a signal handler can reach.
class StopSignalGuard {
 public:
  StopSignalGuard();  // clears the flag, installs the handlers
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
  // The signal that arrived (SIGINT or SIGTERM), or 0.
  int signal() const;
  // "SIGINT" / "SIGTERM" for signal().
  const char* name() const;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// The running program's path (/proc/self/exe), to start more of it or its sibling programs.
Result<std::string> SelfExecutable();

// CPU seconds (user + system, every thread) this process has used so far; 0 when unknown.
double SelfCpuSeconds();

// The last `max_bytes` of a file (for error messages quoting a child's log).
std::string Tail(const std::string& path, size_t max_bytes = 2000);

}  // namespace fedcarbon::experiment
