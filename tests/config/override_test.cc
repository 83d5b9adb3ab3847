// ApplyOverride and Load: --set a.b=value, and file errors naming the file.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(OverrideTest, ParsesValuesAsJsonElseString) {
  json j = json::object();
  ASSERT_TRUE(ApplyOverride(j, "federation.num_clients=20").ok());
  ASSERT_TRUE(ApplyOverride(j, "train.lr=0.05").ok());
  ASSERT_TRUE(ApplyOverride(j, "train.optimizer=sgd").ok());                      // bare string
  ASSERT_TRUE(ApplyOverride(j, "name=\"quoted\"").ok());                          // JSON string
  ASSERT_TRUE(ApplyOverride(j, "energy.measure_rapl=false").ok());                // bool
  ASSERT_TRUE(ApplyOverride(j, "seed=7").ok());                                   // top level
  ASSERT_TRUE(ApplyOverride(j, "clients.countries={\"FRA\":1,\"USA\":1}").ok());  // object
  ASSERT_TRUE(ApplyOverride(j, "data.path=/tmp/a=b").ok());  // '=' in the value
  EXPECT_EQ(j["federation"]["num_clients"], 20);
  EXPECT_EQ(j["train"]["lr"], 0.05);
  EXPECT_EQ(j["train"]["optimizer"], "sgd");
  EXPECT_EQ(j["name"], "quoted");
  EXPECT_EQ(j["energy"]["measure_rapl"], false);
  EXPECT_EQ(j["data"]["path"], "/tmp/a=b");
  Result<ExperimentConfig> c = FromJson(j);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->federation.num_clients, 20);
  EXPECT_EQ(c->train.optimizer, "sgd");
  EXPECT_EQ(c->seed, 7u);
  EXPECT_FALSE(c->energy.measure_rapl);
  EXPECT_DOUBLE_EQ(c->clients.countries.proportions.at("FRA"), 0.5);
}

TEST(OverrideTest, OverwritesExistingValue) {
  json j = {{"train", {{"lr", 0.1}, {"batch_size", 32}}}};
  ASSERT_TRUE(ApplyOverride(j, "train.lr=0.2").ok());
  EXPECT_EQ(j["train"]["lr"], 0.2);
  EXPECT_EQ(j["train"]["batch_size"], 32);
}

TEST(OverrideTest, UnknownOrMalformedKeysAreErrors) {
  json j = json::object();
  EXPECT_THAT(ApplyOverride(j, "federation.clients_per_rond=3").message(),
              HasSubstr("unknown key 'federation.clients_per_rond'"));
  EXPECT_THAT(ApplyOverride(j, "nosuch=1").message(), HasSubstr("unknown key 'nosuch'"));
  EXPECT_THAT(ApplyOverride(j, "train.lr.x=1").message(), HasSubstr("unknown key 'train.lr.x'"));
  EXPECT_THAT(ApplyOverride(j, "clients.countries.FRA=1").message(),
              HasSubstr("clients.countries takes a whole value"));
  EXPECT_THAT(ApplyOverride(j, "train.lr").message(), HasSubstr("must look like key=value"));
  EXPECT_THAT(ApplyOverride(j, "=3").message(), HasSubstr("must look like key=value"));
  EXPECT_EQ(j, json::object()) << "a failed override must not create sections";
  json bad = {{"train", 3}};
  EXPECT_THAT(ApplyOverride(bad, "train.lr=1").message(), HasSubstr("train is not an object"));
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fedcarbon_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::filesystem::path dir_;
};

TEST_F(LoadTest, LoadsFileAndAppliesOverrides) {
  const std::string p = Write("ok.json", R"({"name": "x", "federation": {"num_clients": 4,
      "clients_per_round": 2}})");
  Result<ExperimentConfig> c = Load(p, {"federation.rounds=3", "partition.scheme=dirichlet"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "x");
  EXPECT_EQ(c->federation.rounds, 3);
  EXPECT_EQ(c->partition.scheme, "dirichlet");
  // An override can create a section the file does not have.
  c = Load(p, {"train.batch_size=64"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->train.batch_size, 64);
}

TEST_F(LoadTest, ErrorsNameTheFile) {
  const std::string missing = (dir_ / "missing.json").string();
  Result<ExperimentConfig> c = Load(missing);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(missing + ": cannot open"));

  const std::string broken = Write("broken.json", "{\"name\": \"x\",\n  \"seed\": }");
  c = Load(broken);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr(broken + ": not valid JSON"));
  EXPECT_THAT(c.status().message(), HasSubstr("line 2"));

  const std::string bad = Write("bad.json", R"({"federation": {"num_clients": 2}})");
  c = Load(bad);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr(bad + ": federation.clients_per_round must be <= federation.num_clients"));

  c = Load(Write("ok.json", "{}"), {"federation.clients_per_rond=3"});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("--set: unknown key 'federation.clients_per_rond'"));

  c = Load(Write("list.json", "[1, 2]"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("must be a JSON object"));
}

// A file that cannot be opened is NotFound; bad JSON, keys, values and overrides are
// InvalidArgument; all of them are bad input (exit code 2).
TEST_F(LoadTest, ErrorsCarryCodes) {
  const auto code_of = [](const std::string& path, std::vector<std::string> overrides = {}) {
    Result<ExperimentConfig> c = Load(path, overrides);
    EXPECT_FALSE(c.ok()) << path;
    EXPECT_EQ(ExitCode(c.status()), 2) << c.status().message();
    return c.status().code();
  };
  EXPECT_EQ(code_of((dir_ / "missing.json").string()), StatusCode::kNotFound);
  EXPECT_EQ(code_of(Write("broken.json", "{")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(Write("list.json", "[]")), StatusCode::kInvalidArgument);
  const std::string ok = Write("ok.json", "{}");
  EXPECT_EQ(code_of(Write("key.json", R"({"sede": 1})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(Write("value.json", R"({"train": {"lr": -1}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(Write("cross.json", R"({"federation": {"num_clients": 2}})")),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(ok, {"nosuch=1"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(ok, {"train.lr"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code_of(ok, {"train.lr=-1"}), StatusCode::kInvalidArgument);
  json not_object = json::array();
  EXPECT_EQ(ApplyOverride(not_object, "train.lr=1").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fedcarbon::config
