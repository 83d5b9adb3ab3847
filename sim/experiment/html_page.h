// Internal to the HTML report (html_report.cc, html_sweep.cc): the state of one page being built
// and the sections shared by the three kinds of folder.
//
// Thread safety: a PageContext belongs to one BuildHtmlReport call.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/experiment/html_report.h"

namespace fedcarbon::experiment::html {

struct PageContext {
  const ReportOptions* options = nullptr;
  ReportResult* result = nullptr;  // notes collected here
  int svg_count = 0;               // id prefix of the next inlined plot ("p1-", "p2-", ...)
  std::optional<bool> gnuplot;     // GnuplotAvailable, asked once

  void Note(const std::string& text) { result->notes.push_back(text); }
  bool CanDraw();  // options->draw_missing_plots and gnuplot available
};

// A figure per .svg in `dir` (expected ones first, in that order, then the others by name); each
// missing expected file is noted. `keys`: a sweep's swept keys (for the captions of co2_vs_*).
Result<std::string> PlotsSection(PageContext& ctx, const std::string& dir,
                                 const std::vector<std::string>& expected,
                                 const std::vector<std::string>& keys = {});

// The plot caption of a file stem ("accuracy_round" -> "Accuracy against round").
std::string PlotCaption(const std::string& stem, const std::vector<std::string>& keys);

// Draws a run folder's plots (PlotRun) when it has no .svg yet and ctx allows it; problems are
// notes, not errors.
void DrawRunPlotsIfMissing(PageContext& ctx, const std::string& run_dir);

// The run's config as a dotted-key table (config.json, else launch-config.json or
// reproduce-config.json); a note when none exists.
Result<std::string> ConfigSection(PageContext& ctx, const std::string& run_dir);

// A run summary's headline: "3 rounds, final accuracy 0.7927 (best 0.7927), target 0.85 not
// reached, 0.0421 Wh, 0.0156 gCO2e, 5.8 s" (the parts summary.json has).
std::string Headline(const nlohmann::ordered_json& summary);

// A folder's body (without <html>/<head>): the sections of each kind.
Result<std::string> RunBody(PageContext& ctx, const std::string& dir);
Result<std::string> SweepBody(PageContext& ctx, const std::string& dir);
Result<std::string> ReproductionBody(PageContext& ctx, const std::string& dir);

}  // namespace fedcarbon::experiment::html
