// `fedcarbon uncertainty DIR`: CLI glue for RunUncertainty (see uncertainty.h).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/uncertainty.h"

namespace fedcarbon::experiment {

void AddUncertaintyCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<UncertaintyOptions>();
  auto* cmd = app.add_subcommand(
      "uncertainty",
      "Draw every ranged assumption of the catalog at once (Monte Carlo; and the recorded seed "
      "when DIR holds several), re-price Table 4 without retraining, and report each cell's "
      "median and 5-95% interval, each conclusion's probability and what drives it: "
      "DIR/uncertainty.md, .csv and the chart uncertainty-cells.png");
  cmd->add_option("DIR", o->dir, "a reproduction folder (fedcarbon reproduce --out)")->required();
  cmd->add_option("--spec", o->spec_path,
                  "the reproduce file, for a reproduction folder without reproduce.json");
  cmd->add_option("--draws", o->draws, "Monte Carlo draws")
      ->capture_default_str()
      ->check(CLI::Range(size_t{10}, size_t{10'000'000}));
  cmd->add_option("--seed", o->seed, "seed of the draws (same seed: same files)")
      ->capture_default_str();
  cmd->add_option("--method", o->method, "power method: fitted, nameplate or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"fitted", "nameplate", "both"}));
  cmd->add_option("--top", o->top, "drivers listed per conclusion")
      ->capture_default_str()
      ->check(CLI::Range(1, 200));
  cmd->add_option("--threads", o->threads, "evaluation threads (results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_flag("!--no-plot", o->plot.render, "write the chart's data and script only");
  cmd->callback([o, exit_code] {
    const auto t0 = std::chrono::steady_clock::now();
    PlotReport plot;
    Result<Table4Uncertainty> r = RunUncertainty(*o, &plot);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.ok()) {
      spdlog::error("uncertainty: {}", r.status().message());
    } else {
      std::printf("%s", FormatUncertaintyMarkdown(*r, o->top).c_str());
      if (!plot.warning.empty()) spdlog::warn("{}", plot.warning);
      std::printf(
          "%zu draws x %zu method(s) in %.2f s; wrote %s/uncertainty.md, uncertainty.csv, "
          "uncertainty-cells.%s\n",
          o->draws, r->methods.size(), s, o->dir.c_str(), plot.rendered ? "png" : "gp");
    }
    *exit_code = ExitCode(r.status());
  });
}

}  // namespace fedcarbon::experiment
