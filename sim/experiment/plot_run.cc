// A run folder's plots: accuracy against round and against cumulative gCO2e (see plot.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/records/curve.h"
#include "fedcarbon/records/rounds.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

Result<RunCurve> ReadFl(const std::string& dir, const std::vector<energy::LedgerRow>& ledger) {
  Result<std::vector<records::RoundRecord>> rounds = records::ReadRounds(dir + "/rounds.csv");
  if (!rounds.ok()) return rounds.status();
  std::map<int, double> grams_by_round;
  for (const energy::LedgerRow& r : ledger) grams_by_round[r.round] += r.cost.emissions_kg * 1000;
  RunCurve c;
  c.x_label = "round";
  for (const records::RoundRecord& round : *rounds) {
    if (!round.accuracy) continue;  // a round without evaluation
    double cum = 0;
    for (const auto& [r, g] : grams_by_round) {
      if (r <= round.round) cum += g;
    }
    c.x.push_back(round.round);
    c.accuracy.push_back(*round.accuracy);
    c.cum_g.push_back(cum);
  }
  return c;
}

Result<RunCurve> ReadCentralized(const std::string& dir,
                                 const std::vector<energy::LedgerRow>& ledger) {
  Result<std::vector<records::CurvePoint>> points = records::ReadCurve(dir + "/curve.csv");
  if (!points.ok()) return points.status();
  double total_g = 0, ledger_flops = 0;
  for (const energy::LedgerRow& r : ledger) {
    total_g += r.cost.emissions_kg * 1000;
    if (r.role == "centralized") ledger_flops += static_cast<double>(r.activity.flops);
  }
  RunCurve c;
  c.centralized = true;
  std::vector<double> epochs, steps;
  for (size_t i = 0; i < points->size(); ++i) {
    const records::CurvePoint& p = (*points)[i];
    epochs.push_back(p.epoch);
    steps.push_back(static_cast<double>(p.steps));
    c.accuracy.push_back(p.test_accuracy);
    // The run's emissions shared out by the training FLOPs done so far.
    const double share = ledger_flops > 0
                             ? std::min(1.0, static_cast<double>(p.train_flops) / ledger_flops)
                             : static_cast<double>(i + 1) / static_cast<double>(points->size());
    c.cum_g.push_back(total_g * share);
  }
  const bool one_per_epoch = std::set<double>(epochs.begin(), epochs.end()).size() == epochs.size();
  c.x_label = one_per_epoch ? "epoch" : "training steps";
  c.x = one_per_epoch ? epochs : steps;
  return c;
}

// "set xtics 1" when the x values are few whole numbers (no 1.5 rounds).
std::string WholeTics(const std::vector<double>& x) {
  if (x.empty()) return "";
  const double hi = *std::max_element(x.begin(), x.end());
  return hi <= 15 ? "set xtics 1\n" : "";
}

std::string CurveData(const RunCurve& c, bool co2_first, const std::string& source) {
  std::string s = "# accuracy of " + source + (co2_first ? ", against cumulative gCO2e\n" : "\n");
  s += co2_first ? "# gco2e accuracy " + c.x_label + "\n" : "# " + c.x_label + " accuracy\n";
  for (size_t i = 0; i < c.x.size(); ++i) {
    if (co2_first) {
      s += DatNumber(c.cum_g[i]) + " " + DatNumber(c.accuracy[i]) + " " + DatNumber(c.x[i]) + "\n";
    } else {
      s += DatNumber(c.x[i]) + " " + DatNumber(c.accuracy[i]) + "\n";
    }
  }
  return s;
}

// "runs/abc/" -> "abc".
std::string BaseName(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

Result<RunCurve> ReadRunCurve(const std::string& run_dir) {
  std::error_code ec;
  const bool fl = fs::exists(run_dir + "/rounds.csv", ec);
  if (!fl && !fs::exists(run_dir + "/curve.csv", ec)) {
    return Status::Error(run_dir + ": neither rounds.csv (FL run) nor curve.csv (centralized run)");
  }
  Result<std::vector<energy::LedgerRow>> ledger = energy::ReadLedger(run_dir + "/ledger.csv");
  if (!ledger.ok()) return ledger.status();
  Result<RunCurve> c = fl ? ReadFl(run_dir, *ledger) : ReadCentralized(run_dir, *ledger);
  if (c.ok() && c->x.empty()) {
    return Status::Error(run_dir + ": no evaluation yet (" +
                         (fl ? "rounds.csv has no accuracy" : "curve.csv has no row") + ")");
  }
  return c;
}

Result<PlotReport> PlotRun(const std::string& run_dir, const PlotOptions& options) {
  Result<RunCurve> c = ReadRunCurve(run_dir);
  if (!c.ok()) return c.status();
  PlotReport report;
  const bool render = options.render && GnuplotAvailable(options);
  if (options.render && !render) report.warning = GnuplotMissingWarning(options);
  const std::string run = BaseName(run_dir);
  const std::string kind = c->centralized ? "centralized" : "FL";
  const std::string source = c->centralized ? "curve.csv + ledger.csv" : "rounds.csv + ledger.csv";
  const std::string style =
      "set grid\nset key off\nset ylabel 'test accuracy'\nset offsets 0, 0, graph 0.05, graph "
      "0.05\n"
      "set style line 1 lc rgb '#1f77b4' lw 2 pt 7 ps 1\n";

  PlotSpec round;
  round.name = "accuracy_round";
  round.data = CurveData(*c, false, source);
  round.commands =
      style + WholeTics(c->x) +
      "set autoscale xfix\nset offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n" +
      "set title " + GnuplotQuote("Accuracy by " + c->x_label + ": " + run + " (" + kind + ")") +
      "\nset xlabel " + GnuplotQuote(c->x_label) +
      "\nplot 'accuracy_round.dat' using 1:2 with linespoints ls 1 notitle\n";
  FEDCARBON_RETURN_IF_ERROR(WritePlot(run_dir, round, options, render, &report));

  PlotSpec co2;
  co2.name = "accuracy_co2";
  co2.data = CurveData(*c, true, source);
  co2.commands = style + "set title " +
                 GnuplotQuote("Accuracy against emissions: " + run + " (" + kind + ")") +
                 "\nset xlabel 'cumulative g CO2e'\nset xrange [0:*]\n"
                 "plot 'accuracy_co2.dat' using 1:2 with linespoints ls 1 notitle\n";
  FEDCARBON_RETURN_IF_ERROR(WritePlot(run_dir, co2, options, render, &report));
  if (!c->centralized) {
    Result<bool> timeline = PlotIntensityTimeline(run_dir, options, render, &report);
    if (!timeline.ok()) return timeline.status();
  }
  report.rendered = render;
  return report;
}

void PlotRunOrWarn(const std::string& run_dir) {
  Result<PlotReport> r = PlotRun(run_dir, PlotOptions{});
  if (!r.ok()) {
    spdlog::warn("plots of {}: {}", run_dir, r.status().message());
  } else if (!r->warning.empty()) {
    spdlog::warn("plots of {}: {}", run_dir, r->warning);
  }
}

}  // namespace fedcarbon::experiment
