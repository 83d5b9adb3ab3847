// `fedcarbon reproduce [CONFIG]`: the centralized-vs-FL emissions table from one command.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

struct ReproduceArgs {
  std::string config = "experiments/table4.json";
  ReproduceOptions options;
};

Status RunReproduce(const ReproduceArgs& args) {
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<ReproduceSpec> spec = LoadReproduceSpec(args.config, *catalog);
  if (!spec.ok()) return spec.status();
  if (args.options.quick) {
    std::printf(
        "QUICK mode: a small, fast version of the reproduction (not the paper's setting)\n");
  }
  Result<Table4> table = Reproduce(*spec, args.options);
  if (!table.ok()) return table.status().WithContext("reproduce");
  std::printf("%s", FormatTable4Text(*table).c_str());
  std::printf("wrote %s/table4.{csv,md,svg,png} and fl_breakdown.csv\n",
              args.options.out_dir.c_str());
  return Status::OK();
}

}  // namespace

void AddReproduceCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReproduceArgs>();
  auto* cmd = app.add_subcommand(
      "reproduce",
      "Train centralized once and FL IID/non-IID once, price them for every country and "
      "data-center setting, and write table4.{csv,md,svg,png} (Qiu et al., Table 4)");
  cmd->add_option("CONFIG", args->config, "reproduce file")->capture_default_str();
  cmd->add_option("--out", args->options.out_dir, "output folder")->capture_default_str();
  cmd->add_flag("--quick", args->options.quick,
                "small version (the file's \"quick\" patch: e.g. MLP, lower target), < 3 minutes");
  cmd->add_flag("--reuse", args->options.reuse,
                "reuse run folders already trained with the same config (re-price only)");
  cmd->callback([args, exit_code] {
    const Status st = RunReproduce(*args);
    if (!st.ok()) spdlog::error("{}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
