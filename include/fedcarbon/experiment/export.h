// `fedcarbon export DIR --format codecarbon`: a run's ledger as CodeCarbon's emissions.csv, so
// that tools built for CodeCarbon's output read fedcarbon's. Pure: ledger rows + catalog +
// options -> typed rows (CodeCarbonRow) -> CSV text; reading the run folder and writing the file
// (atomically) is the command's glue (cmd_export.cc).
//
// Columns: the emissions.csv header of one CodeCarbon version (CodeCarbonFormatFor), in its
// units: seconds, kg CO2e, kg/s, W, kWh, GB, litres. Each supported version is a column list
// (export_codecarbon_columns.cc, with the source of each list); the default is the latest
// version fedcarbon has a list for (kDefaultCodeCarbonVersion). Supported:
//   2.2.3 to 2.6.x  31 columns, timestamp ... tracking_mode, on_cloud, pue
//   2.7.0 to 2.x    the same plus experiment_id after run_id (32)
//   3.2.5 to 3.3.x  2.7's plus water_consumed after energy_consumed and, after tracking_mode,
//                   cpu_utilization_percent, gpu_utilization_percent, ram_utilization_percent,
//                   ram_used_gb; wue after pue (38)
// 3.0.0 to 3.2.4 are refused: no column list for them could be read from a source.
// One CSV row per party (ExportPer::kClient, the default: one
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
//   experiment_id      (2.7+) the ledger run_id without the party suffix, so all parties of one
//                      run share it (CodeCarbon: the experiment's UUID in its API)
//   duration           sum of the modelled device seconds (cost compute_s + comm_s; ledger columns
//                      device_compute_s + comm_s): SIMULATED device time, not wall time, summed
//                      over parties (a per-run row is device-seconds of the whole federation)
//   emissions          sum of emissions_kg: per-party rows add up to the ledger total, and the
//                      per-run row is that total
//   emissions_rate     emissions / duration, kg/s (0 when duration is 0)
//   cpu/gpu/ram_energy each ledger row's compute_energy_kwh (PUE included) split in proportion to
//                      energy::ComputePowerParts(profile, row activity), the powers pricing used
//                      (pricing.h; a host's processor power is per core times activity.threads):
//                      processor_w to gpu_energy when processor == "gpu", else to cpu_energy;
//                      cpu_w to cpu_energy; ram_w to ram_energy
//   energy_consumed    sum of the ledger's energy_kwh = cpu + gpu + ram + COMMUNICATION energy
//                      (comm_energy_kwh has no CodeCarbon column; it is kept apart in
//                      CodeCarbonRow::comm_energy_kwh, not written), so it adds up to the run's
//                      energy like emissions do
//   water_consumed     (3.x) 0: fedcarbon models no water; CodeCarbon also writes 0 at its
//                      default wue of 0
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
//   cpu_utilization_percent, gpu_utilization_percent, ram_utilization_percent, ram_used_gb
//                      (3.x) empty: nothing was measured (CodeCarbon leaves a column empty when it
//                      has no value, e.g. gpu_count without a GPU)
//   on_cloud           "Y" when every row of R ran on a datacenter profile, else "N"
//   pue                the rows' PUE when R shares one, else the effective PUE
//                      sum(compute_energy_kwh) / sum(compute_energy_kwh / pue) (the plain mean of
//                      the rows' PUE when R has no compute energy)
//   wue                (3.x) 0, CodeCarbon's default (no water model)
//   cloud_provider, cloud_region, python_version, longitude, latitude: empty (a simulated party
//                      has none)
//   codecarbon_version empty: the column names the tracker release that measured the row, and
//                      no CodeCarbon ran; the version whose header the file has is the one the
//                      command prints (and --codecarbon-version chose)
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

// One CodeCarbon version's emissions.csv header.
struct CodeCarbonFormat {
  std::string version;               // the version asked for ("2.3.4"), or the default
  std::vector<std::string> columns;  // in CodeCarbon's order
};
// The latest version with a sourced column list; the export's default.
inline constexpr const char* kDefaultCodeCarbonVersion = "3.3.0";
// The column set of `version` ("2.3.4", "2.7", "3.2.5": one to three numbers; missing ones are
// 0); empty: kDefaultCodeCarbonVersion. InvalidArgument naming the text and the supported
// versions (SupportedCodeCarbonVersions) for anything else.
Result<CodeCarbonFormat> CodeCarbonFormatFor(const std::string& version);
// "2.2.3 to 2.6.x, 2.7.0 to 2.x, 3.2.5 to 3.3.x"
std::string SupportedCodeCarbonVersions();
// The header line, without its newline.
std::string CodeCarbonHeader(const CodeCarbonFormat& format);

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
  std::string experiment_id;     // the run id(s), without the party suffix
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
  double water_consumed = 0.0;   // L, always 0 (no water model)
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
  double wue = 0.0;  // L/kWh, always 0 (CodeCarbon's default)
  // Not a CodeCarbon column: the communication energy included in energy_consumed, kWh.
  double comm_energy_kwh = 0.0;
};

// The export rows of a ledger: per party (clients by ascending id, then the coordinator, then a
// centralized row) or one for the run. Errors: no rows (InvalidArgument), a row whose device
// the catalog does not know (NotFound naming the row and the device).
Result<std::vector<CodeCarbonRow>> ToCodeCarbonRows(const std::vector<energy::LedgerRow>& rows,
                                                    const energy::Catalog& catalog,
                                                    const CodeCarbonOptions& options);

// The whole emissions.csv text: CodeCarbonHeader(format), then one line per row with the
// format's columns, "\n" after each.
std::string FormatCodeCarbonCsv(const std::vector<CodeCarbonRow>& rows,
                                const CodeCarbonFormat& format);

}  // namespace fedcarbon::experiment
