// `fedcarbon report DIR [--out FILE]`: one self-contained HTML page for a run, sweep or
// reproduction folder.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/html_report.h"

namespace fedcarbon::experiment {

void AddReportCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string dir;
    ReportOptions options;
    bool no_plots = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page (tables and inline SVG plots, no network) for a run, "
      "sweep or reproduction folder");
  cmd->add_option("DIR", args->dir, "run, sweep or reproduction folder")->required();
  cmd->add_option("--out", args->options.out, "output file (default DIR/report.html)");
  cmd->add_flag("--no-plots", args->no_plots,
                "do not draw missing plots with gnuplot; inline only the .svg files present");
  cmd->callback([args, exit_code] {
    Result<ReportKind> kind = DetectReportKind(args->dir);
    if (!kind.ok()) {
      spdlog::error("{}", kind.status().message());
      *exit_code = 2;
      return;
    }
    args->options.draw_missing_plots = !args->no_plots;
    Result<ReportResult> r = WriteHtmlReport(args->dir, args->options);
    if (!r.ok()) {
      spdlog::error("report: {}", r.status().message());
      *exit_code = 1;
      return;
    }
    for (const std::string& note : r->notes) spdlog::warn("{}", note);
    std::printf("wrote %s (%s report)\n", r->path.c_str(), ReportKindName(r->kind));
    *exit_code = 0;
  });
}

}  // namespace fedcarbon::experiment
