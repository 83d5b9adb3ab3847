#include "fedcarbon/energy/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "energy/temp_dir.h"
#include "energy/test_catalog.h"

namespace fedcarbon::energy {
namespace {

using ::testing::HasSubstr;

TEST(CatalogTest, DefaultLoadsShippedProfiles) {
  Result<Catalog> cat = Catalog::Default();
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  for (const char* name : {"v100", "k80", "p100", "t4", "a100", "h100", "raspberry_pi_4",
                           "jetson_tx2", "jetson_nano", "smartphone", "host"}) {
    EXPECT_TRUE(cat->Device(name).ok()) << name;
  }
  for (const char* iso : {"USA", "CHN", "FRA", "DEU", "IND", "GBR", "SWE", "NOR", "POL", "BRA",
                          "CAN", "AUS", "WLD"}) {
    EXPECT_TRUE(cat->FindCountry(iso).ok()) << iso;
  }
  EXPECT_DOUBLE_EQ(cat->FindCountry("USA")->carbon_intensity_g_per_kwh, 369.47);
  EXPECT_DOUBLE_EQ(cat->FindCountry("CHN")->carbon_intensity_g_per_kwh, 582.32);
  EXPECT_DOUBLE_EQ(cat->FindCountry("FRA")->carbon_intensity_g_per_kwh, 56.04);
  EXPECT_DOUBLE_EQ(cat->Device("v100")->default_pue, 1.67);
  EXPECT_DOUBLE_EQ(cat->pue_presets().at("hyperscale"), 1.11);
  EXPECT_DOUBLE_EQ(cat->pue_presets().at("uptime_2023"), 1.58);
  EXPECT_DOUBLE_EQ(cat->Device("jetson_tx2")->default_pue, 1.0);
  // 0.06 kWh/GB in 2015 halving every 2 years -> 2023: 0.06 / 16.
  EXPECT_NEAR(cat->Network("intensity")->kwh_per_gb, 0.00375, 1e-15);
  // Every shipped profile says where its numbers come from.
  for (const DeviceProfile& d : cat->devices()) {
    EXPECT_FALSE(d.source.empty()) << d.name;
    EXPECT_FALSE(d.assumption.empty()) << d.name;
  }
  // Relations the table relies on (constants, not tuned outcomes): a K80 does less per joule.
  const DeviceProfile v100 = *cat->Device("v100");
  const DeviceProfile k80 = *cat->Device("k80");
  EXPECT_GT(v100.throughput_flops / v100.ComputePowerW(),
            k80.throughput_flops / k80.ComputePowerW());
}

TEST(CatalogTest, LookupsAreCaseInsensitiveAndAcceptCodesAndNames) {
  Result<Catalog> cat = Catalog::FromJson(testing::TinyCatalogJson());
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ(cat->FindCountry("aaa")->iso3, "AAA");
  EXPECT_EQ(cat->FindCountry("aa")->iso3, "AAA");
  EXPECT_EQ(cat->FindCountry("beta land")->iso3, "BBB");
  EXPECT_EQ(cat->Device("DC")->name, "dc");
  EXPECT_EQ(cat->Network("QIU")->kind, "qiu");
}

TEST(CatalogTest, UnknownNamesAreErrorsNamingTheValueAndTheKnownOnes) {
  Result<Catalog> cat = Catalog::Default();
  ASSERT_TRUE(cat.ok());
  Result<DeviceProfile> d = cat->Device("jetsn_tx2");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("unknown device 'jetsn_tx2'"));
  EXPECT_THAT(d.status().message(), HasSubstr("jetson_tx2"));
  Result<Country> c = cat->FindCountry("Atlantis");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("unknown country 'Atlantis'"));
  EXPECT_THAT(c.status().message(), HasSubstr("FRA"));
  Result<NetworkModel> n = cat->Network("carrier_pigeon");
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(n.status().message(), HasSubstr("unknown network model 'carrier_pigeon'"));
  EXPECT_THAT(n.status().message(), HasSubstr("qiu"));
}

TEST(CatalogTest, ThroughputModelAndHalvingAreComputedFromTheNamedTerms) {
  Result<Catalog> cat = Catalog::FromJson(testing::TinyCatalogJson());
  ASSERT_TRUE(cat.ok());
  // 1e9 / (0.01 + 1e9 / (1e11 * 0.5)) = 1e9 / 0.03
  EXPECT_NEAR(cat->Device("edge")->throughput_flops, 1e9 / 0.03, 1e-3);
  EXPECT_NEAR(cat->Device("dc")->ComputePowerW(), 164.0, 1e-12);
  EXPECT_NEAR(cat->Network("intensity")->kwh_per_gb, 0.015, 1e-15);  // 2015 -> 2019: halved twice
  EXPECT_EQ(cat->Network("intensity")->year, 2019);
}

TEST(CatalogTest, ANumberWithoutProvenanceIsRejected) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][0]["active_w"].erase("assumption");
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].active_w"));
  EXPECT_THAT(cat.status().message(), HasSubstr("assumption"));

  j = testing::TinyCatalogJson();
  j["countries"][0]["upload"].erase("unit");
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("countries[AAA].upload.unit"));
}

TEST(CatalogTest, InvalidEntriesAreRejectedWithTheirName) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][1]["default_pue"] = {{"value", 1.5}, {"unit", "ratio"}, {"assumption", "x"}};
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[edge].default_pue"));

  j = testing::TinyCatalogJson();
  j["devices"][0]["utilization"]["value"] = 1.5;
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].utilization"));

  j = testing::TinyCatalogJson();
  j["devices"][0]["default_pue"] = {{"preset", "nowhere"}};
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("unknown PUE preset 'nowhere'"));

  j = testing::TinyCatalogJson();
  j["countries"][1]["iso3"] = "AAA";
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("duplicate"));

  j = testing::TinyCatalogJson();
  j["colour"] = "green";
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("unknown key 'colour'"));
}

TEST(CatalogTest, EnvironmentVariableNamesADirectoryThatOverridesTheEmbeddedCopy) {
  namespace fs = std::filesystem;
  const fs::path dir = testing::ScratchDir("fedcarbon_catalog");
  nlohmann::json j = testing::TinyCatalogJson();
  {
    std::ofstream(dir / "devices.json") << nlohmann::json{
        {"devices", j["devices"]},
        {"memory_w_per_gb", j["memory_w_per_gb"]},
        {"reference_step_flops", j["reference_step_flops"]},
        {"pue_presets", j["pue_presets"]}}.dump();
    std::ofstream(dir / "countries.json") << nlohmann::json{{"countries", j["countries"]}}.dump();
    std::ofstream(dir / "networks.json") << nlohmann::json{{"networks", j["networks"]}}.dump();
  }
  ASSERT_EQ(setenv("FEDCARBON_CATALOG", dir.c_str(), 1), 0);
  Result<Catalog> cat = Catalog::Default();
  unsetenv("FEDCARBON_CATALOG");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_TRUE(cat->Device("edge").ok());
  EXPECT_FALSE(cat->Device("v100").ok());

  std::ofstream(dir / "networks.json") << "{ not json";
  Result<Catalog> bad = Catalog::FromDirectory(dir.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("networks.json"));
  fs::remove_all(dir);
}

TEST(CatalogTest, ShippedDataFilesParseFromTheSourceTreeToo) {
  Result<Catalog> cat =
      Catalog::FromDirectory(std::string(FEDCARBON_SOURCE_DIR) + "/sim/energy/data");
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  Result<Catalog> embedded = Catalog::Default();
  ASSERT_TRUE(embedded.ok());
  EXPECT_EQ(cat->devices().size(), embedded->devices().size());
  EXPECT_EQ(cat->countries().size(), embedded->countries().size());
}

}  // namespace
}  // namespace fedcarbon::energy

namespace fedcarbon::energy {
namespace {

// Every shipped profile, country and network model, and every country's grid intensity, is
// named in docs/methodology.md, so each default constant traces to the document.
TEST(CatalogTest, EveryShippedEntryIsDocumented) {
  std::ifstream in(std::string(FEDCARBON_SOURCE_DIR) + "/docs/methodology.md");
  ASSERT_TRUE(in) << "docs/methodology.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  Result<Catalog> cat = Catalog::Default();
  ASSERT_TRUE(cat.ok());
  for (const DeviceProfile& d : cat->devices()) EXPECT_THAT(doc, HasSubstr(d.name)) << d.name;
  for (const NetworkModel& n : cat->networks()) EXPECT_THAT(doc, HasSubstr(n.name)) << n.name;
  for (const Country& c : cat->countries()) {
    EXPECT_THAT(doc, HasSubstr("| " + c.iso3 + " |")) << c.iso3;
    char value[32];
    std::snprintf(value, sizeof(value), "| %g |", c.carbon_intensity_g_per_kwh);
    EXPECT_THAT(doc, HasSubstr(value)) << c.iso3;
  }
  for (const auto& [name, pue] : cat->pue_presets()) {
    char value[32];
    std::snprintf(value, sizeof(value), "**%g**", pue);
    EXPECT_THAT(doc, HasSubstr(value)) << name;
  }
  EXPECT_THAT(doc, HasSubstr("0.3725 W/GB"));
}

}  // namespace
}  // namespace fedcarbon::energy
