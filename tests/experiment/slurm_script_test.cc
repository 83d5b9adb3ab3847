// The sbatch script generators: header lines, the point ids, quoting, errors, and a bash syntax
// check of the generated scripts (bash -n).
#include "fedcarbon/experiment/slurm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "experiment/scratch.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> SbatchLines(const std::string& script) {
  std::vector<std::string> out;
  for (const std::string& l : Lines(script))
    if (l.rfind("#SBATCH", 0) == 0) out.push_back(l);
  return out;
}

// The script with its continuation lines (" \\\n    ") joined into one.
std::string Joined(const std::string& script) {
  std::string out;
  size_t i = 0;
  while (i < script.size()) {
    if (script.compare(i, 3, " \\\n") == 0) {
      i += 3;
      while (i < script.size() && script[i] == ' ') ++i;
      out += ' ';
    } else {
      out += script[i++];
    }
  }
  return out;
}

// Index of the first line containing `needle`, or -1.
int LineOf(const std::string& script, const std::string& needle) {
  const std::vector<std::string> lines = Lines(script);
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i);
  return -1;
}

// Runs `bash -n` on `script`; returns its exit code.
int BashSyntaxCheck(const std::string& script) {
  const std::filesystem::path dir = testing::ScratchDir("fedcarbon_slurm");
  const std::string path = (dir / "check.sbatch").string();
  EXPECT_TRUE(WriteSbatch(path, script).ok());
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR) << "WriteSbatch makes the script executable";
  const int status = std::system(("bash -n '" + path + "' 2>&1").c_str());
  std::filesystem::remove_all(dir);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::vector<std::string> kIds = {"a1b2c3", "d4e5f6", "0a0b0c", "ffee00"};

TEST(SweepSbatch, HeaderHasTheArrayWithThrottleAndTheOptions) {
  SlurmOptions o;
  o.throttle = 2;
  o.cpus_per_task = 3;
  o.time = "00:30:00";
  auto s = SweepSbatch("/opt/fc/bin/fedcarbon", "/src/sweep.json", "/runs/sw", kIds, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rfind("#!/bin/bash\n", 0), 0u);
  const std::vector<std::string> h = SbatchLines(*s);
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --array=0-3%2"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --cpus-per-task=3"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --time=00:30:00"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --job-name=fedcarbon"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --output=/runs/sw/slurm-%A_%a.out"));
  EXPECT_THAT(*s, Not(HasSubstr("--partition")));
  EXPECT_THAT(*s, HasSubstr("set -euo pipefail"));
  // Every #SBATCH line comes before the first command (sbatch stops reading at it).
  EXPECT_LT(LineOf(*s, "#SBATCH --array"), LineOf(*s, "set -euo pipefail"));
}

TEST(SweepSbatch, NoThrottleNoPercentAndPartitionWhenSet) {
  SlurmOptions o;
  o.partition = "gpu";
  o.log_dir = "/logs";
  auto s = SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::vector<std::string> h = SbatchLines(*s);
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --array=0-3"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --partition=gpu"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --cpus-per-task=2"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --time=02:00:00"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --output=/logs/slurm-%A_%a.out"));
}

TEST(SweepSbatch, PointIdsInOrderAndTheCommand) {
  auto s = SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  int prev = LineOf(*s, "points=(");
  ASSERT_GE(prev, 0);
  for (const std::string& id : kIds) {
    const int at = LineOf(*s, "  '" + id + "'");
    EXPECT_EQ(at, prev + 1) << id;
    prev = at;
  }
  EXPECT_THAT(*s, HasSubstr("SLURM_ARRAY_TASK_ID"));
  EXPECT_THAT(*s, HasSubstr("'/b/fedcarbon' sweep '/s.json' --out '/out' --point "
                            "\"${points[task]}\""));
}

TEST(SweepSbatch, PathsWithSpacesAndQuotesAreQuoted) {
  auto s = SweepSbatch("/my bin/fedcarbon", "/it's here/s.json", "/out dir", {"p 1"}, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_THAT(*s, HasSubstr("'/my bin/fedcarbon' sweep '/it'\\''s here/s.json' --out '/out dir'"));
  EXPECT_THAT(*s, HasSubstr("  'p 1'\n"));
  // sbatch keeps a double-quoted #SBATCH value whole.
  EXPECT_THAT(*s, HasSubstr("#SBATCH --output=\"/out dir/slurm-%A_%a.out\"\n"));
  EXPECT_EQ(BashSyntaxCheck(*s), 0);
}

TEST(SweepSbatch, Errors) {
  auto empty = SweepSbatch("/b/fedcarbon", "/s.json", "/out", {}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("no points"));
  EXPECT_FALSE(SweepSbatch("/b/fedcarbon", "/s.json", "/out", {"a\nb"}, {}).ok());
  EXPECT_FALSE(SweepSbatch("/b/fedcarbon", "/s.json", "/out", {""}, {}).ok());
  SlurmOptions o;
  o.cpus_per_task = 0;
  EXPECT_FALSE(SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, o).ok());
  o = {};
  o.throttle = -1;
  EXPECT_FALSE(SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, o).ok());
  o = {};
  o.partition = "a\"b";
  EXPECT_FALSE(SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, o).ok());
}

TEST(SweepSbatch, GeneratedScriptPassesBashSyntaxCheck) {
  SlurmOptions o;
  o.throttle = 3;
  o.partition = "debug";
  auto s = SweepSbatch("/b/fedcarbon", "/s.json", "/out", kIds, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(BashSyntaxCheck(*s), 0);
}

RunSlurmSpec Spec() {
  RunSlurmSpec spec;
  spec.bin_dir = "/opt/fc/bin";
  spec.config_path = "/runs/r1/config.json";
  spec.out_dir = "/runs/r1";
  spec.workers = 3;
  spec.port = 6000;
  spec.threads = 2;
  return spec;
}

TEST(RunSbatch, TasksAreOneCoordinatorPlusWorkers) {
  SlurmOptions o;
  o.cpus_per_task = 2;
  auto s = RunSbatch(Spec(), o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::vector<std::string> h = SbatchLines(*s);
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --ntasks=4"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --cpus-per-task=2"));
  EXPECT_THAT(h, ::testing::Contains("#SBATCH --output=/runs/r1/slurm-%j.out"));
  EXPECT_THAT(*s, Not(HasSubstr("--array")));
  EXPECT_THAT(*s, HasSubstr("export FC_BIN='/opt/fc/bin'"));
  EXPECT_THAT(*s, HasSubstr("export FC_CONFIG='/runs/r1/config.json'"));
  EXPECT_THAT(*s, HasSubstr("export FC_PORT=6000"));
  EXPECT_THAT(*s, HasSubstr("srun --ntasks=4"));
}

TEST(RunSbatch, CoordinatorAndWorkerCommands) {
  RunSlurmSpec spec = Spec();
  spec.capacity = 5;
  auto script = RunSbatch(spec, {});
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  const std::string joined = Joined(*script);
  const std::string* s = &joined;
  EXPECT_THAT(*s, HasSubstr("if [ \"$SLURM_PROCID\" = 0 ]; then"));
  EXPECT_THAT(*s,
              HasSubstr("\"$FC_BIN/fedcarbon-server\" \"$FC_CONFIG\" --out \"$FC_OUT\" "
                        "--bind \"tcp://$FC_BIND:$FC_PORT\" >\"$FC_OUT/coordinator.log\" 2>&1"));
  EXPECT_THAT(*s, HasSubstr("\"$FC_BIN/fedcarbon-client\" --connect \"tcp://$FC_HOST:$FC_PORT\" "
                            "--capacity 5 --threads 2 --hello-timeout 300 "
                            ">\"$FC_OUT/worker-$(( SLURM_PROCID - 1 )).log\" 2>&1"));
  // The coordinator's address: the override, else the first node's NodeAddr, else its name.
  EXPECT_THAT(*s, HasSubstr("FEDCARBON_COORDINATOR_HOST"));
  EXPECT_THAT(*s, HasSubstr("scontrol show hostnames \"$SLURM_JOB_NODELIST\""));
  EXPECT_THAT(*s, HasSubstr("NodeAddr="));
  EXPECT_THAT(*s, Not(HasSubstr("curve")));
  EXPECT_EQ(BashSyntaxCheck(*script), 0);
}

TEST(RunSbatch, CurveKeysForBothSides) {
  RunSlurmSpec spec = Spec();
  spec.curve = true;
  spec.curve_dir = "/runs/r1/curve keys";
  auto script = RunSbatch(spec, {});
  ASSERT_TRUE(script.ok()) << script.status().ToString();
  const std::string joined = Joined(*script);
  const std::string* s = &joined;
  EXPECT_THAT(*s, HasSubstr("export FC_CURVE='/runs/r1/curve keys'"));
  EXPECT_THAT(*s, HasSubstr("--curve-key \"$FC_CURVE/server.key\" "
                            "--curve-allow \"$FC_CURVE/allow.txt\""));
  EXPECT_THAT(*s, HasSubstr("--curve-server-key \"$FC_CURVE/server.pub\" "
                            "--curve-key \"$FC_CURVE/worker.key\""));
  EXPECT_EQ(BashSyntaxCheck(*script), 0);
}

TEST(RunSbatch, Errors) {
  RunSlurmSpec spec = Spec();
  spec.workers = 0;
  EXPECT_FALSE(RunSbatch(spec, {}).ok());
  spec = Spec();
  spec.port = 70000;
  EXPECT_FALSE(RunSbatch(spec, {}).ok());
  spec = Spec();
  spec.curve = true;  // without a folder
  EXPECT_FALSE(RunSbatch(spec, {}).ok());
  spec = Spec();
  spec.bin_dir.clear();
  EXPECT_FALSE(RunSbatch(spec, {}).ok());
}

}  // namespace
}  // namespace fedcarbon::experiment
