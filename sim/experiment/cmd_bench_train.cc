// PLACEHOLDER: replaced by the real `fedcarbon bench-train`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "fedcarbon/experiment/commands.h"

namespace fedcarbon::experiment {

void AddBenchTrainCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("bench-train", "(not built yet)");
  cmd->allow_extras();
  cmd->callback([exit_code] {
    spdlog::error("bench-train is not implemented yet");
    *exit_code = 2;
  });
}

}  // namespace fedcarbon::experiment
