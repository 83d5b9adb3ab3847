// Helpers for the end-to-end tests (tests/e2e/): a small Fashion-MNIST subset written as IDX
// files, child processes that are always reaped, file readers and deadline waits.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/records/rounds.h"

namespace fedcarbon::testing {

// Writes the first n_train / n_test samples of the installed Fashion-MNIST (config's default
// folder) into `dir` under the standard file names (gzipped IDX). False when the source is
// missing or unreadable.
bool WriteFashionMnistSubset(const std::string& dir, int n_train, int n_test);

// A fresh folder under $TMPDIR (or /tmp; $TMPDIR is created when missing). Empty on failure.
std::string MakeTempDir(const std::string& prefix);

// A child process (fork + exec), its stdout/stderr appended to `log`. The destructor SIGKILLs and
// reaps it if it is still running, so a failing test leaves nothing behind.
class Proc {
 public:
  Proc() = default;
  Proc(const std::vector<std::string>& argv, const std::string& log);
  Proc(Proc&& o) noexcept;
  Proc& operator=(Proc&& o) noexcept;
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;
  ~Proc();

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Exit code (128 + signal when killed) once it ends within `timeout`; nullopt otherwise.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  void Reap();
  pid_t pid_ = -1;
  std::optional<int> code_;
};

// Polls `done` every 20 ms until it is true or `timeout` passes. It returns as soon as `done`
// holds, so a generous `timeout` costs nothing when things go well: size it for a loaded 2-core
// machine, not for the common case.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

std::string ReadFile(const std::string& path);
nlohmann::json ReadJson(const std::string& path);  // null when missing or invalid
bool WriteFile(const std::string& path, const std::string& contents);

// The rounds recorded so far in a rounds.csv that a running coordinator may still be appending
// to, read by column name: complete lines only (a last line without its newline is still being
// written), up to the first row that does not parse. Empty while the file does not exist or has
// no complete header. For polling waits; a finished run is read with records::ReadRounds, whose
// errors name the line and column.
std::vector<records::RoundRecord> RoundsSoFar(const std::string& path);

}  // namespace fedcarbon::testing
