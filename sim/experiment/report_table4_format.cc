// Table 4, the presentation: the table as text, markdown and CSV, the grouped-bar chart beside
// the paper's values, and the files WriteTable4 leaves in the output folder (see reproduce.h).
// Building and checking the table: report_table4.cc.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/reproduce.h"
#include "report_table4.h"

namespace fedcarbon::experiment {
namespace table4 {

std::string ColumnLabel(const std::string& column) {
  if (column == "fl_iid") return "FL IID";
  if (column == "fl_noniid") return "FL non-IID";
  const size_t p = column.find("_pue");
  std::string device = column.substr(0, p);
  for (char& c : device) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return device + ", PUE " + column.substr(p + 4);
}

}  // namespace table4

namespace {

using table4::ColumnLabel;
using table4::Fmt;
using table4::PaperValue;

// Table 4 as grouped bars (countries as groups, one bar per column) with the paper's values as
// black dashes over the bars; table4.dat holds ours and the paper's value per column.
PlotSpec Table4Chart(const Table4& t, const std::string& name = "table4") {
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#aec7e8", "#ffbb78",
                                         "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"};
  const size_t n = t.columns.size();
  const double bw = 0.8 / static_cast<double>(std::max<size_t>(n, 1));
  PlotSpec p;
  p.name = name;
  p.width = 1100;
  p.data = "# Table 4: g CO2e to " + Fmt("%.2f", t.target_accuracy) +
           " test accuracy; per column ours, then the paper's (NaN: none)\n# group country";
  for (const std::string& c : t.columns) p.data += " " + c + " " + c + "_paper";
  p.data += "\n";
  for (size_t g = 0; g < t.rows.size(); ++g) {
    p.data += std::to_string(g) + " " + DatString(t.rows[g].country);
    for (size_t i = 0; i < n; ++i) {
      p.data += fmt::format(" {} {}", DatNumber(t.rows[g].grams[i]),
                            DatNumber(PaperValue(t.rows[g].country, t.columns[i])));
    }
    p.data += "\n";
  }
  std::string bars = "plot ", ticks, xtics;
  for (size_t g = 0; g < t.rows.size(); ++g) {
    xtics += fmt::format("{}{} {}", g ? ", " : "", GnuplotQuote(t.rows[g].country), g);
  }
  for (size_t i = 0; i < n; ++i) {
    const double off = (static_cast<double>(i) - static_cast<double>(n - 1) / 2) * bw;
    bars += fmt::format("{}'{}.dat' using ($1{:+.4f}):{} with boxes lc rgb '{}' title {}",
                        i ? ", \\\n     " : "", name, off, 3 + 2 * i,
                        kColours[i % (sizeof(kColours) / sizeof(kColours[0]))],
                        GnuplotQuote(ColumnLabel(t.columns[i])));
    ticks += fmt::format(
        ", \\\n     '' using ($1{:+.4f}):{}:({:.4f}):(0) with vectors nohead "
        "lw 3 lc rgb 'black' {}",
        off - bw / 2, 4 + 2 * i, bw, i ? "notitle" : "title 'paper (Qiu et al., Table 4)'");
  }
  p.commands = "set title ";
  p.commands += GnuplotQuote(std::string(t.quick ? "QUICK: " : "") + "CO2e to " +
                             Fmt("%.2f", t.target_accuracy) + " accuracy, centralized vs FL (" +
                             t.method + " power)");
  p.commands +=
      "\nset ylabel 'g CO2e'\nset xlabel 'country'\nset grid ytics\n"
      "set style fill solid 0.9 border -1\n" +
      fmt::format("set boxwidth {:.4f} absolute\nset xrange [-0.5:{}]\n", bw,
                  static_cast<double>(t.rows.size()) - 0.5) +
      "set yrange [0:*]\nset key outside right top Left reverse\nset xtics (" + xtics + ")\n" +
      bars + ticks + "\n";
  return p;
}

bool SeveralSeeds(const Table4& t) {
  return t.seeds.size() > 1 && t.ranges.size() == t.rows.size();
}

// A cell: ours, with several seeds the median and [lowest-highest] over the seeds.
std::string Cell(const Table4& t, size_t row, size_t col) {
  std::string cell = Fmt("%.3g", t.rows[row].grams[col]);
  if (SeveralSeeds(t)) {
    cell += " [" + Fmt("%.3g", t.ranges[row].low[col]) + "-" +
            Fmt("%.3g", t.ranges[row].high[col]) + "]";
  }
  return cell;
}

std::string SeedsLine(const Table4& t) {
  std::string seeds;
  for (uint64_t s : t.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  return fmt::format("{} seed(s): {}", t.seeds.size(), seeds);
}

// "fl_iid 14 [13-15] rounds (3/3 reached)" per run kind.
std::string SpreadLine(const Table4& t) {
  std::string out;
  for (const RoundsSpread& s : SpreadOfRounds(t)) {
    out += fmt::format("{}{} {} [{}-{}] {} ({}/{} reached)", out.empty() ? "" : "; ", s.name,
                       Fmt("%g", s.median), s.low, s.high,
                       s.name == "centralized" ? "epochs" : "rounds", s.reached, s.seeds);
  }
  return out;
}

std::string RunName(const Table4& t, const Table4::RunInfo& r) {
  return SeveralSeeds(t) ? r.name + " (seed " + std::to_string(r.seed) + ")" : r.name;
}

}  // namespace

std::string FormatTable4Text(const Table4& t) {
  std::ostringstream os;
  if (t.quick) {
    os << "QUICK reproduction (the reproduce file's \"quick\" patch, e.g. a lower target): not the "
          "paper's target\n";
  }
  os << "CO2e in grams to " << Fmt("%.2f", t.target_accuracy)
     << " test accuracy; in parentheses the paper's Table 4\n";
  if (SeveralSeeds(t)) {
    os << "each cell: the median over " << SeedsLine(t) << ", [lowest-highest]\n";
  }
  const int width = SeveralSeeds(t) ? 30 : 17;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%-8s", "country");
  os << buf;
  for (const std::string& c : t.columns) {
    std::snprintf(buf, sizeof(buf), " %*s", width, ColumnLabel(c).c_str());
    os << buf;
  }
  os << "\n";
  for (size_t row = 0; row < t.rows.size(); ++row) {
    const Table4::Row& r = t.rows[row];
    std::snprintf(buf, sizeof(buf), "%-8s", r.country.c_str());
    os << buf;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const double p = PaperValue(r.country, t.columns[i]);
      std::string cell = Cell(t, row, i);
      if (!std::isnan(p)) cell += " (" + Fmt("%.1f", p) + ")";
      std::snprintf(buf, sizeof(buf), " %*s", width, cell.c_str());
      os << buf;
    }
    os << "\n";
  }
  if (t.embodied_g.size() == t.columns.size()) {
    os << "embodied (scope 3, devices' manufacturing; beside the table, not in it), g CO2e:";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      os << " " << t.columns[i] << " " << Fmt("%.3g", t.embodied_g[i]);
    }
    os << "\n";
  }
  os << "FL emissions by part (clients; the coordinator's evaluation shown apart):\n";
  for (const Table4::Breakdown& b : t.breakdown) {
    std::snprintf(buf, sizeof(buf), "  %-10s %-4s", b.run.c_str(), b.country.c_str());
    os << buf << " compute " << Fmt("%.3g", b.compute_g) << " g, communication "
       << Fmt("%.3g", b.comm_g) << " g (" << Fmt("%.0f", 100 * b.comm_share)
       << "% of client energy); coordinator " << Fmt("%.3g", b.coordinator_g) << " g\n";
  }
  if (SeveralSeeds(t)) os << "rounds to target, median [range]: " << SpreadLine(t) << "\n";
  for (const Table4::RunInfo& r : t.runs) {
    os << "  run " << RunName(t, r) << ": " << (r.reached_target ? "reached" : "DID NOT REACH")
       << " the target, final accuracy " << Fmt("%.4f", r.final_accuracy) << " after "
       << r.rounds_or_epochs << (r.name == "centralized" ? " epoch(s)" : " round(s)") << ", "
       << Fmt("%.3g", static_cast<double>(r.flops)) << " FLOP priced, " << Fmt("%.0f", r.wall_s)
       << " s; accuracy gained per kWh " << Fmt("%.4g", r.ratios.accuracy_gain_per_kwh)
       << ", accuracy per g CO2e " << Fmt("%.4g", r.ratios.accuracy_per_g)
       << " (its summary.json)\n";
  }
  for (const std::string& line : CheckTable4Structure(t)) os << line << "\n";
  return os.str();
}

std::string FormatTable4Csv(const Table4& t) {
  std::string out = "country";
  for (const std::string& c : t.columns) out += "," + c;
  if (SeveralSeeds(t)) {
    for (const std::string& c : t.columns) out += fmt::format(",{0}_low,{0}_high", c);
  }
  out += "\n";
  for (size_t row = 0; row < t.rows.size(); ++row) {
    out += t.rows[row].country;
    for (double g : t.rows[row].grams) out += fmt::format(",{:.6g}", g);
    if (SeveralSeeds(t)) {
      for (size_t c = 0; c < t.columns.size(); ++c) {
        out += fmt::format(",{:.6g},{:.6g}", t.ranges[row].low[c], t.ranges[row].high[c]);
      }
    }
    out += "\n";
  }
  return out;
}

namespace {

// The cells (ours (the paper's)) and the embodied row.
std::string MarkdownCells(const Table4& t) {
  std::ostringstream os;
  os << "| country |";
  for (const std::string& c : t.columns) os << " " << ColumnLabel(c) << " |";
  os << "\n|---|";
  for (size_t i = 0; i < t.columns.size(); ++i) os << "---|";
  os << "\n";
  for (size_t row = 0; row < t.rows.size(); ++row) {
    const Table4::Row& r = t.rows[row];
    os << "| " << r.country_name << " |";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const double p = PaperValue(r.country, t.columns[i]);
      os << " " << Cell(t, row, i);
      if (!std::isnan(p)) os << " (" << Fmt("%.1f", p) << ")";
      os << " |";
    }
    os << "\n";
  }
  if (t.embodied_g.size() == t.columns.size()) {
    os << "| embodied (scope 3), any country |";
    for (const double g : t.embodied_g) os << " " << Fmt("%.3g", g) << " |";
    os << "\n\nThe last row is the devices' manufacturing footprint for the modelled hours of use "
          "(docs/methodology.md, section 5): beside the table, not in it; the other rows are "
          "operational, as the paper's Table 4.\n";
  }
  return os.str();
}

std::string MarkdownChecks(const Table4& t, const char* heading) {
  std::ostringstream os;
  os << "\n"
     << heading
     << " Checks\n\n"
        "What depends on the measured runs; the identities of the pricing formula (country order "
        "for equal energy, K80 above V100, PUE 1.67/1.11) are unit tests "
        "(tests/energy/pricing_identities_test.cc). INFO lines judge nothing.\n\n";
  for (const std::string& line : CheckTable4Structure(t)) os << "- " << line << "\n";
  return os.str();
}

const char* MethodWords(const std::string& method) {
  return method == "nameplate"
             ? "every processor at its nameplate power for the whole modelled time (usage factor "
               "1: the ML CO2 Impact calculator, Lacoste et al. 2019, and Green Algorithms)"
             : "the GPUs' step time and power fit to measured V100 training power (Zeus NSDI "
               "2023 traces, docs/gpu_fit.md), edge devices by their linear utilisation model";
}

}  // namespace

std::string FormatTable4Markdown(const Table4& t) { return FormatTable4Markdown(std::vector{t}); }

std::string FormatTable4Markdown(const std::vector<Table4>& methods) {
  if (methods.empty()) return "";
  const Table4& t = methods.front();
  const bool several = methods.size() > 1;
  std::ostringstream os;
  os << "# Table 4 reproduction: CO2e (grams) to " << Fmt("%.2f", t.target_accuracy)
     << " test accuracy\n\n";
  if (t.quick) {
    os << "**QUICK reproduction** (the reproduce file's \"quick\" patch, e.g. a lower target): "
          "the pipeline and the structure of the table, not the paper's numbers.\n\n";
  }
  os << "Each cell: ours (the paper's value). Method and constants: docs/methodology.md.\n\n";
  if (SeveralSeeds(t)) {
    os << "Ours is the median over " << SeedsLine(t)
       << ", with [lowest-highest] over the seeds; the checks judge the medians.\n\n"
       << "Rounds (epochs) to target, median [range]: " << SpreadLine(t) << ".\n\n";
  }
  for (const Table4& m : methods) {
    if (several) os << "## Power method: " << m.method << "\n\n";
    os << "Priced with " << MethodWords(m.method) << ".\n\n" << MarkdownCells(m);
    os << MarkdownChecks(m, several ? "###" : "##");
    if (several) os << "\n";
  }
  os << FormatMethodComparison(methods);
  os << "\n## FL emissions: compute vs communication (clients)\n\n";
  os << "| run | country | compute g | communication g | comm share of energy | coordinator g "
        "(not in the table) |\n|---|---|---|---|---|---|\n";
  for (const Table4::Breakdown& b : t.breakdown) {
    os << "| " << b.run << " | " << b.country << " | " << Fmt("%.3g", b.compute_g) << " | "
       << Fmt("%.3g", b.comm_g) << " | " << Fmt("%.1f", 100 * b.comm_share) << "% | "
       << Fmt("%.3g", b.coordinator_g) << " |\n";
  }
  if (!t.runs.empty()) {
    os << "\n## Runs\n\n| run | reached target | final accuracy | epochs / rounds | priced FLOP "
          "| wall s | accuracy gain per kWh | accuracy per g CO2e |\n"
          "|---|---|---|---|---|---|---|---|\n";
    for (const Table4::RunInfo& r : t.runs) {
      os << "| " << RunName(t, r) << " | " << (r.reached_target ? "yes" : "**no**") << " | "
         << Fmt("%.4f", r.final_accuracy) << " | " << r.rounds_or_epochs << " | "
         << Fmt("%.3g", static_cast<double>(r.flops)) << " | " << Fmt("%.0f", r.wall_s) << " | "
         << Fmt("%.4g", r.ratios.accuracy_gain_per_kwh) << " | "
         << Fmt("%.4g", r.ratios.accuracy_per_g) << " |\n";
    }
    os << "\nThe two ratios are each run's `summary.json` (accuracy gained from the initial "
          "model per kWh, final accuracy per g CO2e), priced as the run was configured (FL: "
          "clients and coordinator; centralized: its own device, PUE and country, the gain "
          "counted from chance level 0.1), not per column of the table above.\n";
  }
  if (!t.notes.empty()) os << "\n## Setting\n\n" << t.notes << "\n";
  return os.str();
}

Status WriteTable4(const Table4& t, const std::string& out_dir, const PlotOptions& plot,
                   std::string* warning) {
  return WriteTable4(std::vector{t}, out_dir, plot, warning);
}

Status WriteTable4(const std::vector<Table4>& methods, const std::string& out_dir,
                   const PlotOptions& plot, std::string* warning) {
  if (methods.empty()) return Status::InvalidArgument("table 4: no table to write");
  const Table4& t = methods.front();
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/table4.csv", FormatTable4Csv(t)));
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/table4.md", FormatTable4Markdown(methods)));
  for (size_t m = 1; m < methods.size(); ++m) {
    FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/table4-" + methods[m].method + ".csv",
                                              FormatTable4Csv(methods[m])));
  }
  std::string breakdown = "run,country,compute_g,comm_g,comm_share,coordinator_g\n";
  for (const Table4::Breakdown& b : t.breakdown) {
    breakdown += b.run + "," + b.country + "," + Fmt("%.6g", b.compute_g) + "," +
                 Fmt("%.6g", b.comm_g) + "," + Fmt("%.6g", b.comm_share) + "," +
                 Fmt("%.6g", b.coordinator_g) + "\n";
  }
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/fl_breakdown.csv", breakdown));

  PlotReport report;
  const bool render = plot.render && GnuplotAvailable(plot);
  FEDCARBON_RETURN_IF_ERROR(WritePlot(out_dir, Table4Chart(t), plot, render, &report));
  for (size_t m = 1; m < methods.size(); ++m) {
    FEDCARBON_RETURN_IF_ERROR(WritePlot(
        out_dir, Table4Chart(methods[m], "table4-" + methods[m].method), plot, render, &report));
  }
  if (plot.render && !render) {
    if (warning) {
      *warning = GnuplotMissingWarning(plot);
    } else {
      spdlog::warn("{}", GnuplotMissingWarning(plot));
    }
  }
  return Status::OK();
}

}  // namespace fedcarbon::experiment
