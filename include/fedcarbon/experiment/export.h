// `fedcarbon export DIR --format codecarbon`: a run's ledger as CodeCarbon's emissions.csv, so
// that tools built for CodeCarbon's output read fedcarbon's. Pure: ledger rows + catalog +
// options -> typed rows (CodeCarbonRow) -> CSV text; reading the run folder and writing the file
// (atomically) is the command's glue (cmd_export.cc).
//
// Columns: CodeCarbon's header, exactly (kCodeCarbonColumns, CodeCarbonHeader()), in its units:
// seconds, kg CO2e, kg/s, W, kWh, GB. One CSV row per party (ExportPer::kClient, the default: one
// per client id over all its rounds, then the coordinator when it has rows, or the one
// "centralized" row of a centralized run) or one for the whole ledger (ExportPer::kRun). Costs
// are those recorded in the ledger (never re-priced); the catalog only supplies each row's device
// profile, looked up per ledger row (a ledger may mix devices; an unknown device is an error
// naming the row).
//
// What each column holds (an export row sums ledger rows R):
//   timestamp          the latest ledger timestamp of R, UTC, "2024-01-01T12:00:00" (CodeCarbon's
//                      %Y-%m-%dT%H:%M:%S, no zone suffix)
//   project_name       options.project_name (the command: summary.json "name"); empty: run_id
//   run_id             the ledger run_id; per party "<run_id>/client-<id>", "<run_id>/coordinator"
//                      or "<run_id>/centralized" (stable, not CodeCarbon's UUIDs); several run ids
//                      in R are joined with '+'
//   duration           sum of the modelled device seconds (cost compute_s + comm_s; ledger columns
//                      device_compute_s + comm_s): SIMULATED device time, not wall time, summed
//                      over parties (a per-run row is device-seconds of the whole federation)
//   emissions          sum of emissions_kg: per-party rows add up to the ledger total, and the
//                      per-run row is that total
//   emissions_rate     emissions / duration, kg/s (0 when duration is 0)
//   cpu/gpu/ram_energy each ledger row's compute_energy_kwh (PUE included) split in proportion to
//                      its profile's powers before PUE (catalog.h): ProcessorPowerW() to
//                      gpu_energy when processor == "gpu", else to cpu_energy; cpu_w to
//                      cpu_energy; RamPowerW() to ram_energy
//   energy_consumed    sum of the ledger's energy_kwh = cpu + gpu + ram + COMMUNICATION energy
//                      (comm_energy_kwh has no CodeCarbon column; it is kept apart in
//                      CodeCarbonRow::comm_energy_kwh, not written), so it adds up to the run's
//                      energy like emissions do
//   cpu/gpu/ram_power  mean power over the duration: the part's energy / duration, W (0 when
//                      duration is 0)
//   country_name, country_iso_code  the catalog's name and the ledger's ISO alpha-3 code when R
//                      has one country (a code the catalog does not know: empty name); several
//                      countries: name "mixed", code empty
//   region             the ledger's grid zone ("US-CAL-CISO") when R has one; several: "mixed";
//                      none: empty
//   os                 "fedcarbon simulated <device>", several devices joined with '+' in order
//                      of first appearance ("fedcarbon simulated jetson_tx2+v100")
//   cpu_count, gpu_count, ram_total_size  summed over the distinct (party, device) pairs of R:
//                      a party's profile counts 1 GPU when its processor is "gpu", 1 CPU when its
//                      processor is "cpu" or it draws cpu_w > 0, and ram_gb GB
//   cpu_model, gpu_model  the profile names counted in cpu_count / gpu_count, joined with '+'
//   tracking_mode      "machine"
//   on_cloud           "Y" when every row of R ran on a datacenter profile, else "N"
//   pue                the rows' PUE when R shares one, else the effective PUE
//                      sum(compute_energy_kwh) / sum(compute_energy_kwh / pue) (the plain mean of
//                      the rows' PUE when R has no compute energy)
//   cloud_provider, cloud_region, python_version, codecarbon_version, longitude, latitude: empty
//                      (a simulated party has none; fedcarbon has no version string to put there)
// Numbers are written as the shortest text that reads back exactly; text fields are quoted per
// RFC 4180 when they hold a comma, quote or line break (CsvField, common/csv.h).
//
// Thread safety: pure functions and values; no shared state.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::experiment {

// CodeCarbon's emissions.csv columns, in order.
extern const char* const kCodeCarbonColumns[];
extern const int kCodeCarbonColumnCount;  // 31
// The header line, without its newline.
std::string CodeCarbonHeader();

enum class ExportPer { kClient, kRun };
// "client" | "run"; InvalidArgument naming the value otherwise.
Result<ExportPer> ParseExportPer(const std::string& text);

struct CodeCarbonOptions {
  ExportPer per = ExportPer::kClient;  // one row per party (default) or one for the run
  std::string project_name;            // empty: the ledger's run_id
};

// One row of emissions.csv, typed; fields in the order of the columns (see the table above).
struct CodeCarbonRow {
  std::string timestamp;  // "2024-01-01T12:00:00", UTC
  std::string project_name;
  std::string run_id;
  double duration = 0.0;         // s, simulated device time
  double emissions = 0.0;        // kg CO2e
  double emissions_rate = 0.0;   // kg/s
  double cpu_power = 0.0;        // W, mean over duration
  double gpu_power = 0.0;        // W
  double ram_power = 0.0;        // W
  double cpu_energy = 0.0;       // kWh
  double gpu_energy = 0.0;       // kWh
  double ram_energy = 0.0;       // kWh
  double energy_consumed = 0.0;  // kWh: cpu + gpu + ram + communication
  std::string country_name;
  std::string country_iso_code;
  std::string region;
  std::string cloud_provider;  // empty
  std::string cloud_region;    // empty
  std::string os;
  std::string python_version;      // empty
  std::string codecarbon_version;  // empty
  int cpu_count = 0;
  std::string cpu_model;
  int gpu_count = 0;
  std::string gpu_model;
  std::string longitude;        // empty
  std::string latitude;         // empty
  double ram_total_size = 0.0;  // GB
  std::string tracking_mode = "machine";
  std::string on_cloud = "N";  // "Y" | "N"
  double pue = 1.0;
  // Not a CodeCarbon column: the communication energy included in energy_consumed, kWh.
  double comm_energy_kwh = 0.0;
};

// The export rows of a ledger: per party (clients by ascending id, then the coordinator, then a
// centralized row) or one for the run. Errors: no rows (InvalidArgument), a row whose device
// the catalog does not know (NotFound naming the row and the device).
Result<std::vector<CodeCarbonRow>> ToCodeCarbonRows(const std::vector<energy::LedgerRow>& rows,
                                                    const energy::Catalog& catalog,
                                                    const CodeCarbonOptions& options);

// The whole emissions.csv text: CodeCarbonHeader(), then one line per row, "\n" after each.
std::string FormatCodeCarbonCsv(const std::vector<CodeCarbonRow>& rows);

}  // namespace fedcarbon::experiment
