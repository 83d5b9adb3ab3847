// The results of a sweep: DIR/results.csv (one row per point and seed) and its typed record.
// One writer (WriteSweepResults) and one reader (ReadSweepResults); everything that shows a sweep
// (results.md, the plots, the HTML report, --collect) works on these structs, never on columns.
//
// results.csv columns, in order:
//   id, <every swept key, by its dotted name>, seed, kind, status, reached_target, rounds, flops,
//   final_accuracy, best_accuracy, client_compute_kwh, client_comm_kwh, coordinator_kwh,
//   centralized_kwh, energy_kwh, co2e_kg, wasted_co2e_kg, accuracy_per_kwh,
//   accuracy_gain_per_kwh, accuracy_per_g, sim_hours, wall_s, dir, error
// A point that is not done leaves its numbers empty. accuracy_gain_per_kwh and accuracy_per_g
// are the point's summary.json ratios (records::Ratios, via records::RunOutcome::ratios).
//
// Thread safety: values and free functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::experiment {

struct SweepRow {
  std::string id;                   // stable id of the point's resolved config (its folder name)
  std::vector<std::string> values;  // one per SweepTable::keys: the value as written in the
                                    // sweep file (JSON text; strings without quotes)
  uint64_t seed = 0;                // the run's seed
  std::string kind = "fl";          // "fl" | "centralized"
  std::string status = "pending";   // "done" | "failed" | "running" | "pending"
  // Filled when status == "done":
  bool reached_target = false;
  int rounds = 0;      // FL rounds run (to the target when reached); centralized: epochs
  uint64_t flops = 0;  // training FLOPs to the stop (clients' or centralized)
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  double client_compute_kwh = 0.0;  // FL clients' training
  double client_comm_kwh = 0.0;     // FL clients' communication
  double coordinator_kwh = 0.0;     // FL coordinator (aggregation + evaluation)
  double centralized_kwh = 0.0;     // centralized training on its data-center profile
  double energy_kwh = 0.0;          // the sum of the four above
  double co2e_kg = 0.0;
  double wasted_co2e_kg = 0.0;    // of co2e_kg: work whose result was not used (late, offline)
  double accuracy_per_kwh = 0.0;  // best_accuracy / energy_kwh (0 when no energy)
  // The energy-precision ratio: (final - initial accuracy) / kWh of the run's summary; the
  // initial accuracy is the FL run's round 0, chance level 0.1 for a centralized run.
  double accuracy_gain_per_kwh = 0.0;
  double accuracy_per_g = 0.0;  // final_accuracy / g CO2e of the run's summary (0 when none)
  double sim_hours = 0.0;       // FL: simulated hours to the target (or the run); else 0
  double wall_s = 0.0;
  std::string dir;    // point folder, relative to the sweep folder ("points/<id>")
  std::string error;  // why it failed (status "failed")
};

struct SweepTable {
  std::vector<std::string> keys;  // swept dotted keys, in the sweep file's order (grid, then zip)
  std::vector<SweepRow> rows;     // in point order (grid order, then seeds)
};

// Writes DIR/results.csv atomically.
Status WriteSweepResults(const std::string& path, const SweepTable& table);
// Reads results.csv: the swept keys are the columns between "id" and "seed". A missing column or a
// bad number is an error naming the file, line and column.
Result<SweepTable> ReadSweepResults(const std::string& path);

// DIR/results.md: per combination of swept values (and kind), the mean and standard deviation
// over seeds of the done points (accuracy, rounds, kWh, g CO2e, wasted g CO2e, accuracy per kWh,
// accuracy gained per kWh, accuracy per g CO2e, simulated hours), then the failed points with
// their errors. `title` heads the page; `notes` follows it when not empty.
std::string FormatSweepMarkdown(const SweepTable& table, const std::string& title,
                                const std::string& notes);

}  // namespace fedcarbon::experiment
