// The HTML report's sweep and reproduction pages (see include/fedcarbon/experiment/html_report.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/experiment/sweep_results.h"
#include "html_page.h"

namespace fedcarbon::experiment::html {
namespace {

namespace fs = std::filesystem;

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

std::string Num(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// A markdown file rendered, or a note when it is missing.
Result<std::string> MarkdownSection(PageContext& ctx, const std::string& path, int offset) {
  if (!Exists(path)) {
    ctx.Note("missing " + path);
    return "<p class=\"note\">No " + HtmlEscape(fs::path(path).filename().string()) + ".</p>\n";
  }
  Result<std::string> md = ReadFile(path);
  if (!md.ok()) return md.status();
  return MarkdownToHtml(*md, offset);
}

std::string PointsTable(const SweepTable& t) {
  std::vector<std::string> header = {"id"};
  header.insert(header.end(), t.keys.begin(), t.keys.end());
  for (const char* h :
       {"seed", "kind", "status", "final accuracy", "rounds", "energy kWh", "gCO2e", "error"})
    header.push_back(h);
  std::vector<std::vector<std::string>> rows;
  for (const SweepRow& r : t.rows) {
    std::vector<std::string> row = {r.id};
    for (size_t i = 0; i < t.keys.size(); ++i)
      row.push_back(i < r.values.size() ? r.values[i] : "");
    row.push_back(std::to_string(r.seed));
    row.push_back(r.kind);
    row.push_back(r.status);
    const bool done = r.status == "done";
    row.push_back(done ? Num("%.4f", r.final_accuracy) : "");
    row.push_back(done ? std::to_string(r.rounds) : "");
    row.push_back(done ? Num("%.4g", r.energy_kwh) : "");
    row.push_back(done ? Num("%.4g", r.co2e_kg * 1000.0) : "");
    row.push_back(r.error);
    rows.push_back(std::move(row));
  }
  return HtmlTable(header, rows);
}

}  // namespace

Result<std::string> SweepBody(PageContext& ctx, const std::string& dir) {
  Result<SweepTable> table = ReadSweepResults(dir + "/results.csv");
  if (!table.ok()) return table.status();
  std::map<std::string, int> by_status;
  for (const SweepRow& r : table->rows) ++by_status[r.status];
  const bool any_done = by_status.count("done") > 0;

  std::string sweep_file;
  if (Exists(dir + "/sweep.json")) {
    Result<nlohmann::ordered_json> sweep =
        ReadJsonFile<nlohmann::ordered_json>(dir + "/sweep.json");
    if (!sweep.ok()) return sweep.status();
    sweep_file = "<pre>" + HtmlEscape(sweep->dump(2)) + "</pre>\n";
  } else {
    ctx.Note("missing " + dir + "/sweep.json");
    sweep_file = "<p class=\"note\">No sweep.json in this folder.</p>\n";
  }
  Result<std::string> md = MarkdownSection(ctx, dir + "/results.md", 2);
  if (!md.ok()) return md.status();

  const std::string plots_dir = dir + "/plots";
  std::vector<std::string> expected;
  if (any_done) {
    std::error_code ec;
    bool has_svg = false;
    for (const fs::directory_entry& e : fs::directory_iterator(plots_dir, ec))
      has_svg |= e.path().extension() == ".svg";
    if (!has_svg && ctx.options->draw_missing_plots) {
      if (!ctx.CanDraw()) {
        ctx.Note(GnuplotMissingWarning(ctx.options->plot));
      } else if (Result<PlotReport> r = PlotSweep(dir, *table, ctx.options->plot); !r.ok()) {
        ctx.Note("sweep plots not drawn: " + r.status().message());
      } else if (!r->warning.empty()) {
        ctx.Note(r->warning);
      }
    }
    for (std::string k : table->keys) {
      std::replace(k.begin(), k.end(), '.', '_');
      expected.push_back("co2_vs_" + k);
    }
    expected.push_back("accuracy_vs_co2");
    expected.push_back("energy_breakdown");
  } else {
    ctx.Note("no point is done yet, so there is nothing to plot");
  }
  Result<std::string> plots = PlotsSection(ctx, plots_dir, expected, table->keys);
  if (!plots.ok()) return plots.status();

  std::string counts;
  for (const auto& [status, n] : by_status)
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + status;
  return "<p class=\"headline\">" + std::to_string(table->rows.size()) +
         " points: " + HtmlEscape(counts) + "</p>\n" +
         "<nav><a href=\"#results\">Results</a> &middot; <a href=\"#plots\">Plots</a> &middot; "
         "<a href=\"#points\">Points</a> &middot; <a href=\"#sweep\">Sweep file</a></nav>\n"
         "<h2 id=\"results\">Results over seeds</h2>\n<p class=\"note\">From "
         "<code>results.md</code>.</p>\n" +
         *md + "<h2 id=\"plots\">Plots</h2>\n" + *plots +
         "<h2 id=\"points\">Points</h2>\n<p class=\"note\">One row per point of "
         "<code>results.csv</code>; a point&#39;s run folder is "
         "<code>points/&lt;id&gt;</code>.</p>\n"
         "<div class=\"scroll\">" +
         PointsTable(*table) + "</div>\n<h2 id=\"sweep\">Sweep file</h2>\n" + sweep_file;
}

Result<std::string> ReproductionBody(PageContext& ctx, const std::string& dir) {
  Result<std::string> md = MarkdownSection(ctx, dir + "/table4.md", 1);
  if (!md.ok()) return md.status();
  std::string out = *md;
  Result<std::string> chart = PlotsSection(ctx, dir, {"table4"});
  if (!chart.ok()) return chart.status();
  out += "<h2>Chart</h2>\n" + *chart;
  for (const char* run : {"centralized", "fl_iid", "fl_noniid"}) {
    const std::string run_dir = dir + "/" + run;
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) {
      ctx.Note("missing run folder " + run_dir);
      continue;
    }
    out += "<h2>Run " + HtmlEscape(run) + "</h2>\n";
    if (Exists(run_dir + "/summary.json")) {
      Result<nlohmann::ordered_json> summary =
          ReadJsonFile<nlohmann::ordered_json>(run_dir + "/summary.json");
      if (!summary.ok()) return summary.status();
      if (summary->is_object())
        out += "<p class=\"headline\">" + HtmlEscape(Headline(*summary)) + "</p>\n";
    }
    Result<std::string> config = ConfigSection(ctx, run_dir);
    if (!config.ok()) return config.status();
    out += "<details><summary>Config</summary>\n" + *config + "</details>\n";
    DrawRunPlotsIfMissing(ctx, run_dir);
    Result<std::string> plots = PlotsSection(ctx, run_dir, {"accuracy_round", "accuracy_co2"});
    if (!plots.ok()) return plots.status();
    out += *plots;
  }
  return out;
}

}  // namespace fedcarbon::experiment::html
