// `fedcarbon reproduce`: the reproduce file, the three runs, and the table (see reproduce.h).
#include "fedcarbon/experiment/reproduce.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/energy/reprice.h"
#include "fedcarbon/experiment/centralized.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/report.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = "reproduce-config.json";  // the config a run folder was made with

// A finished run folder's summary.json as a row of the run facts (records::ReadFinishedRun).
Result<Table4::RunInfo> ReadRunInfo(const std::string& name, const std::string& dir) {
  Result<records::RunOutcome> o =
      records::ReadFinishedRun(dir + "/summary.json", name == "centralized");
  if (!o.ok()) return o.status();
  Table4::RunInfo info;
  info.name = name;
  info.reached_target = o->reached_target;
  info.final_accuracy = o->final_accuracy;
  info.rounds_or_epochs = o->rounds;
  info.wall_s = o->wall_s;
  info.ratios = o->ratios;
  return info;
}

bool Reusable(const std::string& name, const std::string& dir,
              const config::ExperimentConfig& cfg) {
  Result<nlohmann::json> marker = ReadJsonFile(dir + "/" + kMarker);
  return marker.ok() && *marker == config::ToJson(cfg) && ReadRunInfo(name, dir).ok() &&
         fs::exists(dir + "/ledger.csv");
}

Status WriteMarker(const std::string& dir, const config::ExperimentConfig& cfg) {
  return WriteFileAtomic(dir + "/" + kMarker, config::ToJson(cfg).dump(2) + "\n");
}

}  // namespace

Result<Table4> Reproduce(const ReproduceSpec& spec, const ReproduceOptions& options) {
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<ReproduceConfigs> cfgs = MakeConfigs(spec, options.quick);
  if (!cfgs.ok()) return cfgs.status();
  // All three configs before the first run: a bad FL config fails now, not after an hour of
  // centralized training.
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->centralized).WithContext("centralized"));
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->fl_iid).WithContext("fl_iid"));
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->fl_noniid).WithContext("fl_noniid"));
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::Error(options.out_dir + ": " + ec.message());
  // The spec beside the runs, so the folder can be re-analysed (fedcarbon sensitivity) alone.
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(options.out_dir + "/" + kReproduceSpecFile,
                                            ToJson(spec).dump(2) + "\n"));
  std::vector<Table4::RunInfo> runs;

  // 1. Centralized, priced on its data-center profile (re-priced below for every setting).
  const std::string cdir = options.out_dir + "/centralized";
  if (options.reuse && Reusable("centralized", cdir, cfgs->centralized)) {
    spdlog::info("reproduce: reusing {}", cdir);
  } else {
    spdlog::info("reproduce: centralized training of {} to {:.2f} accuracy",
                 cfgs->centralized.model.name, cfgs->centralized.federation.target_accuracy);
    Result<CentralizedResult> r = RunCentralized(cfgs->centralized, cdir);
    if (!r.ok()) return r.status().WithContext("centralized run");
    Result<energy::LedgerRow> row = PriceCentralized(*r, cfgs->centralized, cdir);
    if (!row.ok()) return row.status().WithContext("pricing the centralized run");
    FEDCARBON_RETURN_IF_ERROR(WriteMarker(cdir, cfgs->centralized));
  }
  PlotRunOrWarn(cdir);
  Result<Table4::RunInfo> cinfo = ReadRunInfo("centralized", cdir);
  if (!cinfo.ok()) return cinfo.status();
  runs.push_back(*cinfo);
  Result<std::vector<energy::LedgerRow>> cled = energy::ReadLedger(cdir + "/ledger.csv");
  if (!cled.ok()) return cled.status();

  // 2. FL, IID and non-IID: real processes on loopback; the coordinator prices every row.
  std::vector<energy::LedgerRow> fl[2];
  const std::pair<const char*, const config::ExperimentConfig*> fl_runs[] = {
      {"fl_iid", &cfgs->fl_iid}, {"fl_noniid", &cfgs->fl_noniid}};
  for (int i = 0; i < 2; ++i) {
    const std::string dir = options.out_dir + "/" + fl_runs[i].first;
    if (options.reuse && Reusable(fl_runs[i].first, dir, *fl_runs[i].second)) {
      spdlog::info("reproduce: reusing {}", dir);
    } else {
      spdlog::info("reproduce: {} federated run ({} clients, {} per round, partition {})",
                   fl_runs[i].first, fl_runs[i].second->federation.num_clients,
                   fl_runs[i].second->federation.clients_per_round,
                   fl_runs[i].second->partition.scheme);
      Result<RunResult> r = RunLocal(*fl_runs[i].second, dir, options.launch);
      if (!r.ok()) return r.status().WithContext(std::string(fl_runs[i].first) + " run");
      FEDCARBON_RETURN_IF_ERROR(WriteMarker(dir, *fl_runs[i].second));
    }
    PlotRunOrWarn(dir);
    Result<Table4::RunInfo> info = ReadRunInfo(fl_runs[i].first, dir);
    if (!info.ok()) return info.status();
    runs.push_back(*info);
    Result<std::vector<energy::LedgerRow>> led = energy::ReadLedger(dir + "/ledger.csv");
    if (!led.ok()) return led.status();
    fl[i] = std::move(led).value();
  }

  // 3. The table: pure re-pricing of the recorded activity.
  Result<Table4> table = BuildTable4(spec, *catalog, *cled, fl[0], fl[1]);
  if (!table.ok()) return table.status();
  for (const energy::LedgerRow& r : *cled) {
    if (r.role == "centralized") runs[0].flops += r.activity.flops;
  }
  for (int i = 0; i < 2; ++i) {
    for (const energy::LedgerRow& r : fl[i]) {
      if (r.role == "client") runs[i + 1].flops += r.activity.flops;
    }
  }
  table->runs = runs;
  table->target_accuracy = cfgs->fl_iid.federation.target_accuracy;
  table->quick = options.quick;
  table->notes = spec.notes;
  FEDCARBON_RETURN_IF_ERROR(WriteTable4(*table, options.out_dir));
  return table;
}

}  // namespace fedcarbon::experiment
