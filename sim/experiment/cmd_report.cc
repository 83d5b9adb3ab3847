// `fedcarbon report DIR [--out FILE]`: one self-contained HTML page for a run, sweep or
// reproduction folder.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/html_report.h"

namespace fedcarbon::experiment {
namespace {

struct ReportArgs {
  std::string dir;
  ReportOptions options;
  bool no_plots = false;
};

// A folder that is missing or of no known kind is bad input (DetectReportKind's codes).
Status RunReport(ReportArgs args) {
  Result<ReportKind> kind = DetectReportKind(args.dir);
  if (!kind.ok()) return kind.status();
  args.options.draw_missing_plots = !args.no_plots;
  Result<ReportResult> r = WriteHtmlReport(args.dir, args.options);
  if (!r.ok()) return r.status();
  for (const std::string& note : r->notes) spdlog::warn("{}", note);
  std::printf("wrote %s (%s report)\n", r->path.c_str(), ReportKindName(r->kind));
  return Status::OK();
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page (tables and inline SVG plots, no network) for a run, "
      "sweep or reproduction folder");
  cmd->add_option("DIR", args->dir, "run, sweep or reproduction folder")->required();
  cmd->add_option("--out", args->options.out, "output file (default DIR/report.html)");
  cmd->add_flag("--no-plots", args->no_plots,
                "do not draw missing plots with gnuplot; inline only the .svg files present");
  cmd->callback([args, exit_code] {
    const Status st = RunReport(*args);
    if (!st.ok()) spdlog::error("report: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
