// Config text the fuzzer found FromJson or --set mishandling (fuzz/regressions/config_json/): a
// config FromJson accepts always serializes (ToJson(...).dump() does not throw) and gives every
// client a device and a country.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config {
namespace {

using ::testing::HasSubstr;

TEST(ConfigHostileTest, AnOverrideValueThatIsNotUtf8IsRejected) {
  nlohmann::json j = ToJson(ExperimentConfig{});
  Status st = ApplyOverride(j,
                            "clients.device=\x99\xb1"
                            "FA");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("clients.device"));
  EXPECT_THAT(st.message(), HasSubstr("not UTF-8"));
  st = ApplyOverride(j, "name=caf\xc3\xa9");  // UTF-8 is fine
  EXPECT_TRUE(st.ok()) << st.ToString();
  auto c = FromJson(j);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "caf\xc3\xa9");
}

TEST(ConfigHostileTest, StringsThatAreNotUtf8AreRejectedWhereverTheyComeFrom) {
  nlohmann::json j = {{"name", std::string("bad\xff")}};
  auto c = FromJson(j);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("name must be UTF-8 text"));
  j = {{"clients", {{"countries", {{std::string("US\xc0"), 1.0}}}}}};
  c = FromJson(j);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("clients.countries"));
  // An error message about a value that is not UTF-8 does not throw while it names it.
  j = {{"train", {{"lr", std::string("\xfe")}}}};
  c = FromJson(j);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("train.lr must be a number"));
}

TEST(ConfigHostileTest, ProportionsThatSumToInfinityAreRejected) {
  const nlohmann::json j = {
      {"clients", {{"device", {{"jetson_tx2", 1e308}, {"raspberry_pi4", 1e308}}}}}};
  auto c = FromJson(j);
  ASSERT_FALSE(c.ok()) << "every share would normalise to 0 and no client would get a device";
  EXPECT_THAT(c.status().message(),
              HasSubstr("clients.device proportions must sum to > 0 and be finite"));
}

// Normalising proportions is idempotent: a config read back from its ToJson (a run's
// config.json, a worker's Welcome) is the same config, bit for bit, whatever the names' order.
TEST(ConfigHostileTest, ProportionsRoundTripBitForBit) {
  for (const char* odd : {"US-TEX-ERCO", "US-TEX-Epar_lRCO", "ZZ", "AA"}) {
    const nlohmann::json j = {{"clients",
                               {{"countries",
                                 {{"US-CAL-CISO", 1},
                                  {odd, 1},
                                  {"CA-ON", 2},
                                  {"BR-CS", 1},
                                  {"FR", 1},
                                  {"DE", 1},
                                  {"IN-WE", 1},
                                  {"AU-NSW", 1}}}}}};
    auto c = FromJson(j);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    const std::string once = ToJson(*c).dump();
    auto again = FromJson(nlohmann::json::parse(once));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(ToJson(*again).dump(), once) << odd;
  }
}

}  // namespace
}  // namespace fedcarbon::config
