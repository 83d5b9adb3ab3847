// Plots with gnuplot. Every plot is four files side by side in one folder:
//   NAME.dat  the numbers (whitespace-separated; blocks separated by two blank lines; '#' comments)
//   NAME.gp   the gnuplot script; it reads NAME.dat by that relative name, so a user can
//             `cd` there, edit it and run `gnuplot NAME.gp` to redraw both images
//   NAME.png  rendered with the pngcairo terminal
//   NAME.svg  rendered with the svg terminal
// gnuplot runs as a child process (`gnuplot NAME.gp`, working directory = the plot's folder),
// waited for before returning (killed after PlotOptions::timeout_s). When gnuplot is missing the
// .dat and .gp files are still written and PlotReport::warning says so once per call, for the
// caller to print (nothing here logs or keeps state).
//
// Thread safety: free functions; no shared state. Concurrent calls must use different folders.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/experiment/sweep_results.h"

namespace fedcarbon::experiment {

struct PlotOptions {
  std::string gnuplot = "gnuplot";  // executable (PATH lookup when it has no '/')
  bool render = true;               // false: write data + .gp only
  double timeout_s = 60.0;          // a gnuplot run taking longer is killed (an error)
};

// What happened: files written, and whether images were rendered.
struct PlotReport {
  std::vector<std::string> files;  // every file written (paths as given + file name)
  bool rendered = false;           // PNG and SVG were rendered for every plot
  std::string warning;             // for the caller to print once ("gnuplot not found ..."); or ""
};

// True when `options.gnuplot --version` runs and exits 0.
bool GnuplotAvailable(const PlotOptions& options);

// A run folder (FL: rounds.csv + ledger.csv; centralized: curve.csv + ledger.csv):
//   DIR/accuracy_round.{dat,gp,png,svg}: accuracy against round (centralized: against epoch, or
//     training steps when evaluated more than once per epoch);
//   DIR/accuracy_co2.{dat,gp,png,svg}: accuracy against cumulative gCO2e (FL: the ledger rows with
//     round <= r, every role; centralized: the run's emissions shared out by training FLOPs).
// Rounds without an evaluation (empty accuracy) are left out.
Result<PlotReport> PlotRun(const std::string& run_dir, const PlotOptions& options);

// An FL run whose ledger has rows priced hourly also gets DIR/intensity_time.*: each zone's hourly
// life-cycle intensity over the run's simulated time, the rounds' starts (impulses) and each used
// client job at its start and priced intensity. Returns false (writing nothing) when no row was
// priced hourly. `render` as for WritePlot.
Result<bool> PlotIntensityTimeline(const std::string& run_dir, const PlotOptions& options,
                                   bool render, PlotReport* report);

// PlotRun with the default options for the commands that finish a run (run, centralized, a
// sweep point, reproduce): a failure or a missing gnuplot is logged as a warning, never an error,
// since the run's results are already written.
void PlotRunOrWarn(const std::string& run_dir);

// A run's accuracy curve, one point per evaluation, as PlotRun and PlotSweep read it.
struct RunCurve {
  bool centralized = false;
  std::string x_label;           // "round" | "epoch" | "training steps"
  std::vector<double> x;         // round, epoch or steps of each evaluation
  std::vector<double> accuracy;  // test accuracy in [0, 1]
  std::vector<double> cum_g;     // cumulative gCO2e up to and including that evaluation
};
// Reads rounds.csv (or curve.csv) and ledger.csv of a run folder; errors name the file.
Result<RunCurve> ReadRunCurve(const std::string& run_dir);

// A sweep folder and its results.csv as read (point folders: sweep_dir + "/" + row.dir).
// Writes under sweep_dir/plots/:
//   co2_vs_<key>.*: mean CO2e over seeds (g below 1 kg, else kg) against each swept key ('.' in
//     the key -> '_'), one line per combination of the other swept keys, error bars = sample
//     standard deviation over seeds (0 for one seed). Non-numeric keys get categorical x positions
//     in the sweep's order; numeric keys spanning more than two decades get a log x axis.
//   accuracy_vs_co2.*: accuracy against cumulative gCO2e, one line per done point (its run folder,
//     as PlotRun reads it); a point folder that cannot be read is left out and named in the
//     warning.
//   energy_breakdown.*: stacked bars per done point: client compute, client communication,
//     coordinator, centralized (Wh below 1 kWh, else kWh).
// Only rows with status "done" are plotted; with none, nothing is written and the warning says so.
Result<PlotReport> PlotSweep(const std::string& sweep_dir, const SweepTable& table,
                             const PlotOptions& options);

// --- Building blocks (used by the plots above and Table 4's chart) ---

// `text` as a gnuplot single-quoted string: 'it''s' (no escapes are processed inside; line
// breaks become spaces). The terminals are set `noenhanced`, so '_' and '^' print as typed.
std::string GnuplotQuote(const std::string& text);

// `text` as one field of a .dat file: "double quoted" (inner double quotes -> ', line breaks ->
// spaces), for xtic(N) labels.
std::string DatString(const std::string& text);

// `v` as a .dat number: 9 significant digits, locale-independent; "NaN" (a gap) when not finite.
std::string DatNumber(double v);

// One plot before it is written.
struct PlotSpec {
  std::string name;      // file stem, [A-Za-z0-9_.-]+: NAME.dat, NAME.gp, NAME.png, NAME.svg
  std::string data;      // contents of NAME.dat
  std::string commands;  // gnuplot commands ending in one `plot` that reads 'NAME.dat'
  int width = 960;       // image size in pixels, >= 200
  int height = 540;      // >= 200
};

// The whole NAME.gp: a comment saying how to re-run it, the pngcairo terminal and output,
// spec.commands, then the svg terminal and `replot`.
std::string GnuplotScript(const PlotSpec& spec);

// Runs `options.gnuplot script` in `dir`, stdin and stdout on /dev/null. An error (cannot start,
// non-zero exit, signal, timeout) carries gnuplot's stderr (at most 4 KiB of it).
Status RunGnuplot(const PlotOptions& options, const std::string& dir, const std::string& script);

// Writes DIR/NAME.dat and DIR/NAME.gp (atomically), then, when `render`, runs gnuplot there.
// Appends the files written to report->files. `render` is the caller's decision
// (options.render && GnuplotAvailable(options), checked once per batch of plots).
Status WritePlot(const std::string& dir, const PlotSpec& spec, const PlotOptions& options,
                 bool render, PlotReport* report);

// The warning of a call that could not render ("gnuplot not found ..."), naming options.gnuplot.
std::string GnuplotMissingWarning(const PlotOptions& options);

}  // namespace fedcarbon::experiment
