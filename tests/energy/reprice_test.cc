#include "fedcarbon/energy/reprice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {
namespace {

using ::testing::HasSubstr;

// Rows as a run records them, priced with the shipped catalog.
std::vector<LedgerRow> RecordedRun(const Catalog& cat) {
  std::vector<LedgerRow> rows;
  const char* devices[] = {"jetson_tx2", "raspberry_pi_4", "smartphone", "host"};
  const char* countries[] = {"USA", "FRA", "CHN", "DEU"};
  for (int round = 1; round <= 3; ++round) {
    for (int client = 0; client < 4; ++client) {
      LedgerRow r;
      r.run_id = "r";
      r.round = round;
      r.client_id = client;
      r.role = "client";
      r.activity = {4'400'000'000'000ULL + 7919ULL * client,
                    6000,
                    6'653'480 + 13ULL * round,
                    6'653'480,
                    12.5 + client,
                    14.0};
      PricingTarget t{devices[client], countries[client], client % 2 ? "intensity" : "qiu", 0.0};
      Result<ResolvedTarget> rt = Resolve(cat, t);
      EXPECT_TRUE(rt.ok());
      r.device = rt->device.name;
      r.country_iso_code = rt->country.iso3;
      r.network = rt->network.name;
      r.pue = rt->pue;
      r.cost = PriceResolved(r.activity, *rt);
      rows.push_back(r);
    }
    LedgerRow c;
    c.run_id = "r";
    c.round = round;
    c.role = "coordinator";
    c.activity.flops = 245'000'000'000ULL;
    Result<ResolvedTarget> rt = Resolve(cat, {"v100", "USA", "qiu", 1.67});
    EXPECT_TRUE(rt.ok());
    c.device = "v100";
    c.country_iso_code = "USA";
    c.network = "qiu";
    c.pue = rt->pue;
    c.cost = PriceResolved(c.activity, *rt);
    rows.push_back(c);
  }
  return rows;
}

RepriceOptions With(std::optional<std::string> country, std::optional<std::string> device,
                    std::optional<std::string> network, std::optional<double> pue) {
  RepriceOptions o;
  o.country = std::move(country);
  o.device = std::move(device);
  o.network = std::move(network);
  o.pue = pue;
  return o;
}

double Rel(double a, double b) { return a == b ? 0.0 : std::abs(a - b) / std::abs(b); }

class RepriceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Catalog> cat = Catalog::Default();
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = *cat;
    rows_ = RecordedRun(catalog_);
  }
  Catalog catalog_;
  std::vector<LedgerRow> rows_;
};

TEST_F(RepriceTest, RepricingWithTheOriginalTargetsReproducesTheRecordedCosts) {
  Result<std::vector<LedgerRow>> again = Reprice(catalog_, rows_, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->size(), rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    const Cost& a = (*again)[i].cost;
    const Cost& b = rows_[i].cost;
    EXPECT_LE(Rel(a.energy_kwh, b.energy_kwh), 1e-12) << i;
    EXPECT_LE(Rel(a.emissions_kg, b.emissions_kg), 1e-12) << i;
    EXPECT_LE(Rel(a.comm_energy_kwh, b.comm_energy_kwh), 1e-12) << i;
    EXPECT_LE(Rel(a.compute_energy_kwh, b.compute_energy_kwh), 1e-12) << i;
  }
}

TEST_F(RepriceTest, CountryOverrideMovesClientsButNotTheCoordinator) {
  Result<std::vector<LedgerRow>> fr = Reprice(catalog_, rows_, With("france", {}, {}, {}));
  ASSERT_TRUE(fr.ok()) << fr.status().ToString();
  for (size_t i = 0; i < fr->size(); ++i) {
    const LedgerRow& r = (*fr)[i];
    if (r.role == "client") {
      EXPECT_EQ(r.country_iso_code, "FRA");
      EXPECT_DOUBLE_EQ(r.cost.carbon_intensity_g_per_kwh, 56.04);
      // Same as pricing the activity fresh for France.
      Result<Cost> fresh = Price(catalog_, r.activity, {r.device, "FRA", r.network, 0.0});
      ASSERT_TRUE(fresh.ok());
      EXPECT_LE(Rel(r.cost.emissions_kg, fresh->emissions_kg), 1e-12);
    } else {
      EXPECT_EQ(r.country_iso_code, "USA");
      EXPECT_EQ(r.cost.emissions_kg, rows_[i].cost.emissions_kg);
    }
  }
}

TEST_F(RepriceTest, DeviceNetworkAndPueOverrides) {
  Result<std::vector<LedgerRow>> tx2 =
      Reprice(catalog_, rows_, With({}, "jetson_tx2", "intensity", {}));
  ASSERT_TRUE(tx2.ok());
  for (const LedgerRow& r : *tx2) {
    EXPECT_EQ(r.network, "intensity");
    if (r.role == "client") {
      EXPECT_EQ(r.device, "jetson_tx2");
    } else {
      EXPECT_EQ(r.device, "v100");
    }
  }
  // --pue moves the coordinator (a data center) exactly linearly; edge clients are untouched.
  Result<std::vector<LedgerRow>> pue = Reprice(catalog_, rows_, With({}, {}, {}, 1.11));
  ASSERT_TRUE(pue.ok());
  for (size_t i = 0; i < rows_.size(); ++i) {
    const LedgerRow& r = (*pue)[i];
    if (r.role == "coordinator") {
      EXPECT_DOUBLE_EQ(r.pue, 1.11);
      EXPECT_NEAR(r.cost.compute_energy_kwh / rows_[i].cost.compute_energy_kwh, 1.11 / 1.67, 1e-15);
    } else if (r.device != "host") {
      EXPECT_EQ(r.cost.energy_kwh, rows_[i].cost.energy_kwh);
    }
  }
}

TEST_F(RepriceTest, BadOverridesAreErrorsNamingTheValue) {
  Result<std::vector<LedgerRow>> r = Reprice(catalog_, rows_, With("Narnia", {}, {}, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("unknown country 'Narnia'"));
  r = Reprice(catalog_, rows_, With({}, "abacus", {}, {}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("unknown device 'abacus'"));
  r = Reprice(catalog_, rows_, With({}, {}, {}, 0.9));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("pue"));
  std::vector<LedgerRow> bad = rows_;
  bad[4].device = "retired_gpu";
  r = Reprice(catalog_, bad, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("row 5"));
  EXPECT_THAT(r.status().message(), HasSubstr("'retired_gpu'"));
}

TEST_F(RepriceTest, BreakdownsSumToTheTotal) {
  const auto by_country = CostBy(rows_, "country_iso_code");
  const auto by_device = CostBy(rows_, "device");
  double total = 0, countries = 0, devices = 0;
  for (const LedgerRow& r : rows_) total += r.cost.emissions_kg;
  for (const auto& [k, c] : by_country) countries += c.emissions_kg;
  for (const auto& [k, c] : by_device) devices += c.emissions_kg;
  EXPECT_EQ(by_country.size(), 4u);  // USA (clients + coordinator), FRA, CHN, DEU
  EXPECT_EQ(by_device.size(), 5u);
  EXPECT_NEAR(countries, total, 1e-15);
  EXPECT_NEAR(devices, total, 1e-15);
}

}  // namespace
}  // namespace fedcarbon::energy
