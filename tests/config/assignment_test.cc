// Assignment::Resolve: largest-remainder counts, seeded deterministic order.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config {
namespace {

std::map<std::string, int> Count(const std::vector<std::string>& v) {
  std::map<std::string, int> m;
  for (const auto& s : v) ++m[s];
  return m;
}

TEST(AssignmentTest, SingleValueCoversEveryClient) {
  Assignment a{{{"jetson_tx2", 1.0}}, {}};
  EXPECT_EQ(a.Resolve(4, 1), std::vector<std::string>(4, "jetson_tx2"));
}

TEST(AssignmentTest, LargestRemainderCounts) {
  Assignment a{{{"CHN", 0.5}, {"FRA", 0.3}, {"USA", 0.2}}, {}};
  EXPECT_EQ(Count(a.Resolve(10, 1)),
            (std::map<std::string, int>{{"CHN", 5}, {"FRA", 3}, {"USA", 2}}));
  // 7 clients: quotas 3.5, 2.1, 1.4 -> floors 3, 2, 1 and the extra one to CHN (remainder .5).
  EXPECT_EQ(Count(a.Resolve(7, 1)),
            (std::map<std::string, int>{{"CHN", 4}, {"FRA", 2}, {"USA", 1}}));
  // Equal remainders: the name that sorts first wins.
  Assignment tie{{{"B", 0.5}, {"A", 0.5}}, {}};
  EXPECT_EQ(Count(tie.Resolve(3, 9)), (std::map<std::string, int>{{"A", 2}, {"B", 1}}));
}

TEST(AssignmentTest, DeterministicFromSeed) {
  Assignment a{{{"CHN", 1.0}, {"FRA", 1.0}, {"USA", 1.0}}, {}};
  const auto first = a.Resolve(30, 2020);
  EXPECT_EQ(first, a.Resolve(30, 2020));
  EXPECT_EQ(first.size(), 30u);
  // Some other seed reorders (30 clients: the chance that 5 seeds all give the same order is nil).
  bool any_differs = false;
  for (uint64_t s = 1; s <= 5; ++s) any_differs |= a.Resolve(30, s) != first;
  EXPECT_TRUE(any_differs);
  // The order is shuffled, not grouped by name.
  EXPECT_FALSE(std::is_sorted(first.begin(), first.end()));
}

TEST(AssignmentTest, ExplicitListAsIsAndLengthChecked) {
  Assignment a{{}, {"USA", "FRA", "CHN"}};
  EXPECT_EQ(a.Resolve(3, 1), a.list);
  EXPECT_TRUE(a.Resolve(4, 1).empty());
  EXPECT_TRUE(a.Resolve(0, 1).empty());
  Assignment zero{{{"USA", 0.0}}, {}};
  EXPECT_TRUE(zero.Resolve(3, 1).empty());
}

}  // namespace
}  // namespace fedcarbon::config
