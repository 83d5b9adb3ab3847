// `fedcarbon sensitivity DIR`: CLI glue for RunSensitivity (see sensitivity.h).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/sensitivity.h"

namespace fedcarbon::experiment {

void AddSensitivityCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<SensitivityOptions>();
  auto* cmd = app.add_subcommand(
      "sensitivity",
      "Vary every ranged assumption of the catalog (and the grid intensity source) over its "
      "documented range, re-price without retraining, and report which conclusions flip and "
      "where: DIR/sensitivity.md, .csv and the tornado chart sensitivity-tornado.png");
  cmd->add_option("DIR", o->dir,
                  "a reproduction folder (fedcarbon reproduce --out) or a run folder")
      ->required();
  cmd->add_option("--spec", o->spec_path,
                  "the reproduce file, for a reproduction folder without reproduce.json");
  cmd->add_option("--top", o->tornado_top, "parameters in the tornado chart")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  cmd->add_flag("!--no-plot", o->plot.render, "write the chart's data and script only");
  cmd->callback([o, exit_code] {
    Result<SensitivityReport> r = RunSensitivity(*o);
    if (!r.ok()) {
      spdlog::error("sensitivity: {}", r.status().message());
    } else {
      std::printf("%s", FormatSensitivityMarkdown(*r).c_str());
      std::printf("wrote %s/sensitivity.md, sensitivity.csv, sensitivity-tornado.png\n",
                  o->dir.c_str());
    }
    *exit_code = ExitCode(r.status());
  });
}

}  // namespace fedcarbon::experiment
