// A per-test, per-process scratch folder (tests of several build trees and ctest -j run at once)
// and a whole-file read, for every module's tests (include "common/scratch.h").
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fedcarbon::testing {

// TMPDIR/PREFIX_SUITE_TEST_PID, emptied.
inline std::filesystem::path ScratchDir(const std::string& prefix) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + "_" + info->test_suite_name() + "_" +
                                                info->name() + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The whole file ("" when it cannot be read).
inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace fedcarbon::testing
