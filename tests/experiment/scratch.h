// Experiment tests: the shared scratch helpers (common/scratch.h) and running `fedcarbon`.
#pragma once

#include "common/scratch.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fedcarbon::experiment::testing {

using fedcarbon::testing::ScratchDir;
using fedcarbon::testing::Slurp;

// What a command printed (stdout and stderr) and its exit code (-1: it did not exit normally).
struct Ran {
  int exit_code = -1;
  std::string output;
};

// Runs `FEDCARBON_BIN_DIR/PROGRAM ARGS` through the shell and waits for it.
inline Ran RunProgram(const std::string& program, const std::string& args) {
  Ran r;
  const std::string cmd = std::string(FEDCARBON_BIN_DIR) + "/" + program + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `FEDCARBON_BIN_DIR/fedcarbon ARGS`.
inline Ran RunFedcarbon(const std::string& args) { return RunProgram("fedcarbon", args); }

}  // namespace fedcarbon::experiment::testing
