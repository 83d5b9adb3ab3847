// Uniform and weighted sampling of the clients a round asks.
#include <algorithm>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/simtime/selection.h"

namespace fedcarbon::simtime {
namespace {

TEST(SelectionTest, UniformSampleIsDeterministicDistinctAndUniform) {
  std::vector<int> eligible(20);
  for (int i = 0; i < 20; ++i) eligible[i] = 100 + i;
  const auto a = UniformSample(eligible, 5, DeriveSeed(1, {3, 7}));
  EXPECT_EQ(a, UniformSample(eligible, 5, DeriveSeed(1, {3, 7})));
  EXPECT_NE(a, UniformSample(eligible, 5, DeriveSeed(1, {3, 8})));
  ASSERT_EQ(a.size(), 5u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());
  for (int c : a) EXPECT_TRUE(c >= 100 && c < 120);
  EXPECT_EQ(UniformSample(eligible, 50, 9).size(), 20u) << "k beyond the pool takes everyone";
  EXPECT_TRUE(UniformSample({}, 5, 9).empty());

  // Each client is picked with probability 5/20 = 0.25: 4,000 rounds, 1,000 expected each;
  // the standard deviation is ~27, so +-150 is a > 5-sigma band.
  std::map<int, int> count;
  for (uint64_t round = 0; round < 4000; ++round)
    for (int c : UniformSample(eligible, 5, DeriveSeed(42, {3, round}))) ++count[c];
  for (int c : eligible) EXPECT_NEAR(count[c], 1000, 150) << c;
}

TEST(SelectionTest, WeightedSampleFollowsTheWeights) {
  const std::vector<int> pool = {0, 1, 2, 3};
  const std::vector<double> weights = {1, 1, 1, 7};  // client 3 is 7x as likely per draw
  std::map<int, int> count;
  for (uint64_t r = 0; r < 5000; ++r)
    for (int c : WeightedSample(pool, weights, 1, DeriveSeed(7, {r}))) ++count[c];
  // One draw: p(3) = 0.7, the others 0.1 each (sd ~32 and ~21 over 5,000).
  EXPECT_NEAR(count[3], 3500, 200);
  for (int c : {0, 1, 2}) EXPECT_NEAR(count[c], 500, 150) << c;
  EXPECT_EQ(WeightedSample(pool, weights, 9, 1).size(), 4u);
  EXPECT_EQ(WeightedSample(pool, weights, 2, 5), WeightedSample(pool, weights, 2, 5));
}

}  // namespace
}  // namespace fedcarbon::simtime
