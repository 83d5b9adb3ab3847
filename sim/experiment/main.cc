// fedcarbon: the user-facing command. Thin: every subcommand lives in fedcarbon::experiment.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/experiment/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fedcarbon: federated-learning simulator with per-client energy and CO2 accounting\n"
      "Exit codes: 0 success, 2 bad input (config, data file, arguments), 1 other failures"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(log_level)); });

  int exit_code = 0;
  fedcarbon::experiment::AddPartitionCommand(app, &exit_code);
  fedcarbon::experiment::AddCentralizedCommand(app, &exit_code);
  fedcarbon::experiment::AddBenchTrainCommand(app, &exit_code);
  fedcarbon::experiment::AddRunCommand(app, &exit_code);
  fedcarbon::experiment::AddPriceCommand(app, &exit_code);
  fedcarbon::experiment::AddReproduceCommand(app, &exit_code);
  fedcarbon::experiment::AddSweepCommand(app, &exit_code);
  fedcarbon::experiment::AddReportCommand(app, &exit_code);
  fedcarbon::experiment::AddSensitivityCommand(app, &exit_code);
  fedcarbon::experiment::AddUncertaintyCommand(app, &exit_code);
  fedcarbon::experiment::AddExportCommand(app, &exit_code);
  fedcarbon::experiment::AddReadmeCommand(app, &exit_code);
  fedcarbon::experiment::AddFitGpuCommand(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // app.exit prints the message; --help exits 0, any usage error 2 (not CLI11's own codes).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;  // the subcommand's ExitCode(status)
}
