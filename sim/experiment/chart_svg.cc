// Bar charts as SVG, plus the helpers shared with the PNG renderer (see chart.h).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fedcarbon/experiment/chart.h"

namespace fedcarbon::experiment {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Colour(uint32_t rgb) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "#%06x", rgb & 0xffffffu);
  return buf;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

}  // namespace

double NiceAxisMax(double max_value) {
  if (!(max_value > 0) || !std::isfinite(max_value)) return 1.0;
  const double p = std::pow(10.0, std::floor(std::log10(max_value)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= max_value * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

Status ValidateChart(const BarChart& c) {
  if (c.width < 200 || c.height < 200 || c.width > 8000 || c.height > 8000) {
    return Status::Error("chart size must be within 200..8000 pixels");
  }
  if (c.groups.empty() || c.series.empty()) return Status::Error("chart has no groups or series");
  for (const BarSeries& s : c.series) {
    if (s.values.size() != c.groups.size()) {
      return Status::Error("series '" + s.name + "' has " + std::to_string(s.values.size()) +
                           " values for " + std::to_string(c.groups.size()) + " groups");
    }
    if (!s.reference.empty() && s.reference.size() != c.groups.size()) {
      return Status::Error("series '" + s.name + "': reference needs one value per group");
    }
    for (double v : s.values) {
      if (!std::isnan(v) && (v < 0 || !std::isfinite(v))) {
        return Status::Error("series '" + s.name + "' has a negative or infinite value");
      }
    }
  }
  return Status::OK();
}

std::string RenderSvg(const BarChart& c) {
  const double left = 70, right = 20, top = 40, bottom = 60 + 18.0 * ((c.series.size() + 2) / 3);
  const double plot_w = c.width - left - right, plot_h = c.height - top - bottom;
  double vmax = 0;
  for (const BarSeries& s : c.series) {
    for (double v : s.values) vmax = std::isnan(v) ? vmax : std::max(vmax, v);
    for (double v : s.reference) vmax = std::isnan(v) ? vmax : std::max(vmax, v);
  }
  const double ymax = NiceAxisMax(vmax);
  auto y_of = [&](double v) { return top + plot_h * (1 - v / ymax); };
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << c.width << "\" height=\""
     << c.height << "\" viewBox=\"0 0 " << c.width << " " << c.height
     << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << "<text x=\"" << c.width / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">"
     << Escape(c.title) << "</text>\n";
  for (int i = 0; i <= 5; ++i) {  // grid and y ticks
    const double v = ymax * i / 5, y = y_of(v);
    os << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\"" << y
       << "\" stroke=\"#dddddd\"/>\n";
    os << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << Num(v)
       << "</text>\n";
  }
  os << "<text transform=\"translate(18," << top + plot_h / 2
     << ") rotate(-90)\" text-anchor=\"middle\">" << Escape(c.y_label) << "</text>\n";
  const double group_w = plot_w / c.groups.size();
  const double bar_w = group_w * 0.8 / c.series.size();
  for (size_t g = 0; g < c.groups.size(); ++g) {
    const double gx = left + g * group_w + group_w * 0.1;
    for (size_t s = 0; s < c.series.size(); ++s) {
      const BarSeries& se = c.series[s];
      const double x = gx + s * bar_w;
      const double v = se.values[g];
      if (!std::isnan(v)) {
        os << "<rect x=\"" << x << "\" y=\"" << y_of(v) << "\" width=\"" << bar_w * 0.9
           << "\" height=\"" << top + plot_h - y_of(v) << "\" fill=\"" << Colour(se.rgb)
           << "\"><title>" << Escape(c.groups[g] + ", " + se.name) << ": " << v
           << "</title></rect>\n";
      }
      if (!se.reference.empty() && !std::isnan(se.reference[g])) {
        const double y = y_of(se.reference[g]);
        os << "<line x1=\"" << x - 1 << "\" y1=\"" << y << "\" x2=\"" << x + bar_w * 0.9 + 1
           << "\" y2=\"" << y << "\" stroke=\"black\" stroke-width=\"3\"/>\n";
      }
    }
    os << "<text x=\"" << left + (g + 0.5) * group_w << "\" y=\"" << top + plot_h + 18
       << "\" text-anchor=\"middle\">" << Escape(c.groups[g]) << "</text>\n";
  }
  os << "<line x1=\"" << left << "\" y1=\"" << top + plot_h << "\" x2=\"" << left + plot_w
     << "\" y2=\"" << top + plot_h << "\" stroke=\"black\"/>\n";
  // Legend, three entries per line.
  const double ly0 = top + plot_h + 36;
  size_t entries = c.series.size() + (c.reference_label.empty() ? 0 : 1);
  for (size_t i = 0; i < entries; ++i) {
    const double lx = left + (i % 3) * (plot_w / 3), ly = ly0 + 18.0 * (i / 3);
    if (i < c.series.size()) {
      os << "<rect x=\"" << lx << "\" y=\"" << ly - 10 << "\" width=\"12\" height=\"12\" fill=\""
         << Colour(c.series[i].rgb) << "\"/>\n";
      os << "<text x=\"" << lx + 18 << "\" y=\"" << ly << "\">" << Escape(c.series[i].name)
         << "</text>\n";
    } else {
      os << "<line x1=\"" << lx << "\" y1=\"" << ly - 4 << "\" x2=\"" << lx + 12 << "\" y2=\""
         << ly - 4 << "\" stroke=\"black\" stroke-width=\"3\"/>\n";
      os << "<text x=\"" << lx + 18 << "\" y=\"" << ly << "\">" << Escape(c.reference_label)
         << "</text>\n";
    }
  }
  os << "</svg>\n";
  return os.str();
}

}  // namespace fedcarbon::experiment
