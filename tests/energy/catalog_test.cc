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
#include "fedcarbon/energy/pricing.h"
#include "quantity.h"  // sim/energy (internal)

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
  // Relations the table relies on (constants, not tuned outcomes): a K80 does less per joule on
  // the Table 4 step (752,265,368 FLOP, the CNN at batch 10 with Adam), under both methods.
  Activity step;
  step.flops = 752'265'368;
  step.steps = 1;
  for (PowerMethod m : {PowerMethod::kFitted, PowerMethod::kNameplate}) {
    Result<Catalog> priced = cat->WithMethod(m);
    ASSERT_TRUE(priced.ok()) << priced.status().ToString();
    const DeviceProfile v100 = *priced->Device("v100");
    const DeviceProfile k80 = *priced->Device("k80");
    const auto joules = [&](const DeviceProfile& d) {
      return ModelledTime(d, step).compute_s * ComputePowerW(d, step);
    };
    EXPECT_LT(joules(v100), joules(k80)) << PowerMethodName(m);
  }
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
  // Ten 1e9-FLOP steps: max(1e10 / (100 GFLOP/s * 50%), 10 x 30 ms) = max(0.2 s, 0.3 s), busy 2/3.
  Activity a;
  a.flops = 10'000'000'000ULL;
  a.steps = 10;
  const DeviceProfile edge = *cat->Device("edge");
  EXPECT_NEAR(ModelledTime(edge, a).compute_s, 0.3, 1e-15);
  EXPECT_NEAR(ModelledTime(edge, a).busy_fraction, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(edge.idle_w, 2.0, 1e-15);  // 2000 mW
  EXPECT_NEAR(ComputePowerW(edge, a), 2.0 + 2.0 / 3.0 * 3.0, 1e-12);
  // The same FLOPs in one step are compute-bound: 0.2 s, busy the whole time, 5 W.
  a.steps = 1;
  EXPECT_NEAR(ModelledTime(edge, a).compute_s, 0.2, 1e-15);
  EXPECT_NEAR(ComputePowerW(edge, a), 5.0, 1e-12);
  // Unknown steps (a ledger from before they were recorded): arithmetic alone.
  a.steps = 0;
  EXPECT_NEAR(ModelledTime(edge, a).compute_s, 0.2, 1e-15);
  EXPECT_NEAR(ComputePowerW(*cat->Device("dc"), a), 164.0, 1e-12);   // 0.15 kW busy + 10 + 4
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
  j["devices"][0]["embodied"]["duty_cycle"]["value"] = 1.5;
  j["devices"][0]["embodied"]["duty_cycle"]["range"] = {1.5, 1.5};
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].embodied.duty_cycle"));

  j = testing::TinyCatalogJson();
  j["devices"][0]["idle_w"]["value"] = 200;
  j["devices"][0]["idle_w"]["range"] = {200, 200};
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].idle_w: above active_w"));

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

TEST(CatalogTest, UnitsComeFromAFixedSetAndAreConverted) {
  using internal::Dimension;
  using internal::UnitScale;
  EXPECT_EQ(*UnitScale(Dimension::kPower, "kW"), 1e3);
  EXPECT_EQ(*UnitScale(Dimension::kPower, "mW"), 1e-3);
  EXPECT_EQ(*UnitScale(Dimension::kFlopRate, "TFLOP/s"), 1e12);
  EXPECT_EQ(*UnitScale(Dimension::kFlopRate, "GFLOP/s"), 1e9);
  EXPECT_EQ(*UnitScale(Dimension::kBandwidth, "Gbit/s"), 1e3);
  EXPECT_EQ(*UnitScale(Dimension::kIntensity, "kgCO2e/kWh"), 1e3);
  EXPECT_EQ(*UnitScale(Dimension::kEnergyPerData, "Wh/GB"), 1e-3);
  EXPECT_EQ(*UnitScale(Dimension::kTime, "us"), 1e-6);
  EXPECT_EQ(*UnitScale(Dimension::kMass, "tCO2e"), 1e3);
  EXPECT_FALSE(UnitScale(Dimension::kPower, "kw").ok());       // case matters
  EXPECT_FALSE(UnitScale(Dimension::kPower, "GFLOP/s").ok());  // another dimension's unit

  // A value in kW is read as watts; the written unit and range convert with it.
  nlohmann::json j = testing::TinyCatalogJson();
  j["countries"][0]["download"] = {
      {"value", 0.1}, {"unit", "Gbit/s"}, {"assumption", "x"}, {"range", {0.05, 0.2}}};
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_DOUBLE_EQ(cat->FindCountry("AAA")->download_mbps, 100.0);

  j = testing::TinyCatalogJson();
  j["devices"][0]["active_w"]["unit"] = "kw";
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(),
              HasSubstr("devices[dc].active_w.unit: 'kw' is not one of W, kW, mW"));
}

TEST(CatalogTest, UnknownKeysAreErrorsNamingTheEntryAndTheKey) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"devices", "0", "activ_w"}, "devices[dc]: unknown key 'activ_w'"},
      {{"devices", "0", "active_w", "vaule"}, "devices[dc].active_w: unknown key 'vaule'"},
      {{"devices", "1", "throughput_model", "overhead"},
       "devices[edge].throughput_model: unknown key 'overhead'"},
      {{"devices", "0", "embodied", "recycling"}, "devices[dc].embodied: unknown key 'recycling'"},
      {{"devices", "0", "utilization"}, "devices[dc]: unknown key 'utilization'"},
      {{"countries", "0", "dowload"}, "countries[AAA]: unknown key 'dowload'"},
      {{"networks", "0", "router"}, "networks[qiu]: unknown key 'router'"},
  };
  for (const auto& [path, message] : cases) {
    nlohmann::json j = testing::TinyCatalogJson();
    nlohmann::json* node = &j;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      node = node->is_array() ? &(*node)[std::stoul(path[i])] : &(*node)[path[i]];
    }
    (*node)[path.back()] = 1;
    Result<Catalog> cat = Catalog::FromJson(j);
    ASSERT_FALSE(cat.ok()) << message;
    EXPECT_THAT(cat.status().message(), HasSubstr(message));
  }
}

TEST(CatalogTest, AnAssumptionNeedsARangeHoldingItsValue) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][0]["cpu_w"].erase("range");
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].cpu_w.range: an assumption needs"));

  j = testing::TinyCatalogJson();
  j["devices"][0]["cpu_w"]["range"] = {11, 20};  // value 10 outside
  cat = Catalog::FromJson(j);
  ASSERT_FALSE(cat.ok());
  EXPECT_THAT(cat.status().message(), HasSubstr("devices[dc].cpu_w.range: [11, 20]"));

  // A sourced number needs no range.
  j = testing::TinyCatalogJson();
  EXPECT_FALSE(j["networks"][1]["kwh_per_gb"].contains("range"));
  EXPECT_TRUE(Catalog::FromJson(j).ok());
}

TEST(CatalogTest, RangedValuesCanBeSetOneAtATimeAndTheIdFollowsTheConstants) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][0]["idle_w"]["range"] = {20, 40};
  j["countries"][0]["upload"]["range"] = {5, 50};
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  std::vector<std::string> names;
  for (const RangedValue& r : cat->ranged()) names.push_back(r.name);
  EXPECT_THAT(names, ::testing::Contains("devices[dc].idle_w"));
  EXPECT_THAT(names, ::testing::Contains("countries[AAA].upload"));
  EXPECT_THAT(names, ::testing::Contains("devices[edge].throughput_model.step_overhead"));
  for (const RangedValue& r : cat->ranged()) {
    if (r.name == "countries[AAA].upload") {
      EXPECT_EQ(r.unit, "Mbit/s");
      EXPECT_EQ(r.lo, 5);
      EXPECT_EQ(r.hi, 50);
    }
  }
  Result<Catalog> slower = cat->WithValue("countries[AAA].upload", 5);
  ASSERT_TRUE(slower.ok()) << slower.status().ToString();
  EXPECT_EQ(slower->FindCountry("AAA")->upload_mbps, 5.0);
  EXPECT_EQ(cat->FindCountry("AAA")->upload_mbps, 10.0);  // the original is unchanged
  EXPECT_NE(slower->id(), cat->id());
  EXPECT_EQ(Catalog::FromJson(j)->id(), cat->id());  // same constants, same id
  EXPECT_EQ(cat->id().rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(cat->id().size(), 8u + 16u);
  // Out of the documented range is re-validated like a file.
  EXPECT_FALSE(cat->WithValue("countries[AAA].upload", 60).ok());
  EXPECT_FALSE(cat->WithValue("countries[ZZZ].upload", 6).ok());
}

TEST(CatalogTest, EmbodiedGramsPerHourByHand) {
  // 1000 kg over 5 years at duty cycle 0.5: 1,000,000 g / (5 * 8760 * 0.5 h) = 45.6621 g/h.
  EXPECT_NEAR(EmbodiedGramsPerHour(1000, 5, 0.5), 1e6 / 21900.0, 1e-9);
  Result<Catalog> cat = Catalog::FromJson(testing::TinyCatalogJson());
  ASSERT_TRUE(cat.ok());
  EXPECT_NEAR(cat->Device("dc")->embodied_g_per_h, 45.662100456621, 1e-9);
  // Every shipped profile carries an embodied rate.
  Result<Catalog> shipped = Catalog::Default();
  ASSERT_TRUE(shipped.ok());
  for (const DeviceProfile& d : shipped->devices()) EXPECT_GT(d.embodied_g_per_h, 0.0) << d.name;
}

TEST(CatalogTest, StepTimeIsTheLargerOfArithmeticAndOverhead) {
  const StepModel launch_bound = ModelStep(1e9, 1e12, 0.1, 0.02);  // 0.01 s of arithmetic
  EXPECT_DOUBLE_EQ(launch_bound.arith_s, 0.01);
  EXPECT_DOUBLE_EQ(launch_bound.step_s, 0.02);
  EXPECT_DOUBLE_EQ(launch_bound.busy_fraction, 0.5);
  EXPECT_DOUBLE_EQ(launch_bound.throughput_flops, 5e10);
  const StepModel compute_bound = ModelStep(1e9, 1e12, 0.1, 0.001);
  EXPECT_DOUBLE_EQ(compute_bound.step_s, 0.01);
  EXPECT_DOUBLE_EQ(compute_bound.busy_fraction, 1.0);
  EXPECT_DOUBLE_EQ(compute_bound.throughput_flops, 1e11);
}

TEST(CatalogTest, EnvironmentVariableNamesADirectoryThatOverridesTheEmbeddedCopy) {
  namespace fs = std::filesystem;
  const fs::path dir = testing::ScratchDir("fedcarbon_catalog");
  nlohmann::json j = testing::TinyCatalogJson();
  {
    std::ofstream(dir / "devices.json") << nlohmann::json{
        {"devices", j["devices"]},
        {"memory_w_per_gb", j["memory_w_per_gb"]},
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

TEST(CatalogTest, ATiedValueMovesWithTheValueItIsTiedTo) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][0]["cpu_w"] = {
      {"value", 10}, {"unit", "W"}, {"assumption", "t"}, {"range", {5, 20}}};
  j["devices"][2]["cpu_w"] = {{"same_as", "devices[dc].cpu_w"}, {"note", "same host"}};
  Result<Catalog> cat = Catalog::FromJson(j);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_DOUBLE_EQ(cat->Device("host")->cpu_w, 10.0);
  // One parameter, not two: the tie is listed with the value it follows.
  int named = 0;
  for (const RangedValue& r : cat->ranged()) {
    EXPECT_NE(r.name, "devices[host].cpu_w");
    if (r.name == "devices[dc].cpu_w") {
      ++named;
      EXPECT_EQ(r.tied, std::vector<std::string>{"devices[host].cpu_w"});
      EXPECT_EQ(r.distribution, "log-uniform");  // 20 >= 3 x 5
    }
  }
  EXPECT_EQ(named, 1);
  Result<Catalog> moved = cat->WithValue("devices[dc].cpu_w", 17.0);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_DOUBLE_EQ(moved->Device("dc")->cpu_w, 17.0);
  EXPECT_DOUBLE_EQ(moved->Device("host")->cpu_w, 17.0);
  EXPECT_FALSE(cat->WithValue("devices[host].cpu_w", 17.0).ok());

  j["devices"][2]["cpu_w"] = {{"same_as", "devices[dc].cpu_watts"}};
  Result<Catalog> bad = Catalog::FromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("devices[host].cpu_w"));
  EXPECT_THAT(bad.status().message(), HasSubstr("devices[dc].cpu_watts"));
}

TEST(CatalogTest, TheNameplateMethodPricesTheNameplatePowerForTheWholeTime) {
  nlohmann::json j = testing::TinyCatalogJson();
  j["devices"][1]["nameplate_w"] = {
      {"value", 7}, {"unit", "W"}, {"source", "datasheet"}, {"year", 2020}};
  Result<Catalog> fitted = Catalog::FromJson(j);
  ASSERT_TRUE(fitted.ok()) << fitted.status().ToString();
  Result<Catalog> nameplate = fitted->WithMethod(PowerMethod::kNameplate);
  ASSERT_TRUE(nameplate.ok()) << nameplate.status().ToString();
  EXPECT_EQ(nameplate->method(), PowerMethod::kNameplate);
  EXPECT_NE(nameplate->id(), fitted->id());
  EXPECT_EQ(nameplate->WithMethod(PowerMethod::kFitted)->id(), fitted->id());
  Activity a;  // launch-bound: 0.3 s modelled under both methods
  a.flops = 10'000'000'000ULL;
  a.steps = 10;
  EXPECT_NEAR(ComputePowerW(*fitted->Device("edge"), a), 4.0, 1e-12);
  EXPECT_NEAR(ComputePowerW(*nameplate->Device("edge"), a), 7.0, 1e-12);
  EXPECT_NEAR(ModelledTime(*nameplate->Device("edge"), a).compute_s, 0.3, 1e-15);
  // Without nameplate_w the nameplate is active_w; dc: 150 W + 10 W cpu + 4 W memory.
  EXPECT_NEAR(ComputePowerW(*nameplate->Device("dc"), a), 164.0, 1e-12);
  EXPECT_FALSE(ParsePowerMethod("measured").ok());
}

TEST(CatalogTest, WideRangesAreDrawnLogUniformAndTheOthersUniform) {
  Result<Catalog> cat = Catalog::Default();
  ASSERT_TRUE(cat.ok());
  for (const RangedValue& r : cat->ranged()) {
    if (r.lo > 0 && r.hi >= 3 * r.lo) {
      EXPECT_EQ(r.distribution, "log-uniform") << r.name;
    } else {
      EXPECT_EQ(r.distribution, "uniform") << r.name;
    }
  }
}

}  // namespace
}  // namespace fedcarbon::energy
