// The HTML report: folder detection, the page, a run's sections and the plots
// (see include/fedcarbon/experiment/html_report.h).
#include "fedcarbon/experiment/html_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "html_page.h"

namespace fedcarbon::experiment {
namespace fs = std::filesystem;
namespace html {
namespace {

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

std::vector<std::string> SvgStems(const std::string& dir) {
  std::vector<std::string> stems;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec) && e.path().extension() == ".svg")
      stems.push_back(e.path().stem().string());
  std::sort(stems.begin(), stems.end());
  return stems;
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

constexpr const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2327;
  max-width:1100px;margin:24px auto;padding:0 20px;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;border-bottom:2px solid #e3e7ea;
  padding-bottom:.2em;margin-top:1.8em}h3{font-size:1.1em;margin-top:1.4em}h4{margin:1em 0 .3em}
.meta{color:#5f6b73}.meta code{font-size:.95em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #d5dbdf;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
.scroll{display:inline-block;max-width:100%;overflow:auto;max-height:520px;vertical-align:top}
.scroll table{margin:0}.headline{font-size:1.1em;font-weight:600}nav{margin:.5em 0 1em}
pre{background:#f6f8fa;border:1px solid #e3e7ea;padding:8px 10px;overflow-x:auto;font-size:.85em}
figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto;display:block;
  border:1px solid #e3e7ea;background:#fff}figcaption{color:#3c474f;margin-top:.3em}
.notes{background:#fff8e1;border:1px solid #f0d98c;padding:6px 12px;margin:1em 0}
.notes ul{margin:.3em 0;padding-left:1.2em}p.note{color:#5f6b73;font-size:.9em}
.failed{color:#b3261e})";

}  // namespace

bool PageContext::CanDraw() {
  if (!options->draw_missing_plots) return false;
  if (!gnuplot) gnuplot = GnuplotAvailable(options->plot);
  return *gnuplot;
}

std::string PlotCaption(const std::string& stem, const std::vector<std::string>& keys) {
  if (stem == "accuracy_round") return "Test accuracy against round";
  if (stem == "accuracy_co2") return "Test accuracy against cumulative gCO2e";
  if (stem == "accuracy_vs_co2")
    return "Test accuracy against cumulative gCO2e, one line per point";
  if (stem == "energy_breakdown")
    return "Energy per point: client compute, client communication, "
           "coordinator, centralized";
  if (stem == "table4") return "Table 4: grams CO2e per country, centralized and FL";
  if (stem.rfind("co2_vs_", 0) == 0) {
    std::string key = stem.substr(7);
    for (const std::string& k : keys) {
      std::string flat = k;
      std::replace(flat.begin(), flat.end(), '.', '_');
      if (flat == key) key = k;
    }
    return "CO2e against " + key + " (mean over seeds, error bars: standard deviation)";
  }
  std::string caption = stem;
  std::replace(caption.begin(), caption.end(), '_', ' ');
  return caption;
}

Result<std::string> PlotsSection(PageContext& ctx, const std::string& dir,
                                 const std::vector<std::string>& expected,
                                 const std::vector<std::string>& keys) {
  std::vector<std::string> stems;
  const std::vector<std::string> present = SvgStems(dir);
  for (const std::string& e : expected) {
    if (std::find(present.begin(), present.end(), e) != present.end())
      stems.push_back(e);
    else
      ctx.Note("missing plot " + dir + "/" + e + ".svg");
  }
  for (const std::string& p : present)
    if (std::find(stems.begin(), stems.end(), p) == stems.end()) stems.push_back(p);
  std::string out;
  for (const std::string& stem : stems) {
    const std::string path = dir + "/" + stem + ".svg";
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    std::string prefix = std::to_string(++ctx.svg_count);
    prefix.insert(0, 1, 'p').push_back('-');
    Result<std::string> svg = InlineSvg(*text, prefix);
    if (!svg.ok()) return svg.status().WithContext(path);
    std::string extra;
    for (const char* ext : {".gp", ".dat", ".png"})
      if (Exists(dir + "/" + stem + ext))
        extra += std::string(extra.empty() ? "" : ", ") + stem + ext;
    out += "<figure>\n" + *svg + "\n<figcaption>" + HtmlEscape(PlotCaption(stem, keys)) +
           " &middot; <code>" + HtmlEscape(stem + ".svg") + "</code>" +
           (extra.empty() ? "" : " (beside it: " + HtmlEscape(extra) + ")") +
           "</figcaption>\n</figure>\n";
  }
  if (stems.empty()) out += "<p class=\"note\">No plots in this folder.</p>\n";
  return out;
}

void DrawRunPlotsIfMissing(PageContext& ctx, const std::string& run_dir) {
  if (!SvgStems(run_dir).empty() || !ctx.options->draw_missing_plots) return;
  if (!ctx.CanDraw()) {
    ctx.Note(GnuplotMissingWarning(ctx.options->plot));
    return;
  }
  Result<PlotReport> r = PlotRun(run_dir, ctx.options->plot);
  if (!r.ok())
    ctx.Note("plots of " + run_dir + " not drawn: " + r.status().message());
  else if (!r->warning.empty())
    ctx.Note(r->warning);
}

Result<std::string> ConfigSection(PageContext& ctx, const std::string& run_dir) {
  for (const char* name : {"config.json", "launch-config.json", "reproduce-config.json"}) {
    const std::string path = run_dir + "/" + name;
    if (!Exists(path)) continue;
    Result<nlohmann::ordered_json> j = ReadJsonFile<nlohmann::ordered_json>(path);
    if (!j.ok()) return j.status();
    if (!j->is_object()) return Status::Corruption(path + ": not a JSON object");
    return "<p class=\"note\">From <code>" + HtmlEscape(name) +
           "</code>; each key can be overridden with <code>--set key=value</code>.</p>\n"
           "<div class=\"scroll\">" +
           HtmlTable({"key", "value"}, FlattenJson(*j)) + "</div>\n";
  }
  ctx.Note("no config.json in " + run_dir);
  return std::string("<p class=\"note\">No config.json in this folder.</p>\n");
}

std::string Headline(const nlohmann::ordered_json& s) {
  auto num = [](const nlohmann::ordered_json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : -1.0;
  };
  std::vector<std::string> parts;
  const bool central = s.value("kind", "") == "centralized";
  const double n = num(s, central ? "epochs" : "rounds");
  if (n >= 0) parts.push_back(Fmt("%.0f", n) + (central ? " epochs" : " rounds"));
  if (const double a = num(s, "final_accuracy"); a >= 0) {
    std::string p = "final accuracy " + Fmt("%.4f", a);
    if (const double b = num(s, "best_accuracy"); b >= 0) p += " (best " + Fmt("%.4f", b) + ")";
    parts.push_back(p);
  }
  if (const double t = num(s, "target_accuracy"); t >= 0 && s.contains("reached_target"))
    parts.push_back("target " + Fmt("%.2f", t) +
                    (s["reached_target"] == true ? " reached" : " not reached"));
  if (s.contains("energy") && s["energy"].is_object()) {
    const nlohmann::ordered_json& e = s["energy"];
    if (const double kwh = num(e, "energy_kwh"); kwh >= 0)
      parts.push_back(kwh >= 1 ? Fmt("%.3g kWh", kwh) : Fmt("%.3g Wh", kwh * 1000));
    if (const double kg = num(e, "emissions_kg"); kg >= 0)
      parts.push_back(Fmt("%.3g gCO2e", kg * 1000));
  }
  if (const double w = num(s, "wall_s"); w >= 0) parts.push_back(Fmt("%.1f s", w));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

Result<std::string> RunBody(PageContext& ctx, const std::string& dir) {
  std::string head, summary_html;
  if (Exists(dir + "/summary.json")) {
    Result<nlohmann::ordered_json> summary =
        ReadJsonFile<nlohmann::ordered_json>(dir + "/summary.json");
    if (!summary.ok()) return summary.status();
    if (!summary->is_object()) return Status::Corruption(dir + "/summary.json: not a JSON object");
    head = Headline(*summary);
    summary_html = JsonToHtmlTables(*summary);
  } else {
    ctx.Note("no summary.json in " + dir + " (a run still going, or one that was stopped)");
    summary_html = "<p class=\"note\">No summary.json yet.</p>\n";
  }
  std::string out = head.empty() ? "" : "<p class=\"headline\">" + HtmlEscape(head) + "</p>\n";
  out +=
      "<nav><a href=\"#plots\">Plots</a> &middot; <a href=\"#summary\">Summary</a> &middot; "
      "<a href=\"#table\">Rounds</a> &middot; <a href=\"#config\">Config</a></nav>\n";
  DrawRunPlotsIfMissing(ctx, dir);
  Result<std::string> plots = PlotsSection(ctx, dir, {"accuracy_round", "accuracy_co2"});
  if (!plots.ok()) return plots.status();
  out += "<h2 id=\"plots\">Plots</h2>\n" + *plots;
  out +=
      "<h2 id=\"summary\">Summary</h2>\n<p class=\"note\">From <code>summary.json</code>.</p>\n" +
      summary_html;
  for (const char* name : {"rounds.csv", "curve.csv"}) {
    const std::string path = dir + "/" + name;
    if (!Exists(path)) continue;
    Result<CsvTable> csv = ReadCsv(path);
    if (!csv.ok()) return csv.status();
    out += "<h2 id=\"table\">" + std::string(name) + "</h2>\n<div class=\"scroll\">" +
           CsvToHtmlTable(*csv, ctx.options->max_table_rows) + "</div>\n";
  }
  Result<std::string> config = ConfigSection(ctx, dir);
  if (!config.ok()) return config.status();
  return out + "<h2 id=\"config\">Config</h2>\n" + *config;
}

}  // namespace html

const char* ReportKindName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kSweep:
      return "sweep";
    case ReportKind::kReproduction:
      return "reproduction";
    case ReportKind::kRun:
      break;
  }
  return "run";
}

Result<ReportKind> DetectReportKind(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::NotFound(dir + ": no such folder");
  if (!fs::is_directory(dir, ec)) return Status::InvalidArgument(dir + ": not a folder");
  if (html::Exists(dir + "/results.csv")) return ReportKind::kSweep;
  if (html::Exists(dir + "/table4.csv")) return ReportKind::kReproduction;
  for (const char* f : {"summary.json", "rounds.csv", "curve.csv"})
    if (html::Exists(dir + "/" + f)) return ReportKind::kRun;
  return Status::InvalidArgument(
      dir +
      ": not a run, sweep or reproduction folder (no summary.json, rounds.csv, "
      "curve.csv, results.csv or table4.csv)");
}

Result<std::string> BuildHtmlReport(const std::string& dir, const ReportOptions& options,
                                    ReportResult* result) {
  Result<ReportKind> kind = DetectReportKind(dir);
  if (!kind.ok()) return kind.status();
  result->kind = *kind;
  html::PageContext ctx;
  ctx.options = &options;
  ctx.result = result;
  Result<std::string> body = *kind == ReportKind::kSweep          ? html::SweepBody(ctx, dir)
                             : *kind == ReportKind::kReproduction ? html::ReproductionBody(ctx, dir)
                                                                  : html::RunBody(ctx, dir);
  if (!body.ok()) return body.status();
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  std::string name = abs.filename().string();
  if (name.empty() || name == ".") name = abs.parent_path().filename().string();
  const std::string title = std::string("fedcarbon ") + ReportKindName(*kind) + ": " + name;
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      HtmlEscape(title) + "</title>\n<style>" + html::kStyle + "\n</style>\n</head>\n<body>\n<h1>" +
      HtmlEscape(title) + "</h1>\n" + "<p class=\"meta\">Folder <code>" +
      HtmlEscape(abs.lexically_normal().string()) +
      "</code>, written by <code>fedcarbon report</code>.</p>\n";
  if (!result->notes.empty()) {
    page += "<div class=\"notes\"><strong>Notes</strong>\n<ul>\n";
    for (const std::string& n : result->notes) page += "<li>" + HtmlEscape(n) + "</li>\n";
    page += "</ul></div>\n";
  }
  return page + *body + "</body>\n</html>\n";
}

Result<ReportResult> WriteHtmlReport(const std::string& dir, const ReportOptions& options) {
  ReportResult result;
  Result<std::string> page = BuildHtmlReport(dir, options, &result);
  if (!page.ok()) return page.status();
  result.path = options.out.empty() ? dir + "/report.html" : options.out;
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(result.path, *page));
  return result;
}

}  // namespace fedcarbon::experiment
