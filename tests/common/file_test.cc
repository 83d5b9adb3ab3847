// Crash-safe files: durable atomic writes, fsync, and cutting an append-only file back to a
// number of lines (rows written after a checkpoint, a torn last line).
#include "fedcarbon/common/file.h"

#include <gtest/gtest.h>

#include "common/scratch.h"

namespace fedcarbon {
namespace {

using testing::ScratchDir;
using testing::Slurp;

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ScratchDir("fedcarbon_file"); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
};

void Write(const std::filesystem::path& p, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(p.string(), text).ok());
}

TEST_F(FileTest, WriteFileDurableReplacesTheWholeFile) {
  const std::filesystem::path& dir = dir_;
  const std::string path = (dir / "checkpoint.bin").string();
  ASSERT_TRUE(WriteFileDurable(path, "first, longer contents").ok());
  ASSERT_TRUE(WriteFileDurable(path, "second").ok());
  EXPECT_EQ(Slurp(path), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1) << "no temporary file is left behind";
  EXPECT_TRUE(SyncFile(path).ok());
  const Status missing = SyncFile((dir / "nope.csv").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("nope.csv"), std::string::npos) << missing.message();
}

TEST_F(FileTest, TruncateToLinesCutsLaterLinesAndATornLastLine) {
  const std::filesystem::path p = dir_ / "ledger.csv";
  Write(p, "header\nrow1\nrow2\nrow3\nrow4\nrow5 torn");
  Result<LinesCut> cut = TruncateToLines(p.string(), 3);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  EXPECT_EQ(Slurp(p), "header\nrow1\nrow2\n");
  EXPECT_EQ(cut->lines, 2);  // row3, row4
  EXPECT_TRUE(cut->torn);
  EXPECT_EQ(cut->bytes, std::string("row3\nrow4\nrow5 torn").size());
}

TEST_F(FileTest, TruncateToLinesCutsATornLineAlone) {
  const std::filesystem::path p = dir_ / "rounds.csv";
  Write(p, "header\nrow1\nro");
  Result<LinesCut> cut = TruncateToLines(p.string(), 2);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  EXPECT_EQ(Slurp(p), "header\nrow1\n");
  EXPECT_EQ(cut->lines, 0);
  EXPECT_TRUE(cut->torn);
  EXPECT_EQ(cut->bytes, 2u);
}

TEST_F(FileTest, TruncateToLinesLeavesAFileOfExactlyThoseLines) {
  const std::filesystem::path p = dir_ / "ledger.csv";
  Write(p, "header\nrow1\n");
  Result<LinesCut> cut = TruncateToLines(p.string(), 2);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  EXPECT_EQ(Slurp(p), "header\nrow1\n");
  EXPECT_EQ(cut->bytes, 0u);
  EXPECT_FALSE(cut->torn);
  Result<LinesCut> none = TruncateToLines(p.string(), 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(Slurp(p), "");
}

TEST_F(FileTest, TruncateToLinesWithLinesMissingIsCorruptionNamingTheFile) {
  const std::filesystem::path p = dir_ / "ledger.csv";
  Write(p, "header\nrow1\nrow2 torn");  // the torn line does not count as a line
  Result<LinesCut> cut = TruncateToLines(p.string(), 3);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(cut.status().message(),
            p.string() + ": 2 complete lines, 3 expected (lines are missing)");
  EXPECT_EQ(Slurp(p), "header\nrow1\nrow2 torn") << "left as it was";
  Result<LinesCut> missing = TruncateToLines((p.parent_path() / "nope.csv").string(), 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace fedcarbon
