// models::BenchTrain, the library call behind `fedcarbon bench-train`.
#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "fedcarbon/models/bench.h"

namespace fedcarbon::models {
namespace {

TEST(BenchTrainTest, CountsSamplesAndExactFlopsAndFormatsTheLine) {
  const int64_t n = 50;  // fewer than steps * batch: the samples cycle
  std::vector<float> x(n * 784);
  std::vector<uint8_t> y(n);
  std::mt19937 rng(1);
  for (auto& v : x) v = static_cast<float>(rng() % 256) / 255.0f;
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(i % 10);
  BenchOptions o;
  o.model = "mlp";
  o.batch_size = 16;
  o.steps = 7;
  auto r = BenchTrain(DataView{x.data(), y.data(), n, 784, {}}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->params, 199210);
  EXPECT_EQ(r->samples, 7 * 16);
  const uint64_t per_sample = MakeModel("mlp", 0).value()->FlopsPerSample().total();
  EXPECT_EQ(r->flops, 7 * 16 * per_sample + 7 * 2ULL * 199210);  // sgd: 2 FLOPs per parameter
  EXPECT_GT(r->seconds, 0.0);
  EXPECT_DOUBLE_EQ(r->samples_per_s, r->samples / r->seconds);
  EXPECT_DOUBLE_EQ(r->gflops, r->flops / r->seconds / 1e9);
  const std::string line = FormatBenchLine(*r);
  EXPECT_TRUE(std::regex_match(line, std::regex("fedcarbon model=mlp params=199210 batch=16 "
                                                "threads=1 samples=112 seconds=[0-9.]+ "
                                                "samples_per_s=[0-9.]+ gflops=[0-9.]+")))
      << line;

  o.steps = 0;
  EXPECT_FALSE(BenchTrain(DataView{x.data(), y.data(), n, 784, {}}, o).ok());
  o.steps = 1;
  o.model = "vgg";
  EXPECT_FALSE(BenchTrain(DataView{x.data(), y.data(), n, 784, {}}, o).ok());
}

}  // namespace
}  // namespace fedcarbon::models
