// `fedcarbon uncertainty DIR`: how sure Table 4's numbers and conclusions are when every catalog
// assumption is uncertain at once (issue 20). Where `fedcarbon sensitivity` moves one parameter at
// a time to its ends, this draws all of them together, N times, re-prices the recorded activity
// at each draw (no training) and reports distributions:
//   - each real output (a Table 4 cell): its median and 5%..95% interval;
//   - each boolean output (a conclusion): the share of draws where it holds, with its Monte Carlo
//     standard error sqrt(p (1 - p) / N);
//   - which inputs drive each output: first-order Sobol indices S_i = Var(E[Y | X_i]) / Var(Y)
//     from the same sample (given-data binning estimator, below). A conclusion is ranked on its
//     continuous margin (log(rhs / lhs) for "lhs < rhs": positive while it holds), not on the
//     0/1 indicator, which hides how far a draw is from flipping.
//
// The core (DrawSample, RunMonteCarlo) knows nothing of Table 4 and is tested on toy functions.
//
// Sampling: plain Monte Carlo. Draw d of the sample takes, in parameter order, one uniform u in
// [0, 1) per parameter from std::mt19937_64 seeded with DeriveSeed(seed, {d}) (top 53 bits, the
// same on every platform), then one for the discrete factor: uniform x = lo + u (hi - lo),
// log-uniform x = lo (hi / lo)^u (median sqrt(lo hi)); the level is floor(u K). Every draw is
// generated before any evaluation, so the thread count and the evaluation order cannot change a
// result: the same seed gives the same numbers, bit for bit.
//
// Sobol estimator (given data, no extra design): for input i the draws are sorted by X_i (ties by
// draw index) and cut into B equiprobable bins of consecutive ranks, B = round(sqrt(N)) clamped to
// [2, 200] (the discrete factor: one bin per level). With SSB the between-bin and SSW the
// within-bin sum of squares of Y, S_i = (SSB - (B - 1) SSW / (N - B)) / (SSB + SSW), clamped to
// [0, 1]: the subtraction removes the binning's noise floor ((B - 1) / N for an input that does
// nothing). Its error is about 1 / sqrt(N) plus a discretisation bias of order 1 / B for smooth
// E[Y | X_i]. Chosen over Morris elementary effects because it costs no design of its own: the
// intervals, the probabilities and the ranking come from the same N evaluations.
//
// Thread safety: pure functions of their arguments. RunMonteCarlo calls the evaluator from
// `threads` threads at once (each draw once), so the evaluator must be safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/reproduce.h"
#include "fedcarbon/experiment/sensitivity.h"

namespace fedcarbon::experiment {

// --- The generic Monte Carlo core ---

enum class Distribution { kUniform, kLogUniform };
// "uniform" | "log-uniform"; InvalidArgument otherwise.
Result<Distribution> ParseDistribution(const std::string& text);
const char* DistributionName(Distribution d);

// A continuous input, drawn over [lo, hi] (lo <= hi; log-uniform needs lo > 0).
struct McParameter {
  std::string name;  // "devices[v100].idle_w"
  std::string unit;
  double lo = 0.0, hi = 0.0;
  Distribution distribution = Distribution::kUniform;
  double base = 0.0;  // the catalog's value (reported, not drawn)
};

struct McOptions {
  size_t draws = 10000;             // N, >= 10
  uint64_t seed = 1;                // the sample is a function of (parameters, levels, draws, seed)
  size_t levels = 0;                // K equally likely levels of the discrete factor; 0 or 1: none
  std::string level_name = "seed";  // the discrete factor's name in the rankings
  int threads = 1;                  // evaluation threads, >= 1; results do not depend on it
};

// One draw: x[i] the value of parameter i (their order), level in [0, K) (0 without a factor).
struct McDraw {
  std::vector<double> x;
  size_t level = 0;
};

// The whole sample, N draws, before any evaluation. Errors name a bad parameter.
Result<std::vector<McDraw>> DrawSample(const std::vector<McParameter>& params,
                                       const McOptions& options);

// What one evaluation gives: real outputs and boolean outputs with, for each boolean, a
// continuous margin (> 0 while it holds, growing with the distance to flipping) to rank on.
struct McOutputs {
  std::vector<double> reals;
  std::vector<bool> flags;
  std::vector<double> margins;  // one per flag
};
using McEvaluator = std::function<Result<McOutputs>(const McDraw&)>;

// The names of the evaluator's outputs (sizes must match every McOutputs).
struct McOutputNames {
  std::vector<std::string> reals;
  std::vector<std::string> flags;
};

// An input's first-order Sobol index for one output.
struct Driver {
  std::string input;  // a parameter's name or options.level_name
  double first_order = 0.0;
};

struct RealSummary {
  std::string name;
  double median = 0.0, p05 = 0.0, p95 = 0.0;  // quantiles, linear interpolation (R type 7)
  double mean = 0.0;
  std::vector<Driver> drivers;  // every input, largest index first (input order on ties)
};

struct FlagSummary {
  std::string name;
  double probability = 0.0;     // share of draws where it holds
  double std_error = 0.0;       // sqrt(p (1 - p) / N)
  std::vector<Driver> drivers;  // ranked on the margin, as RealSummary::drivers
};

struct McResult {
  size_t draws = 0;
  std::vector<RealSummary> reals;
  std::vector<FlagSummary> flags;
};

// Draws the sample, evaluates every draw (on options.threads threads) and summarises. The first
// failing draw (lowest index) fails the whole run, its error naming the draw.
Result<McResult> RunMonteCarlo(const std::vector<McParameter>& params, const McOutputNames& names,
                               const McEvaluator& evaluate, const McOptions& options);

// The building blocks, exposed for tests.
// Quantile q in [0, 1] of `sorted` (ascending, non-empty), linear interpolation between ranks.
double Quantile(const std::vector<double>& sorted, double q);
// First-order index of `x` on `y` (same size) with `bins` equiprobable bins (see above).
double FirstOrderIndex(const std::vector<double>& x, const std::vector<double>& y, size_t bins);

// --- The Table 4 adapter ---

// A reproduction folder's recorded ledgers: the first seed's runs in DIR/<name>, the others in
// DIR/<name>-seed<S> (ReproduceRunDir), paired by the order of S.
struct RecordedReproduction {
  ReproduceSpec spec;
  struct Seed {
    std::string label;  // "" for the first seed, "seed2021" for the others
    std::vector<energy::LedgerRow> centralized, fl_iid, fl_noniid;
  };
  std::vector<Seed> seeds;  // at least one
};
// Reads DIR (its reproduce.json, else spec_path). Errors (exit 2) name the missing file.
Result<RecordedReproduction> ReadRecordedReproduction(const std::string& dir,
                                                      const std::string& spec_path,
                                                      const energy::Catalog& catalog);

// The parameters of a catalog: every ranged value with lo < hi (ties move with their target
// inside Catalog::WithValues, so they are not parameters). Those with lo == hi go to *fixed.
std::vector<McParameter> CatalogParameters(const energy::Catalog& catalog,
                                           std::vector<std::string>* fixed);

struct Table4Uncertainty {
  std::vector<McParameter> parameters;  // drawn
  std::vector<std::string> fixed;       // ranged values with no range (lo == hi): not drawn
  size_t seeds = 1;                     // levels of the seed factor
  McOptions options;
  struct Method {
    std::string method;                   // PowerMethodName
    Table4 base;                          // at the catalog's values, seeds combined (CombineSeeds)
    std::vector<Conclusion> conclusions;  // of `base`; McResult::flags in the same order
    std::vector<std::string> cells;       // "fl_iid@USA", the McResult::reals in the same order
    // How each draw's cells were priced: "direct" (Resolve + PriceResolved per row, no row
    // copies; used only when it gives BuildTable4's cells, to 1e-9 relative, at the base values
    // and at the first 3 draws of every seed) or "BuildTable4" (about 40x slower).
    std::string evaluator;
    McResult result;
  };
  std::vector<Method> methods;
};

// Every draw builds Table 4 from one seed's ledgers (the seed factor) with the drawn catalog
// under each method; outputs every cell (country x column) and every Table4Conclusions. A drawn
// PUE preset moves the centralized columns whose PUE equals its base value (as in sensitivity).
// The same draws serve every method.
Result<Table4Uncertainty> AnalyseTable4Uncertainty(const RecordedReproduction& recorded,
                                                   const energy::Catalog& catalog,
                                                   const std::vector<energy::PowerMethod>& methods,
                                                   const McOptions& options);

// Reports: markdown (per method: cells as median [5% - 95%], conclusions with probability and
// their `top` drivers; then the parameters), CSV (method,kind,key,... rows of kind cell,
// conclusion, driver) and the chart uncertainty-cells.{dat,gp[,png,svg]} in dir.
std::string FormatUncertaintyMarkdown(const Table4Uncertainty& u, size_t top);
std::string FormatUncertaintyCsv(const Table4Uncertainty& u, size_t top);
Status PlotUncertaintyCells(const Table4Uncertainty& u, const std::string& dir,
                            const PlotOptions& options, PlotReport* out);

struct UncertaintyOptions {
  std::string dir;              // a reproduction folder (fedcarbon reproduce --out)
  std::string spec_path;        // reproduce file when DIR has no reproduce.json (default: none)
  size_t draws = 10000;         // >= 10
  uint64_t seed = 1;            // of the sample
  std::string method = "both";  // "fitted" | "nameplate" | "both"
  size_t top = 5;               // drivers listed per conclusion
  int threads = 2;              // evaluation threads (results do not depend on it)
  PlotOptions plot;
};
// Reads DIR, analyses, writes DIR/uncertainty.md, DIR/uncertainty.csv and the chart. The files
// are a function of DIR and the options only (byte for byte).
Result<Table4Uncertainty> RunUncertainty(const UncertaintyOptions& options,
                                         PlotReport* plot = nullptr);

}  // namespace fedcarbon::experiment
