// launch.json (records::LaunchRecord): the keys and JSON types, a round trip through the file,
// and errors naming the file and the key.
#include "fedcarbon/records/launch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "records/scratch.h"

namespace fedcarbon::records {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::ScratchDir;
using testing::Slurp;
using testing::Write;

LaunchRecord Sample() {
  return {.coordinator_cpu_s = 12.5,
          .workers_cpu_s = 50.123456789,
          .launcher_cpu_s = 0.0625,
          .wall_s = 30.1,
          .workers = 2,
          .worker_restarts = 1};
}

TEST(LaunchRecordTest, KeysAndTypes) {
  EXPECT_STREQ(kLaunchRecordFile, "launch.json");
  const json j = ToJson(Sample());
  EXPECT_EQ(j, json::parse(R"({"coordinator_cpu_s": 12.5, "workers_cpu_s": 50.123456789,
                               "launcher_cpu_s": 0.0625, "wall_s": 30.1, "workers": 2,
                               "worker_restarts": 1})"));
  EXPECT_TRUE(j["workers"].is_number_integer());
  EXPECT_TRUE(j["worker_restarts"].is_number_integer());
  EXPECT_TRUE(ToJson(LaunchRecord{})["coordinator_cpu_s"].is_number_float());  // 0.0, not 0
}

TEST(LaunchRecordTest, RoundTripsThroughTheFile) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / kLaunchRecordFile).string();
  ASSERT_TRUE(WriteLaunchRecord(path, Sample()).ok());
  EXPECT_EQ(Slurp(path), ToJson(Sample()).dump(2) + "\n");
  Result<LaunchRecord> back = ReadLaunchRecord(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
  fs::remove_all(dir);
}

TEST(LaunchRecordTest, AMissingOrMistypedKeyIsAnErrorNamingFileAndKey) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / kLaunchRecordFile).string();
  Result<LaunchRecord> none = ReadLaunchRecord(path);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr(path));

  json j = ToJson(Sample());
  j.erase("workers_cpu_s");
  Write(path, j.dump());
  Result<LaunchRecord> bad = ReadLaunchRecord(path);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(bad.status().message(), HasSubstr(path));
  EXPECT_THAT(bad.status().message(), HasSubstr("missing key 'workers_cpu_s'"));

  LaunchRecord r;
  j = ToJson(Sample());
  j["workers"] = 2.5;
  Status st = FromJson(j, "run/launch.json", &r);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_THAT(st.message(), HasSubstr("'workers' must be an integer"));
  j = ToJson(Sample());
  j["launcher_cpu_s"] = "fast";
  EXPECT_THAT(FromJson(j, "run/launch.json", &r).message(),
              HasSubstr("'launcher_cpu_s' must be a number"));
  EXPECT_THAT(FromJson(json::array(), "run/launch.json", &r).message(),
              HasSubstr("not a JSON object"));
  j = ToJson(Sample());
  j["extra"] = 1;  // unknown keys are ignored
  EXPECT_TRUE(FromJson(j, "run/launch.json", &r).ok());
  EXPECT_EQ(r, Sample());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::records
