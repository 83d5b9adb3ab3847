// Table 4 under two power methods side by side (FormatMethodComparison, reproduce.h): how far
// each method's cells are from the paper's, which method the paper's centralized cells are
// closer to, and what differs between the methods. Computed from the tables, never asserted.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "fedcarbon/experiment/reproduce.h"
#include "report_table4.h"

namespace fedcarbon::experiment {
namespace {

using table4::ColumnLabel;
using table4::Fmt;
using table4::PaperValue;

constexpr double kTwoFold = 0.30103;  // log10(2): "within 2x of the paper"

bool Centralized(const std::string& column) { return column.rfind("fl_", 0) != 0; }

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// |log10(ours / paper)| of every cell the paper has, by column kind.
struct Distances {
  std::vector<double> centralized, all;
  std::vector<std::string> outside;  // "USA FL non-IID 2.6x"
};

Distances DistancesOf(const Table4& t) {
  Distances d;
  for (const Table4::Row& r : t.rows) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const double paper = PaperValue(r.country, t.columns[c]);
      if (std::isnan(paper) || paper <= 0 || r.grams[c] <= 0) continue;
      const double dist = std::abs(std::log10(r.grams[c] / paper));
      d.all.push_back(dist);
      if (Centralized(t.columns[c])) d.centralized.push_back(dist);
      if (dist > kTwoFold) {
        const double ratio = r.grams[c] / paper;
        d.outside.push_back(r.country + " " + ColumnLabel(t.columns[c]) + " " +
                            (ratio >= 1 ? Fmt("%.2gx", ratio) : "1/" + Fmt("%.2gx", 1 / ratio)));
      }
    }
  }
  return d;
}

}  // namespace

std::string FormatMethodComparison(const std::vector<Table4>& methods) {
  if (methods.size() < 2) return "";
  std::ostringstream os;
  os << "## The power methods side by side\n\n"
        "What differs between them is only the processors' power: nameplate prices every "
        "processor (data-center GPU, edge board) at its nameplate power for the whole modelled "
        "time; fitted prices the draw the utilisation model gives (for the V100 fit to measured "
        "training power). The modelled step times, the hosts' CPU and memory, PUE, communication "
        "and the grids are the same under both.\n\n";
  os << "| country | column | paper |";
  for (const Table4& m : methods) os << " " << m.method << " |";
  os << " " << methods[1].method << " / " << methods[0].method << " |\n|---|---|---|";
  for (size_t i = 0; i <= methods.size(); ++i) os << "---|";
  os << "\n";
  const Table4& a = methods[0];
  for (size_t r = 0; r < a.rows.size(); ++r) {
    for (size_t c = 0; c < a.columns.size(); ++c) {
      const double paper = PaperValue(a.rows[r].country, a.columns[c]);
      os << "| " << a.rows[r].country << " | " << ColumnLabel(a.columns[c]) << " | "
         << (std::isnan(paper) ? std::string("-") : Fmt("%.1f", paper)) << " |";
      for (const Table4& m : methods) os << " " << Fmt("%.3g", m.rows[r].grams[c]) << " |";
      const double base = a.rows[r].grams[c];
      os << " " << (base > 0 ? Fmt("%.2f", methods[1].rows[r].grams[c] / base) : "-") << " |\n";
    }
  }
  os << "\nDistance to the paper, |log10(ours / paper)| (0.30 = 2x):\n\n";
  std::string closest;
  double closest_median = 0;
  for (const Table4& m : methods) {
    const Distances d = DistancesOf(m);
    const double med = Median(d.centralized);
    os << "- " << m.method << ": " << d.all.size() - d.outside.size() << " of " << d.all.size()
       << " cells within 2x; median over the centralized cells " << Fmt("%.2f", med)
       << ", over all " << Fmt("%.2f", Median(d.all)) << ".";
    if (!d.outside.empty()) {
      os << " Outside 2x:";
      for (size_t i = 0; i < d.outside.size(); ++i) os << (i ? "," : "") << " " << d.outside[i];
      os << ".";
    }
    os << "\n";
    if (closest.empty() || med < closest_median) {
      closest = m.method;
      closest_median = med;
    }
  }
  os << "\nThe paper's centralized cells are closest to the **" << closest
     << "** method here (the smallest median distance above).\n";
  return os.str();
}

}  // namespace fedcarbon::experiment
