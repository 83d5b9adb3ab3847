// The identities behind Table 4's columns, pinned on the pricing formula (pricing.h) instead of
// being checked on a reproduction (issue 11): they follow from the constants for any run, so a
// reproduction could never fail them. Every number below is worked out by hand from the formula,
// on hand-built targets (no catalog file; only EdgeDevicesIgnoreThePueTheyAreGiven resolves names
// in the default catalog, because the rule lives in Resolve).
#include <gtest/gtest.h>

#include <string>

#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {
namespace {

// A data-center GPU drawing `active_w` at `throughput` FLOP/s (no host CPU or memory share).
DeviceProfile DataCenterGpu(const std::string& name, double active_w, double throughput) {
  DeviceProfile d;
  d.name = name;
  d.kind = "datacenter";
  d.active_w = active_w;
  d.throughput_flops = throughput;
  d.default_pue = 1.5;
  return d;
}

DeviceProfile EdgeBoard() {
  DeviceProfile d;
  d.name = "board";
  d.kind = "edge";
  d.active_w = 15;
  d.throughput_flops = 1e11;
  return d;
}

Country MakeCountry(const std::string& iso3, double intensity, double down_mbps = 100,
                    double up_mbps = 20) {
  Country c;
  c.iso3 = iso3;
  c.name = iso3;
  c.carbon_intensity_g_per_kwh = intensity;
  c.download_mbps = down_mbps;
  c.upload_mbps = up_mbps;
  return c;
}

NetworkModel Qiu() {
  NetworkModel n;
  n.name = "qiu";
  n.kind = "qiu";
  n.router_w = 10;
  n.device_w = 5;
  return n;
}

NetworkModel PerGigabyte() {
  NetworkModel n;
  n.name = "intensity";
  n.kind = "intensity";
  n.kwh_per_gb = 0.05;
  return n;
}

ResolvedTarget Target(const DeviceProfile& device, const Country& country,
                      const NetworkModel& network, double pue) {
  ResolvedTarget t;
  t.device = device;
  t.country = country;
  t.network = network;
  t.pue = pue;
  return t;
}

// A centralized run's activity: 3.6e15 FLOP, no bytes.
Activity Centralized() {
  Activity a;
  a.flops = 3'600'000'000'000'000ULL;
  return a;
}

// An FL client round: some training and 2.5 MB up (20 Mbit) and 12.5 MB down (100 Mbit).
Activity ClientRound(uint64_t flops) {
  Activity a;
  a.flops = flops;
  a.bytes_up = 2'500'000;
  a.bytes_down = 12'500'000;
  return a;
}

// Table 4's "PUE 1.67 / PUE 1.11": 3.6e15 FLOP at 1e12 FLOP/s = 3600 s at 300 W = 0.3 kWh before
// PUE; 0.501 kWh at 1.67 and 0.333 kWh at 1.11; at 400 g/kWh 200.4 g and 133.2 g.
TEST(PricingIdentitiesTest, ThePueColumnsOfACentralizedRowDifferByExactlyThePueRatio) {
  const DeviceProfile gpu = DataCenterGpu("gpu", 300, 1e12);
  const Country usa = MakeCountry("USA", 400);
  const Cost hi = PriceResolved(Centralized(), Target(gpu, usa, Qiu(), 1.67));
  const Cost lo = PriceResolved(Centralized(), Target(gpu, usa, Qiu(), 1.11));
  EXPECT_DOUBLE_EQ(hi.compute_s, 3600.0);
  EXPECT_DOUBLE_EQ(hi.energy_kwh, 0.501);
  EXPECT_DOUBLE_EQ(lo.energy_kwh, 0.333);
  EXPECT_DOUBLE_EQ(hi.emissions_kg, 0.2004);
  EXPECT_DOUBLE_EQ(lo.emissions_kg, 0.1332);
  EXPECT_NEAR(hi.emissions_kg / lo.emissions_kg, 1.67 / 1.11, 1e-15);
  // PUE multiplies compute only: with bytes on the row, communication is the same at both PUEs
  // (so the identity is a centralized one: its rows carry no bytes).
  const Activity with_bytes = ClientRound(3'600'000'000'000'000ULL);
  const Cost hi_b = PriceResolved(with_bytes, Target(gpu, usa, Qiu(), 1.67));
  const Cost lo_b = PriceResolved(with_bytes, Target(gpu, usa, Qiu(), 1.11));
  EXPECT_EQ(hi_b.comm_energy_kwh, lo_b.comm_energy_kwh);
  EXPECT_DOUBLE_EQ(hi_b.comm_energy_kwh, 2.0 * 15 / 3.6e6);  // 1 s up + 1 s down at 10 + 5 W
  EXPECT_DOUBLE_EQ(hi_b.compute_energy_kwh, 0.501);
}

// Table 4's FL columns do not move with the PUE columns: Resolve gives an edge device PUE 1
// whatever the target says (no cooling plant), a data-center device the target's or its own.
TEST(PricingIdentitiesTest, EdgeDevicesIgnoreThePueTheyAreGiven) {
  Result<Catalog> catalog = Catalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  const Activity a = ClientRound(60'000'000'000ULL);
  Result<ResolvedTarget> none = Resolve(*catalog, {"jetson_tx2", "USA", "qiu", 0.0});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  ASSERT_EQ(none->device.kind, "edge");
  EXPECT_EQ(none->pue, 1.0);
  const Cost base = PriceResolved(a, *none);
  EXPECT_GT(base.compute_energy_kwh, 0.0);
  for (double pue : {1.11, 1.67, 3.0}) {
    Result<ResolvedTarget> t = Resolve(*catalog, {"jetson_tx2", "USA", "qiu", pue});
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->pue, 1.0) << pue;
    const Cost c = PriceResolved(a, *t);
    EXPECT_EQ(c.compute_energy_kwh, base.compute_energy_kwh) << pue;
    EXPECT_EQ(c.energy_kwh, base.energy_kwh) << pue;
    EXPECT_EQ(c.emissions_kg, base.emissions_kg) << pue;
  }
  // The same edge profile given PUE 1.67 by hand would cost 1.67 times the compute: Resolve is
  // what keeps it at 1.
  const Cost forced = PriceResolved(a, Target(none->device, none->country, none->network, 1.67));
  EXPECT_NEAR(forced.compute_energy_kwh / base.compute_energy_kwh, 1.67, 1e-12);
  Result<ResolvedTarget> dc = Resolve(*catalog, {"v100", "USA", "qiu", 1.11});
  ASSERT_TRUE(dc.ok()) << dc.status().ToString();
  EXPECT_EQ(dc->pue, 1.11);
  dc = Resolve(*catalog, {"v100", "USA", "qiu", 0.0});
  ASSERT_TRUE(dc.ok());
  EXPECT_EQ(dc->pue, dc->device.default_pue);
}

// Emissions are energy times intensity: twice the grid intensity, exactly twice the grams, the
// same kWh. 0.45 kWh of compute (3600 s at 300 W, PUE 1.5) + 2 s of transfer at 15 W.
TEST(PricingIdentitiesTest, DoublingTheIntensityDoublesTheEmissionsAndNothingElse) {
  const ResolvedTarget t =
      Target(DataCenterGpu("gpu", 300, 1e12), MakeCountry("AAA", 400), Qiu(), 1.5);
  const Activity a = ClientRound(3'600'000'000'000'000ULL);
  const Cost at400 = PriceAt(a, t, 400);
  const Cost at800 = PriceAt(a, t, 800);
  const double kwh = 0.45 + 30.0 / 3.6e6;
  EXPECT_DOUBLE_EQ(at400.energy_kwh, kwh);
  EXPECT_DOUBLE_EQ(at400.emissions_kg, kwh * 0.4);
  EXPECT_DOUBLE_EQ(at800.emissions_kg, kwh * 0.8);
  EXPECT_EQ(at800.emissions_kg, 2 * at400.emissions_kg);  // exact: a factor of two
  EXPECT_EQ(at800.energy_kwh, at400.energy_kwh);
  EXPECT_EQ(at800.compute_energy_kwh, at400.compute_energy_kwh);
  EXPECT_EQ(at800.comm_energy_kwh, at400.comm_energy_kwh);
  EXPECT_EQ(at800.compute_s, at400.compute_s);
  EXPECT_EQ(at800.comm_s, at400.comm_s);
  EXPECT_EQ(at800.carbon_intensity_g_per_kwh, 800.0);
  // PriceResolved prices at the country's annual intensity.
  const Cost annual = PriceResolved(a, t);
  EXPECT_EQ(annual.emissions_kg, at400.emissions_kg);
  EXPECT_EQ(annual.carbon_intensity_g_per_kwh, 400.0);
}

// Table 4's "China > USA > France" for the centralized columns: the same kWh everywhere, so the
// grams follow the intensities. 0.501 kWh (PUE 1.67) at 600, 400 and 50 g/kWh.
TEST(PricingIdentitiesTest, ForEqualEnergyTheCountryOrderIsTheIntensityOrder) {
  const DeviceProfile gpu = DataCenterGpu("gpu", 300, 1e12);
  const Cost chn = PriceResolved(Centralized(), Target(gpu, MakeCountry("CHN", 600), Qiu(), 1.67));
  const Cost usa = PriceResolved(Centralized(), Target(gpu, MakeCountry("USA", 400), Qiu(), 1.67));
  const Cost fra = PriceResolved(Centralized(), Target(gpu, MakeCountry("FRA", 50), Qiu(), 1.67));
  EXPECT_EQ(chn.energy_kwh, usa.energy_kwh);
  EXPECT_EQ(usa.energy_kwh, fra.energy_kwh);
  EXPECT_DOUBLE_EQ(chn.emissions_kg, 0.3006);
  EXPECT_DOUBLE_EQ(usa.emissions_kg, 0.2004);
  EXPECT_DOUBLE_EQ(fra.emissions_kg, 0.02505);
  EXPECT_GT(chn.emissions_kg, usa.emissions_kg);
  EXPECT_GT(usa.emissions_kg, fra.emissions_kg);
}

// ...but an FL row's communication (qiu) depends on the country's broadband too, so for the FL
// columns the order is not the intensity order alone. 20 Mbit up and 100 Mbit down at 15 W:
// at 2/10 Mbit/s 10 s + 10 s = 20 s (8.33e-5 kWh, 300 g/kWh: 2.5e-5 kg); at 20/100 Mbit/s
// 1 s + 1 s (8.33e-6 kWh, 400 g/kWh: 3.33e-6 kg): the cleaner grid emits more.
TEST(PricingIdentitiesTest, ForCommunicationTheCountrysBandwidthCountsToo) {
  const DeviceProfile board = EdgeBoard();
  const Activity a = ClientRound(0);
  const Cost slow = PriceResolved(a, Target(board, MakeCountry("SLO", 300, 10, 2), Qiu(), 1.0));
  const Cost fast = PriceResolved(a, Target(board, MakeCountry("FST", 400, 100, 20), Qiu(), 1.0));
  EXPECT_DOUBLE_EQ(slow.comm_s, 20.0);
  EXPECT_DOUBLE_EQ(fast.comm_s, 2.0);
  EXPECT_DOUBLE_EQ(slow.comm_energy_kwh, 300.0 / 3.6e6);
  EXPECT_DOUBLE_EQ(fast.comm_energy_kwh, 30.0 / 3.6e6);
  EXPECT_DOUBLE_EQ(slow.emissions_kg, 2.5e-5);
  EXPECT_DOUBLE_EQ(fast.emissions_kg, 30.0 / 3.6e6 * 0.4);
  EXPECT_GT(slow.emissions_kg, fast.emissions_kg);
  // The per-GB network model ignores the bandwidth: 15e6 bytes * 0.05 kWh/GB = 7.5e-4 kWh.
  const Cost slow_gb =
      PriceResolved(a, Target(board, MakeCountry("SLO", 300, 10, 2), PerGigabyte(), 1.0));
  const Cost fast_gb =
      PriceResolved(a, Target(board, MakeCountry("FST", 300, 100, 20), PerGigabyte(), 1.0));
  EXPECT_DOUBLE_EQ(slow_gb.comm_energy_kwh, 7.5e-4);
  EXPECT_EQ(slow_gb.comm_energy_kwh, fast_gb.comm_energy_kwh);
  EXPECT_EQ(slow_gb.comm_s, 0.0);
}

// Table 4's "K80 above V100": energy per FLOP is power / throughput, a property of the two
// profiles. At 300 W, 1e13 FLOP/s takes 360 s for 3.6e15 FLOP (0.0501 kWh at PUE 1.67) and
// 2.5e12 FLOP/s 1440 s (0.2004 kWh): four times. A profile four times slower at a quarter of
// the power costs exactly the same.
TEST(PricingIdentitiesTest, TheSlowerGpuCostsMoreOnlyThroughItsJoulesPerFlop) {
  const Country usa = MakeCountry("USA", 400);
  const Cost fast =
      PriceResolved(Centralized(), Target(DataCenterGpu("fast", 300, 1e13), usa, Qiu(), 1.67));
  const Cost slow =
      PriceResolved(Centralized(), Target(DataCenterGpu("slow", 300, 2.5e12), usa, Qiu(), 1.67));
  const Cost frugal =
      PriceResolved(Centralized(), Target(DataCenterGpu("frugal", 75, 2.5e12), usa, Qiu(), 1.67));
  EXPECT_DOUBLE_EQ(fast.compute_s, 360.0);
  EXPECT_DOUBLE_EQ(slow.compute_s, 1440.0);
  EXPECT_DOUBLE_EQ(fast.energy_kwh, 0.0501);
  EXPECT_DOUBLE_EQ(slow.energy_kwh, 0.2004);
  EXPECT_DOUBLE_EQ(slow.emissions_kg / fast.emissions_kg, 4.0);
  EXPECT_DOUBLE_EQ(frugal.energy_kwh, fast.energy_kwh);
}

}  // namespace
}  // namespace fedcarbon::energy
