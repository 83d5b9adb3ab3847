// The reproduction's phase breakdown (phases.h) by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "fedcarbon/experiment/phases.h"

namespace fedcarbon::experiment {
namespace {

TEST(PhasesTest, CpuSecondsOfEveryRunAddUpToCoresTimesWall) {
  RunCpu fl;  // workers 100 s, coordinator 20 s of which 12 s evaluating, launcher etc. 3 s
  fl.job_s = 123;
  fl.training_s = 100;
  fl.evaluation_s = 12;
  fl.coordinator_s = 20;
  RunCpu central;  // 40 s training, 5 s evaluating, 2 s loading data
  central.centralized = true;
  central.job_s = 47;
  central.training_s = 40;
  central.evaluation_s = 5;
  // 100 s on 2 cores; this process 1 s; the machine was busy 190 s in all (20 s others).
  const PhaseBreakdown p = ComputePhases({fl, central}, 1.0, 100.0, 2, 191.0);
  EXPECT_DOUBLE_EQ(p.training_s, 140);
  EXPECT_DOUBLE_EQ(p.evaluation_s, 17);
  EXPECT_DOUBLE_EQ(p.messaging_s, 8);
  EXPECT_DOUBLE_EQ(p.other_s, 3 + 2 + 1);
  EXPECT_DOUBLE_EQ(p.others_s, 191 - 171);
  EXPECT_DOUBLE_EQ(p.idle_s, 200 - 171 - 20);
  EXPECT_DOUBLE_EQ(
      p.training_s + p.evaluation_s + p.messaging_s + p.other_s + p.others_s + p.idle_s,
      p.cores * p.wall_s);
  // Unknown machine time: nothing is put on other programs.
  const PhaseBreakdown q = ComputePhases({fl, central}, 1.0, 100.0, 2, std::nan(""));
  EXPECT_DOUBLE_EQ(q.others_s, 0);
  EXPECT_DOUBLE_EQ(q.idle_s, 29);
  EXPECT_NE(FormatPhases(p).find("training 140 s (70%)"), std::string::npos) << FormatPhases(p);
}

}  // namespace
}  // namespace fedcarbon::experiment
