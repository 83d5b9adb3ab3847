// Simulated time checked by hand: job times, how rounds close, the grams of each job priced over
// its simulated interval, and the properties every run relies on (selected clients are online,
// the same seed gives the same world).
#include "fedcarbon/simtime/world.h"

#include <gtest/gtest.h>

#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/simtime/round_close.h"
#include "fedcarbon/simtime/selection.h"
#include "simtime/sim_fixture.h"

namespace fedcarbon::simtime {
namespace {

using testing::kT0;

class SimWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = energy::Catalog::FromJson(energy::testing::TinyCatalogJson());
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(*catalog);
    auto grid = energy::GridIntensity::Parse(testing::TinyTraceCsv(), testing::TinyZonesJson());
    ASSERT_TRUE(grid.ok()) << grid.status().ToString();
    grid_ = std::move(*grid);
    cfg_ = testing::TinyConfig();
    Remake();
  }
  void Remake() {
    auto targets = energy::RunTargets::Resolve(catalog_, cfg_, &grid_);
    ASSERT_TRUE(targets.ok()) << targets.status().ToString();
    targets_ = std::move(*targets);
    auto world = World::Create(cfg_, &targets_, &grid_);
    ASSERT_TRUE(world.ok()) << world.status().ToString();
    world_.emplace(std::move(*world));
  }
  // One job's activity: 1e11 FLOPs in 100 steps (3 s on "edge": each 1e9-FLOP step is bound by
  // its 30 ms overhead), 12.5 MB down, `up` bytes up.
  static energy::Activity Work(uint64_t up) {
    energy::Activity a;
    a.flops = 100'000'000'000ull;
    a.samples = 100;
    a.steps = 100;
    a.bytes_down = 12'500'000;
    a.bytes_up = up;
    return a;
  }
  double Grams(int c, const energy::Activity& a, double t0, double t1) const {
    const energy::IntervalIntensity i = world_->ClientIntensity(c, t0, t1);
    return energy::PriceAt(a, targets_.client(c), i.g_per_kwh).emissions_kg * 1000.0;
  }

  energy::Catalog catalog_;
  energy::GridIntensity grid_;
  config::ExperimentConfig cfg_;
  energy::RunTargets targets_;
  std::optional<World> world_;
};

// 3 clients, 2 rounds, every number by hand. Client 0 and 1 are in AAA (zone ZA: 100 Mbit/s
// down, 10 up), client 2 in BBB (ZB: 200/200). Each job: 1e11 FLOPs = 3 s on "edge"; 12.5 MB
// down = 1 s in AAA, 0.5 s in BBB; up 12.5 MB (client 1: 25 MB) = 10 s (20 s) in AAA, 0.5 s in
// BBB. Energy = 3 s x 4 W (edge: 2 W idle + 2/3 busy x 3 W) + transfer seconds x (10 + 2) W.
TEST_F(SimWorldTest, AHandComputedFederationGivesTheStatedTimesAndGrams) {
  const energy::Activity a0 = Work(12'500'000), a1 = Work(25'000'000), a2 = Work(12'500'000);
  const JobTimes t0 = world_->Times(0, a0), t1 = world_->Times(1, a1), t2 = world_->Times(2, a2);
  EXPECT_DOUBLE_EQ(t0.down_s, 1.0);
  EXPECT_DOUBLE_EQ(t0.compute_s, 3.0);
  EXPECT_DOUBLE_EQ(t0.up_s, 10.0);
  EXPECT_DOUBLE_EQ(t1.total(), 24.0);
  EXPECT_DOUBLE_EQ(t2.total(), 4.0);

  // Round 1 at kT0: asks all 3 (2 x 1.5), keeps the first 2 arrivals: client 2 at 4 s, client 0
  // at 14 s; client 1 (24 s) is late. The round closes at 14 s.
  EXPECT_EQ(AskCount(cfg_.federation), 3);
  const Job jobs1[] = {{0, kT0, t0, {}}, {1, kT0, t1, {}}, {2, kT0, t2, {}}};
  const ClosedRound r1 = CloseRound(jobs1, 2, kT0, 0.0);
  EXPECT_EQ(r1.kept, 2);
  EXPECT_EQ(r1.jobs.at(2).fate, Fate::kKept);
  EXPECT_EQ(r1.jobs.at(0).fate, Fate::kKept);
  EXPECT_EQ(r1.jobs.at(1).fate, Fate::kLate);
  EXPECT_DOUBLE_EQ(r1.jobs.at(1).end, kT0 + 24.0);
  EXPECT_DOUBLE_EQ(r1.end, kT0 + 14.0);
  // All of round 1 lies in hour 0: ZA 100 g/kWh, ZB 40 g/kWh.
  // Client 0: 12 J + 11 s x 12 W = 144 J = 144 / 3.6e6 kWh -> x 100 g/kWh.
  EXPECT_NEAR(Grams(0, a0, kT0, kT0 + 14.0), 144.0 / 3.6e6 * 100.0, 1e-15);
  // Client 1 (late, still counted): 12 J + 21 s x 12 W = 264 J.
  EXPECT_NEAR(Grams(1, a1, kT0, kT0 + 24.0), 264.0 / 3.6e6 * 100.0, 1e-15);
  // Client 2: 12 J + 1 s x 12 W = 24 J, at 40 g/kWh.
  EXPECT_NEAR(Grams(2, a2, kT0, kT0 + 4.0), 24.0 / 3.6e6 * 40.0, 1e-15);

  // Round 2 starts 10 s before hour 1 with a 12 s deadline, and client 1 goes offline half way
  // (12 s into its 24 s job: download and training done, 8 of its 20 upload seconds).
  const double s2 = kT0 + 3590.0;
  const Job jobs2[] = {{0, s2, t0, {}}, {1, s2, t1, 0.5}, {2, s2, t2, {}}};
  const ClosedRound r2 = CloseRound(jobs2, 2, s2, 12.0);
  EXPECT_EQ(r2.kept, 1);  // client 2; client 0 arrives at 14 s, after the deadline
  EXPECT_EQ(r2.jobs.at(0).fate, Fate::kLate);
  EXPECT_EQ(r2.jobs.at(1).fate, Fate::kOffline);
  EXPECT_DOUBLE_EQ(r2.jobs.at(1).end, s2 + 12.0);
  EXPECT_DOUBLE_EQ(r2.end, s2 + 12.0) << "short of 2 kept with a result still due: the deadline";
  // Client 0 ran 10 s in hour 0 (100) and 4 s in hour 1 (300): 2200 / 14 g/kWh.
  EXPECT_NEAR(world_->ClientIntensity(0, s2, s2 + 14.0).g_per_kwh, 2200.0 / 14.0, 1e-12);
  EXPECT_NEAR(Grams(0, a0, s2, s2 + 14.0), 144.0 / 3.6e6 * 2200.0 / 14.0, 1e-15);
  // Client 1's work until it went offline: all of the download and the training, 40% of the
  // upload (10 MB): 12 J + (1 + 8) s x 12 W = 120 J, 10 s at 100 and 2 s at 300 g/kWh.
  const energy::Activity done = DoneBy(a1, t1, 12.0);
  EXPECT_EQ(done.bytes_down, 12'500'000u);
  EXPECT_EQ(done.flops, a1.flops);
  EXPECT_EQ(done.steps, a1.steps);
  EXPECT_EQ(done.bytes_up, 10'000'000u);
  EXPECT_NEAR(Grams(1, done, s2, s2 + 12.0), 120.0 / 3.6e6 * (1000.0 + 600.0) / 12.0, 1e-15);
  EXPECT_TRUE(world_->ClientIntensity(0, s2, s2 + 14.0).hourly);
}

TEST_F(SimWorldTest, AnnualPricingIgnoresTheTraceAndZonelessCountriesStayAnnual) {
  cfg_.time.intensity = "annual";
  Remake();
  const energy::IntervalIntensity i = world_->ClientIntensity(0, kT0, kT0 + 7200.0);
  EXPECT_FALSE(i.hourly);
  EXPECT_DOUBLE_EQ(i.g_per_kwh, 500.0);  // AAA's annual figure
  EXPECT_DOUBLE_EQ(world_->IntensityAt(0, kT0 + 3600.0), 300.0) << "selection still sees hours";
}

TEST_F(SimWorldTest, DiurnalClientsAreOnlineOnlyInTheirLocalWindow) {
  cfg_.clients.availability = "diurnal";
  cfg_.clients.online_from_h = 22.0;
  cfg_.clients.online_to_h = 6.0;
  cfg_.clients.jitter_h = 0.0;
  Remake();
  // ZA is UTC+2: local 22:00 is 20:00 UTC. ZB is UTC-5: local 22:00 is 03:00 UTC.
  EXPECT_FALSE(world_->Online(0, kT0 + 19.5 * 3600));
  EXPECT_TRUE(world_->Online(0, kT0 + 20.5 * 3600));
  EXPECT_TRUE(world_->Online(0, kT0 + 27.5 * 3600)) << "05:30 local, the window wraps midnight";
  EXPECT_FALSE(world_->Online(0, kT0 + 28.5 * 3600));
  EXPECT_FALSE(world_->Online(2, kT0 + 2.5 * 3600));
  EXPECT_TRUE(world_->Online(2, kT0 + 3.5 * 3600));
}

TEST_F(SimWorldTest, SelectedClientsAreAlwaysOnlineAndTheSameSeedGivesTheSameWorld) {
  cfg_.federation.num_clients = 60;
  cfg_.federation.clients_per_round = 10;
  cfg_.clients.countries = {{{"AAA", 0.5}, {"BBB", 0.5}}, {}};
  cfg_.clients.availability = "diurnal";
  cfg_.clients.jitter_h = 3.0;
  cfg_.clients.speed_sigma = 0.5;
  cfg_.federation.selection = "carbon_aware";
  Remake();
  const std::vector<int> all = [] {
    std::vector<int> v(60);
    for (int c = 0; c < 60; ++c) v[c] = c;
    return v;
  }();
  int rounds_with_clients = 0;
  for (int h = 0; h < 72; ++h) {
    const double t = kT0 + h * 3600.0 + 600.0;
    const auto picked = SelectRound(*world_, cfg_.federation, all, t, 1000 + h);
    rounds_with_clients += picked.empty() ? 0 : 1;
    for (int c : picked) EXPECT_TRUE(world_->Online(c, t)) << "client " << c << " at hour " << h;
    EXPECT_EQ(picked, SelectRound(*world_, cfg_.federation, all, t, 1000 + h));
  }
  EXPECT_GT(rounds_with_clients, 20);
  // Traits are a function of the seed alone.
  std::vector<double> speeds;
  for (int c = 0; c < 60; ++c) speeds.push_back(world_->traits(c).speed_factor);
  Remake();
  for (int c = 0; c < 60; ++c) EXPECT_EQ(world_->traits(c).speed_factor, speeds[c]);
  cfg_.seed += 1;
  Remake();
  int differ = 0;
  for (int c = 0; c < 60; ++c) differ += world_->traits(c).speed_factor != speeds[c];
  EXPECT_GT(differ, 50);
}

TEST_F(SimWorldTest, CarbonAwareSelectionPrefersCleanGridsButLeavesEveryoneAChance) {
  cfg_.federation.num_clients = 40;
  cfg_.federation.clients_per_round = 5;
  cfg_.federation.overcommit = 0.0;
  cfg_.clients.countries = {{{"AAA", 0.5}, {"BBB", 0.5}}, {}};
  cfg_.federation.selection = "carbon_aware";
  cfg_.federation.carbon_beta = 1.0;
  Remake();
  std::vector<int> all(40);
  for (int c = 0; c < 40; ++c) all[c] = c;
  int clean = 0, dirty = 0;
  for (int r = 0; r < 400; ++r) {
    for (int c : SelectRound(*world_, cfg_.federation, all, kT0 + 7200.0, r)) {
      (targets_.client(c).country.iso3 == "BBB" ? clean : dirty) += 1;
    }
  }
  // At hour 2 ZA is 200 g/kWh and ZB 40: weights 1/200 and 1/40, five times as likely per draw.
  EXPECT_GT(clean, 3 * dirty);
  EXPECT_GT(dirty, 0) << "the dirty half keeps a chance";
}

TEST_F(SimWorldTest, TimeShiftingWaitsForTheCleanestHourWithinTheLimit) {
  cfg_.clients.countries = {{}, {"AAA", "AAA", "AAA"}};
  Remake();
  const std::vector<int> all = {0, 1, 2};
  // From 00:30 ZA is 100 g/kWh now, 300 at 01:30, 200 after: staying is best.
  EXPECT_DOUBLE_EQ(ShiftedStart(*world_, all, 2, kT0 + 1800.0, 6.0), kT0 + 1800.0);
  // From 01:30 (300 g/kWh) the next hour (200) is cleaner.
  EXPECT_DOUBLE_EQ(ShiftedStart(*world_, all, 2, kT0 + 5400.0, 6.0), kT0 + 9000.0);
  EXPECT_DOUBLE_EQ(ShiftedStart(*world_, all, 2, kT0 + 5400.0, 0.5), kT0 + 5400.0) << "< 1 h: off";
}

TEST_F(SimWorldTest, AvailabilityTracesAreReadAndBadOnesNamed) {
  const std::string path = ::testing::TempDir() + "/fedcarbon-online.csv";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("client_id,start_h,end_h\n0,0,2\n2,1,1.5\n", f);
    std::fclose(f);
  }
  auto trace = ReadAvailabilityTrace(path, 3);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  cfg_.clients.availability = "trace";
  cfg_.clients.availability_trace = path;
  Remake();
  EXPECT_TRUE(world_->Online(0, kT0 + 3600.0));
  EXPECT_FALSE(world_->Online(0, kT0 + 7200.0));
  EXPECT_FALSE(world_->Online(1, kT0)) << "not in the trace: never online";
  EXPECT_TRUE(world_->Online(2, kT0 + 4000.0));
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("client_id,start_h,end_h\n0,0,2\n7,1,2\n", f);
    std::fclose(f);
  }
  auto bad = ReadAvailabilityTrace(path, 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":3: client_id"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace fedcarbon::simtime
