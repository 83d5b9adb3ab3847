// `fedcarbon reproduce [CONFIG]`: the centralized-vs-FL emissions table from one command.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/phases.h"
#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

struct ReproduceArgs {
  std::string config = "experiments/table4.json";
  std::string method = "both";  // "fitted" | "nameplate" | "both"
  ReproduceOptions options;
};

Status RunReproduce(ReproduceArgs args) {
  if (args.method != "both") {
    Result<energy::PowerMethod> m = energy::ParsePowerMethod(args.method);
    if (!m.ok()) return m.status();
    args.options.methods = {*m};
  }
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<ReproduceSpec> spec = LoadReproduceSpec(args.config, *catalog);
  if (!spec.ok()) return spec.status();
  if (args.options.quick) {
    std::printf(
        "QUICK mode: the paper's model and setting to a lower target (the file's \"quick\" "
        "patch)\n");
  }
  PhaseBreakdown phases;
  std::vector<Table4> tables;
  Result<Table4> table = Reproduce(*spec, args.options, &phases, &tables);
  if (!table.ok()) return table.status().WithContext("reproduce");
  for (const Table4& t : tables) {
    std::printf("power method: %s\n%s\n", t.method.c_str(), FormatTable4Text(t).c_str());
  }
  if (phases.cores > 0) std::printf("time: %s\n", FormatPhases(phases).c_str());
  std::printf("wrote %s/table4.{csv,md,svg,png}, fl_breakdown.csv and %s\n",
              args.options.out_dir.c_str(), kReproduceSummaryFile);
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
                "the file's \"quick\" patch: the paper's CNN and setting to a lower target");
  cmd->add_option("--seeds", args->options.seeds,
                  "seeds per setting (the file's seed, +1, ...): the table shows medians and "
                  "ranges, the checks judge the medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--parallel", args->options.parallel,
                  "runs side by side (0: three, a seed's centralized and two FL runs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  cmd->add_option("--method", args->method,
                  "how processors' power is priced: fitted (the utilisation model fit to "
                  "measured GPU power), nameplate (nameplate power for the whole time, the "
                  "calculators' method) or both (one table each; the first is fitted)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fitted", "nameplate", "both"}));
  cmd->add_flag("--reuse", args->options.reuse,
                "reuse run folders already trained with the same config (re-price only)");
  cmd->callback([args, exit_code] {
    const Status st = RunReproduce(*args);
    if (!st.ok()) spdlog::error("{}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
