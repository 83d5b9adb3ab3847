// Table 4: built from recorded ledgers by re-pricing, checked, formatted and written
// (see reproduce.h).
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/energy/reprice.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string ColumnName(const CentralizedSetting& s) { return s.device + "_pue" + Fmt("%g", s.pue); }

// Human label of a column: "V100, PUE 1.67", "FL IID".
std::string ColumnLabel(const std::string& column) {
  if (column == "fl_iid") return "FL IID";
  if (column == "fl_noniid") return "FL non-IID";
  const size_t p = column.find("_pue");
  std::string device = column.substr(0, p);
  for (char& c : device) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return device + ", PUE " + column.substr(p + 4);
}

Result<double> Grams(const energy::Catalog& catalog, const std::vector<energy::LedgerRow>& rows,
                     const energy::RepriceOptions& options, energy::Cost* total = nullptr) {
  Result<std::vector<energy::LedgerRow>> priced = energy::Reprice(catalog, rows, options);
  if (!priced.ok()) return priced.status();
  energy::Cost sum;
  for (const energy::LedgerRow& r : *priced) sum += r.cost;
  if (total) *total = sum;
  return sum.emissions_kg * 1000.0;
}

std::vector<energy::LedgerRow> WithRole(const std::vector<energy::LedgerRow>& rows,
                                        const std::string& role) {
  std::vector<energy::LedgerRow> out;
  for (const energy::LedgerRow& r : rows) {
    if (r.role == role) out.push_back(r);
  }
  return out;
}

int ColumnIndex(const Table4& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

const Table4::Row* FindRow(const Table4& t, const std::string& iso3) {
  for (const Table4::Row& r : t.rows) {
    if (r.country == iso3) return &r;
  }
  return nullptr;
}

const std::vector<std::string> kDefaultColumns = {"v100_pue1.67", "k80_pue1.67", "v100_pue1.11",
                                                  "k80_pue1.11",  "fl_iid",      "fl_noniid"};

// The paper's grams for (country, column); NaN when the paper has no such cell.
double PaperValue(const std::string& iso3, const std::string& column) {
  const std::vector<double> row = PaperTable4Row(iso3);
  for (size_t i = 0; i < kDefaultColumns.size() && i < row.size(); ++i) {
    if (kDefaultColumns[i] == column) return row[i];
  }
  return std::nan("");
}

// Table 4 as grouped bars (countries as groups, one bar per column) with the paper's values as
// black dashes over the bars; table4.dat holds ours and the paper's value per column.
PlotSpec Table4Chart(const Table4& t) {
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#aec7e8", "#ffbb78",
                                         "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"};
  const size_t n = t.columns.size();
  const double bw = 0.8 / static_cast<double>(std::max<size_t>(n, 1));
  PlotSpec p;
  p.name = "table4";
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
    bars += fmt::format("{}'table4.dat' using ($1{:+.4f}):{} with boxes lc rgb '{}' title {}",
                        i ? ", \\\n     " : "", off, 3 + 2 * i,
                        kColours[i % (sizeof(kColours) / sizeof(kColours[0]))],
                        GnuplotQuote(ColumnLabel(t.columns[i])));
    ticks += fmt::format(
        ", \\\n     '' using ($1{:+.4f}):{}:({:.4f}):(0) with vectors nohead "
        "lw 3 lc rgb 'black' {}",
        off - bw / 2, 4 + 2 * i, bw, i ? "notitle" : "title 'paper (Qiu et al., Table 4)'");
  }
  p.commands = "set title ";
  p.commands += GnuplotQuote(std::string(t.quick ? "QUICK: " : "") + "CO2e to " +
                             Fmt("%.2f", t.target_accuracy) + " accuracy, centralized vs FL");
  p.commands +=
      "\nset ylabel 'g CO2e'\nset xlabel 'country'\nset grid ytics\n"
      "set style fill solid 0.9 border -1\n" +
      fmt::format("set boxwidth {:.4f} absolute\nset xrange [-0.5:{}]\n", bw,
                  static_cast<double>(t.rows.size()) - 0.5) +
      "set yrange [0:*]\nset key outside right top Left reverse\nset xtics (" + xtics + ")\n" +
      bars + ticks + "\n";
  return p;
}

}  // namespace

std::vector<double> PaperTable4Row(const std::string& iso3) {
  // Qiu et al., "A First Look into the Carbon Footprint of Federated Learning" (JMLR 2023),
  // Table 4, grams CO2e (as listed in DESIGN.md).
  if (iso3 == "USA") return {1.6, 5.2, 1.1, 3.5, 0.5, 1.0};
  if (iso3 == "CHN") return {2.9, 9.2, 1.9, 6.2, 0.9, 1.7};
  if (iso3 == "FRA") return {0.2, 0.8, 0.2, 0.5, 0.1, 0.1};
  return {};
}

Result<Table4> BuildTable4(const ReproduceSpec& spec, const energy::Catalog& catalog,
                           const std::vector<energy::LedgerRow>& centralized,
                           const std::vector<energy::LedgerRow>& fl_iid,
                           const std::vector<energy::LedgerRow>& fl_noniid) {
  Table4 t;
  for (const CentralizedSetting& s : spec.centralized) t.columns.push_back(ColumnName(s));
  t.columns.push_back("fl_iid");
  t.columns.push_back("fl_noniid");
  const std::vector<energy::LedgerRow> central = WithRole(centralized, "centralized");
  if (central.empty()) return Status::Error("centralized ledger has no 'centralized' row");
  const std::pair<std::string, const std::vector<energy::LedgerRow>*> fl_runs[] = {
      {"fl_iid", &fl_iid}, {"fl_noniid", &fl_noniid}};
  for (const auto& [name, rows] : fl_runs) {
    if (WithRole(*rows, "client").empty()) {
      return Status::Error(name + " ledger has no client rows");
    }
  }
  for (const std::string& country : spec.countries) {
    Result<energy::Country> c = catalog.FindCountry(country);
    if (!c.ok()) return c.status();
    Table4::Row row;
    row.country = c->iso3;
    row.country_name = c->name;
    for (const CentralizedSetting& s : spec.centralized) {
      energy::RepriceOptions o;
      o.country = c->iso3;
      o.device = s.device;
      o.pue = s.pue;
      Result<double> g = Grams(catalog, central, o);
      if (!g.ok()) return g.status().WithContext("centralized " + ColumnName(s));
      row.grams.push_back(*g);
    }
    for (const auto& [name, rows] : fl_runs) {
      energy::RepriceOptions o;
      o.country = c->iso3;
      energy::Cost clients;
      Result<double> g = Grams(catalog, WithRole(*rows, "client"), o, &clients);
      if (!g.ok()) return g.status().WithContext(name);
      row.grams.push_back(*g);
      Table4::Breakdown b;
      b.run = name;
      b.country = c->iso3;
      // Per-row grams of the compute and communication parts (each row has one intensity).
      Result<std::vector<energy::LedgerRow>> priced =
          energy::Reprice(catalog, WithRole(*rows, "client"), o);
      if (!priced.ok()) return priced.status();
      for (const energy::LedgerRow& r : *priced) {
        b.compute_g += r.cost.compute_energy_kwh * r.cost.carbon_intensity_g_per_kwh;
        b.comm_g += r.cost.comm_energy_kwh * r.cost.carbon_intensity_g_per_kwh;
      }
      for (const energy::LedgerRow& r : WithRole(*rows, "coordinator")) {
        b.coordinator_g += r.cost.emissions_kg * 1000.0;
      }
      b.comm_share = clients.energy_kwh > 0 ? clients.comm_energy_kwh / clients.energy_kwh : 0.0;
      t.breakdown.push_back(b);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> CheckTable4Structure(const Table4& t) {
  std::vector<std::string> out;
  auto check = [&out](bool ok, const std::string& what) {
    out.push_back(std::string(ok ? "PASS" : "FAIL") + ": " + what);
  };
  const Table4::Row* usa = FindRow(t, "USA");
  const Table4::Row* chn = FindRow(t, "CHN");
  const Table4::Row* fra = FindRow(t, "FRA");
  if (usa && chn && fra) {
    bool ok = true;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      ok &= chn->grams[i] > usa->grams[i] && usa->grams[i] > fra->grams[i];
    }
    check(ok, "country order China > USA > France in every column");
  }
  for (const char* pue : {"1.67", "1.11"}) {
    const int v = ColumnIndex(t, std::string("v100_pue") + pue);
    const int k = ColumnIndex(t, std::string("k80_pue") + pue);
    if (v < 0 || k < 0) continue;
    bool ok = true;
    for (const Table4::Row& r : t.rows) ok &= r.grams[k] > r.grams[v];
    check(ok, std::string("K80 above V100 at PUE ") + pue + " in every country");
  }
  for (const char* dev : {"v100", "k80"}) {
    const int hi = ColumnIndex(t, std::string(dev) + "_pue1.67");
    const int lo = ColumnIndex(t, std::string(dev) + "_pue1.11");
    if (hi < 0 || lo < 0) continue;
    double worst = 0;
    for (const Table4::Row& r : t.rows) {
      worst = std::max(worst, std::abs(r.grams[hi] / r.grams[lo] / (1.67 / 1.11) - 1.0));
    }
    check(worst < 1e-9, std::string(dev) + ": PUE 1.67 / PUE 1.11 = 1.67/1.11 exactly (worst " +
                            Fmt("%.1e", worst) + " relative)");
  }
  const int iid = ColumnIndex(t, "fl_iid"), non = ColumnIndex(t, "fl_noniid");
  bool ok = true;
  for (const Table4::Row& r : t.rows) ok &= r.grams[non] > r.grams[iid];
  check(ok, "FL non-IID above FL IID in every country");
  const int v167 = ColumnIndex(t, "v100_pue1.67");
  if (v167 >= 0) {
    for (const Table4::Row* r : {usa, chn}) {
      if (r) {
        check(r->grams[iid] < r->grams[v167], "FL IID below centralized V100 (PUE 1.67) in " +
                                                  r->country + ": " + Fmt("%.3g", r->grams[iid]) +
                                                  " g vs " + Fmt("%.3g", r->grams[v167]) + " g");
      }
    }
  }
  double lo = 1e300, hi = 0;
  for (const Table4::Row& r : t.rows) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const double p = PaperValue(r.country, t.columns[i]);
      if (std::isnan(p) || p <= 0) continue;
      lo = std::min(lo, r.grams[i] / p);
      hi = std::max(hi, r.grams[i] / p);
    }
  }
  if (t.quick) {
    out.push_back("SKIP: order of magnitude against the paper (QUICK is not the paper's setting)");
  } else if (hi > 0) {
    check(lo >= 0.1 && hi <= 10.0, "same order of magnitude as the paper: ours/paper within " +
                                       Fmt("%.2f", lo) + " .. " + Fmt("%.2f", hi) +
                                       " (required 0.1 .. 10)");
  }
  return out;
}

std::string FormatTable4Text(const Table4& t) {
  std::ostringstream os;
  if (t.quick) os << "QUICK reproduction (small model, lower target): not the paper's setting\n";
  os << "CO2e in grams to " << Fmt("%.2f", t.target_accuracy)
     << " test accuracy; in parentheses the paper's Table 4\n";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%-8s", "country");
  os << buf;
  for (const std::string& c : t.columns) {
    std::snprintf(buf, sizeof(buf), " %17s", ColumnLabel(c).c_str());
    os << buf;
  }
  os << "\n";
  for (const Table4::Row& r : t.rows) {
    std::snprintf(buf, sizeof(buf), "%-8s", r.country.c_str());
    os << buf;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const double p = PaperValue(r.country, t.columns[i]);
      std::string cell = Fmt("%.3g", r.grams[i]);
      if (!std::isnan(p)) cell += " (" + Fmt("%.1f", p) + ")";
      std::snprintf(buf, sizeof(buf), " %17s", cell.c_str());
      os << buf;
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
  for (const Table4::RunInfo& r : t.runs) {
    os << "  run " << r.name << ": " << (r.reached_target ? "reached" : "DID NOT REACH")
       << " the target, final accuracy " << Fmt("%.4f", r.final_accuracy) << " after "
       << r.rounds_or_epochs << (r.name == "centralized" ? " epoch(s)" : " round(s)") << ", "
       << Fmt("%.3g", static_cast<double>(r.flops)) << " FLOP priced, " << Fmt("%.0f", r.wall_s)
       << " s\n";
  }
  for (const std::string& line : CheckTable4Structure(t)) os << line << "\n";
  return os.str();
}

std::string FormatTable4Csv(const Table4& t) {
  std::string out = "country";
  for (const std::string& c : t.columns) out += "," + c;
  out += "\n";
  for (const Table4::Row& r : t.rows) {
    out += r.country;
    for (double g : r.grams) {
      out += ',';
      out += Fmt("%.6g", g);
    }
    out += "\n";
  }
  return out;
}

std::string FormatTable4Markdown(const Table4& t) {
  std::ostringstream os;
  os << "# Table 4 reproduction: CO2e (grams) to " << Fmt("%.2f", t.target_accuracy)
     << " test accuracy\n\n";
  if (t.quick) {
    os << "**QUICK reproduction** (small model, lower target): a smoke test of the pipeline, "
          "not the paper's setting.\n\n";
  }
  os << "Each cell: ours (the paper's value). Method and constants: docs/methodology.md.\n\n";
  os << "| country |";
  for (const std::string& c : t.columns) os << " " << ColumnLabel(c) << " |";
  os << "\n|---|";
  for (size_t i = 0; i < t.columns.size(); ++i) os << "---|";
  os << "\n";
  for (const Table4::Row& r : t.rows) {
    os << "| " << r.country_name << " |";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const double p = PaperValue(r.country, t.columns[i]);
      os << " " << Fmt("%.3g", r.grams[i]);
      if (!std::isnan(p)) os << " (" << Fmt("%.1f", p) << ")";
      os << " |";
    }
    os << "\n";
  }
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
          "| wall s |\n|---|---|---|---|---|---|\n";
    for (const Table4::RunInfo& r : t.runs) {
      os << "| " << r.name << " | " << (r.reached_target ? "yes" : "**no**") << " | "
         << Fmt("%.4f", r.final_accuracy) << " | " << r.rounds_or_epochs << " | "
         << Fmt("%.3g", static_cast<double>(r.flops)) << " | " << Fmt("%.0f", r.wall_s) << " |\n";
    }
  }
  os << "\n## Structure checks\n\n";
  for (const std::string& line : CheckTable4Structure(t)) os << "- " << line << "\n";
  if (!t.notes.empty()) os << "\n## Setting\n\n" << t.notes << "\n";
  return os.str();
}

Status WriteTable4(const Table4& t, const std::string& out_dir, const PlotOptions& plot,
                   std::string* warning) {
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/table4.csv", FormatTable4Csv(t)));
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out_dir + "/table4.md", FormatTable4Markdown(t)));
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
