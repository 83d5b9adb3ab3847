// The `fedcarbon` command's subcommands. Each Add*Command adds one subcommand to `app`; when it
// runs, its callback stores the process exit code in *exit_code, always ExitCode(status)
// (common/status.h): 0 success, 2 bad input (config, data file, arguments), 1 other failures.
// The work itself lives in the library functions of this module; these are the CLI glue.
#pragma once

#include "fedcarbon/common/status.h"

namespace CLI {
class App;
}

namespace fedcarbon::experiment {

void AddPartitionCommand(CLI::App& app, int* exit_code);    // fedcarbon partition CONFIG
void AddCentralizedCommand(CLI::App& app, int* exit_code);  // fedcarbon centralized CONFIG
void AddBenchTrainCommand(CLI::App& app, int* exit_code);   // fedcarbon bench-train
void AddRunCommand(CLI::App& app, int* exit_code);          // fedcarbon run CONFIG
void AddPriceCommand(CLI::App& app, int* exit_code);        // fedcarbon price RUN_DIR
void AddReproduceCommand(CLI::App& app, int* exit_code);    // fedcarbon reproduce [CONFIG]
void AddSweepCommand(CLI::App& app, int* exit_code);        // fedcarbon sweep SWEEP --out DIR
void AddReportCommand(CLI::App& app, int* exit_code);       // fedcarbon report DIR
void AddSensitivityCommand(CLI::App& app, int* exit_code);  // fedcarbon sensitivity DIR
void AddUncertaintyCommand(CLI::App& app, int* exit_code);  // fedcarbon uncertainty DIR
void AddExportCommand(CLI::App& app, int* exit_code);
void AddReadmeCommand(CLI::App& app, int* exit_code);  // fedcarbon readme [--check|--write]       // fedcarbon export DIR --format F
void AddFitGpuCommand(CLI::App& app, int* exit_code);       // fedcarbon fit-gpu

}  // namespace fedcarbon::experiment
