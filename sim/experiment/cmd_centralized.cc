// PLACEHOLDER: replaced by the real `fedcarbon centralized`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "fedcarbon/experiment/commands.h"

namespace fedcarbon::experiment {

void AddCentralizedCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("centralized", "(not built yet)");
  cmd->allow_extras();
  cmd->callback([exit_code] {
    spdlog::error("centralized is not implemented yet");
    *exit_code = 2;
  });
}

}  // namespace fedcarbon::experiment
