#include "fedcarbon/experiment/chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

uint32_t Get32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

struct DecodedPng {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

// A strict reader for what EncodePng writes: signature, CRC of every chunk, IHDR, IDAT, IEND.
DecodedPng Decode(const std::vector<uint8_t>& png) {
  DecodedPng out;
  const uint8_t sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(png.size() > 8 && std::equal(sig, sig + 8, png.begin()));
  size_t at = 8;
  std::vector<uint8_t> idat;
  std::vector<std::string> types;
  while (at + 12 <= png.size()) {
    const uint32_t len = Get32(png, at);
    const std::string type(png.begin() + at + 4, png.begin() + at + 8);
    types.push_back(type);
    EXPECT_LE(at + 12 + len, png.size());
    const uLong crc = crc32(0L, png.data() + at + 4, len + 4);
    EXPECT_EQ(Get32(png, at + 8 + len), crc) << type;
    if (type == "IHDR") {
      EXPECT_EQ(len, 13u);
      out.width = static_cast<int>(Get32(png, at + 8));
      out.height = static_cast<int>(Get32(png, at + 12));
      EXPECT_EQ(png[at + 16], 8);  // bit depth
      EXPECT_EQ(png[at + 17], 2);  // RGB
    } else if (type == "IDAT") {
      idat.insert(idat.end(), png.begin() + at + 8, png.begin() + at + 8 + len);
    }
    at += 12 + len;
  }
  EXPECT_EQ(at, png.size());
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");
  const size_t stride = static_cast<size_t>(out.width) * 3 + 1;
  std::vector<uint8_t> raw(stride * out.height);
  uLongf raw_size = raw.size();
  EXPECT_EQ(uncompress(raw.data(), &raw_size, idat.data(), idat.size()), Z_OK);
  EXPECT_EQ(raw_size, raw.size());
  for (int y = 0; y < out.height; ++y) {
    EXPECT_EQ(raw[y * stride], 0) << "filter byte of row " << y;
    out.rgb.insert(out.rgb.end(), raw.begin() + y * stride + 1, raw.begin() + (y + 1) * stride);
  }
  return out;
}

TEST(PngTest, EncodesPixelsExactly) {
  const int w = 7, h = 5;
  std::vector<uint8_t> rgb(w * h * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 37 + 11);
  const DecodedPng d = Decode(EncodePng(w, h, rgb));
  EXPECT_EQ(d.width, w);
  EXPECT_EQ(d.height, h);
  EXPECT_EQ(d.rgb, rgb);
}

BarChart TwoByTwo() {
  BarChart c;
  c.title = "Test chart";
  c.y_label = "g CO2e";
  c.reference_label = "paper";
  c.groups = {"USA", "FRA"};
  c.series = {{"V100, PUE 1.67", 0xff0000, {4.0, 1.0}, {5.0, std::nan("")}},
              {"FL IID", 0x00ff00, {2.0, 0.5}, {}}};
  c.width = 400;
  c.height = 300;
  return c;
}

TEST(PngTest, ChartHasTheBarColoursWhereTheBarsAre) {
  const BarChart c = TwoByTwo();
  ASSERT_TRUE(ValidateChart(c).ok());
  const DecodedPng d = Decode(RenderPng(c));
  ASSERT_EQ(d.width, 400);
  ASSERT_EQ(d.height, 300);
  auto count = [&d](uint32_t colour) {
    int n = 0;
    for (size_t i = 0; i + 2 < d.rgb.size(); i += 3) {
      n += d.rgb[i] == (colour >> 16) && d.rgb[i + 1] == ((colour >> 8) & 255) &&
           d.rgb[i + 2] == (colour & 255);
    }
    return n;
  };
  const int red = count(0xff0000), green = count(0x00ff00);
  EXPECT_GT(red, 500);
  EXPECT_GT(green, 200);
  // Red bars total 5 units of height, green 2.5: about twice the area (+ legend squares).
  EXPECT_NEAR(static_cast<double>(red - 144) / (green - 144), 2.0, 0.25);
}

TEST(SvgTest, HasOneRectPerBarAndEscapesText) {
  BarChart c = TwoByTwo();
  c.title = "a < b & c";
  const std::string svg = RenderSvg(c);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("a &lt; b &amp; c"));
  size_t bars = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 4u);
  EXPECT_THAT(svg, HasSubstr("fill=\"#ff0000\""));
}

TEST(ChartTest, AxisAndValidation) {
  EXPECT_DOUBLE_EQ(NiceAxisMax(9.2), 10.0);
  EXPECT_DOUBLE_EQ(NiceAxisMax(1.6), 2.0);
  EXPECT_DOUBLE_EQ(NiceAxisMax(0.3), 0.5);
  EXPECT_DOUBLE_EQ(NiceAxisMax(5.0), 5.0);
  EXPECT_DOUBLE_EQ(NiceAxisMax(0.0), 1.0);
  BarChart c = TwoByTwo();
  c.series[1].values.pop_back();
  EXPECT_THAT(ValidateChart(c).message(), HasSubstr("'FL IID' has 1 values for 2 groups"));
  c = TwoByTwo();
  c.series[0].values[0] = -1;
  EXPECT_FALSE(ValidateChart(c).ok());
}

}  // namespace
}  // namespace fedcarbon::experiment
