// RunRecorder: every output file of a coordinator's run, each written through its typed record.
//   config.json    the run's config (once, at Open)
//   rounds.csv     records::RoundRecord, one flushed line per round
//   ledger.csv     energy::LedgerRow, the round's client rows then its coordinator row, appended
//                  at the round's end (each row one write(2): a crash leaves no half row)
//   checkpoint.bin everything needed to continue after the last recorded round (checkpoint.h),
//                  written durably after ledger.csv and rounds.csv were fsync'ed
//   summary.json   records::FlRunSummary with the ledger's totals (its "cpu" block, the
//                  coordinator's CPU seconds, is the caller's)
// Owns the RAPL meter (whole-host energy per round, where RAPL exists): its reading goes on the
// round's coordinator row.
//
// Threading: one thread (the coordinator's).
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/rapl.h"
#include "fedcarbon/records/rounds.h"
#include "fedcarbon/records/summary.h"
#include "fedcarbon/server/checkpoint.h"

namespace fedcarbon::server {

class RunRecorder {
 public:
  // Creates `out_dir` files afresh: config.json, an empty ledger.csv and rounds.csv with its
  // header; removes a checkpoint.bin of an earlier run. `measure_rapl`: open the RAPL meter (its
  // absence is logged, not an error).
  static Result<std::unique_ptr<RunRecorder>> Open(const std::string& out_dir,
                                                   const config::ExperimentConfig& cfg,
                                                   bool measure_rapl);
  // Continues the run in `out_dir` after `checkpoint` (already validated against the config):
  // cuts ledger.csv and rounds.csv back to its lengths (CutToCheckpoint; what was cut is
  // logged), reads the ledger's rows back for the summary's totals, and appends from there.
  // config.json stays as it is.
  static Result<std::unique_ptr<RunRecorder>> Resume(const std::string& out_dir,
                                                     const Checkpoint& checkpoint,
                                                     bool measure_rapl);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // Appends the round: its rounds.csv line, its client rows, then `coordinator` (with the RAPL
  // reading since the previous round, when measured).
  Status RecordRound(const records::RoundRecord& round, std::vector<energy::LedgerRow> clients,
                     energy::LedgerRow coordinator);
  // checkpoint.bin after the round just recorded: fsyncs ledger.csv and rounds.csv, then writes
  // `checkpoint` with this recorder's ledger_rows, rounds_rows and measured_kwh filled in
  // (WriteCheckpoint: tmp + fsync + rename).
  Status SaveCheckpoint(Checkpoint checkpoint);
  // summary.json: `summary` with its energy block from every ledger row recorded.
  Status WriteSummary(records::FlRunSummary summary);
  // Closes rounds.csv (the ledger's rows are already on disk).
  void Close();

 private:
  RunRecorder() = default;
  void OpenRapl();  // the RAPL meter; its absence is logged
  std::string out_dir_;
  std::optional<energy::LedgerWriter> ledger_;
  std::vector<energy::LedgerRow> rows_;  // every row written, for the summary's totals
  std::FILE* rounds_csv_ = nullptr;
  uint64_t rounds_rows_ = 0;  // rounds.csv lines after its header
  std::optional<energy::RaplMeter> rapl_;
  double measured_kwh_ = -1.0;  // RAPL energy of the host over the run so far; -1: not measured
};

}  // namespace fedcarbon::server
