// `fedcarbon centralized CONFIG [--out DIR] [--set k=v ...]`: the centralized baseline (train on
// the whole training set until the target accuracy or the epoch limit). Writes summary.json and
// curve.csv to DIR (default runs/<name>-centralized).
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/config/config.h"
#include "fedcarbon/experiment/centralized.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/report.h"

namespace fedcarbon::experiment {
namespace {

struct CentralizedArgs {
  std::string config;
  std::string out;
  std::vector<std::string> overrides;
};

Status Run(const CentralizedArgs& args) {
  Result<config::ExperimentConfig> cfg = config::Load(args.config, args.overrides);
  if (!cfg.ok()) return cfg.status();
  const std::string out = args.out.empty() ? "runs/" + cfg->name + "-centralized" : args.out;
  Result<CentralizedResult> r = RunCentralized(*cfg, out);
  if (!r.ok()) return r.status();
  // Energy: the training FLOPs priced on energy.coordinator_{device,pue,country} (report.h).
  Result<energy::LedgerRow> priced = PriceCentralized(*r, *cfg, out);
  if (!priced.ok()) return priced.status().WithContext("pricing");
  spdlog::info("priced on {} at PUE {} in {}: {:.6f} kWh, {:.4f} g CO2e (ledger.csv)",
               priced->device, priced->pue, priced->country_iso_code, priced->cost.energy_kwh,
               priced->cost.emissions_kg * 1000.0);
  PlotRunOrWarn(out);
  spdlog::info("results in {} (summary.json, curve.csv, ledger.csv, accuracy_*.png)", out);
  return Status::OK();
}

}  // namespace

void AddCentralizedCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "centralized",
      "Centralized baseline: train on the whole training set to the target accuracy");
  auto args = std::make_shared<CentralizedArgs>();
  cmd->add_option("config", args->config, "experiment config (JSON)")->required();
  cmd->add_option("--out", args->out, "output folder (default runs/<name>-centralized)");
  cmd->add_option("--set", args->overrides, "override a config key, e.g. --set train.threads=2")
      ->allow_extra_args(false);
  cmd->callback([args, exit_code] {
    const Status st = Run(*args);
    if (!st.ok()) spdlog::error("centralized: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
