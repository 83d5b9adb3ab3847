#include "fedcarbon/common/seed.h"

#include <gtest/gtest.h>

#include <set>

namespace fedcarbon {
namespace {

TEST(SeedTest, DeterministicAndDistinctPerStream) {
  EXPECT_EQ(DeriveSeed(2020, {1, 2}), DeriveSeed(2020, {1, 2}));
  std::set<uint64_t> seen;
  for (uint64_t client = 0; client < 50; ++client)
    for (uint64_t round = 0; round < 50; ++round) seen.insert(DeriveSeed(2020, {client, round}));
  EXPECT_EQ(seen.size(), 2500u);
  EXPECT_NE(DeriveSeed(2020, {1, 2}), DeriveSeed(2020, {2, 1}));
  EXPECT_NE(DeriveSeed(2020, {1}), DeriveSeed(2021, {1}));
}

}  // namespace
}  // namespace fedcarbon
