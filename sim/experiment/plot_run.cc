// A run folder's plots: accuracy against round and against cumulative gCO2e (see plot.h).
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/plot.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

// A whole-number column cell (round, epoch, steps) or accuracy.
Result<double> Cell(const CsvTable& t, size_t row, size_t col, const std::string& what) {
  return ParseDouble(t.rows()[row][col],
                     fmt::format("{} line {} column '{}'", what, row + 2, t.header()[col]));
}

Result<RunCurve> ReadFl(const std::string& dir, const std::vector<energy::LedgerRow>& ledger) {
  const std::string path = dir + "/rounds.csv";
  Result<CsvTable> t = ReadCsv(path);
  if (!t.ok()) return t.status();
  Result<size_t> round_col = t->Require("round", path);
  if (!round_col.ok()) return round_col.status();
  Result<size_t> acc_col = t->Require("accuracy", path);
  if (!acc_col.ok()) return acc_col.status();
  std::map<int, double> grams_by_round;
  for (const energy::LedgerRow& r : ledger) grams_by_round[r.round] += r.cost.emissions_kg * 1000;
  RunCurve c;
  c.x_label = "round";
  for (size_t i = 0; i < t->size(); ++i) {
    if (t->rows()[i][*acc_col].empty()) continue;  // a round without evaluation
    Result<double> round = Cell(*t, i, *round_col, path);
    if (!round.ok()) return round.status();
    Result<double> acc = Cell(*t, i, *acc_col, path);
    if (!acc.ok()) return acc.status();
    double cum = 0;
    for (const auto& [r, g] : grams_by_round) {
      if (r <= *round) cum += g;
    }
    c.x.push_back(*round);
    c.accuracy.push_back(*acc);
    c.cum_g.push_back(cum);
  }
  return c;
}

Result<RunCurve> ReadCentralized(const std::string& dir,
                                 const std::vector<energy::LedgerRow>& ledger) {
  const std::string path = dir + "/curve.csv";
  Result<CsvTable> t = ReadCsv(path);
  if (!t.ok()) return t.status();
  size_t cols[4];
  const char* names[4] = {"epoch", "steps", "test_accuracy", "train_flops"};
  for (int k = 0; k < 4; ++k) {
    Result<size_t> col = t->Require(names[k], path);
    if (!col.ok()) return col.status();
    cols[k] = *col;
  }
  double total_g = 0, ledger_flops = 0;
  for (const energy::LedgerRow& r : ledger) {
    total_g += r.cost.emissions_kg * 1000;
    if (r.role == "centralized") ledger_flops += static_cast<double>(r.activity.flops);
  }
  RunCurve c;
  c.centralized = true;
  std::vector<double> epochs, steps;
  for (size_t i = 0; i < t->size(); ++i) {
    double v[4];
    for (int k = 0; k < 4; ++k) {
      Result<double> x = Cell(*t, i, cols[k], path);
      if (!x.ok()) return x.status();
      v[k] = *x;
    }
    epochs.push_back(v[0]);
    steps.push_back(v[1]);
    c.accuracy.push_back(v[2]);
    // The run's emissions shared out by the training FLOPs done so far.
    const double share = ledger_flops > 0 ? std::min(1.0, v[3] / ledger_flops)
                                          : static_cast<double>(i + 1) / t->size();
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
