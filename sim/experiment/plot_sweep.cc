// A sweep's plots: CO2e against each swept key, accuracy against cumulative gCO2e per point, and
// the energy breakdown per point (see plot.h).
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/experiment/plot.h"

namespace fedcarbon::experiment {
namespace {

const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr size_t kNumColours = sizeof(kColours) / sizeof(kColours[0]);

// "key=value, key=value" over the keys in `which` (indices into keys).
std::string Describe(const std::vector<std::string>& keys, const SweepRow& row,
                     const std::vector<size_t>& which) {
  std::string s;
  for (size_t k : which) s += (s.empty() ? "" : ", ") + keys[k] + "=" + row.values[k];
  return s;
}

// Index of `v` in `list`, appended when new.
size_t IndexOf(std::vector<std::string>& list, const std::string& v) {
  auto it = std::find(list.begin(), list.end(), v);
  if (it != list.end()) return static_cast<size_t>(it - list.begin());
  list.push_back(v);
  return list.size() - 1;
}

struct Stats {
  double mean = 0, sd = 0;
  size_t n = 0;
};
Stats MeanSd(const std::vector<double>& v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) return s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  return s;
}

// `key = ` style line for the series i ("lc rgb '#...'").
std::string Colour(size_t i) { return fmt::format("lc rgb '{}'", kColours[i % kNumColours]); }

PlotSpec Co2VsKey(const SweepTable& t, const std::vector<const SweepRow*>& done, size_t key) {
  // x values: numeric (sorted) when every value parses, else categorical (sweep order).
  std::vector<std::string> xs;
  for (const SweepRow* r : done) IndexOf(xs, r->values[key]);
  bool numeric = true;
  std::map<std::string, double> num;
  for (const std::string& x : xs) {
    Result<double> v = ParseDouble(x, t.keys[key]);
    numeric = numeric && v.ok();
    if (v.ok()) num[x] = *v;
  }
  if (numeric) {
    std::sort(xs.begin(), xs.end(),
              [&num](const std::string& a, const std::string& b) { return num[a] < num[b]; });
  }
  std::vector<size_t> others;
  for (size_t k = 0; k < t.keys.size(); ++k) {
    if (k != key) others.push_back(k);
  }
  // lines[i][j]: CO2e (kg) of the seeds of line i at x value j.
  std::vector<std::string> line_names;
  std::vector<std::vector<std::vector<double>>> lines;
  double max_kg = 0;
  for (const SweepRow* r : done) {
    const size_t i = IndexOf(line_names, Describe(t.keys, *r, others));
    if (lines.size() <= i) lines.resize(i + 1, std::vector<std::vector<double>>(xs.size()));
    const size_t j =
        static_cast<size_t>(std::find(xs.begin(), xs.end(), r->values[key]) - xs.begin());
    lines[i][j].push_back(r->co2e_kg);
    max_kg = std::max(max_kg, r->co2e_kg);
  }
  const bool grams = max_kg < 1.0;
  const double scale = grams ? 1000.0 : 1.0;
  const std::string unit = grams ? "g CO2e" : "kg CO2e";

  std::string name = "co2_vs_" + t.keys[key];
  std::replace(name.begin(), name.end(), '.', '_');
  PlotSpec p;
  p.name = name;
  p.data = fmt::format("# {} against {}: mean and sample std dev over seeds; one block per line\n",
                       unit, t.keys[key]);
  std::string plot = "plot ";
  double top = 0;  // highest mean + sd
  for (size_t i = 0; i < lines.size(); ++i) {
    p.data += (i ? "\n\n" : "") + fmt::format("# line {}: {}\n# x mean_{} sd seeds value\n", i,
                                              line_names[i].empty() ? "all" : line_names[i],
                                              grams ? "g" : "kg");
    for (size_t j = 0; j < xs.size(); ++j) {
      if (lines[i][j].empty()) continue;
      const Stats s = MeanSd(lines[i][j]);
      top = std::max(top, (s.mean + s.sd) * scale);
      const double x = numeric ? num[xs[j]] : static_cast<double>(j);
      p.data += fmt::format("{} {} {} {} {}\n", DatNumber(x), DatNumber(s.mean * scale),
                            DatNumber(s.sd * scale), s.n, DatString(xs[j]));
    }
    plot += fmt::format("{}'{}.dat' index {} using 1:2:3 with yerrorlines lw 2 pt 7 {} title {}",
                        i ? ", \\\n     " : "", name, i, Colour(i),
                        line_names[i].empty() ? "'mean over seeds'" : GnuplotQuote(line_names[i]));
  }
  std::string c =
      "set title " +
      GnuplotQuote("CO2e against " + t.keys[key] + " (mean over seeds; bars: std dev)") +
      "\nset xlabel " + GnuplotQuote(t.keys[key]) + "\nset ylabel " + GnuplotQuote(unit) +
      "\nset grid\nset key outside right top Left reverse\n" +
      fmt::format("set yrange [0:{}]\n", DatNumber(top > 0 ? top * 1.1 : 1.0));
  if (numeric) {
    const double lo = num[xs.front()], hi = num[xs.back()];
    if (lo > 0 && hi / lo > 100) c += "set logscale x\n";
    c += "set offsets graph 0.05, graph 0.05, 0, 0\n";
  } else {
    c += fmt::format("set xrange [-0.5:{}]\nset xtics (", static_cast<double>(xs.size()) - 0.5);
    for (size_t j = 0; j < xs.size(); ++j)
      c += fmt::format("{}{} {}", j ? ", " : "", GnuplotQuote(xs[j]), j);
    c += ")\n";
  }
  p.commands = c + plot + "\n";
  p.width = 1100;
  return p;
}

// accuracy_vs_co2: one block per readable point; *skipped names the others.
PlotSpec AccuracyVsCo2(const std::string& sweep_dir, const SweepTable& t,
                       const std::vector<const SweepRow*>& done, std::string* skipped) {
  std::vector<size_t> all;
  for (size_t k = 0; k < t.keys.size(); ++k) all.push_back(k);
  PlotSpec p;
  p.name = "accuracy_vs_co2";
  p.data =
      "# accuracy against cumulative gCO2e, one block per done point (its rounds.csv or "
      "curve.csv, and ledger.csv)\n";
  std::string plot = "plot ";
  size_t block = 0;
  for (const SweepRow* r : done) {
    Result<RunCurve> c = ReadRunCurve(sweep_dir + "/" + r->dir);
    if (!c.ok()) {
      *skipped += (skipped->empty() ? "" : "; ") + r->id + ": " + c.status().message();
      continue;
    }
    std::string title = Describe(t.keys, *r, all);
    title += (title.empty() ? "" : ", ") + fmt::format("seed={}", r->seed);
    p.data += (block ? "\n\n" : "") + fmt::format("# point {} ({}): {}\n# gco2e accuracy {}\n",
                                                  r->id, r->dir, title, c->x_label);
    for (size_t i = 0; i < c->x.size(); ++i) {
      p.data += DatNumber(c->cum_g[i]) + " " + DatNumber(c->accuracy[i]) + " " +
                DatNumber(c->x[i]) + "\n";
    }
    plot += fmt::format(
        "{}'accuracy_vs_co2.dat' index {} using 1:2 with linespoints lw 1.5 pt {} "
        "ps 0.6 {} title {}",
        block ? ", \\\n     " : "", block, 5 + (block / kNumColours) % 4 * 2, Colour(block),
        GnuplotQuote(title));
    ++block;
  }
  if (block == 0) return PlotSpec{};
  p.commands = std::string("set title 'Accuracy against cumulative emissions, per point'\n") +
               "set xlabel 'cumulative g CO2e'\nset ylabel 'test accuracy'\nset grid\n"
               "set xrange [0:*]\nset offsets 0, graph 0.03, graph 0.05, graph 0.05\n" +
               (block > 8 ? "set key outside right top Left reverse font ',9'\n"
                          : "set key bottom right Left reverse box opaque\n") +
               plot + "\n";
  if (block > 8) p.width = 1200;
  return p;
}

PlotSpec EnergyBreakdown(const SweepTable& t, const std::vector<const SweepRow*>& done) {
  double max_kwh = 0;  // the tallest stack
  for (const SweepRow* r : done) {
    max_kwh = std::max(max_kwh, r->client_compute_kwh + r->client_comm_kwh + r->coordinator_kwh +
                                    r->centralized_kwh);
  }
  const bool wh = max_kwh < 1.0;
  const double scale = wh ? 1000.0 : 1.0;
  const std::string unit = wh ? "Wh" : "kWh";
  std::string keys;
  for (const std::string& k : t.keys) keys += k + ", ";
  PlotSpec p;
  p.name = "energy_breakdown";
  p.data = fmt::format(
      "# energy per done point, {}\n# point client_compute client_comm "
      "coordinator centralized id\n",
      unit);
  for (const SweepRow* r : done) {
    std::string label;
    for (const std::string& v : r->values) label += v + ", ";
    label += fmt::format("s{}", r->seed);
    p.data += fmt::format(
        "{} {} {} {} {} {}\n", DatString(label), DatNumber(r->client_compute_kwh * scale),
        DatNumber(r->client_comm_kwh * scale), DatNumber(r->coordinator_kwh * scale),
        DatNumber(r->centralized_kwh * scale), DatString(r->id));
  }
  p.width = std::clamp(static_cast<int>(done.size()) * 70 + 300, 960, 2400);
  const char* parts[] = {"client compute", "client communication", "coordinator", "centralized"};
  // Parts that are zero in every point (centralized in an FL sweep) stay in the .dat only.
  double part_max[4] = {0, 0, 0, 0};
  for (const SweepRow* r : done) {
    const double v[4] = {r->client_compute_kwh, r->client_comm_kwh, r->coordinator_kwh,
                         r->centralized_kwh};
    for (int k = 0; k < 4; ++k) part_max[k] = std::max(part_max[k], v[k]);
  }
  std::string plot;
  for (int k = 0; k < 4; ++k) {
    if (part_max[k] <= 0 && !(k == 3 && plot.empty())) continue;
    plot += fmt::format("{}'energy_breakdown.dat' using {}{} title '{}' {}",
                        plot.empty() ? "plot " : ", \\\n     ", k + 2,
                        plot.empty() ? ":xtic(1)" : "", parts[k], Colour(static_cast<size_t>(k)));
  }
  p.commands =
      "set title 'Energy per point, by part'\nset ylabel " + GnuplotQuote(unit) + "\nset xlabel " +
      GnuplotQuote("point (" + keys + "seed)") +
      "\nset style data histograms\nset style histogram rowstacked\n"
      "set style fill solid 0.85 border -1\nset boxwidth 0.7\nset grid ytics\n" +
      fmt::format("set yrange [0:{}]\n", DatNumber(max_kwh > 0 ? max_kwh * scale * 1.08 : 1.0)) +
      "set key outside right top Left reverse\n" +
      (done.size() > 6 ? "set xtics rotate by -40 left\n" : "") + plot + "\n";
  return p;
}

}  // namespace

Result<PlotReport> PlotSweep(const std::string& sweep_dir, const SweepTable& table,
                             const PlotOptions& options) {
  std::vector<const SweepRow*> done;
  for (const SweepRow& r : table.rows) {
    if (r.values.size() != table.keys.size()) {
      return Status::Error(fmt::format("sweep row {}: {} values for {} keys", r.id, r.values.size(),
                                       table.keys.size()));
    }
    if (r.status == "done") done.push_back(&r);
  }
  PlotReport report;
  if (done.empty()) {
    report.warning = sweep_dir + ": no point is done yet: no plots written";
    return report;
  }
  const std::string dir = sweep_dir + "/plots";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error(dir + ": cannot create: " + ec.message());
  const bool render = options.render && GnuplotAvailable(options);
  std::vector<std::string> warnings;
  if (options.render && !render) warnings.push_back(GnuplotMissingWarning(options));

  std::vector<PlotSpec> plots;
  for (size_t k = 0; k < table.keys.size(); ++k) plots.push_back(Co2VsKey(table, done, k));
  std::string skipped;
  PlotSpec acc = AccuracyVsCo2(sweep_dir, table, done, &skipped);
  if (!acc.name.empty()) plots.push_back(std::move(acc));
  if (!skipped.empty()) warnings.push_back("accuracy_vs_co2 leaves out " + skipped);
  plots.push_back(EnergyBreakdown(table, done));
  for (const PlotSpec& p : plots) {
    FEDCARBON_RETURN_IF_ERROR(WritePlot(dir, p, options, render, &report));
  }
  report.rendered = render;
  for (const std::string& w : warnings) report.warning += (report.warning.empty() ? "" : "\n") + w;
  return report;
}

}  // namespace fedcarbon::experiment
