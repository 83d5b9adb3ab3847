// A per-test, per-process scratch folder (several build trees and ctest -j run at once).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fedcarbon::experiment::testing {

inline std::filesystem::path ScratchDir(const std::string& prefix) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + "_" + info->test_suite_name() + "_" +
                                                info->name() + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// What a command printed (stdout and stderr) and its exit code (-1: it did not exit normally).
struct Ran {
  int exit_code = -1;
  std::string output;
};

// Runs `FEDCARBON_BIN_DIR/fedcarbon ARGS` through the shell and waits for it.
inline Ran RunFedcarbon(const std::string& args) {
  Ran r;
  const std::string cmd = std::string(FEDCARBON_BIN_DIR) + "/fedcarbon " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fedcarbon::experiment::testing
