// RunRecorder (see run_recorder.h).
#include "run_recorder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "fedcarbon/common/file.h"
#include "fedcarbon/server/checkpoint.h"

namespace fedcarbon::server {

Result<std::unique_ptr<RunRecorder>> RunRecorder::Open(const std::string& out_dir,
                                                       const config::ExperimentConfig& cfg,
                                                       bool measure_rapl) {
  std::unique_ptr<RunRecorder> r(new RunRecorder());
  r->out_dir_ = out_dir;
  const std::string out = out_dir + "/";
  std::error_code ec;
  std::filesystem::remove(out + "checkpoint.bin", ec);  // an earlier run's: never resume into it
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out + "config.json", config::ToJson(cfg).dump(2)));
  std::filesystem::remove(out + "ledger.csv", ec);
  auto ledger = energy::LedgerWriter::Open(out + "ledger.csv");
  if (!ledger.ok()) return ledger.status();
  r->ledger_.emplace(std::move(*ledger));
  r->rounds_csv_ = std::fopen((out + "rounds.csv").c_str(), "w");
  if (!r->rounds_csv_) return Status::IOError(out + "rounds.csv: cannot create");
  std::fprintf(r->rounds_csv_, "%s\n", records::RoundsCsvHeader().c_str());
  std::fflush(r->rounds_csv_);
  if (measure_rapl) r->OpenRapl();
  return r;
}

Result<std::unique_ptr<RunRecorder>> RunRecorder::Resume(const std::string& out_dir,
                                                         const server::Checkpoint& checkpoint,
                                                         bool measure_rapl) {
  std::unique_ptr<RunRecorder> r(new RunRecorder());
  r->out_dir_ = out_dir;
  const std::string out = out_dir + "/";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir, ec))  // a torn write's
    if (entry.path().filename().string().rfind("checkpoint.bin.tmp.", 0) == 0)
      std::filesystem::remove(entry.path(), ec);
  Result<RunFilesCut> cut = CutToCheckpoint(out_dir, checkpoint);
  if (!cut.ok()) return cut.status();
  for (const auto& [file, c] : {std::pair{"ledger.csv", cut->ledger}, {"rounds.csv", cut->rounds}})
    if (c.bytes > 0)
      spdlog::warn("{}{}: removed {} row(s) written after round {}'s checkpoint{} ({} bytes)", out,
                   file, c.lines, checkpoint.round, c.torn ? " and a torn last line" : "", c.bytes);
  auto rows = energy::ReadLedger(out + "ledger.csv");
  if (!rows.ok()) return rows.status();
  r->rows_ = std::move(*rows);
  auto ledger = energy::LedgerWriter::Open(out + "ledger.csv");
  if (!ledger.ok()) return ledger.status();
  r->ledger_.emplace(std::move(*ledger));
  r->rounds_csv_ = std::fopen((out + "rounds.csv").c_str(), "a");
  if (!r->rounds_csv_) return Status::IOError(out + "rounds.csv: cannot open for appending");
  r->rounds_rows_ = checkpoint.rounds_rows;
  r->measured_kwh_ = checkpoint.measured_kwh;
  if (measure_rapl) r->OpenRapl();
  return r;
}

RunRecorder::~RunRecorder() { Close(); }

void RunRecorder::OpenRapl() {
  std::string why;
  rapl_ = energy::RaplMeter::Open(&why);
  if (!rapl_) spdlog::info("{}; the ledger records modelled energy only", why);
}

void RunRecorder::Close() {
  if (rounds_csv_) std::fclose(rounds_csv_);
  rounds_csv_ = nullptr;
}

Status RunRecorder::RecordRound(const records::RoundRecord& round,
                                std::vector<energy::LedgerRow> clients,
                                energy::LedgerRow coordinator) {
  if (!rounds_csv_) return Status::Error("rounds.csv is closed");
  std::fprintf(rounds_csv_, "%s\n", records::FormatRoundRow(round).c_str());
  if (std::fflush(rounds_csv_) != 0) return Status::IOError(out_dir_ + "/rounds.csv: write failed");
  ++rounds_rows_;
  if (rapl_) {  // the whole host package, reported per run (summary), not on any one row
    if (auto joules = rapl_->Sample()) {
      measured_kwh_ = std::max(measured_kwh_, 0.0) + *joules / 3.6e6;
    }
  }
  clients.push_back(std::move(coordinator));
  for (energy::LedgerRow& row : clients) {
    FEDCARBON_RETURN_IF_ERROR(ledger_->Append(row));
    rows_.push_back(std::move(row));
  }
  return Status::OK();
}

Status RunRecorder::SaveCheckpoint(server::Checkpoint checkpoint) {
  // Every line the checkpoint counts reaches the disk before the checkpoint does.
  FEDCARBON_RETURN_IF_ERROR(SyncFile(out_dir_ + "/ledger.csv"));
  FEDCARBON_RETURN_IF_ERROR(SyncFile(out_dir_ + "/rounds.csv"));
  checkpoint.ledger_rows = rows_.size();
  checkpoint.rounds_rows = rounds_rows_;
  checkpoint.measured_kwh = measured_kwh_;
  return WriteCheckpoint(out_dir_ + "/checkpoint.bin", checkpoint);
}

Status RunRecorder::WriteSummary(records::FlRunSummary summary) {
  summary.energy = records::MakeEnergyTotals(energy::Sum(rows_));
  summary.energy.measured_energy_kwh = measured_kwh_;
  return records::WriteFlRunSummary(out_dir_ + "/summary.json", summary);
}

}  // namespace fedcarbon::server
