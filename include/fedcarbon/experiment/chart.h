// Grouped bar charts as SVG (text) and PNG (a tiny rasteriser with a 3x5 pixel font, encoded with
// zlib's deflate). Used for Table 4's chart; no plotting dependency.
//
// Thread safety: free functions; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fedcarbon/common/file.h"  // WriteFileAtomic, used with the charts
#include "fedcarbon/common/status.h"

namespace fedcarbon::experiment {

struct BarSeries {
  std::string name;               // legend entry ("V100, PUE 1.67")
  uint32_t rgb = 0x4477aa;        // bar colour, 0xRRGGBB
  std::vector<double> values;     // one per group, >= 0 (NaN: no bar)
  std::vector<double> reference;  // optional, one per group: drawn as a black tick (NaN: none)
};

struct BarChart {
  std::string title;
  std::string y_label;              // "g CO2e"
  std::string reference_label;      // legend text of the ticks ("paper"); empty: no entry
  std::vector<std::string> groups;  // x-axis groups ("USA", "CHN", "FRA")
  std::vector<BarSeries> series;    // bars within each group
  int width = 960;                  // pixels, >= 200
  int height = 480;                 // pixels, >= 200
};

// Validates sizes (every series has one value per group, reference empty or one per group).
Status ValidateChart(const BarChart& chart);

// SVG document (UTF-8 text).
std::string RenderSvg(const BarChart& chart);

// PNG file bytes (8-bit RGB). The text is upper-cased (the font has no lower case).
std::vector<uint8_t> RenderPng(const BarChart& chart);

// PNG encoding of an 8-bit RGB image: rgb.size() == width * height * 3.
std::vector<uint8_t> EncodePng(int width, int height, const std::vector<uint8_t>& rgb);

// The y-axis top for values up to `max_value`: a 1, 2 or 5 times a power of ten (>= max_value).
double NiceAxisMax(double max_value);

}  // namespace fedcarbon::experiment
