// The sensitivity analysis (see sensitivity.h): one parameter at a time over its documented
// range, re-pricing recorded activity.
#include "fedcarbon/experiment/sensitivity.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <unistd.h>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/common/utc_time.h"
#include "fedcarbon/energy/reprice.h"

namespace fedcarbon::experiment {
namespace {

constexpr const char* kIntensitySource = "intensity source";
constexpr int kBisections = 14;  // 2^-14 of the span: well under the ranges' precision

// The PUE map a parameter implies: a PUE preset moves the spec PUE equal to its base value.
std::map<double, double> PueMap(const Parameter& p, double v) {
  if (p.name.rfind("pue_presets.", 0) != 0) return {};
  return {{p.base, v}};
}

struct Variant {
  Result<energy::Catalog> catalog;
  std::map<double, double> pue;
};

Variant At(const energy::Catalog& catalog, const energy::GridIntensity* grid, const Parameter& p,
           double v) {
  if (p.name == kIntensitySource) {
    if (v < 0.5) return {catalog, {}};
    return {WithTraceIntensities(catalog, *grid), {}};
  }
  return {catalog.WithValue(p.name, v), PueMap(p, v)};
}

Result<Outcome> EvaluateAt(const energy::Catalog& catalog, const energy::GridIntensity* grid,
                           const Parameter& p, double v, const Evaluate& evaluate) {
  Variant var = At(catalog, grid, p, v);
  if (!var.catalog.ok()) return var.catalog.status();
  return evaluate(*var.catalog, var.pue);
}

// The value between `from` (where `c` has `holds`) and `to` (where it does not) where it changes.
Result<double> FindFlip(const energy::Catalog& catalog, const energy::GridIntensity* grid,
                        const Parameter& p, double from, double to, size_t c, bool holds,
                        const Evaluate& evaluate) {
  if (p.name == kIntensitySource) return to;  // two-valued: it flips at the alternative
  for (int i = 0; i < kBisections; ++i) {
    const double mid = 0.5 * (from + to);
    Result<Outcome> o = EvaluateAt(catalog, grid, p, mid, evaluate);
    if (!o.ok()) return o.status();
    if (o->conclusions.at(c).holds == holds) {
      from = mid;
    } else {
      to = mid;
    }
  }
  return 0.5 * (from + to);
}

std::string Num(double v) { return fmt::format("{:.4g}", v); }

}  // namespace

std::vector<Conclusion> Table4Conclusions(const Table4& t) {
  std::vector<Conclusion> out;
  const auto col = [&t](const std::string& name) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const int iid = col("fl_iid"), non = col("fl_noniid");
  for (const Table4::Row& r : t.rows) {
    for (const int fl : {iid, non}) {
      if (fl < 0) continue;
      for (size_t k = 0; k < t.columns.size(); ++k) {
        if (t.columns[k].rfind("fl_", 0) == 0) continue;
        const std::string name = t.columns[fl] == "fl_iid" ? "FL IID" : "FL non-IID";
        out.push_back({fmt::format("{}<{}@{}", t.columns[fl], t.columns[k], r.country),
                       fmt::format("{} below centralized {} in {}", name, t.columns[k], r.country),
                       r.grams[fl] < r.grams[k]});
      }
    }
    if (iid >= 0 && non >= 0) {
      out.push_back({fmt::format("fl_noniid>fl_iid@{}", r.country),
                     fmt::format("FL non-IID above FL IID in {}", r.country),
                     r.grams[non] > r.grams[iid]});
    }
  }
  const auto [lo, hi] = PaperRatioRange(t);
  if (hi > 0) {
    out.push_back({"paper_order_of_magnitude", "every cell within 0.1x..10x of the paper's grams",
                   lo >= 0.1 && hi <= 10.0});
  }
  return out;
}

Result<energy::Catalog> WithTraceIntensities(const energy::Catalog& catalog,
                                             const energy::GridIntensity& grid) {
  nlohmann::json doc = catalog.document();
  const double t0 = *ParseUtcTime("2023-01-01T00:00:00Z");
  const double t1 = *ParseUtcTime("2024-01-01T00:00:00Z");
  for (nlohmann::json& c : doc.at("countries")) {
    const energy::Zone* z = grid.DefaultZoneOf(c.at("iso3").get<std::string>());
    if (!z) continue;
    nlohmann::json& q = c.at("carbon_intensity");
    const double g = grid.MeanLca(*z, t0, t1);
    q = {{"value", g},
         {"unit", "gCO2e/kWh"},
         {"year", 2023},
         {"source", "Electricity Maps 2023 hourly life-cycle intensity of zone " + z->id +
                        ", annual mean (ODbL)"}};
  }
  return energy::Catalog::FromJson(doc);
}

Result<SensitivityReport> Analyse(const energy::Catalog& catalog, const energy::GridIntensity* grid,
                                  const std::string& metric, const Evaluate& evaluate) {
  SensitivityReport report;
  report.metric = metric;
  Result<Outcome> base = evaluate(catalog, {});
  if (!base.ok()) return base.status();
  report.metric_base = base->metric;
  report.base = base->conclusions;
  std::vector<Parameter> params;
  for (const energy::RangedValue& r : catalog.ranged()) {
    if (r.lo == r.hi) {
      report.unaffected.push_back(r.name);
      continue;
    }
    params.push_back({r.name, r.unit, r.value, r.lo, r.hi, r.provenance});
  }
  if (grid) {
    params.push_back({kIntensitySource, "0 = catalog annual, 1 = Electricity Maps 2023 zone mean",
                      0.0, 0.0, 1.0, "Electricity Maps 2023 hourly data (ODbL)"});
  }
  for (const Parameter& p : params) {
    ParameterEffect e;
    e.parameter = p;
    Result<Outcome> lo = EvaluateAt(catalog, grid, p, p.lo, evaluate);
    if (!lo.ok()) return lo.status().WithContext(p.name + " at its low end");
    Result<Outcome> hi = EvaluateAt(catalog, grid, p, p.hi, evaluate);
    if (!hi.ok()) return hi.status().WithContext(p.name + " at its high end");
    e.metric_lo = lo->metric;
    e.metric_hi = hi->metric;
    for (size_t c = 0; c < report.base.size(); ++c) {
      const bool at_base = report.base[c].holds;
      // The end nearer... both ends may flip; report each.
      for (const auto& [end, outcome] : {std::pair{p.lo, &*lo}, std::pair{p.hi, &*hi}}) {
        if (outcome->conclusions.at(c).holds == at_base || end == p.base) continue;
        Result<double> at = FindFlip(catalog, grid, p, p.base, end, c, at_base, evaluate);
        if (!at.ok()) return at.status();
        e.flips.push_back({report.base[c].text, at_base, *at});
      }
    }
    const double scale = std::max(std::abs(report.metric_base), 1e-300);
    bool moves = std::abs(e.metric_hi - e.metric_lo) > 1e-12 * scale ||
                 std::abs(e.metric_lo - report.metric_base) > 1e-12 * scale;
    for (size_t v = 0; !moves && v < base->values.size(); ++v) {
      const double at = base->values[v], tol = 1e-12 * std::max(std::abs(at), 1e-300);
      moves = lo->values.size() != base->values.size() ||
              hi->values.size() != base->values.size() || std::abs(lo->values[v] - at) > tol ||
              std::abs(hi->values[v] - at) > tol;
    }
    if (!moves && e.flips.empty()) {
      report.unaffected.push_back(p.name);
    } else {
      report.effects.push_back(std::move(e));
    }
  }
  std::vector<std::string> order;  // the catalog's order (the intensity source last)
  for (const energy::RangedValue& r : catalog.ranged()) order.push_back(r.name);
  const auto rank = [&order](const std::string& name) {
    return std::find(order.begin(), order.end(), name) - order.begin();
  };
  std::stable_sort(
      report.unaffected.begin(), report.unaffected.end(),
      [&rank](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::stable_sort(report.effects.begin(), report.effects.end(),
                   [](const ParameterEffect& a, const ParameterEffect& b) {
                     return std::abs(a.metric_hi - a.metric_lo) >
                            std::abs(b.metric_hi - b.metric_lo);
                   });
  return report;
}

std::string FormatSensitivityMarkdown(const SensitivityReport& r) {
  std::string out =
      fmt::format("Metric: {} = {} at the baseline catalog.\n\n", r.metric, Num(r.metric_base));
  out += "| conclusion | at baseline | flipped by |\n|---|---|---|\n";
  for (const Conclusion& c : r.base) {
    std::string by;
    for (const ParameterEffect& e : r.effects) {
      for (const Flip& f : e.flips) {
        if (f.conclusion == c.text) {
          by += fmt::format("{}{} at {} {}", by.empty() ? "" : "; ", e.parameter.name, Num(f.at),
                            e.parameter.unit);
        }
      }
    }
    out += fmt::format("| {} | {} | {} |\n", c.text, c.holds ? "holds" : "does not hold",
                       by.empty() ? "robust: none in range" : by);
  }
  out += "\n| parameter | base | range | metric at low | metric at high | flips |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const ParameterEffect& e : r.effects) {
    const Parameter& p = e.parameter;
    out += fmt::format("| {} | {} {} | {} .. {} | {} | {} | {} |\n", p.name, Num(p.base), p.unit,
                       Num(p.lo), Num(p.hi), Num(e.metric_lo), Num(e.metric_hi), e.flips.size());
  }
  if (!r.unaffected.empty()) {
    std::string names;
    for (const std::string& n : r.unaffected) names += (names.empty() ? "" : ", ") + n;
    out += fmt::format("\nNot analysed (no range, or no effect on any outcome here): {}.\n", names);
  }
  return out;
}

std::string FormatSensitivityCsv(const SensitivityReport& r) {
  std::string out =
      "parameter,unit,base,lo,hi,metric_base,metric_lo,metric_hi,conclusion,holds_at_base,"
      "flips_at\n";
  const auto q = [](const std::string& s) { return CsvField(s); };
  for (const ParameterEffect& e : r.effects) {
    const Parameter& p = e.parameter;
    const std::string head =
        fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}", q(p.name), q(p.unit), p.base,
                    p.lo, p.hi, r.metric_base, e.metric_lo, e.metric_hi);
    if (e.flips.empty()) out += head + ",,,\n";
    for (const Flip& f : e.flips) {
      out += fmt::format("{},{},{},{:.9g}\n", head, q(f.conclusion),
                         f.holds_at_base ? "true" : "false", f.at);
    }
  }
  return out;
}

Status PlotTornado(const SensitivityReport& r, const std::string& dir, size_t top,
                   const PlotOptions& options, PlotReport* out) {
  const size_t n = std::min(top, r.effects.size());
  std::string data =
      fmt::format("# {}: baseline {:.9g}\n# index label low high\n", r.metric, r.metric_base);
  for (size_t i = 0; i < n; ++i) {
    const ParameterEffect& e = r.effects[n - 1 - i];  // largest at the top
    const std::string label = fmt::format("{} [{} .. {} {}]", e.parameter.name, Num(e.parameter.lo),
                                          Num(e.parameter.hi), e.parameter.unit);
    data += fmt::format("{} {} {} {}\n", i, DatString(label), DatNumber(e.metric_lo),
                        DatNumber(e.metric_hi));
  }
  PlotSpec spec;
  spec.name = "sensitivity-tornado";
  spec.data = data;
  spec.width = 1280;
  spec.height = std::max<int>(320, 120 + 34 * static_cast<int>(n));
  spec.commands = fmt::format(
      "set title {}\n"
      "set xlabel {}\n"
      "set ytics nomirror font ',9'\n"
      "set yrange [-0.7:{}]\n"
      "set grid xtics\n"
      "set key outside bottom center horizontal\n"
      "set style fill solid 0.6 border -1\n"
      "set lmargin 62\n"
      "base = {:.9g}\n"
      "set arrow from base, graph 0 to base, graph 1 nohead dt 2 lw 2\n"
      "{}"
      "plot 'sensitivity-tornado.dat' using (($3+base)/2):1:(abs($3-base)/2):(0.35):ytic(2) "
      "with boxxyerror lc rgb '#4477aa' title 'parameter at the low end of its range', \\\n"
      "     '' using (($4+base)/2):1:(abs($4-base)/2):(0.35) with boxxyerror lc rgb '#ee6677' "
      "title 'at the high end'\n",
      GnuplotQuote("Sensitivity: " + r.metric), GnuplotQuote(r.metric), n, r.metric_base,
      r.metric.find("/") != std::string::npos
          ? "set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb '#222222'\n"
          : "");
  const bool render = options.render && GnuplotAvailable(options);
  if (options.render && !render) out->warning = GnuplotMissingWarning(options);
  FEDCARBON_RETURN_IF_ERROR(WritePlot(dir, spec, options, render, out));
  out->rendered = render;
  return Status::OK();
}

}  // namespace fedcarbon::experiment

namespace fedcarbon::experiment {
namespace {

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<SensitivityReport> AnalyseReproduction(const SensitivityOptions& o,
                                              const energy::Catalog& catalog,
                                              const energy::GridIntensity& grid) {
  std::string spec_path = o.dir + "/" + kReproduceSpecFile;
  if (!Exists(spec_path)) spec_path = o.spec_path;
  if (spec_path.empty()) {
    return Status::InvalidArgument(o.dir + " has no " + kReproduceSpecFile +
                                   " (made before it was saved): pass --spec with the reproduce "
                                   "file it was made with, e.g. experiments/table4.json");
  }
  Result<ReproduceSpec> spec = LoadReproduceSpec(spec_path, catalog);
  if (!spec.ok()) return spec.status();
  std::vector<energy::LedgerRow> ledgers[3];
  const char* runs[3] = {"centralized", "fl_iid", "fl_noniid"};
  for (int i = 0; i < 3; ++i) {
    Result<std::vector<energy::LedgerRow>> rows =
        energy::ReadLedger(o.dir + "/" + runs[i] + "/ledger.csv");
    if (!rows.ok()) return rows.status();
    ledgers[i] = std::move(rows).value();
  }
  if (spec->centralized.empty() || spec->countries.empty()) {
    return Status::InvalidArgument(spec_path + ": needs a centralized setting and a country");
  }
  const ReproduceSpec base_spec = *spec;
  // Conclusions are named after the baseline's columns (a varied PUE renames a column).
  Result<Table4> named = BuildTable4(base_spec, catalog, ledgers[0], ledgers[1], ledgers[2]);
  if (!named.ok()) return named.status();
  const std::vector<std::string> column_names = named->columns;
  const Evaluate evaluate = [&](const energy::Catalog& cat,
                                const std::map<double, double>& pue) -> Result<Outcome> {
    ReproduceSpec s = base_spec;
    for (CentralizedSetting& c : s.centralized) {
      for (const auto& [from, to] : pue) {
        if (std::abs(c.pue - from) < 1e-9) c.pue = to;
      }
    }
    Result<Table4> t = BuildTable4(s, cat, ledgers[0], ledgers[1], ledgers[2]);
    if (!t.ok()) return t.status();
    Outcome out;
    const Table4::Row& row = t->rows.front();
    const size_t fl = s.centralized.size();  // fl_iid follows the centralized columns
    out.metric = row.grams[fl] / row.grams[0];
    t->columns = column_names;
    out.conclusions = Table4Conclusions(*t);
    for (const Table4::Row& r : t->rows) {
      out.values.insert(out.values.end(), r.grams.begin(), r.grams.end());
    }
    return out;
  };
  const std::string metric =
      fmt::format("FL IID grams / centralized {} grams in {}",
                  base_spec.centralized[0].device + "_pue" + Num(base_spec.centralized[0].pue),
                  base_spec.countries[0]);
  return Analyse(catalog, &grid, metric, evaluate);
}

Result<SensitivityReport> AnalyseRun(const SensitivityOptions& o, const energy::Catalog& catalog,
                                     const energy::GridIntensity& grid) {
  Result<std::vector<energy::LedgerRow>> rows = energy::ReadLedger(o.dir + "/ledger.csv");
  if (!rows.ok()) return rows.status();
  const Evaluate evaluate = [&](const energy::Catalog& cat,
                                const std::map<double, double>&) -> Result<Outcome> {
    energy::RepriceOptions ro;
    ro.grid = &grid;
    Result<std::vector<energy::LedgerRow>> priced = energy::Reprice(cat, *rows, ro);
    if (!priced.ok()) return priced.status();
    Outcome out;
    out.metric = energy::Sum(*priced).emissions_kg * 1000.0;
    return out;
  };
  return Analyse(catalog, &grid, "the run's operational emissions, g CO2e", evaluate);
}

}  // namespace

Result<SensitivityReport> RunSensitivity(const SensitivityOptions& o) {
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<energy::GridIntensity> grid = energy::GridIntensity::Default();
  if (!grid.ok()) return grid.status();
  if (!Exists(o.dir + "/centralized/ledger.csv") && !Exists(o.dir + "/ledger.csv")) {
    return Status::InvalidArgument(o.dir +
                                   ": neither a reproduction folder (centralized/ledger.csv) nor "
                                   "a run folder (ledger.csv)");
  }
  Result<SensitivityReport> report = Exists(o.dir + "/centralized/ledger.csv")
                                         ? AnalyseReproduction(o, *catalog, *grid)
                                         : AnalyseRun(o, *catalog, *grid);
  if (!report.ok()) return report.status();
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(o.dir + "/sensitivity.md", FormatSensitivityMarkdown(*report)));
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(o.dir + "/sensitivity.csv", FormatSensitivityCsv(*report)));
  PlotReport plot;
  FEDCARBON_RETURN_IF_ERROR(PlotTornado(*report, o.dir, o.tornado_top, o.plot, &plot));
  return report;
}

}  // namespace fedcarbon::experiment
