#include "fedcarbon/records/curve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "records/scratch.h"

namespace fedcarbon::records {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ScratchDir;
using testing::Slurp;
using testing::Write;

// What sim/experiment/centralized.cc (CurveCsv) wrote before the typed records.
std::string OldCurveCsv(const std::vector<CurvePoint>& curve) {
  std::ostringstream out;
  out << "epoch,steps,samples,train_loss,test_accuracy,test_loss,train_flops,train_s\n";
  char line[256];
  for (const CurvePoint& p : curve) {
    std::snprintf(line, sizeof(line), "%d,%lld,%lld,%.6f,%.4f,%.6f,%llu,%.3f\n", p.epoch,
                  static_cast<long long>(p.steps), static_cast<long long>(p.samples), p.train_loss,
                  p.test_accuracy, p.test_loss, static_cast<unsigned long long>(p.train_flops),
                  p.train_s);
    out << line;
  }
  return out.str();
}

std::vector<CurvePoint> Sample() {
  return {{1, 6000, 60000, 0.51234567, 0.84567, 0.4321, 4'416'000'000'000ULL, 181.23456},
          {2, 12000, 120000, 0.3, 0.8766, 0.35, 8'832'000'000'000ULL, 362.5}};
}

TEST(CurveTest, WritesWhatCentralizedWrote) {
  EXPECT_EQ(FormatCurve(Sample()), OldCurveCsv(Sample()));
  EXPECT_EQ(FormatCurve({}), OldCurveCsv({}));
  EXPECT_EQ(CurveCsvHeader(),
            "epoch,steps,samples,train_loss,test_accuracy,test_loss,train_flops,train_s");
}

TEST(CurveTest, AFileReadsAndFormatsBackByteForByte) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "curve.csv").string();
  ASSERT_TRUE(WriteCurve(path, Sample()).ok());
  const std::string text = Slurp(path);
  Result<std::vector<CurvePoint>> read = ReadCurve(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].train_flops, 8'832'000'000'000ULL);
  EXPECT_EQ((*read)[1].steps, 12000);
  EXPECT_DOUBLE_EQ((*read)[0].test_accuracy, 0.8457);  // as the file keeps it
  EXPECT_EQ(FormatCurve(*read), text);
  fs::remove_all(dir);
}

TEST(CurveTest, BadFilesAreErrorsNamingFileLineAndColumn) {
  const fs::path dir = ScratchDir("fedcarbon_records");
  const std::string path = (dir / "curve.csv").string();
  EXPECT_EQ(ReadCurve(path).status().code(), StatusCode::kNotFound);
  Write(dir / "curve.csv", "epoch,steps,samples,train_loss,test_accuracy,test_loss,train_s\n"
                           "1,10,100,0.9,0.6000,0.8,1.0\n");
  EXPECT_THAT(ReadCurve(path).status().message(), HasSubstr("missing column 'train_flops'"));
  Write(dir / "curve.csv", CurveCsvHeader() + "\n1,10,100,0.9,0.6000,0.8,250,1.0\n" +
                               "2,20,200,0.5,high,0.6,1000,2.0\n");
  Result<std::vector<CurvePoint>> bad = ReadCurve(path);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(bad.status().message(), HasSubstr(path + " line 3 column 'test_accuracy'"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fedcarbon::records
