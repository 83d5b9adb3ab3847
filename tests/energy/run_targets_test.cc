// RunTargets: every client's device and country as a pure function of (config, client id), and
// the coordinator's target, resolved once.
#include "fedcarbon/energy/run_targets.h"

#include <map>

#include <gtest/gtest.h>

namespace fedcarbon::energy {
namespace {

config::ExperimentConfig Clients(int n) {
  config::ExperimentConfig cfg;
  cfg.federation.num_clients = n;
  cfg.federation.clients_per_round = 1;
  return cfg;
}

TEST(RunTargetsTest, DevicesAndCountriesAreAssignedIndependently) {
  auto catalog = Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  config::ExperimentConfig cfg = Clients(100);
  cfg.clients.device = {{{"jetson_tx2", 0.5}, {"raspberry_pi_4", 0.5}}, {}};
  cfg.clients.countries = {{{"USA", 0.5}, {"FRA", 0.5}}, {}};
  auto t = RunTargets::Resolve(*catalog, cfg);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->num_clients(), 100);
  std::map<std::pair<std::string, std::string>, int> pairs;
  for (int c = 0; c < 100; ++c) ++pairs[{t->client(c).device.name, t->client(c).country.iso3}];
  EXPECT_EQ(pairs.size(), 4u) << "every device meets every country";
  for (const auto& [pair, count] : pairs) {
    EXPECT_GT(count, 10) << pair.first << "/" << pair.second;
  }
  // Largest remainder: exactly half of the clients on each device and in each country.
  int tx2 = 0, usa = 0;
  for (int c = 0; c < 100; ++c) {
    tx2 += t->client(c).device.name == "jetson_tx2";
    usa += t->client(c).country.iso3 == "USA";
  }
  EXPECT_EQ(tx2, 50);
  EXPECT_EQ(usa, 50);
}

TEST(RunTargetsTest, TheSameConfigGivesTheSameAssignmentAndTheSeedChangesIt) {
  auto catalog = Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  config::ExperimentConfig cfg = Clients(40);
  cfg.clients.countries = {{{"USA", 0.5}, {"CHN", 0.5}}, {}};
  auto a = RunTargets::Resolve(*catalog, cfg);
  auto b = RunTargets::Resolve(*catalog, cfg);
  cfg.seed += 1;
  auto other = RunTargets::Resolve(*catalog, cfg);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  int differ = 0;
  for (int c = 0; c < 40; ++c) {
    EXPECT_EQ(a->client(c).country.iso3, b->client(c).country.iso3) << c;
    differ += a->client(c).country.iso3 != other->client(c).country.iso3;
  }
  EXPECT_GT(differ, 0) << "the assignment is shuffled with the run seed";
}

TEST(RunTargetsTest, TheCoordinatorTargetComesFromTheEnergySection) {
  auto catalog = Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  config::ExperimentConfig cfg = Clients(2);
  cfg.energy.coordinator_device = "k80";
  cfg.energy.coordinator_country = "FRA";
  cfg.energy.coordinator_pue = 1.5;
  auto t = RunTargets::Resolve(*catalog, cfg);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->coordinator().device.name, "k80");
  EXPECT_EQ(t->coordinator().country.iso3, "FRA");
  EXPECT_DOUBLE_EQ(t->coordinator().pue, 1.5);
}

TEST(RunTargetsTest, UnknownNamesAreErrorsNamingTheValue) {
  auto catalog = Catalog::Default();
  ASSERT_TRUE(catalog.ok());
  config::ExperimentConfig cfg = Clients(2);
  cfg.clients.countries = {{{"Atlantis", 1.0}}, {}};
  auto t = RunTargets::Resolve(*catalog, cfg);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("Atlantis"), std::string::npos) << t.status().message();
  cfg = Clients(2);
  cfg.energy.coordinator_device = "abacus";
  t = RunTargets::Resolve(*catalog, cfg);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("abacus"), std::string::npos) << t.status().message();
}

}  // namespace
}  // namespace fedcarbon::energy
