// Aggregation (sample-weighted mean), FedAdam against a hand-computed step, client selection.
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/server/aggregation.h"

namespace fedcarbon::server {
namespace {

TEST(AggregationTest, WeightedMeanIsSampleWeighted) {
  WeightedMean m(3);
  m.Add(std::vector<float>{1, 2, 3}, 100);
  m.Add(std::vector<float>{4, 5, 6}, 300);
  std::vector<float> out(3);
  m.Mean(out);
  EXPECT_FLOAT_EQ(out[0], (100 * 1 + 300 * 4) / 400.0f);
  EXPECT_FLOAT_EQ(out[1], (100 * 2 + 300 * 5) / 400.0f);
  EXPECT_FLOAT_EQ(out[2], (100 * 3 + 300 * 6) / 400.0f);
  EXPECT_EQ(m.count(), 2);
  m.Clear();
  EXPECT_EQ(m.count(), 0);
  m.Add(std::vector<float>{7, 8, 9}, 1);
  m.Mean(out);
  EXPECT_FLOAT_EQ(out[2], 9.0f);
}

TEST(AggregationTest, FedAvgAndFedProxTakeTheMean) {
  config::FederationConfig cfg;
  for (const char* name : {"fedavg", "fedprox"}) {
    cfg.strategy = name;
    auto s = MakeStrategy(cfg, 2);
    ASSERT_TRUE(s.ok());
    std::vector<float> global{0, 0}, mean{1.5f, -2};
    (*s)->Apply(global, mean);
    EXPECT_EQ(global, mean);
  }
  cfg.strategy = "fedsgd";
  auto bad = MakeStrategy(cfg, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("fedsgd"), std::string::npos);
}

TEST(AggregationTest, FedAdamMatchesReddiEtAlByHand) {
  config::FederationConfig cfg;
  cfg.strategy = "fedadam";
  cfg.server_lr = 0.1;
  cfg.server_beta1 = 0.9;
  cfg.server_beta2 = 0.99;
  cfg.server_epsilon = 1e-3;
  auto s = MakeStrategy(cfg, 1);
  ASSERT_TRUE(s.ok());
  std::vector<float> w{1.0f};
  // Step 1: delta = 0.5; m = 0.05; v = 0.0025; w = 1 + 0.1 * 0.05 / (0.05 + 0.001).
  (*s)->Apply(w, std::vector<float>{1.5f});
  double expect = 1.0 + 0.1 * 0.05 / (0.05 + 0.001);
  EXPECT_NEAR(w[0], expect, 1e-6);
  // Step 2: delta = 1.5 - w; m = 0.9*0.05 + 0.1*delta; v = 0.99*0.0025 + 0.01*delta^2.
  const double delta = 1.5 - expect;
  const double m = 0.9 * 0.05 + 0.1 * delta, v = 0.99 * 0.0025 + 0.01 * delta * delta;
  expect += 0.1 * m / (std::sqrt(v) + 1e-3);
  (*s)->Apply(w, std::vector<float>{1.5f});
  EXPECT_NEAR(w[0], expect, 1e-6);
}

}  // namespace
}  // namespace fedcarbon::server
