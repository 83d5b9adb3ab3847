// `fedcarbon report DIR`: one self-contained HTML page for a run, a sweep or a reproduction folder.
// Everything is inside the page: CSS in a <style> element, every plot's SVG pasted in (XML prolog,
// doctype, namespaces and scripts stripped; ids prefixed per plot so plots do not share ids), no
// network reference, no JavaScript. Every text taken from a file is HTML-escaped.
//
// What a folder is (DetectReportKind, first match wins):
//   sweep         DIR/results.csv (read with ReadSweepResults): sweep.json, results.md's tables,
//                 the per-point table, DIR/plots/*.svg
//   reproduction  DIR/table4.csv: table4.md (tables, headings, paragraphs), table4.svg, and for
//                 each of centralized/, fl_iid/, fl_noniid/ its config and plots
//   run           DIR/summary.json, DIR/rounds.csv (FL) or DIR/curve.csv (centralized):
//                 config.json, summary.json as tables, rounds.csv / curve.csv, DIR/*.svg
// A missing optional file (a plot, results.md, config.json) is a note on the page; a file that
// exists but cannot be read or parsed is an error naming it.
//
// Thread safety: free functions; no shared state. Concurrent calls must use different folders
// (plots may be drawn into them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/status.h"
#include "fedcarbon/experiment/plot.h"

namespace fedcarbon::experiment {

enum class ReportKind { kRun, kSweep, kReproduction };
const char* ReportKindName(ReportKind kind);  // "run" | "sweep" | "reproduction"

// The kind of `dir`; an error naming `dir` when it is none of the three (or not a folder).
Result<ReportKind> DetectReportKind(const std::string& dir);

struct ReportOptions {
  std::string out;                 // output file; empty: DIR/report.html
  bool draw_missing_plots = true;  // a run (or sweep) folder without its .svg files: PlotRun
                                   // (PlotSweep) first, when gnuplot is available
  PlotOptions plot;                // for the plots drawn above
  size_t max_table_rows = 2000;    // longer CSV tables (rounds.csv, curve.csv) show the first rows
                                   // and say how many were left out
};

struct ReportResult {
  std::string path;  // the page written
  ReportKind kind = ReportKind::kRun;
  std::vector<std::string> notes;  // what the page notes as missing, plotting warnings
};

// The page's HTML (nothing written, except plots drawn per options.draw_missing_plots).
Result<std::string> BuildHtmlReport(const std::string& dir, const ReportOptions& options,
                                    ReportResult* result);
// Builds the page and writes it atomically to options.out (default DIR/report.html).
Result<ReportResult> WriteHtmlReport(const std::string& dir, const ReportOptions& options = {});

// --- Building blocks (html_blocks.cc) ---

// &, <, >, " and ' as entities.
std::string HtmlEscape(std::string_view text);

// Markdown as written by this project (results.md, table4.md) to HTML: "#" headings (level +
// heading_offset, at most h6), pipe tables (header row, |---| separator, body rows), "- "/"* "
// lists, ``` fenced code, and paragraphs (consecutive lines); inline **bold** and `code`.
// Everything else is escaped text.
std::string MarkdownToHtml(const std::string& markdown, int heading_offset = 1);

// An SVG file's text ready to paste into HTML: everything before "<svg" (XML prolog, doctype,
// comments) dropped, xmlns attributes and <script> elements removed, and every id (and each
// "#id" reference to it) prefixed with `id_prefix` so several plots can share one page. An error
// when the text holds no <svg ...> ... </svg>.
Result<std::string> InlineSvg(const std::string& svg_text, const std::string& id_prefix);

// A <table>: the CSV's header and at most max_rows rows (then a line saying how many more);
// cells that are numbers are right-aligned.
std::string CsvToHtmlTable(const CsvTable& table, size_t max_rows);

// A <table> of header + rows (each row as long as the header; cells are escaped text).
std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

// A JSON object as tables: its scalar (and array) members as one "key | value" table, then each
// member that is an object as its own table under an <h4> naming it (recursively, with dotted
// names: "energy", "flops_per_sample"). Doubles shown with 6 significant digits.
std::string JsonToHtmlTables(const nlohmann::ordered_json& object);

// A JSON object flattened to dotted keys ("federation.rounds" -> "3"), in the object's order;
// arrays are shown as compact JSON.
std::vector<std::vector<std::string>> FlattenJson(const nlohmann::ordered_json& object);

// A JSON scalar as text: strings unquoted, doubles with 6 significant digits, others dumped.
std::string JsonScalarText(const nlohmann::ordered_json& value);

}  // namespace fedcarbon::experiment
