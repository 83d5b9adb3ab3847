// PLACEHOLDER: replaced by the real `fedcarbon partition`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "fedcarbon/experiment/commands.h"

namespace fedcarbon::experiment {

void AddPartitionCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("partition", "(not built yet)");
  cmd->allow_extras();
  cmd->callback([exit_code] {
    spdlog::error("partition is not implemented yet");
    *exit_code = 2;
  });
}

}  // namespace fedcarbon::experiment
