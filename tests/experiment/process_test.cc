// experiment::Child's CPU seconds: what wait4 reports when Poll, WaitAll or StopAll reaps a child
// (user + system of the child and the descendants it waited for), for a child that burns CPU, one
// that sleeps, and one that StopAll has to kill.
#include "fedcarbon/experiment/process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "experiment/scratch.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

// About half a second of CPU for dash (more for bash), whatever the machine's load.
const std::string kBusyLoop = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done";

// Spawns /bin/sh -c `script` in a new process group, logging to DIR/name.log.
Child SpawnShell(const fs::path& dir, const std::string& name, const std::string& script) {
  Result<pid_t> pid = Spawn({"/bin/sh", "-c", script}, (dir / (name + ".log")).string(), 0);
  EXPECT_TRUE(pid.ok()) << pid.status().ToString();
  return Child{pid.ok() ? *pid : -1, name, pid.ok(), -1};
}

TEST(ChildCpuTest, AChildThatBurnsCpuHasItsCpuSeconds) {
  const fs::path dir = ScratchDir("fedcarbon_process");
  std::vector<Child> children = {SpawnShell(dir, "busy", kBusyLoop)};
  EXPECT_EQ(children[0].cpu_s, 0.0);  // while it runs
  ASSERT_TRUE(WaitAll(children, std::chrono::seconds(120)));
  EXPECT_EQ(children[0].exit_code, 0);
  EXPECT_GT(children[0].cpu_s, 0.05);
  EXPECT_LT(children[0].cpu_s, 60.0);
  fs::remove_all(dir);
}

TEST(ChildCpuTest, ASleepingChildUsesAlmostNone) {
  const fs::path dir = ScratchDir("fedcarbon_process");
  Child c = SpawnShell(dir, "sleep", "sleep 0.3");
  while (c.running) {  // Poll reaps it
    Poll(c);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_GE(c.cpu_s, 0.0);
  EXPECT_LT(c.cpu_s, 0.05);
  fs::remove_all(dir);
}

// The shell waits for its own child: that child's CPU is in the shell's.
TEST(ChildCpuTest, DescendantsTheChildWaitedForCount) {
  const fs::path dir = ScratchDir("fedcarbon_process");
  std::vector<Child> children = {SpawnShell(dir, "nested", "/bin/sh -c '" + kBusyLoop + "'; true")};
  ASSERT_TRUE(WaitAll(children, std::chrono::seconds(120)));
  EXPECT_EQ(children[0].exit_code, 0);
  EXPECT_GT(children[0].cpu_s, 0.05);
  fs::remove_all(dir);
}

// A child StopAll has to signal (it ignores nothing: SIGTERM ends it) is reaped with its CPU.
TEST(ChildCpuTest, StopAllReapsWithTheCpuSeconds) {
  const fs::path dir = ScratchDir("fedcarbon_process");
  std::vector<Child> children = {SpawnShell(dir, "forever", "while :; do :; done")};
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  StopAll(children, children[0].pid, SIGTERM, std::chrono::milliseconds(3000));
  EXPECT_FALSE(children[0].running);
  EXPECT_EQ(children[0].exit_code, 128 + SIGTERM);
  EXPECT_GT(children[0].cpu_s, 0.05);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::experiment
