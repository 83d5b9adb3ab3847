// Jobs side by side (job_pool.h): at most `parallel` at once, in order, every end reported with
// its exit code and CPU seconds, and nothing left running after an interruption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "experiment/scratch.h"
#include "fedcarbon/experiment/job_pool.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

Job Shell(const std::string& name, const std::string& script, const fs::path& dir) {
  Job j;
  j.name = name;
  j.argv = {"/bin/sh", "-c", script};
  j.log = (dir / (name + ".log")).string();
  return j;
}

// Each job appends "start NAME" and "end NAME" to one file: the order shows the overlap.
TEST(JobPoolTest, RunsAtMostParallelAtOnceInOrderAndReportsEveryEnd) {
  const fs::path dir = testing::ScratchDir("fedcarbon_job_pool");
  const std::string trace = (dir / "trace").string();
  std::vector<Job> jobs;
  for (const char* name : {"a", "b", "c"}) {
    jobs.push_back(Shell(name,
                         "echo start " + std::string(name) + " >> " + trace +
                             "; sleep 0.4; echo end " + name + " >> " + trace +
                             (std::string(name) == "b" ? "; exit 3" : ""),
                         dir));
  }
  // A job that burns CPU: its seconds are counted.
  jobs.push_back(Shell("busy", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", dir));
  std::vector<size_t> ended;
  JobPoolOptions o;
  o.parallel = 2;
  o.show_progress = false;
  o.on_end = [&](size_t i, const JobEnd& e, bool stopped) {
    EXPECT_FALSE(stopped);
    EXPECT_TRUE(e.ran);
    ended.push_back(i);
    return std::string();
  };
  Result<JobPoolOutcome> out = RunJobs(jobs, o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->signal, 0);
  EXPECT_THAT(ended, ::testing::UnorderedElementsAre(0, 1, 2, 3));
  EXPECT_EQ(out->ends[0].exit_code, 0);
  EXPECT_EQ(out->ends[1].exit_code, 3);
  EXPECT_GT(out->ends[3].cpu_s, 0.05);
  EXPECT_LT(out->ends[0].cpu_s, 0.05);  // sleeping costs no CPU
  EXPECT_GE(out->ends[0].wall_s, 0.4);
  // a and b start together; c only once one of them ended.
  std::ifstream in(trace);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_THAT(std::vector(lines.begin(), lines.begin() + 2),
              ::testing::UnorderedElementsAre("start a", "start b"));
  EXPECT_TRUE(lines[2] == "end a" || lines[2] == "end b") << lines[2];
  const auto c = std::find(lines.begin(), lines.end(), "start c");
  ASSERT_NE(c, lines.end());
  EXPECT_GT(c - lines.begin(), 2);  // after an end: never three at once
  fs::remove_all(dir);
}

// SIGTERM to the pool: the running job is stopped and reported as such, the waiting one never
// starts, and the outcome says which signal.
TEST(JobPoolTest, ASignalStopsTheRunningJobsAndStartsNoOther) {
  const fs::path dir = testing::ScratchDir("fedcarbon_job_pool_stop");
  std::vector<Job> jobs = {Shell("long", "sleep 30", dir), Shell("never", "true", dir)};
  std::vector<bool> stopped(2, false);
  JobPoolOptions o;
  o.parallel = 1;
  o.show_progress = false;
  o.on_end = [&](size_t i, const JobEnd&, bool s) {
    stopped[i] = s;
    return std::string();
  };
  std::thread killer([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    kill(getpid(), SIGTERM);
  });
  const auto t0 = std::chrono::steady_clock::now();
  Result<JobPoolOutcome> out = RunJobs(jobs, o);
  killer.join();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->signal, SIGTERM);
  EXPECT_TRUE(out->ends[0].ran);
  EXPECT_TRUE(stopped[0]);
  EXPECT_EQ(out->ends[0].exit_code, 128 + SIGTERM);
  EXPECT_FALSE(out->ends[1].ran);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::experiment
