// The reports of `fedcarbon uncertainty` (see uncertainty.h): markdown, CSV, the cells' chart, and
// RunUncertainty, which reads a reproduction folder and writes them.
#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/uncertainty.h"

namespace fedcarbon::experiment {
namespace {

std::string Num(double v) { return fmt::format("{:.4g}", v); }

// "fl_iid<v100_pue1.67@USA" -> its text, from the base conclusions.
std::string TextOf(const Table4Uncertainty::Method& m, size_t k) {
  return k < m.conclusions.size() ? m.conclusions[k].text : m.result.flags[k].name;
}

std::string Drivers(const std::vector<Driver>& drivers, size_t top) {
  std::string out;
  for (size_t i = 0; i < drivers.size() && i < top; ++i) {
    if (drivers[i].first_order < 0.005) break;  // 0.00 as printed: below the estimator's noise
    out += fmt::format("{}{} ({:.2f})", out.empty() ? "" : "; ", drivers[i].input,
                       drivers[i].first_order);
  }
  return out.empty() ? "none measurable" : out;
}

}  // namespace

std::string FormatUncertaintyMarkdown(const Table4Uncertainty& u, size_t top) {
  std::string out = fmt::format(
      "# Uncertainty of Table 4\n\n{} Monte Carlo draws (seed {}) of {} catalog parameters at "
      "once{}; every draw re-prices the recorded ledgers (no training). Cells: median "
      "[5% - 95%] in g CO2e. Conclusions: the share of draws where each holds (+- its Monte Carlo "
      "standard error) and its top drivers, first-order Sobol indices of its margin (log of the "
      "compared cells' ratio) from the same draws.\n",
      u.options.draws, u.options.seed, u.parameters.size(),
      u.seeds > 1 ? fmt::format(" and the recorded seed (one of {}, equally likely)", u.seeds)
                  : "");
  for (const Table4Uncertainty::Method& m : u.methods) {
    out += fmt::format(
        "\n## Method {}\n\nCells priced {}.\n\n| country |", m.method,
        m.evaluator == "direct"
            ? "directly (Resolve + PriceResolved per ledger row; equal to BuildTable4's cells at "
              "the base values and the first draws)"
            : "by BuildTable4");
    for (const std::string& c : m.base.columns) out += " " + c + " |";
    out += "\n|---|";
    for (size_t c = 0; c < m.base.columns.size(); ++c) out += "---|";
    out += "\n";
    size_t k = 0;
    for (const Table4::Row& r : m.base.rows) {
      out += "| " + r.country + " |";
      for (size_t c = 0; c < r.grams.size(); ++c, ++k) {
        const RealSummary& s = m.result.reals[k];
        out += fmt::format(" {} [{} - {}] |", Num(s.median), Num(s.p05), Num(s.p95));
      }
      out += "\n";
    }
    out += "\n| conclusion | at the catalog's values | probability | top drivers (S_i) |\n";
    out += "|---|---|---|---|\n";
    for (size_t c = 0; c < m.result.flags.size(); ++c) {
      const FlagSummary& f = m.result.flags[c];
      out += fmt::format(
          "| {} | {} | {:.3f} +- {:.3f} | {} |\n", TextOf(m, c),
          c < m.conclusions.size() && m.conclusions[c].holds ? "holds" : "does not hold",
          f.probability, f.std_error, Drivers(f.drivers, top));
    }
  }
  out += "\n## Parameters\n\n| parameter | base | range | distribution |\n|---|---|---|---|\n";
  for (const McParameter& p : u.parameters) {
    out += fmt::format("| {} | {} {} | {} .. {} | {} |\n", p.name, Num(p.base), p.unit, Num(p.lo),
                       Num(p.hi), DistributionName(p.distribution));
  }
  if (u.seeds > 1) {
    out +=
        fmt::format("| seed | - | the {} recorded seeds | discrete, equally likely |\n", u.seeds);
  }
  if (!u.fixed.empty()) {
    std::string names;
    for (const std::string& f : u.fixed) names += (names.empty() ? "" : ", ") + f;
    out += fmt::format("\nNot drawn (no range, lo == hi): {}.\n", names);
  }
  return out;
}

std::string FormatUncertaintyCsv(const Table4Uncertainty& u, size_t top) {
  std::string out =
      "method,kind,key,base,median,p05,p95,probability,std_error,driver,first_order\n";
  for (const Table4Uncertainty::Method& m : u.methods) {
    const std::string me = CsvField(m.method);
    size_t k = 0;
    for (const Table4::Row& r : m.base.rows) {
      for (size_t c = 0; c < r.grams.size(); ++c, ++k) {
        const RealSummary& s = m.result.reals[k];
        out += fmt::format("{},cell,{},{:.9g},{:.9g},{:.9g},{:.9g},,,,\n", me, CsvField(s.name),
                           r.grams[c], s.median, s.p05, s.p95);
      }
    }
    for (size_t c = 0; c < m.result.flags.size(); ++c) {
      const FlagSummary& f = m.result.flags[c];
      const bool holds = c < m.conclusions.size() && m.conclusions[c].holds;
      out += fmt::format("{},conclusion,{},{},,,,{:.9g},{:.9g},,\n", me, CsvField(f.name),
                         holds ? 1 : 0, f.probability, f.std_error);
      for (size_t d = 0; d < f.drivers.size() && d < top; ++d) {
        out += fmt::format("{},driver,{},,,,,,,{},{:.9g}\n", me, CsvField(f.name),
                           CsvField(f.drivers[d].input), f.drivers[d].first_order);
      }
    }
  }
  return out;
}

Status PlotUncertaintyCells(const Table4Uncertainty& u, const std::string& dir,
                            const PlotOptions& options, PlotReport* out) {
  // One block per method: x index, label, median, 5%, 95%, value at the catalog's values.
  std::string data = "# index label median p05 p95 base (g CO2e), one block per method\n";
  std::string plot = "plot ";
  const char* colours[2] = {"#4477aa", "#ee6677"};
  const size_t n = u.methods.size();
  for (size_t b = 0; b < n; ++b) {
    const Table4Uncertainty::Method& m = u.methods[b];
    if (b > 0) data += "\n\n";
    data += "# method " + m.method + "\n";
    size_t k = 0;
    for (const Table4::Row& r : m.base.rows) {
      for (size_t c = 0; c < r.grams.size(); ++c, ++k) {
        const RealSummary& s = m.result.reals[k];
        data += fmt::format("{} {} {} {} {} {}\n", k, DatString(s.name), DatNumber(s.median),
                            DatNumber(s.p05), DatNumber(s.p95), DatNumber(r.grams[c]));
      }
    }
    const double shift =
        n > 1 ? (static_cast<double>(b) - 0.5 * static_cast<double>(n - 1)) * 0.25 : 0.0;
    plot += fmt::format(
        "{}'uncertainty-cells.dat' index {} using ($1{:+.3f}):3:4:5{} with yerrorbars pt 7 ps 0.8 "
        "lc rgb '{}' title {}",
        b ? ", \\\n     " : "", b, shift, b == 0 ? ":xtic(2)" : "", colours[b % 2],
        GnuplotQuote(m.method + ": median, 5% - 95%"));
  }
  PlotSpec spec;
  spec.name = "uncertainty-cells";
  spec.data = data;
  spec.width = 1280;
  spec.height = 640;
  spec.commands = fmt::format(
      "set title {}\n"
      "set ylabel 'g CO2e'\n"
      "set logscale y\n"
      "set grid ytics\n"
      "set xtics rotate by -45 left font ',8'\n"
      "set xrange [-0.7:{}]\n"
      "set bmargin 8\n"
      "set key outside top center horizontal\n"
      "{}\n",
      GnuplotQuote(
          fmt::format("Table 4 under the catalog's uncertainty ({} draws)", u.options.draws)),
      u.methods.empty() ? 1.0 : static_cast<double>(u.methods[0].result.reals.size()) - 0.3, plot);
  const bool render = options.render && GnuplotAvailable(options);
  if (options.render && !render) out->warning = GnuplotMissingWarning(options);
  FEDCARBON_RETURN_IF_ERROR(WritePlot(dir, spec, options, render, out));
  out->rendered = render;
  return Status::OK();
}

Result<Table4Uncertainty> RunUncertainty(const UncertaintyOptions& o, PlotReport* plot) {
  std::vector<energy::PowerMethod> methods;
  if (o.method == "both") {
    methods = {energy::PowerMethod::kFitted, energy::PowerMethod::kNameplate};
  } else {
    Result<energy::PowerMethod> m = energy::ParsePowerMethod(o.method);
    if (!m.ok()) return m.status().WithContext("--method (or both)");
    methods = {*m};
  }
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<RecordedReproduction> rec = ReadRecordedReproduction(o.dir, o.spec_path, *catalog);
  if (!rec.ok()) return rec.status();
  McOptions mc;
  mc.draws = o.draws;
  mc.seed = o.seed;
  mc.threads = o.threads;
  Result<Table4Uncertainty> u = AnalyseTable4Uncertainty(*rec, *catalog, methods, mc);
  if (!u.ok()) return u.status();
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(o.dir + "/uncertainty.md", FormatUncertaintyMarkdown(*u, o.top)));
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(o.dir + "/uncertainty.csv", FormatUncertaintyCsv(*u, o.top)));
  PlotReport local;
  FEDCARBON_RETURN_IF_ERROR(PlotUncertaintyCells(*u, o.dir, o.plot, plot ? plot : &local));
  return u;
}

}  // namespace fedcarbon::experiment
