// `fedcarbon sensitivity DIR`: which conclusions rest on which assumption. Every catalog number
// with a documented range (Catalog::ranged(): throughputs, step overheads, idle and peak power,
// router and device network watts, broadband speeds, PUE presets, grid intensities, ...) and the
// grid intensity source are varied one at a time over their range; the recorded activity is
// re-priced (no retraining) and the outcome recomputed. Values re-pricing cannot move (no range,
// lo == hi, or no effect on any number or conclusion of the outcome at either end) are not
// analysed: the report lists them once, by name (SensitivityReport::unaffected).
//
//   A reproduction folder (centralized/, fl_iid/, fl_noniid/ from `fedcarbon reproduce`): the
//   outcome is Table 4; the conclusions are those of CheckTable4Structure's kind that depend on
//   measured outcomes (each FL column below each centralized column in each country, non-IID
//   above IID, within an order of magnitude of the paper); the headline metric is the first FL
//   column over the first centralized column in the first country (FL IID / V100 at PUE 1.67 in
//   the USA: below 1 means FL emits less). For each conclusion that differs at an end of a range,
//   the value where it flips is found by bisection between the baseline and that end.
//   A run folder (ledger.csv): the outcome is the run's total grams; no conclusions.
//
// Varying a PUE preset moves every centralized column whose PUE equals the preset's value (the
// 1.67 columns follow "global_average", the 1.11 columns "hyperscale"). The intensity source is a
// two-valued parameter: the catalog's annual figures (0) or Electricity Maps' 2023 life-cycle
// annual mean of each country's default zone where one has a trace (1).
//
// Thread safety: pure functions of their arguments; no shared state.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {

// One statement about an outcome and whether it holds.
struct Conclusion {
  std::string id;    // stable key, "fl_iid<v100_pue1.67@USA"
  std::string text;  // "FL IID below centralized v100_pue1.67 in USA"
  bool holds = false;
};

// The conclusions of a Table 4 that depend on measured outcomes (see above), in a fixed order.
std::vector<Conclusion> Table4Conclusions(const Table4& table);

// What one evaluation of the outcome gives.
struct Outcome {
  double metric = 0.0;  // the headline metric
  std::vector<Conclusion> conclusions;
  std::vector<double> values = {};  // every number of the outcome (Table 4: each cell), or none
};

// A varied parameter. Values in its written unit.
struct Parameter {
  std::string name;  // "devices[v100].idle_w", "intensity source"
  std::string unit;
  double base = 0.0, lo = 0.0, hi = 0.0;
  std::string provenance;
};

// Where a conclusion changes when one parameter moves from its base toward one end.
struct Flip {
  std::string conclusion;  // Conclusion::text
  bool holds_at_base = false;
  double at = 0.0;  // the value where it changes (bisection, 1e-4 relative of the span)
};

struct ParameterEffect {
  Parameter parameter;
  double metric_lo = 0.0, metric_hi = 0.0;  // the headline metric at lo and hi
  std::vector<Flip> flips;
};

struct SensitivityReport {
  std::string metric;  // what the metric is, in words
  double metric_base = 0.0;
  std::vector<Conclusion> base;          // at the baseline catalog
  std::vector<ParameterEffect> effects;  // parameters that move the metric or any value or
                                         // flip anything, largest swing |metric_hi - metric_lo|
                                         // first
  // Ranged values re-pricing cannot move here, not analysed: no range (lo == hi), or no effect
  // on any outcome (metric, values, conclusions) at either end. Catalog order.
  std::vector<std::string> unaffected;
};

// Evaluates the outcome at a catalog and a PUE map (spec PUE -> PUE to use instead).
using Evaluate =
    std::function<Result<Outcome>(const energy::Catalog&, const std::map<double, double>& pue)>;

// The parameters of `catalog` (its ranged values, then the intensity source when `grid` is given)
// varied one at a time. `grid` may be null (no intensity-source parameter).
Result<SensitivityReport> Analyse(const energy::Catalog& catalog, const energy::GridIntensity* grid,
                                  const std::string& metric, const Evaluate& evaluate);

// The catalog with every country that has a default zone in `grid` priced at that zone's 2023
// life-cycle annual mean (gCO2e/kWh).
Result<energy::Catalog> WithTraceIntensities(const energy::Catalog& catalog,
                                             const energy::GridIntensity& grid);

// Markdown: the baseline conclusions, then one row per parameter (base, range, metric at the ends,
// the conclusions that flip and where). CSV: one row per (parameter, flip or none).
std::string FormatSensitivityMarkdown(const SensitivityReport& report);
std::string FormatSensitivityCsv(const SensitivityReport& report);
// The tornado chart of the `top` largest swings: sensitivity-tornado.{dat,gp,png,svg} in dir.
Status PlotTornado(const SensitivityReport& report, const std::string& dir, size_t top,
                   const PlotOptions& options, PlotReport* out);

struct SensitivityOptions {
  std::string dir;        // a reproduction folder or a run folder
  std::string spec_path;  // reproduce file when DIR has no reproduce.json (default: none)
  size_t tornado_top = 16;
  PlotOptions plot;
};
// Reads DIR, analyses, writes DIR/sensitivity.md, DIR/sensitivity.csv and the tornado chart.
Result<SensitivityReport> RunSensitivity(const SensitivityOptions& options);

}  // namespace fedcarbon::experiment
