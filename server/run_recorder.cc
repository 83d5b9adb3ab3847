// RunRecorder (see run_recorder.h).
#include "run_recorder.h"

#include <spdlog/spdlog.h>

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
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(out + "config.json", config::ToJson(cfg).dump(2)));
  std::error_code ec;
  std::filesystem::remove(out + "ledger.csv", ec);
  auto ledger = energy::LedgerWriter::Open(out + "ledger.csv");
  if (!ledger.ok()) return ledger.status();
  r->ledger_.emplace(std::move(*ledger));
  r->rounds_csv_ = std::fopen((out + "rounds.csv").c_str(), "w");
  if (!r->rounds_csv_) return Status::IOError(out + "rounds.csv: cannot create");
  std::fprintf(r->rounds_csv_, "%s\n", records::RoundsCsvHeader().c_str());
  std::fflush(r->rounds_csv_);
  if (measure_rapl) {
    std::string why;
    r->rapl_ = energy::RaplMeter::Open(&why);
    if (!r->rapl_) spdlog::info("{}; the ledger records modelled energy only", why);
  }
  return r;
}

RunRecorder::~RunRecorder() { Close(); }

void RunRecorder::Close() {
  if (rounds_csv_) std::fclose(rounds_csv_);
  rounds_csv_ = nullptr;
}

Status RunRecorder::RecordRound(const records::RoundRecord& round,
                                std::vector<energy::LedgerRow> clients,
                                energy::LedgerRow coordinator) {
  if (!rounds_csv_) return Status::Error("rounds.csv is closed");
  std::fprintf(rounds_csv_, "%s\n", records::FormatRoundRow(round).c_str());
  std::fflush(rounds_csv_);
  if (rapl_) {
    if (auto joules = rapl_->Sample()) coordinator.measured_energy_kwh = *joules / 3.6e6;
  }
  clients.push_back(std::move(coordinator));
  for (energy::LedgerRow& row : clients) {
    FEDCARBON_RETURN_IF_ERROR(ledger_->Append(row));
    rows_.push_back(std::move(row));
  }
  return Status::OK();
}

Status RunRecorder::Checkpoint(int round, const std::vector<float>& global) {
  return WriteCheckpoint(out_dir_ + "/checkpoint.bin", round, global);
}

Status RunRecorder::WriteSummary(records::FlRunSummary summary) {
  summary.energy = records::MakeEnergyTotals(energy::Sum(rows_));
  return records::WriteFlRunSummary(out_dir_ + "/summary.json", summary);
}

}  // namespace fedcarbon::server
