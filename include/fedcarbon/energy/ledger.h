// The ledger: ledger.csv, one row per (round, client) plus coordinator rows (and one row for a
// centralized run). Each row holds the activity (what happened) and its cost as priced when it
// was recorded, in CodeCarbon's units (kWh, kg CO2e).
//
// Columns, in this order (LedgerHeader(); ledger_row.cc lists them once):
//   timestamp, run_id, round, client_id, role, country_iso_code, device, pue, network,
//   flops, samples, steps, bytes_down, bytes_up, compute_s, wall_s, threads, device_compute_s,
//   comm_s, compute_energy_kwh, comm_energy_kwh, energy_kwh, carbon_intensity_g_per_kwh,
//   emissions_kg, embodied_kg, zone, sim_start, sim_end, intensity_source, status, catalog
// compute_s and wall_s are MEASURED seconds (activity) and threads the training threads the work
// ran on; device_compute_s and comm_s are the modelled seconds on the priced device and network
// (cost). emissions_kg is operational (electricity); embodied_kg is the device's manufacturing
// footprint amortised over the modelled seconds (scope 3, reported beside, never added to it).
// zone is the grid zone with an hourly trace the row's work ran in (empty: none); sim_start/
// sim_end the simulated interval of the work (unix seconds, UTC; 0 for a centralized run);
// intensity_source says which intensity priced the row ("annual": the country's yearly figure;
// "hourly": the zone's trace over [sim_start, sim_end)); status is "used" or, for wasted work,
// "late" (its result came after the round closed) or "offline" (the client went offline
// mid-job: the work done until then); catalog is the id of the constants that priced the row
// (Catalog::id(), "fnv1a64:..."). Numbers are written with 17 significant digits, so a write ->
// read round trip is exact. The host's measured (RAPL) energy is reported per run in the
// summary, not on rows: it measures the whole machine, not one client or the coordinator.
//
// Readers also accept the version before steps (the same header without "steps": rows read with
// steps 0, priced by arithmetic alone) and the 28-column header before that (before threads,
// embodied_kg and catalog, with a per-row measured_energy_kwh): its rows read with threads 1,
// embodied_kg 0 and an empty catalog, and the RAPL column is ignored. Writers append only to the
// current version.
//
// Thread safety: a LedgerWriter is used from one thread at a time.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/activity.h"

namespace fedcarbon::energy {

struct LedgerRow {
  double timestamp = 0.0;        // seconds since the Unix epoch
  std::string run_id;            // no commas, quotes or newlines
  int round = 0;                 // 1-based FL round; 0 for a centralized run
  int client_id = -1;            // -1 for the coordinator / centralized
  std::string role = "client";   // "client" | "coordinator" | "centralized"
  std::string country_iso_code;  // "USA"
  std::string device;            // profile name
  double pue = 1.0;              // PUE applied
  std::string network;           // network model name
  Activity activity;
  Cost cost;                                // as priced at record time (see Price in pricing.h)
  std::string zone;                         // hourly-trace zone, "US-CAL-CISO"; empty: none
  double sim_start = 0.0;                   // simulated interval of the work, unix seconds UTC
  double sim_end = 0.0;                     // >= sim_start
  std::string intensity_source = "annual";  // "annual" | "hourly"
  std::string status = "used";              // "used" | "late" | "offline"
  std::string catalog;                      // Catalog::id() that priced it; empty: unknown
};

// How the columns of one ledger file map to LedgerRow fields: the current header or the previous
// version's (see above).
class LedgerLayout {
 public:
  // Corruption naming the expected header when `header` is neither version's.
  static Result<LedgerLayout> FromHeader(const std::string& header);
  static LedgerLayout Current();
  // Parses and validates one line of a file with this layout. Errors name the column.
  Result<LedgerRow> Parse(const std::string& line) const;

 private:
  std::vector<const void*> columns_;  // ledger_row.cc's column entries; nullptr: ignored column
};

// Appends rows to a CSV file. The header is written when the file is new or empty; an existing
// non-empty file must start with the same header and end with a newline (else Open fails). Each
// Append formats the row, then hands the whole line to one write(2) on an O_APPEND descriptor, so
// a crash never leaves a half row behind (and rows are never interleaved).
class LedgerWriter {
 public:
  static Result<LedgerWriter> Open(const std::string& path);
  LedgerWriter(LedgerWriter&& other) noexcept;
  LedgerWriter& operator=(LedgerWriter&& other) noexcept;
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;
  ~LedgerWriter();

  Status Append(const LedgerRow& row);
  const std::string& path() const { return path_; }

 private:
  LedgerWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Checks a row before it is written or after it is read: roles, ids, non-negative finite
// numbers, strings without commas, quotes or line breaks. Errors name the column.
Status ValidateRow(const LedgerRow& row);
// The header line and one row as a CSV line (no trailing newline); ParseLedgerRow (the current
// layout) also validates. Errors name the column.
std::string LedgerHeader();
std::string FormatLedgerRow(const LedgerRow& row);
Result<LedgerRow> ParseLedgerRow(const std::string& line);

// Reads and validates a whole ledger: the header, then every row (field count, numbers, roles,
// non-negative activity). Errors name the file, line and column ("ledger.csv:7: column
// 'bytes_up': not a non-negative integer: '12x'"). A last line without its newline is an error
// (a truncated write).
Result<std::vector<LedgerRow>> ReadLedger(const std::string& path);
Status WriteLedger(const std::string& path, const std::vector<LedgerRow>& rows);

struct LedgerTotals {
  int rows = 0;
  Activity activity;  // summed activity
  Cost cost;          // summed cost (all roles)
  Cost clients;       // role == "client"
  Cost coordinator;   // role == "coordinator"
  Cost centralized;   // role == "centralized"
  Cost wasted;        // status "late" or "offline": work whose result was not used
  double compute_energy_kwh = 0.0;
  double comm_energy_kwh = 0.0;
  double energy_kwh = 0.0;
  double emissions_kg = 0.0;
  double comm_share = 0.0;   // comm_energy_kwh / energy_kwh (0 when no energy)
  double embodied_kg = 0.0;  // scope 3, beside the operational emissions_kg
  std::string catalog;  // the rows' catalog id when they all share one; "mixed" or "" otherwise
};
LedgerTotals Sum(const std::vector<LedgerRow>& rows);

// Work whose result was not used (status "late" or "offline"): counted in every total and
// reported apart as wasted.
inline bool IsWasted(const LedgerRow& row) { return row.status != "used"; }

}  // namespace fedcarbon::energy
