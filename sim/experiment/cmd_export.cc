// `fedcarbon export DIR --format codecarbon [--per client|run] [--codecarbon-version V]
// [--out FILE]`: a run folder's ledger as CodeCarbon's emissions.csv with the header of
// CodeCarbon version V (the formats: include/fedcarbon/experiment/export.h).
// Reads DIR/ledger.csv and the project name from DIR/summary.json ("name"; the ledger's run_id
// when the summary is missing or has none), writes FILE (default DIR/emissions.csv) atomically.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/export.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

struct ExportArgs {
  std::string dir;
  std::string format = "codecarbon";
  std::string per = "client";
  std::string codecarbon_version = kDefaultCodeCarbonVersion;
  std::string out;  // empty: DIR/emissions.csv
};

// NotFound naming DIR/ledger.csv; for a folder of run folders (a reproduction), names them.
Status MissingLedger(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + ": no such folder");
  std::string runs;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec) && fs::exists(e.path() / "ledger.csv", ec)) {
      runs += (runs.empty() ? "" : ", ") + e.path().filename().string();
    }
  }
  std::string message =
      dir + "/ledger.csv: not found; export needs a run folder holding ledger.csv";
  if (!runs.empty()) message += " (run folders inside " + dir + ": " + runs + ")";
  return Status::NotFound(message);
}

// summary.json's "name" (FL and centralized summaries both have it); empty when unreadable.
std::string ProjectName(const std::string& dir) {
  Result<nlohmann::json> s = ReadJsonFile(dir + "/summary.json");
  if (!s.ok() || !s->is_object() || !s->contains("name") || !(*s)["name"].is_string()) {
    spdlog::debug("export: no name in {}/summary.json; project_name is the run id", dir);
    return "";
  }
  return (*s)["name"].get<std::string>();
}

Status RunExport(const ExportArgs& args) {
  if (args.format != "codecarbon") {
    return Status::InvalidArgument("unknown --format '" + args.format + "' (known: codecarbon)");
  }
  Result<ExportPer> per = ParseExportPer(args.per);
  if (!per.ok()) return per.status();
  Result<CodeCarbonFormat> format = CodeCarbonFormatFor(args.codecarbon_version);
  if (!format.ok()) return format.status();
  const std::string ledger_path = args.dir + "/ledger.csv";
  std::error_code ec;
  if (!fs::is_regular_file(ledger_path, ec)) return MissingLedger(args.dir);
  Result<std::vector<energy::LedgerRow>> rows = energy::ReadLedger(ledger_path);
  if (!rows.ok()) return rows.status();
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();

  CodeCarbonOptions options;
  options.per = *per;
  options.project_name = ProjectName(args.dir);
  Result<std::vector<CodeCarbonRow>> out = ToCodeCarbonRows(*rows, *catalog, options);
  if (!out.ok()) return out.status().WithContext(ledger_path);
  const std::string path = args.out.empty() ? args.dir + "/emissions.csv" : args.out;
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(path, FormatCodeCarbonCsv(*out, *format)));
  double kg = 0.0;
  for (const CodeCarbonRow& r : *out) kg += r.emissions;
  std::printf("wrote %s (CodeCarbon %s header, %zu columns; %zu row%s, %.6g g CO2e)\n",
              path.c_str(), format->version.c_str(), format->columns.size(), out->size(),
              out->size() == 1 ? "" : "s", kg * 1000.0);
  return Status::OK();
}

}  // namespace

void AddExportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write a run's ledger in another tool's format: codecarbon = CodeCarbon's emissions.csv "
      "(the header of --codecarbon-version, its units; duration is simulated device time)");
  cmd->add_option("DIR", args->dir, "run folder holding ledger.csv")->required();
  cmd->add_option("--format", args->format, "output format (codecarbon)")->capture_default_str();
  cmd->add_option("--per", args->per,
                  "client: one row per client and one for the coordinator (or the centralized "
                  "row); run: one row for the whole ledger")
      ->capture_default_str();
  cmd->add_option("--codecarbon-version", args->codecarbon_version,
                  "the CodeCarbon version whose emissions.csv header to write (supported: " +
                      SupportedCodeCarbonVersions() + ")")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "output file (default DIR/emissions.csv)");
  cmd->callback([args, exit_code] {
    const Status st = RunExport(*args);
    if (!st.ok()) spdlog::error("export: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
