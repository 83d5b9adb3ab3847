#include "fedcarbon/energy/rapl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "energy/temp_dir.h"

namespace fedcarbon::energy {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A fake powercap tree: intel-rapl:0 (package) with a subdomain that must be skipped.
class RaplTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::ScratchDir("fedcarbon_rapl");
    fs::create_directories(root_ / "intel-rapl:0" / "intel-rapl:0:0");
    fs::create_directories(root_ / "intel-rapl:0:0");
    Write("intel-rapl:0/name", "package-0");
    Write("intel-rapl:0/max_energy_range_uj", "1000000000");
    Write("intel-rapl:0/energy_uj", "999000000");
    Write("intel-rapl:0:0/name", "core");
    Write("intel-rapl:0:0/max_energy_range_uj", "1000000000");
    Write("intel-rapl:0:0/energy_uj", "5");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel, std::ios::trunc) << text << "\n";
  }
  fs::path root_;
};

TEST(RaplDeltaTest, HandlesWraparound) {
  EXPECT_EQ(RaplDeltaUj(100, 250, 1000), 150u);
  EXPECT_EQ(RaplDeltaUj(900, 50, 1000), 150u);
  EXPECT_EQ(RaplDeltaUj(0, 0, 1000), 0u);
}

TEST_F(RaplTest, SamplesJoulesAcrossAWraparound) {
  std::string why;
  std::optional<RaplMeter> m = RaplMeter::Open(&why, root_.string());
  ASSERT_TRUE(m.has_value()) << why;
  ASSERT_EQ(m->domains().size(), 1u);  // the subdomain is not double counted
  EXPECT_EQ(m->domains()[0].name, "package-0");
  Write("intel-rapl:0/energy_uj", "999500000");  // +0.5 J
  std::optional<double> j = m->Sample();
  ASSERT_TRUE(j.has_value());
  EXPECT_NEAR(*j, 0.5, 1e-12);
  Write("intel-rapl:0/energy_uj", "1500000");  // wrapped: +0.5 J to the top, +1.5 J after
  j = m->Sample();
  ASSERT_TRUE(j.has_value());
  EXPECT_NEAR(*j, 2.0, 1e-12);
}

TEST_F(RaplTest, UnavailableSaysWhy) {
  std::string why;
  EXPECT_FALSE(RaplMeter::Open(&why, (root_ / "nowhere").string()).has_value());
  EXPECT_THAT(why, HasSubstr("RAPL unavailable"));
  EXPECT_THAT(why, HasSubstr("nowhere"));

  fs::remove(root_ / "intel-rapl:0" / "energy_uj");
  why.clear();
  EXPECT_FALSE(RaplMeter::Open(&why, root_.string()).has_value());
  EXPECT_THAT(why, HasSubstr("energy_uj"));

  fs::remove_all(root_ / "intel-rapl:0");
  why.clear();
  EXPECT_FALSE(RaplMeter::Open(&why, root_.string()).has_value());
  EXPECT_THAT(why, HasSubstr("no intel-rapl package domain"));
}

TEST_F(RaplTest, AReadFailureAfterOpenIsAnEmptySample) {
  std::string why;
  std::optional<RaplMeter> m = RaplMeter::Open(&why, root_.string());
  ASSERT_TRUE(m.has_value()) << why;
  Write("intel-rapl:0/energy_uj", "garbage");
  EXPECT_FALSE(m->Sample().has_value());
}

}  // namespace
}  // namespace fedcarbon::energy
