// `fedcarbon price RUN_DIR`: re-prices a run's recorded activity without retraining.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/report.h"

namespace fedcarbon::experiment {
namespace {

struct PriceArgs {
  std::string run_dir, country, device, network, intensity;
  double pue = 0.0;
};

Status RunPrice(const PriceArgs& args) {
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  energy::RepriceOptions o;
  if (!args.country.empty()) o.country = args.country;
  if (!args.device.empty()) o.device = args.device;
  if (!args.network.empty()) o.network = args.network;
  if (args.pue > 0) o.pue = args.pue;
  if (!args.intensity.empty()) o.intensity = args.intensity;
  Result<energy::GridIntensity> grid = energy::GridIntensity::Default();
  if (!grid.ok()) return grid.status();
  o.grid = &*grid;
  Result<PricedRun> run = PriceRunDir(args.run_dir, *catalog, o);
  if (!run.ok()) return run.status();
  std::printf("recorded (%s):\n%s", run->ledger_path.c_str(),
              FormatCostReport(run->recorded).c_str());
  std::printf("re-priced (%s):\n%s", PricedSuffix(*catalog, o).c_str(),
              FormatCostReport(run->priced).c_str());
  std::printf("wrote %s\n", run->out_path.c_str());
  const std::string recorded_with = energy::Sum(run->recorded).catalog;
  if (recorded_with != catalog->id()) {
    std::printf(
        "note: recorded with catalog %s, re-priced with %s: the constants differ, so the "
        "re-priced costs differ from the recorded ones even with no option given\n",
        recorded_with.empty() ? "(not recorded: an older ledger)" : recorded_with.c_str(),
        catalog->id().c_str());
  }
  return Status::OK();
}

}  // namespace

void AddPriceCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<PriceArgs>();
  auto* cmd = app.add_subcommand(
      "price",
      "Re-price a run's ledger.csv for another country, device, network model, PUE or grid "
      "intensity (annual or hourly) "
      "(no retraining); writes RUN_DIR/priced-<suffix>.csv");
  cmd->add_option("RUN_DIR", args->run_dir, "run folder holding ledger.csv")->required();
  cmd->add_option("--country", args->country,
                  "move every client (and a centralized run) to this country (USA, FR, France)");
  cmd->add_option("--device", args->device,
                  "price every client (and a centralized run) on this profile (jetson_tx2, v100)");
  cmd->add_option("--network", args->network, "communication model (qiu, intensity, ...)");
  cmd->add_option("--intensity", args->intensity,
                  "annual: every row at its country's yearly figure; hourly: rows in a zone with "
                  "an hourly trace at its mean over the row's simulated interval (default: as "
                  "recorded)")
      ->check(CLI::IsMember({"annual", "hourly"}));
  cmd->add_option("--pue", args->pue, "PUE for data-center rows (coordinator, centralized)")
      ->check(CLI::Range(1.0, 10.0));
  cmd->callback([args, exit_code] {
    const Status st = RunPrice(*args);
    if (!st.ok()) spdlog::error("price: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
