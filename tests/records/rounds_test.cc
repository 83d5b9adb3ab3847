#include "fedcarbon/records/rounds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <algorithm>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "fedcarbon/common/csv.h"
#include "records/scratch.h"

namespace fedcarbon::records {
namespace {

namespace fs = std::filesystem;
using testing::Golden;
using ::testing::HasSubstr;
using testing::ScratchDir;
using testing::Slurp;
using testing::Write;

// What server/round.cc (RecordRound) wrote before the typed records.
std::string OldRow(const RoundRecord& r) {
  std::string acc, loss;
  if (r.accuracy) acc = std::to_string(*r.accuracy);
  if (r.loss) loss = std::to_string(*r.loss);
  const size_t selected = static_cast<size_t>(r.selected);
  char line[512];
  std::snprintf(line, sizeof(line), "%d,%zu,%d,%d,%s,%s,%llu,%llu,%.6f,%.6f,%.6f\n", r.round,
                selected, r.completed, r.dropped, acc.c_str(), loss.c_str(),
                static_cast<unsigned long long>(r.bytes_down),
                static_cast<unsigned long long>(r.bytes_up), r.wall_s, r.collect_s, r.eval_s);
  return line;
}

// The first 11 columns are exactly what the coordinator wrote before simulated time (OldRow, with
// its newline), then the 5 simulated-time columns.
bool IsOldRowThenSimColumns(const std::string& row, const std::string& old_row) {
  const std::string old = old_row.substr(0, old_row.size() - 1);
  if (row.compare(0, old.size(), old) != 0 || row.size() <= old.size() || row[old.size()] != ',')
    return false;
  return std::count(row.begin() + old.size(), row.end(), ',') == 5;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(RoundRecordTest, HeaderIsTheCoordinatorsHeader) {
  EXPECT_EQ(RoundsCsvHeader(),
            "round,selected,completed,dropped,accuracy,loss,bytes_down,bytes_up,wall_s,"
            "collect_s,eval_s,late,offline,sim_start,sim_end,shift_h");
  EXPECT_EQ(RoundsCsvColumns().size(), 16u);
}

TEST(RoundRecordTest, GoldenRowsParseAndFormatBackByteForByte) {
  const std::string text = Slurp(Golden("rounds.csv"));
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 5u) << Golden("rounds.csv");
  EXPECT_EQ(lines[0], RoundsCsvHeader());
  Result<std::vector<RoundRecord>> rounds = ReadRounds(Golden("rounds.csv").string());
  ASSERT_TRUE(rounds.ok()) << rounds.status().ToString();
  ASSERT_EQ(rounds->size(), 4u);
  for (size_t i = 0; i < rounds->size(); ++i) {
    EXPECT_EQ(FormatRoundRow((*rounds)[i]), lines[i + 1]);
    EXPECT_TRUE(IsOldRowThenSimColumns(FormatRoundRow((*rounds)[i]), OldRow((*rounds)[i])));
  }
  const RoundRecord& first = (*rounds)[0];
  EXPECT_EQ(first.round, 1);
  EXPECT_EQ(first.selected, 8);
  EXPECT_EQ(first.bytes_down, 3187968u);  // 8 TrainRequests of 398,496 bytes (protocol 3)
  ASSERT_TRUE(first.accuracy.has_value());
  EXPECT_DOUBLE_EQ(*first.accuracy, 0.5899);  // round 1 of the golden file
}

TEST(RoundRecordTest, RoundsWithoutEvaluationHaveEmptyAccuracyAndLoss) {
  RoundRecord r;
  r.round = 1;
  r.selected = 2;
  r.completed = 2;
  r.bytes_down = 100;
  r.bytes_up = 100;
  r.wall_s = 0.1;
  r.collect_s = 0.1;
  EXPECT_EQ(FormatRoundRow(r),
            "1,2,2,0,,,100,100,0.100000,0.100000,0.000000,0,0,0.000,0.000,0.000000");
  EXPECT_TRUE(IsOldRowThenSimColumns(FormatRoundRow(r), OldRow(r)));
  Result<CsvTable> t = ParseCsv(RoundsCsvHeader() + "\n" + FormatRoundRow(r) + "\n", "mem");
  ASSERT_TRUE(t.ok());
  Result<RoundRecord> back = ParseRoundRow(t->header(), t->rows()[0], "mem");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(back->accuracy.has_value());

  r.accuracy = 0.123456789;  // more digits than the file keeps
  r.loss = 2.5;
  r.eval_s = 0.01;
  EXPECT_EQ(FormatRoundRow(r),
            "1,2,2,0,0.123457,2.500000,100,100,0.100000,0.100000,0.010000,0,0,0.000,0.000,"
            "0.000000");
  EXPECT_TRUE(IsOldRowThenSimColumns(FormatRoundRow(r), OldRow(r)));
}

TEST(RoundRecordTest, ColumnsAreFoundByNameInAnyOrder) {
  const std::vector<std::string> header = {"shift_h",  "sim_end",    "sim_start", "offline",
                                           "late",     "eval_s",     "collect_s", "wall_s",
                                           "bytes_up", "bytes_down", "loss",      "accuracy",
                                           "dropped",  "completed",  "selected",  "round"};
  Result<RoundRecord> r = ParseRoundRow(header,
                                        {"1.5", "200", "100", "2", "3", "0.5", "1", "2", "30", "40",
                                         "0.9", "0.75", "1", "9", "10", "7"},
                                        "mem");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->round, 7);
  EXPECT_EQ(r->selected, 10);
  EXPECT_EQ(r->bytes_down, 40u);
  EXPECT_EQ(r->accuracy, 0.75);
  EXPECT_EQ(r->eval_s, 0.5);
  EXPECT_EQ(r->late, 3);
  EXPECT_EQ(r->sim_end, 200.0);
  EXPECT_EQ(r->shift_h, 1.5);
}

TEST(RoundRecordTest, BadRowsAreErrorsNamingTheColumn) {
  const std::vector<std::string>& header = RoundsCsvColumns();
  auto error = [&](std::vector<std::string> cells, RoundColumns mode = RoundColumns::kAll,
                   const std::vector<std::string>* h = nullptr) {
    Result<RoundRecord> r = ParseRoundRow(h ? *h : header, cells, "rounds.csv line 2", mode);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    return r.status().message();
  };
  EXPECT_THAT(
      error({"1", "2", "2", "0", "", "", "100", "12x", "0.1", "0.1", "0", "0", "0", "0", "0", "0"}),
      HasSubstr("rounds.csv line 2 column 'bytes_up': not a non-negative integer: '12x'"));
  EXPECT_THAT(
      error({"1", "2", "2", "0", "", "", "-1", "1", "0.1", "0.1", "0", "0", "0", "0", "0", "0"}),
      HasSubstr("column 'bytes_down'"));
  EXPECT_THAT(
      error({"1.5", "2", "2", "0", "", "", "1", "1", "0.1", "0.1", "0", "0", "0", "0", "0", "0"}),
      HasSubstr("column 'round': not an integer: '1.5'"));
  EXPECT_THAT(
      error({"1", "2", "2", "0", "nan", "", "1", "1", "0.1", "0.1", "0", "0", "0", "0", "0", "0"}),
      HasSubstr("column 'accuracy'"));
  EXPECT_THAT(
      error({"1", "2", "2", "0", "", "", "1", "1", "", "0.1", "0", "0", "0", "0", "0", "0"}),
      HasSubstr("column 'wall_s'"));
  EXPECT_THAT(error({"1", "2"}), HasSubstr("2 fields, the header has 16"));
  const std::vector<std::string> renamed = {"round",   "selected",  "completed",  "dropped",
                                            "acc",     "loss",      "bytes_down", "bytes_up",
                                            "wall_s",  "collect_s", "eval_s",     "late",
                                            "offline", "sim_start", "sim_end",    "shift_h"};
  EXPECT_THAT(
      error({"1", "2", "2", "0", "0.5", "1", "1", "1", "0.1", "0.1", "0", "0", "0", "0", "0", "0"},
            RoundColumns::kAll, &renamed),
      HasSubstr("missing column 'accuracy'"));
}

// The progress line reads whatever columns a file has, but always the round.
TEST(RoundRecordTest, PresentColumnsModeNeedsOnlyTheRound) {
  const std::vector<std::string> header = {"accuracy", "round"};
  Result<RoundRecord> r = ParseRoundRow(header, {"0.8123", "3"}, "mem", RoundColumns::kPresent);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->round, 3);
  EXPECT_EQ(r->accuracy, 0.8123);
  EXPECT_EQ(r->bytes_up, 0u);
  Result<RoundRecord> all = ParseRoundRow(header, {"0.8123", "3"}, "mem");
  EXPECT_THAT(all.status().message(), HasSubstr("missing column 'selected'"));
  Result<RoundRecord> no_round =
      ParseRoundRow({"accuracy"}, {"0.5"}, "mem", RoundColumns::kPresent);
  EXPECT_THAT(no_round.status().message(), HasSubstr("missing column 'round'"));
}

TEST(RoundRecordTest, ReadRoundsNamesTheFileAndLine) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  Result<std::vector<RoundRecord>> none = ReadRounds((dir / "rounds.csv").string());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  Write(dir / "rounds.csv", RoundsCsvHeader() + "\n1,2,2,0,,,100,100,0.1,0.1,0,0,0,0,0,0\n" +
                                "2,2,2,0,0.5,1.2,100,x,0.1,0.1,0.01,0,0,0,0,0\n");
  Result<std::vector<RoundRecord>> bad = ReadRounds((dir / "rounds.csv").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr((dir / "rounds.csv").string() + " line 3 column 'bytes_up'"));
  Write(dir / "rounds.csv", RoundsCsvHeader() + "\n");
  Result<std::vector<RoundRecord>> empty = ReadRounds((dir / "rounds.csv").string());
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::records
