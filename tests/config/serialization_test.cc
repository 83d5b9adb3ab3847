// ToJson's bytes are a contract: sweep point ids hash ToJson(cfg).dump() and run folders record
// it. tests/config/expected/<name>.json holds the dump made by the code before the field table
// (commit of issue 9) for each shipped config; the dump must stay byte-identical. Adding a field
// adds its key to every dump (and so changes sweep point ids): FEDCARBON_UPDATE_EXPECTED=1
// rewrites the files; say why in the commit.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::StartsWith;

const fs::path kSource = FEDCARBON_SOURCE_DIR;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The config of a file: the file itself, or the "base" of a reproduction spec (table4.json).
Result<ExperimentConfig> ConfigOf(const fs::path& p) {
  json j = json::parse(ReadText(p), nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("base") && j["base"].is_object()) j = j["base"];
  return FromJson(j);
}

// Where the input of expected/<name>.json lives ("default" is ExperimentConfig{}).
fs::path InputOf(const std::string& name) {
  for (const char* dir : {"experiments", "tests/golden", "tests/config/inputs"}) {
    const fs::path p = kSource / dir / (name + ".json");
    if (fs::exists(p)) return p;
  }
  return {};
}

TEST(SerializationTest, DumpIsByteIdenticalToTheCommittedExpectations) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "tests/config/expected")) {
    const std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    ExperimentConfig c;
    if (name != "default") {
      const fs::path input = InputOf(name);
      ASSERT_FALSE(input.empty()) << "no input for " << entry.path();
      Result<ExperimentConfig> r = ConfigOf(input);
      ASSERT_TRUE(r.ok()) << r.status().message();
      c = *r;
    }
    if (std::getenv("FEDCARBON_UPDATE_EXPECTED") != nullptr) {
      std::ofstream(entry.path()) << ToJson(c).dump() << "\n";
      continue;
    }
    EXPECT_EQ(ToJson(c).dump() + "\n", ReadText(entry.path()));
    ++checked;
  }
  // default, every-field, integral-numbers, 7 experiments, 2 golden run configs.
  EXPECT_GE(checked, 12);
}

// Any config (also one added after the expectations were made) survives ToJson -> FromJson.
TEST(SerializationTest, EveryShippedConfigRoundTrips) {
  for (const char* dir : {"experiments", "tests/golden", "tests/config/inputs"}) {
    for (const auto& entry : fs::directory_iterator(kSource / dir)) {
      if (entry.path().extension() != ".json") continue;
      const json text = json::parse(ReadText(entry.path()), nullptr, false);
      if (text.contains("base") && !text["base"].is_object()) continue;  // a sweep spec
      SCOPED_TRACE(entry.path().string());
      Result<ExperimentConfig> r = ConfigOf(entry.path());
      ASSERT_TRUE(r.ok()) << r.status().message();
      Result<ExperimentConfig> back = FromJson(ToJson(*r));
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(ToJson(*back).dump(), ToJson(*r).dump());
    }
  }
}

// The dotted keys of every value in ToJson(defaults): "train.lr", "clients.device", ...
std::vector<std::string> LeafKeys(const json& j, const std::string& prefix = "") {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    const std::string dotted = prefix.empty() ? k : prefix + "." + k;
    const bool section =
        v.is_object() && dotted != "clients.device" && dotted != "clients.countries";
    if (!section) keys.push_back(dotted);
    for (std::string& sub : section ? LeafKeys(v, dotted) : std::vector<std::string>{}) {
      keys.push_back(std::move(sub));
    }
  }
  return keys;
}

// Every serialized key is a key of --set, and a value of the wrong type names it.
TEST(SerializationTest, EveryKeyIsSettableAndItsTypeErrorNamesIt) {
  const std::vector<std::string> keys = LeafKeys(ToJson(ExperimentConfig{}));
  EXPECT_EQ(keys.size(), 61u);
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    json j = json::object();
    ASSERT_TRUE(ApplyOverride(j, key + "=null").ok());
    Result<ExperimentConfig> r = FromJson(j);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), StartsWith(key + " must be "));
    EXPECT_THAT(r.status().message(), ::testing::EndsWith("got null"));
  }
}

}  // namespace
}  // namespace fedcarbon::config
