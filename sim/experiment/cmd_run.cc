// PLACEHOLDER: replaced by the real `fedcarbon run`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "fedcarbon/experiment/commands.h"

namespace fedcarbon::experiment {

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "(not built yet)");
  cmd->allow_extras();
  cmd->callback([exit_code] {
    spdlog::error("run is not implemented yet");
    *exit_code = 2;
  });
}

}  // namespace fedcarbon::experiment
