// fedcarbon run CONFIG [--out DIR] [--set k=v ...]: a federated run as real processes on loopback.
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/config/config.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/launcher.h"

namespace fedcarbon::experiment {

void AddRunCommand(CLI::App& app, int* exit_code) {
  struct Args {
    std::string config;
    std::string out;
    std::vector<std::string> overrides;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "run", "run a federated experiment: one coordinator and runtime.workers worker processes");
  cmd->add_option("config", args->config, "experiment config (JSON)")->required();
  cmd->add_option("--out", args->out, "output folder (default runs/<name>)");
  cmd->add_option("--set", args->overrides, "override a config key: --set federation.rounds=5");
  cmd->add_flag("--quiet", args->quiet, "no per-round progress lines");
  cmd->callback([args, exit_code] {
    auto cfg = config::Load(args->config, args->overrides);
    if (!cfg.ok()) {
      spdlog::error("{}", cfg.status().message());
      *exit_code = 2;
      return;
    }
    const std::string out = args->out.empty() ? "runs/" + cfg->name : args->out;
    LaunchOptions options;
    options.show_progress = !args->quiet;
    auto r = RunLocal(*cfg, out, options);
    if (!r.ok()) {
      spdlog::error("{}", r.status().message());
      *exit_code = 1;
      return;
    }
    std::printf("%d rounds, final accuracy %.4f (best %.4f), target %.2f %s, %.1f s\n", r->rounds,
                r->final_accuracy, r->best_accuracy, cfg->federation.target_accuracy,
                r->reached_target ? "reached" : "not reached", r->wall_s);
    std::printf("results in %s (rounds.csv, ledger.csv, summary.json)\n", r->out_dir.c_str());
    *exit_code = 0;
  });
}

}  // namespace fedcarbon::experiment
