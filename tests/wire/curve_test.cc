// CURVE key files: a key pair round-trips through its files (the secret one private), and a bad
// line of a public-key list is named. (Runs over CURVE between processes: tests/e2e/curve_test.cc.)
#include "fedcarbon/wire/curve.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fedcarbon::wire {
namespace {

namespace fs = std::filesystem;

TEST(CurveKeysTest, KeyFilesRoundTripAndBadFilesNameTheLine) {
  const std::string dir =
      (fs::path(::testing::TempDir()) / ("fedcarbon-curvekeys-" + std::to_string(::getpid())))
          .string();
  fs::remove_all(dir);
  ASSERT_TRUE(fs::create_directories(dir)) << dir;
  auto keys = GenerateCurveKeyPair();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_TRUE(WriteCurveKeyFiles(dir + "/a", *keys).ok());
  auto back = ReadCurveKeyFile(dir + "/a.key");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key, keys->public_key);
  EXPECT_EQ(back->secret_key, keys->secret_key);
  EXPECT_EQ(fs::status(dir + "/a.key").permissions() & fs::perms::others_read, fs::perms::none);
  EXPECT_EQ(*ReadPublicKey(dir + "/a.pub"), keys->public_key);
  EXPECT_EQ(*ReadPublicKey(keys->public_key), keys->public_key);
  {
    std::ofstream list(dir + "/bad");
    list << "# allowed workers\n" << keys->public_key << "\nnot-a-key\n";
    ASSERT_TRUE(list.good());
  }
  auto bad = ReadPublicKeyList(dir + "/bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad:3"), std::string::npos) << bad.status().message();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::wire
