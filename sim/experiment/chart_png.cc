// Bar charts as PNG: a small RGB canvas, a 3x5 pixel font and a PNG encoder on zlib (chart.h).
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "fedcarbon/experiment/chart.h"

namespace fedcarbon::experiment {
namespace {

// 3x5 glyphs, rows top to bottom, '1' = ink.
const std::map<char, const char*>& Font() {
  static const std::map<char, const char*> kFont = {
      {'0', "111101101101111"}, {'1', "010110010010111"}, {'2', "111001111100111"},
      {'3', "111001111001111"}, {'4', "101101111001001"}, {'5', "111100111001111"},
      {'6', "111100111101111"}, {'7', "111001001010010"}, {'8', "111101111101111"},
      {'9', "111101111001111"}, {'A', "010101111101101"}, {'B', "110101110101110"},
      {'C', "011100100100011"}, {'D', "110101101101110"}, {'E', "111100110100111"},
      {'F', "111100110100100"}, {'G', "011100101101011"}, {'H', "101101111101101"},
      {'I', "111010010010111"}, {'J', "001001001101010"}, {'K', "101101110101101"},
      {'L', "100100100100111"}, {'M', "101111111101101"}, {'N', "110101101101101"},
      {'O', "010101101101010"}, {'P', "110101110100100"}, {'Q', "010101101110011"},
      {'R', "110101110101101"}, {'S', "011100010001110"}, {'T', "111010010010010"},
      {'U', "101101101101111"}, {'V', "101101101101010"}, {'W', "101101111111101"},
      {'X', "101101010101101"}, {'Y', "101101010010010"}, {'Z', "111001010100111"},
      {' ', "000000000000000"}, {'.', "000000000000010"}, {',', "000000000010100"},
      {'-', "000000111000000"}, {'(', "001010010010001"}, {')', "100010010010100"},
      {':', "000010000010000"}, {'%', "101001010100101"}, {'/', "001001010100100"},
      {'_', "000000000000111"}, {'=', "000111000111000"}, {'+', "000010111010000"},
      {'?', "111001010000010"}};
  return kFont;
}

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), rgb_(static_cast<size_t>(w) * h * 3, 255) {}

  void FillRect(int x0, int y0, int x1, int y1, uint32_t c) {  // [x0, x1) x [y0, y1)
    x0 = std::clamp(x0, 0, w_);
    x1 = std::clamp(x1, 0, w_);
    y0 = std::clamp(y0, 0, h_);
    y1 = std::clamp(y1, 0, h_);
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        uint8_t* p = &rgb_[(static_cast<size_t>(y) * w_ + x) * 3];
        p[0] = static_cast<uint8_t>(c >> 16);
        p[1] = static_cast<uint8_t>(c >> 8);
        p[2] = static_cast<uint8_t>(c);
      }
    }
  }

  static int TextWidth(const std::string& s, int scale) {
    return s.empty() ? 0 : static_cast<int>(s.size()) * 4 * scale - scale;
  }

  // Draws text with its top-left at (x, y); align -1 left, 0 centre, 1 right of x.
  void Text(int x, int y, const std::string& s, int scale, uint32_t c, int align = -1) {
    const int w = TextWidth(s, scale);
    int cx = align < 0 ? x : align == 0 ? x - w / 2 : x - w;
    for (char ch : s) {
      auto it = Font().find(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
      const char* glyph = it == Font().end() ? Font().at('?') : it->second;
      for (int r = 0; r < 5; ++r) {
        for (int col = 0; col < 3; ++col) {
          if (glyph[r * 3 + col] == '1') {
            FillRect(cx + col * scale, y + r * scale, cx + (col + 1) * scale, y + (r + 1) * scale,
                     c);
          }
        }
      }
      cx += 4 * scale;
    }
  }

  const std::vector<uint8_t>& rgb() const { return rgb_; }

 private:
  int w_, h_;
  std::vector<uint8_t> rgb_;
};

void Put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

void Chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
  Put32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
  Put32(out, static_cast<uint32_t>(crc));
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

}  // namespace

std::vector<uint8_t> EncodePng(int width, int height, const std::vector<uint8_t>& rgb) {
  // Scanlines, each prefixed with filter type 0 (None).
  const size_t stride = static_cast<size_t>(width) * 3;
  std::vector<uint8_t> raw;
  raw.reserve((stride + 1) * height);
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), rgb.begin() + y * stride, rgb.begin() + (y + 1) * stride);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> packed(packed_size);
  compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 9);
  packed.resize(packed_size);

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  Put32(ihdr, static_cast<uint32_t>(width));
  Put32(ihdr, static_cast<uint32_t>(height));
  ihdr.insert(ihdr.end(),
              {8, 2, 0, 0, 0});  // 8-bit, truecolour RGB, deflate, adaptive, no interlace
  Chunk(png, "IHDR", ihdr);
  Chunk(png, "IDAT", packed);
  Chunk(png, "IEND", {});
  return png;
}

std::vector<uint8_t> RenderPng(const BarChart& c) {
  Canvas cv(c.width, c.height);
  const int rows =
      static_cast<int>((c.series.size() + (c.reference_label.empty() ? 0 : 1) + 2) / 3);
  const int left = 70, right = 20, top = 50, bottom = 50 + 20 * rows;
  const int plot_w = c.width - left - right, plot_h = c.height - top - bottom;
  double vmax = 0;
  for (const BarSeries& s : c.series) {
    for (double v : s.values) vmax = std::isnan(v) ? vmax : std::max(vmax, v);
    for (double v : s.reference) vmax = std::isnan(v) ? vmax : std::max(vmax, v);
  }
  const double ymax = NiceAxisMax(vmax);
  auto y_of = [&](double v) {
    return top + static_cast<int>(std::lround(plot_h * (1 - v / ymax)));
  };
  cv.Text(c.width / 2, 10, c.title, 3, 0x000000, 0);
  cv.Text(left, top - 16, c.y_label, 2, 0x000000, -1);
  for (int i = 0; i <= 5; ++i) {
    const double v = ymax * i / 5;
    const int y = y_of(v);
    cv.FillRect(left, y, left + plot_w, y + 1, 0xdddddd);
    cv.Text(left - 8, y - 5, Num(v), 2, 0x000000, 1);
  }
  const double group_w = static_cast<double>(plot_w) / c.groups.size();
  const double bar_w = group_w * 0.8 / c.series.size();
  for (size_t g = 0; g < c.groups.size(); ++g) {
    const double gx = left + g * group_w + group_w * 0.1;
    for (size_t s = 0; s < c.series.size(); ++s) {
      const BarSeries& se = c.series[s];
      const int x0 = static_cast<int>(gx + s * bar_w);
      const int x1 = std::max(x0 + 1, static_cast<int>(gx + s * bar_w + bar_w * 0.9));
      if (!std::isnan(se.values[g])) cv.FillRect(x0, y_of(se.values[g]), x1, top + plot_h, se.rgb);
      if (!se.reference.empty() && !std::isnan(se.reference[g])) {
        const int y = y_of(se.reference[g]);
        cv.FillRect(x0 - 1, y - 1, x1 + 1, y + 2, 0x000000);
      }
    }
    cv.Text(static_cast<int>(left + (g + 0.5) * group_w), top + plot_h + 8, c.groups[g], 2,
            0x000000, 0);
  }
  cv.FillRect(left, top + plot_h, left + plot_w, top + plot_h + 1, 0x000000);
  const size_t entries = c.series.size() + (c.reference_label.empty() ? 0 : 1);
  for (size_t i = 0; i < entries; ++i) {
    const int lx = left + static_cast<int>((i % 3) * (plot_w / 3.0));
    const int ly = top + plot_h + 30 + 20 * static_cast<int>(i / 3);
    if (i < c.series.size()) {
      cv.FillRect(lx, ly, lx + 12, ly + 12, c.series[i].rgb);
      cv.Text(lx + 18, ly + 1, c.series[i].name, 2, 0x000000);
    } else {
      cv.FillRect(lx, ly + 5, lx + 12, ly + 8, 0x000000);
      cv.Text(lx + 18, ly + 1, c.reference_label, 2, 0x000000);
    }
  }
  return EncodePng(c.width, c.height, cv.rgb());
}

}  // namespace fedcarbon::experiment
