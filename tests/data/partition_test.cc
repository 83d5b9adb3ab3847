// Property tests of every partitioner on synthetic labels (6000 samples, 600 per class).
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/data/partition.h"

namespace fedcarbon::data {
namespace {

using ::testing::HasSubstr;

// 6000 labels, 600 per class, interleaved (label i % 10) so index order says nothing.
std::vector<uint8_t> Labels(int per_class = 600) {
  std::vector<uint8_t> l(per_class * 10);
  for (size_t i = 0; i < l.size(); ++i) l[i] = static_cast<uint8_t>(i % 10);
  return l;
}

config::PartitionConfig Scheme(const std::string& s) {
  config::PartitionConfig c;
  c.scheme = s;
  return c;
}

Partition Make(const std::vector<uint8_t>& labels, int clients, const config::PartitionConfig& c,
               uint64_t seed = 2020) {
  Result<Partition> p = MakePartition(labels, clients, c, seed);
  EXPECT_TRUE(p.ok()) << c.scheme << ": " << p.status().message();
  return p.ok() ? *p : Partition();
}

int ClassesHeld(const std::vector<int64_t>& row) {
  return static_cast<int>(std::count_if(row.begin(), row.end(), [](int64_t v) { return v > 0; }));
}

class EveryScheme : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryScheme, CoversEverySampleExactlyOnceSorted) {
  const auto labels = Labels();
  for (int clients : {1, 7, 10, 30}) {
    config::PartitionConfig cfg = Scheme(GetParam());
    cfg.min_partition_size = 5;
    cfg.num_groups = std::min(2, clients);
    const Partition p = Make(labels, clients, cfg);
    ASSERT_EQ(p.size(), static_cast<size_t>(clients));
    std::vector<int> owner(labels.size(), 0);
    for (const auto& client : p) {
      EXPECT_TRUE(std::is_sorted(client.begin(), client.end()));
      for (int64_t i : client) {
        ASSERT_GE(i, 0);
        ASSERT_LT(i, static_cast<int64_t>(labels.size()));
        ++owner[i];
      }
    }
    EXPECT_TRUE(std::all_of(owner.begin(), owner.end(), [](int o) { return o == 1; }))
        << GetParam() << " with " << clients << " clients";
  }
}

TEST_P(EveryScheme, DeterministicFromSeed) {
  const auto labels = Labels();
  const config::PartitionConfig cfg = Scheme(GetParam());
  const Partition a = Make(labels, 10, cfg, 7);
  EXPECT_EQ(a, Make(labels, 10, cfg, 7));
  EXPECT_NE(a, Make(labels, 10, cfg, 8));
}

INSTANTIATE_TEST_SUITE_P(Partition, EveryScheme,
                         ::testing::Values("iid", "dirichlet", "shards", "label_groups",
                                           "power_law"));

TEST(PartitionTest, IidHasEqualSizesAndBalancedClasses) {
  const auto labels = Labels();
  const Partition p = Make(labels, 7, Scheme("iid"));
  for (const auto& c : p) EXPECT_NEAR(static_cast<double>(c.size()), 6000.0 / 7, 1.0);
  for (const auto& row : LabelHistogram(labels, p)) {
    for (int64_t v : row) EXPECT_NEAR(static_cast<double>(v), 600.0 / 7, 40.0);
  }
}

// Largest deviation of any client's class share from 1/10.
double MaxShareDeviation(const std::vector<uint8_t>& labels, const Partition& p) {
  double worst = 0;
  const auto hist = LabelHistogram(labels, p);
  for (size_t c = 0; c < p.size(); ++c) {
    for (int64_t v : hist[c]) {
      worst = std::max(worst, std::fabs(double(v) / double(p[c].size()) - 0.1));
    }
  }
  return worst;
}

TEST(PartitionTest, DirichletLargeAlphaApproachesIidSmallAlphaIsSkewed) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("dirichlet");
  cfg.alpha = 1e4;
  EXPECT_LT(MaxShareDeviation(labels, Make(labels, 10, cfg)), 0.02);
  cfg.alpha = 0.1;
  cfg.min_partition_size = 0;
  const Partition skewed = Make(labels, 10, cfg);
  EXPECT_GT(MaxShareDeviation(labels, skewed), 0.3);
  // With alpha 0.1 most clients miss some classes entirely.
  int missing = 0;
  for (const auto& row : LabelHistogram(labels, skewed)) missing += ClassesHeld(row) < 10;
  EXPECT_GE(missing, 5);
}

TEST(PartitionTest, DirichletMinPartitionSize) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("dirichlet");
  cfg.alpha = 0.5;
  cfg.min_partition_size = 100;
  for (const auto& c : Make(labels, 10, cfg)) EXPECT_GE(c.size(), 100u);
  // Unreachable: extreme skew with a high floor fails after the bounded retries.
  cfg.alpha = 0.001;
  cfg.min_partition_size = 500;
  Result<Partition> r = MakePartition(labels, 10, cfg, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.min_partition_size"));
  cfg.min_partition_size = 601;  // 601 x 10 > 6000: impossible, rejected at once
  r = MakePartition(labels, 10, cfg, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.min_partition_size (601)"));
}

TEST(PartitionTest, ShardsLimitClassesPerClient) {
  const auto labels = Labels();
  for (int k : {1, 2, 3}) {
    config::PartitionConfig cfg = Scheme("shards");
    cfg.shards_per_client = k;
    const Partition p = Make(labels, 10, cfg);  // 600-sample classes, shards of 600/k: aligned
    for (const auto& row : LabelHistogram(labels, p)) EXPECT_LE(ClassesHeld(row), k);
    for (const auto& c : p) EXPECT_EQ(c.size(), 600u);
  }
  config::PartitionConfig cfg = Scheme("shards");
  cfg.shards_per_client = 1000;
  Result<Partition> r = MakePartition(labels, 10, cfg, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.shards_per_client"));
}

TEST(PartitionTest, LabelGroupsPureSplit) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("label_groups");
  cfg.num_groups = 2;
  cfg.iid_fraction = 0.0;
  const auto hist = LabelHistogram(labels, Make(labels, 10, cfg));
  for (int c = 0; c < 10; ++c) {
    for (int k = 0; k < 10; ++k) {
      const bool own = (k / 5) == (c % 2);  // group of class k vs group of client c
      if (own) {
        EXPECT_EQ(hist[c][k], 120) << "client " << c << " class " << k;  // 600 / 5 members
      } else {
        EXPECT_EQ(hist[c][k], 0) << "client " << c << " class " << k;
      }
    }
  }
}

TEST(PartitionTest, LabelGroupsMixedFraction) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("label_groups");
  cfg.iid_fraction = 0.3;
  const auto hist = LabelHistogram(labels, Make(labels, 10, cfg));
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(ClassesHeld(hist[c]), 10) << "client " << c;
    for (int k = 0; k < 10; ++k) {
      // Expected: IID part 180/10 = 18 of every class, plus 420/5 = 84 of each own-group class.
      const double expected = (k / 5) == (c % 2) ? 18 + 84 : 18;
      EXPECT_NEAR(double(hist[c][k]), expected, 1.0) << "client " << c << " class " << k;
    }
  }
  cfg.iid_fraction = 1.0;
  EXPECT_LT(MaxShareDeviation(labels, Make(labels, 10, cfg)), 0.03);
}

TEST(PartitionTest, LabelGroupsRejectsBadGroupCount) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("label_groups");
  cfg.num_groups = 5;
  Result<Partition> r = MakePartition(labels, 3, cfg, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.num_groups"));
  cfg.num_groups = 11;
  r = MakePartition(labels, 20, cfg, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.num_groups"));
}

TEST(PartitionTest, PowerLawSizesDecrease) {
  const auto labels = Labels();
  config::PartitionConfig cfg = Scheme("power_law");
  cfg.power_law_exponent = 1.5;
  const Partition p = Make(labels, 10, cfg);
  for (size_t c = 1; c < p.size(); ++c) EXPECT_LE(p[c].size(), p[c - 1].size());
  // Client 0 : client 1 is about 2^1.5 = 2.83.
  EXPECT_NEAR(double(p[0].size()) / double(p[1].size()), std::pow(2.0, 1.5), 0.05);
  // Every client gets at least one sample even when the tail is tiny.
  cfg.power_law_exponent = 5.0;
  for (const auto& c : Make(labels, 200, cfg)) EXPECT_GE(c.size(), 1u);
}

TEST(PartitionTest, BadInputs) {
  const auto labels = Labels(1);  // 10 samples
  Result<Partition> r = MakePartition(labels, 11, Scheme("iid"), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("federation.num_clients (11) exceeds"));
  r = MakePartition(labels, 2, Scheme("zipf"), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("partition.scheme must be one of"));
  std::vector<uint8_t> bad = labels;
  bad[3] = 12;
  r = MakePartition(bad, 2, Scheme("iid"), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("label 12 at index 3"));
}

TEST(PartitionTest, LabelHistogramCounts) {
  const std::vector<uint8_t> labels{0, 1, 1, 9, 9, 9};
  const Partition p{{0, 1}, {2, 3, 4, 5}};
  const auto h = LabelHistogram(labels, p);
  EXPECT_EQ(h[0], (std::vector<int64_t>{1, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(h[1], (std::vector<int64_t>{0, 1, 0, 0, 0, 0, 0, 0, 0, 3}));
}

}  // namespace
}  // namespace fedcarbon::data
