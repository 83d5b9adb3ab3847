// IDX loading: tiny generated files (gzipped and plain, valid and broken), then the real
// Fashion-MNIST files when Debian's dataset-fashion-mnist is installed.
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/data/dataset.h"

namespace fedcarbon::data {
namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;

void PutU32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

Bytes ImagesFile(uint32_t n, uint32_t rows, uint32_t cols, size_t payload_bytes,
                 uint32_t magic = 0x00000803) {
  Bytes b;
  PutU32(b, magic);
  PutU32(b, n);
  PutU32(b, rows);
  PutU32(b, cols);
  for (size_t i = 0; i < payload_bytes; ++i) b.push_back(static_cast<uint8_t>(i * 7 % 256));
  return b;
}

Bytes LabelsFile(const Bytes& labels, uint32_t magic = 0x00000801) {
  Bytes b;
  PutU32(b, magic);
  PutU32(b, static_cast<uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fedcarbon_idx_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const Bytes& b, bool gzip) {
    const std::string p = (dir_ / name).string();
    if (gzip) {
      gzFile f = gzopen(p.c_str(), "wb");
      EXPECT_NE(f, nullptr);
      EXPECT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
      gzclose(f);
    } else {
      std::ofstream(p, std::ios::binary)
          .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
    return p;
  }
  // A valid 3-sample 2x3 pair; returns {images, labels}.
  std::array<std::string, 2> ValidPair(bool gzip) {
    return {Write("img", ImagesFile(3, 2, 3, 18), gzip), Write("lbl", LabelsFile({0, 9, 4}), gzip)};
  }
  std::string ErrorOf(const std::string& images, const std::string& labels) {
    Result<Dataset> r = LoadIdx(images, labels);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  }

  std::filesystem::path dir_;
};

TEST_F(IdxTest, LoadsGzippedAndPlain) {
  for (bool gzip : {true, false}) {
    const auto [img, lbl] = ValidPair(gzip);
    Result<Dataset> r = LoadIdx(img, lbl);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->n, 3);
    EXPECT_EQ(r->rows, 2);
    EXPECT_EQ(r->cols, 3);
    EXPECT_EQ(r->dim(), 6);
    EXPECT_EQ(r->labels, (std::vector<uint8_t>{0, 9, 4}));
    ASSERT_EQ(r->images.size(), 18u);
    for (size_t i = 0; i < 18; ++i) EXPECT_FLOAT_EQ(r->images[i], float(i * 7 % 256) / 255.0f);
    EXPECT_FLOAT_EQ(r->image(2)[1], float(13 * 7) / 255.0f);
  }
}

TEST_F(IdxTest, MaxSamplesKeepsThePrefix) {
  const auto [img, lbl] = ValidPair(true);
  Result<Dataset> r = LoadIdx(img, lbl, 2);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->n, 2);
  EXPECT_EQ(r->images.size(), 12u);
  EXPECT_EQ(r->labels, (std::vector<uint8_t>{0, 9}));
}

TEST_F(IdxTest, MissingFile) {
  const auto [img, lbl] = ValidPair(true);
  const std::string missing = (dir_ / "nope.gz").string();
  EXPECT_THAT(ErrorOf(missing, lbl), HasSubstr(missing + ": cannot open"));
  EXPECT_THAT(ErrorOf(img, missing), HasSubstr(missing + ": cannot open"));
}

TEST_F(IdxTest, BadMagic) {
  const auto [img, lbl] = ValidPair(true);
  const std::string swapped = Write("swapped", LabelsFile({1, 2, 3}), true);
  EXPECT_THAT(ErrorOf(swapped, lbl),
              HasSubstr(swapped + ": bad magic number 0x00000801, expected 0x00000803"));
  const std::string bad = Write("bad", LabelsFile({1, 2, 3}, 0x00000901), false);
  EXPECT_THAT(ErrorOf(img, bad), HasSubstr(bad + ": bad magic number 0x00000901"));
  const std::string text = Write("text", Bytes{'h', 'e', 'l', 'l', 'o', '!'}, false);
  EXPECT_THAT(ErrorOf(text, lbl), HasSubstr(text + ": bad magic number"));
  const std::string empty = Write("empty", Bytes{}, true);
  EXPECT_THAT(ErrorOf(empty, lbl), HasSubstr(empty + ": truncated: no IDX header"));
}

TEST_F(IdxTest, BadDimensions) {
  const auto [img, lbl] = ValidPair(true);
  const std::string zero_rows = Write("zr", ImagesFile(3, 0, 3, 0), true);
  EXPECT_THAT(ErrorOf(zero_rows, lbl), HasSubstr(zero_rows + ": image rows 0 out of range"));
  const std::string huge_cols = Write("hc", ImagesFile(3, 28, 5000, 0), true);
  EXPECT_THAT(ErrorOf(huge_cols, lbl), HasSubstr(huge_cols + ": image cols 5000 out of range"));
  // A count far beyond the limit is rejected before anything is allocated.
  const std::string huge_n = Write("hn", ImagesFile(4000000000u, 28, 28, 0), true);
  EXPECT_THAT(ErrorOf(huge_n, lbl), HasSubstr(huge_n + ": sample count 4000000000 out of range"));
  const std::string short_header = Write("sh", Bytes{0, 0, 8, 3, 0, 0, 0, 3, 0, 0}, false);
  EXPECT_THAT(ErrorOf(short_header, lbl), HasSubstr(short_header + ": truncated: header"));
}

TEST_F(IdxTest, CountMismatch) {
  const auto [img, lbl] = ValidPair(true);
  const std::string four = Write("four", LabelsFile({1, 2, 3, 4}), true);
  EXPECT_THAT(ErrorOf(img, four), HasSubstr(img + " has 3 images but " + four + " has 4 labels"));
}

TEST_F(IdxTest, TruncatedPayload) {
  for (bool gzip : {true, false}) {
    const auto [img, lbl] = ValidPair(gzip);
    const std::string cut = Write("cut", ImagesFile(3, 2, 3, 10), gzip);
    EXPECT_THAT(ErrorOf(cut, lbl),
                HasSubstr(cut + ": truncated: expected 18 bytes of pixels, got 10"));
    Bytes short_labels = LabelsFile({1, 2});
    short_labels[7] = 3;  // header claims 3 labels, 2 follow
    const std::string cut_l = Write("cut_l", short_labels, gzip);
    EXPECT_THAT(ErrorOf(img, cut_l),
                HasSubstr(cut_l + ": truncated: expected 3 bytes of labels, got 2"));
  }
}

TEST_F(IdxTest, CutOffGzipStreamIsTruncation) {
  // A valid gzip file cut in the middle of its compressed stream (a partial download).
  const auto [img, lbl] = ValidPair(true);
  const std::string full = Write("full.gz", ImagesFile(300, 28, 28, 300 * 784), true);
  const std::string lbl300 = Write("l300", LabelsFile(Bytes(300, 1)), true);
  const auto size = std::filesystem::file_size(full);
  std::filesystem::resize_file(full, size / 2);
  EXPECT_THAT(ErrorOf(full, lbl300), HasSubstr(full + ": truncated: expected 235200 bytes"));
}

TEST_F(IdxTest, LabelOutOfRange) {
  const auto [img, lbl] = ValidPair(true);
  const std::string bad = Write("badlabel", LabelsFile({1, 10, 3}), true);
  EXPECT_THAT(ErrorOf(img, bad), HasSubstr(bad + ": label 10 at index 1 is not in 0..9"));
}

TEST_F(IdxTest, LoadFashionMnistFindsFilesByName) {
  Write("t10k-images-idx3-ubyte.gz", ImagesFile(3, 2, 3, 18), true);
  Write("t10k-labels-idx1-ubyte", LabelsFile({5, 6, 7}), false);  // uncompressed copy
  Result<Dataset> r = LoadFashionMnist(dir_.string(), Split::kTest);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->labels, (std::vector<uint8_t>{5, 6, 7}));
  Result<Dataset> train = LoadFashionMnist(dir_.string(), Split::kTrain);
  ASSERT_FALSE(train.ok());
  EXPECT_THAT(train.status().message(), HasSubstr("train-images-idx3-ubyte.gz: cannot open"));
}

TEST(RealFashionMnistTest, LoadsDebianFiles) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << dir << " not present (Debian package dataset-fashion-mnist not installed)";
  }
  Result<Dataset> train = LoadFashionMnist(dir, Split::kTrain);
  ASSERT_TRUE(train.ok()) << train.status().message();
  EXPECT_EQ(train->n, 60000);
  EXPECT_EQ(train->rows, 28);
  EXPECT_EQ(train->cols, 28);
  EXPECT_EQ(train->images.size(), 60000u * 784u);
  std::array<int, 10> count{};
  for (uint8_t l : train->labels) ++count[l];
  for (int k = 0; k < 10; ++k) EXPECT_EQ(count[k], 6000) << "class " << k;
  float lo = 1, hi = 0;
  for (float v : train->images) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);

  Result<Dataset> test = LoadFashionMnist(dir, Split::kTest);
  ASSERT_TRUE(test.ok()) << test.status().message();
  EXPECT_EQ(test->n, 10000);
  EXPECT_EQ(test->rows, 28);
  EXPECT_EQ(test->cols, 28);
}

}  // namespace
}  // namespace fedcarbon::data
