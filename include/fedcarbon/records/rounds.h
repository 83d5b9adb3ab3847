// rounds.csv, typed: one RoundRecord per FL round, appended by the coordinator as each round
// ends, read back by column name (plots, the progress line, tests).
//
// Writer (the coordinator's run recorder): write RoundsCsvHeader() + "\n" when the file is
// created, then FormatRoundRow(r) + "\n" per round (flush after each line: the progress line
// follows the file while the run goes on). Reader: ReadRounds(path) for a whole file,
// ParseRoundRow for one parsed CSV row.
//
// Columns, in this order:
//   round, selected, completed, dropped, accuracy, loss, bytes_down, bytes_up, wall_s,
//   collect_s, eval_s, late, offline, sim_start, sim_end, shift_h
// accuracy and loss are written with std::to_string ("%f", 6 decimals) and are empty cells when
// the round was not evaluated; the seconds with "%.6f", the simulated times (unix seconds) with
// "%.3f". A parse -> format round trip of such a line is exact.
//
// Thread safety: values and free functions; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::records {

struct RoundRecord {
  int round = 0;      // 1-based
  int selected = 0;   // clients selected this round
  int completed = 0;  // results aggregated
  int dropped = 0;    // selected - completed - late - offline: no result (timeout, failure)
  std::optional<double> accuracy;  // test accuracy after aggregation; nullopt: not evaluated
  std::optional<double> loss;      // test loss; nullopt: not evaluated
  uint64_t bytes_down = 0;         // TrainRequest bytes sent this round
  uint64_t bytes_up = 0;           // accepted TrainResult bytes received this round
  double wall_s = 0.0;             // the whole round, wall seconds
  double collect_s = 0.0;          // waiting for results
  double eval_s = 0.0;             // evaluation (0 when not evaluated)
  int late = 0;                    // results after the round closed in simulated time (wasted)
  int offline = 0;                 // clients that went offline mid-job (wasted)
  double sim_start = 0.0;          // simulated start, unix seconds (after any shift)
  double sim_end = 0.0;            // simulated end, after the coordinator's work
  double shift_h = 0.0;  // hours the round waited past its earliest start (availability, shifting)
  bool operator==(const RoundRecord&) const = default;
};

// The column names, in file order.
const std::vector<std::string>& RoundsCsvColumns();
// The header line, without a newline.
std::string RoundsCsvHeader();
// One row, without a newline.
std::string FormatRoundRow(const RoundRecord& r);

// Which columns ParseRoundRow needs.
enum class RoundColumns {
  kAll,      // every column of RoundsCsvColumns() (files read back whole: ReadRounds)
  kPresent,  // "round" only; absent columns keep their defaults (a progress display that reads
             // whatever columns the file has)
};

// Parses one row of a rounds.csv table by column NAME: `header` is the file's header, `cells`
// one row (as long as the header). A missing required column, or a cell that is not a number
// of its column's kind (an integer, a finite number, an empty or finite accuracy/loss), is a
// Corruption error naming `what` (e.g. "rounds.csv line 3") and the column.
Result<RoundRecord> ParseRoundRow(const std::vector<std::string>& header,
                                  const std::vector<std::string>& cells, const std::string& what,
                                  RoundColumns columns = RoundColumns::kAll);

// Reads a whole rounds.csv (every column required). NotFound when the file does not exist;
// Corruption naming the path, line and column for bad content.
Result<std::vector<RoundRecord>> ReadRounds(const std::string& path);

}  // namespace fedcarbon::records
