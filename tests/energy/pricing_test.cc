#include "fedcarbon/energy/pricing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "energy/test_catalog.h"

namespace fedcarbon::energy {
namespace {

using ::testing::HasSubstr;

class PricingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Catalog> cat = Catalog::FromJson(testing::TinyCatalogJson());
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = *cat;
  }
  Cost MustPrice(const Activity& a, const PricingTarget& t) {
    Result<Cost> c = Price(catalog_, a, t);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : Cost{};
  }
  Catalog catalog_;
};

TEST_F(PricingTest, DataCenterComputeByHand) {
  Activity a;
  a.flops = 3'600'000'000'000'000ULL;  // 3.6e15 FLOP at 1e12 FLOP/s = 3600 s
  // 3600 s * 164 W * PUE 1.5 (preset) = 885,600 J = 0.246 kWh; * 500 g/kWh = 123 g.
  Cost c = MustPrice(a, {"dc", "AAA", "qiu", 0.0});
  EXPECT_DOUBLE_EQ(c.compute_s, 3600.0);
  EXPECT_NEAR(c.compute_energy_kwh, 0.246, 1e-15);
  EXPECT_EQ(c.comm_energy_kwh, 0.0);
  EXPECT_NEAR(c.energy_kwh, 0.246, 1e-15);
  EXPECT_DOUBLE_EQ(c.carbon_intensity_g_per_kwh, 500.0);
  EXPECT_NEAR(c.emissions_kg, 0.123, 1e-15);
  // An explicit PUE replaces the profile's.
  Cost c2 = MustPrice(a, {"dc", "AAA", "qiu", 2.0});
  EXPECT_NEAR(c2.compute_energy_kwh, 0.328, 1e-15);
}

TEST_F(PricingTest, EmbodiedGramsByHand) {
  // dc: 1000 kg over 5 years at duty 0.5 = 45.6621 g per hour of use; one hour of compute.
  Activity a;
  a.flops = 3'600'000'000'000'000ULL;  // 3600 s
  const Cost c = MustPrice(a, {"dc", "AAA", "qiu", 0.0});
  EXPECT_NEAR(c.embodied_kg, 1e6 / 21900.0 / 1000.0, 1e-15);  // 0.0456621 kg
  // Neither PUE nor the grid touch it, and it is not part of the operational emissions.
  const Cost other = MustPrice(a, {"dc", "BBB", "qiu", 2.0});
  EXPECT_EQ(other.embodied_kg, c.embodied_kg);
  EXPECT_NEAR(c.emissions_kg, c.energy_kwh * 500.0 / 1000.0, 1e-15);
  // An edge device is occupied while it transfers too: compute + transfer seconds.
  Activity t;
  t.flops = 3'000'000'000'000ULL;  // 3,000 steps of 1e9 FLOP: 3,000 x 30 ms = 90 s
  t.steps = 3'000;
  t.bytes_up = 45'000'000;  // 8 * 45e6 / 10e6 = 36 s at 10 Mbit/s up
  const Cost e = MustPrice(t, {"edge", "AAA", "qiu", 0.0});
  EXPECT_NEAR(e.comm_s, 36.0, 1e-12);
  EXPECT_NEAR(e.embodied_kg, (90.0 + 36.0) / 3600.0 * (1e6 / 21900.0) / 1000.0, 1e-15);
}

TEST_F(PricingTest, TheHostIsPricedPerTrainingThread) {
  Activity a;
  a.compute_s = 100.0;  // measured
  a.flops = 1;          // ignored for the host: its measured seconds are priced
  a.threads = 1;
  const Cost one = MustPrice(a, {"host", "AAA", "qiu", 0.0});
  EXPECT_NEAR(one.compute_energy_kwh, 100.0 * 20.0 / 3.6e6, 1e-18);  // 20 W per core
  a.threads = 2;
  const Cost two = MustPrice(a, {"host", "AAA", "qiu", 0.0});
  EXPECT_NEAR(two.compute_energy_kwh, 100.0 * 40.0 / 3.6e6, 1e-18);
  // Other devices model their own speed: threads on the host do not change them.
  a.flops = 3'600'000'000'000'000ULL;
  EXPECT_EQ(MustPrice(a, {"dc", "AAA", "qiu", 0.0}).compute_energy_kwh, [&] {
    Activity b = a;
    b.threads = 1;
    return MustPrice(b, {"dc", "AAA", "qiu", 0.0}).compute_energy_kwh;
  }());
}

TEST_F(PricingTest, PueScalesComputeExactlyLinearlyAndLeavesCommunicationAlone) {
  Activity a;
  a.flops = 123'456'789'012'345ULL;
  a.bytes_up = 7'000'000;
  a.bytes_down = 9'000'000;
  const Cost lo = MustPrice(a, {"dc", "AAA", "qiu", 1.11});
  const Cost hi = MustPrice(a, {"dc", "AAA", "qiu", 1.67});
  EXPECT_NEAR(hi.compute_energy_kwh / lo.compute_energy_kwh, 1.67 / 1.11, 1e-15);
  EXPECT_EQ(hi.comm_energy_kwh, lo.comm_energy_kwh);
  EXPECT_EQ(hi.compute_s, lo.compute_s);
}

TEST_F(PricingTest, EdgeDevicesHaveNoPue) {
  Activity a;
  a.flops = 3'000'000'000'000ULL;  // 3,000 steps of 1e9 FLOP, 30 ms each (launch-bound) = 90 s
  a.steps = 3'000;
  const Cost c = MustPrice(a, {"edge", "AAA", "qiu", 0.0});
  EXPECT_NEAR(c.compute_s, 90.0, 1e-9);
  EXPECT_NEAR(c.compute_energy_kwh, 90.0 * 4.0 / 3.6e6, 1e-18);  // 360 J at 4 W (busy 2/3)
  const Cost with_pue = MustPrice(a, {"edge", "AAA", "qiu", 1.67});
  EXPECT_EQ(with_pue.compute_energy_kwh, c.compute_energy_kwh);
  Result<ResolvedTarget> r = Resolve(catalog_, {"edge", "AAA", "qiu", 1.67});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pue, 1.0);
}

TEST_F(PricingTest, QiuCommunicationByHand) {
  Activity a;
  a.bytes_up = 1'250'000;     // 10 Mbit at 10 Mbit/s up = 1 s
  a.bytes_down = 12'500'000;  // 100 Mbit at 100 Mbit/s down = 1 s
  const Cost c = MustPrice(a, {"edge", "AAA", "qiu", 0.0});
  EXPECT_DOUBLE_EQ(c.comm_s, 2.0);
  EXPECT_NEAR(c.comm_energy_kwh, 2.0 * 12.0 / 3.6e6, 1e-20);  // (10 W router + 2 W device)
  EXPECT_EQ(c.compute_energy_kwh, 0.0);
  EXPECT_NEAR(c.emissions_kg, c.comm_energy_kwh * 0.5, 1e-20);
  // Upload matters more where upload is slower: the same bytes reversed cost 10x + 0.1x.
  Activity b;
  b.bytes_up = 12'500'000;
  b.bytes_down = 1'250'000;
  EXPECT_DOUBLE_EQ(MustPrice(b, {"edge", "AAA", "qiu", 0.0}).comm_s, 10.0 + 0.1);
}

TEST_F(PricingTest, IntensityCommunicationByHand) {
  Activity a;
  a.bytes_up = 500'000'000;
  a.bytes_down = 500'000'000;  // 1 GB at 0.06 kWh/GB halved twice (2015 -> 2019) = 0.015 kWh
  const Cost c = MustPrice(a, {"edge", "BBB", "intensity", 0.0});
  EXPECT_NEAR(c.comm_energy_kwh, 0.015, 1e-15);
  EXPECT_EQ(c.comm_s, 0.0);
  EXPECT_NEAR(c.emissions_kg, 0.015 * 50.0 / 1000.0, 1e-15);
}

TEST_F(PricingTest, HostPricesMeasuredSeconds) {
  Activity a;
  a.flops = 1'000'000'000'000ULL;  // would be 100 s at the profile's 1e10 FLOP/s
  a.compute_s = 36.0;              // but 36 s were measured: 36 s * 20 W = 720 J
  const Cost c = MustPrice(a, {"host", "AAA", "qiu", 0.0});
  EXPECT_DOUBLE_EQ(c.compute_s, 36.0);
  EXPECT_NEAR(c.compute_energy_kwh, 720.0 / 3.6e6, 1e-18);
  a.compute_s = 0.0;  // nothing measured: fall back to FLOPs / throughput
  EXPECT_DOUBLE_EQ(MustPrice(a, {"host", "AAA", "qiu", 0.0}).compute_s, 100.0);
}

TEST_F(PricingTest, BadTargetsAreErrorsNamingTheValue) {
  Activity a;
  Result<Cost> c = Price(catalog_, a, {"gpu9000", "AAA", "qiu", 0.0});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("'gpu9000'"));
  c = Price(catalog_, a, {"dc", "ZZZ", "qiu", 0.0});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("'ZZZ'"));
  c = Price(catalog_, a, {"dc", "AAA", "smoke_signals", 0.0});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("'smoke_signals'"));
  c = Price(catalog_, a, {"dc", "AAA", "qiu", 0.5});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("pue 0.5"));
}

TEST_F(PricingTest, CostsAddUpWithAnEnergyWeightedIntensity) {
  Activity a;
  a.flops = 3'600'000'000'000'000ULL;
  const Cost x = MustPrice(a, {"dc", "AAA", "qiu", 1.0});  // 0.164 kWh at 500
  const Cost y = MustPrice(a, {"dc", "BBB", "qiu", 1.0});  // 0.164 kWh at 50
  const Cost s = x + y;
  EXPECT_NEAR(s.energy_kwh, 0.328, 1e-15);
  EXPECT_NEAR(s.emissions_kg, 0.164 * 0.55, 1e-15);
  EXPECT_NEAR(s.carbon_intensity_g_per_kwh, 275.0, 1e-9);
  Activity b = a + a;
  EXPECT_EQ(b.flops, 2 * a.flops);
}

}  // namespace
}  // namespace fedcarbon::energy
