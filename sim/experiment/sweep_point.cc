// One sweep point: its folder, its state and its run (see
// include/fedcarbon/experiment/sweep_run.h).
#include <signal.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/centralized.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/report.h"
#include "fedcarbon/experiment/sweep_run.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPointFile = "point.json";
constexpr const char* kErrorFile = "error.txt";
constexpr const char* kRunningFile = "running.json";

std::string PointDir(const std::string& dir, const SweepPoint& p) {
  return dir + "/points/" + p.id;
}

// The file's text without trailing line breaks; "" when it cannot be read.
std::string ReadText(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  std::string s = text.ok() ? *text : std::string();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

nlohmann::json PointJson(const SweepPoint& p) {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& v : p.values) values.push_back(v);
  return {{"id", p.id},
          {"kind", p.kind},
          {"values", values},
          {"seed", p.seed},
          {"config", p.valid ? config::ToJson(p.config) : p.config_json}};
}

// Fills the numbers of a done point from summary.json and ledger.csv; an error when the run is
// not complete (records::ReadFinishedRun: missing, malformed, failed, interrupted or unpriced
// summary; an unreadable ledger).
Status ReadDone(const SweepPoint& p, const std::string& pdir, SweepRow& row) {
  Result<records::RunOutcome> s =
      records::ReadFinishedRun(pdir + "/summary.json", p.kind == "centralized");
  if (!s.ok()) return s.status();
  Result<std::vector<energy::LedgerRow>> ledger = energy::ReadLedger(pdir + "/ledger.csv");
  if (!ledger.ok()) return ledger.status();
  row.reached_target = s->reached_target;
  row.final_accuracy = s->final_accuracy;
  row.best_accuracy = s->best_accuracy;
  row.wall_s = s->wall_s;
  row.rounds = s->rounds;
  row.sim_hours = s->sim_hours;
  row.accuracy_gain_per_kwh = s->ratios.accuracy_gain_per_kwh;
  row.accuracy_per_g = s->ratios.accuracy_per_g;
  for (const energy::LedgerRow& r : *ledger) {
    row.co2e_kg += r.cost.emissions_kg;
    if (energy::IsWasted(r)) row.wasted_co2e_kg += r.cost.emissions_kg;
    if (r.role == "client") {
      row.client_compute_kwh += r.cost.compute_energy_kwh;
      row.client_comm_kwh += r.cost.comm_energy_kwh;
      row.flops += r.activity.flops;
    } else if (r.role == "coordinator") {
      row.coordinator_kwh += r.cost.energy_kwh;
    } else if (r.role == "centralized") {
      row.centralized_kwh += r.cost.energy_kwh;
      row.flops += r.activity.flops;
    }
  }
  row.energy_kwh =
      row.client_compute_kwh + row.client_comm_kwh + row.coordinator_kwh + row.centralized_kwh;
  row.accuracy_per_kwh = row.energy_kwh > 0 ? row.best_accuracy / row.energy_kwh : 0.0;
  return Status::OK();
}

bool SamePoint(const SweepPoint& p, const std::string& pdir) {
  Result<nlohmann::json> j = ReadJsonFile(pdir + "/" + kPointFile);
  return j.ok() && (*j)["kind"] == p.kind &&
         (*j)["config"] == (p.valid ? config::ToJson(p.config) : p.config_json);
}

// "running" while the process named in running.json lives (on this host), else "pending".
std::string RunningState(const std::string& pdir) {
  Result<nlohmann::json> j = ReadJsonFile(pdir + "/" + kRunningFile);
  if (!j.ok()) return "pending";
  if (j->value("host", "") != HostName()) return "running";  // cannot tell: trust the marker
  const int pid = j->value("pid", 0);
  return pid > 0 && kill(pid, 0) == 0 ? "running" : "pending";
}

}  // namespace

Status PrepareSweepDir(const SweepSpec& spec, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir + "/points", ec);
  if (ec) return Status::Error(dir + "/points: " + ec.message());
  const std::string text = spec.ToJson().dump(2) + "\n";
  if (ReadText(dir + "/sweep.json") + "\n" == text) return Status::OK();  // points start at once
  return WriteFileAtomic(dir + "/sweep.json", text);
}

SweepRow CollectPoint(const SweepPoint& p, const std::string& dir) {
  SweepRow row;
  row.id = p.id;
  for (const auto& v : p.values) row.values.push_back(ValueText(v));
  row.seed = p.seed;
  row.kind = p.kind;
  row.dir = "points/" + p.id;
  if (!p.valid) {
    row.status = "failed";
    row.error = p.error;
    return row;
  }
  const std::string pdir = PointDir(dir, p);
  if (!SamePoint(p, pdir)) return row;  // pending: never started, or made with another config
  SweepRow done = row;
  if (ReadDone(p, pdir, done).ok()) {
    done.status = "done";
    return done;
  }
  if (fs::exists(pdir + "/" + kErrorFile)) {
    row.status = "failed";
    row.error = ReadText(pdir + "/" + kErrorFile);
    return row;
  }
  row.status = RunningState(pdir);
  return row;
}

std::vector<std::string> UnfinishedPoints(const std::vector<SweepPoint>& points,
                                          const std::string& dir) {
  std::vector<std::string> ids;
  for (const SweepPoint& p : points) {
    if (CollectPoint(p, dir).status != "done") ids.push_back(p.id);
  }
  return ids;
}

void RecordPointCrash(const SweepPoint& p, const std::string& dir, int exit_code) {
  const std::string pdir = PointDir(dir, p);
  std::error_code ec;
  fs::remove(pdir + "/" + kRunningFile, ec);
  const std::string why = fmt::format(
      "the point's process exited with code {} without finishing "
      "it; the end of {}/point.log:\n{}",
      exit_code, pdir, Tail(pdir + "/point.log", 1000));
  const Status w = WriteFileAtomic(pdir + "/" + kErrorFile, why + "\n");
  if (!w.ok()) spdlog::error("{}", w.message());
}

Status RunPoint(const SweepPoint& p, const std::string& dir, const LaunchOptions& launch) {
  const std::string pdir = PointDir(dir, p);
  std::error_code ec;
  // A fresh folder: what an earlier, unfinished attempt left is not mixed into this one. The
  // point's own log (this process's output, opened by the parent) is kept.
  if (fs::exists(pdir)) {
    for (const auto& entry : fs::directory_iterator(pdir, ec)) {
      if (entry.path().filename() != "point.log") fs::remove_all(entry.path(), ec);
    }
  }
  fs::create_directories(pdir, ec);
  if (ec) return Status::Error(pdir + ": " + ec.message());
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(pdir + "/" + kPointFile, PointJson(p).dump(2) + "\n"));
  auto fail = [&](const Status& st) {
    fs::remove(pdir + "/" + kRunningFile, ec);
    const Status w = WriteFileAtomic(pdir + "/" + kErrorFile, st.message() + "\n");
    if (!w.ok()) spdlog::error("{}", w.message());
    return st;
  };
  if (!p.valid) return fail(Status::Error(p.error));
  const nlohmann::json running = {{"host", HostName()}, {"pid", getpid()}};
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(pdir + "/" + kRunningFile, running.dump() + "\n"));

  if (p.kind == "centralized") {
    Result<CentralizedResult> r = RunCentralized(p.config, pdir);
    if (!r.ok()) return fail(r.status().WithContext("centralized run"));
    Result<energy::LedgerRow> row = PriceCentralized(*r, p.config, pdir);
    if (!row.ok()) return fail(row.status().WithContext("pricing the centralized run"));
  } else {
    Result<RunResult> r = RunLocal(p.config, pdir, launch);
    if (!r.ok()) return fail(r.status());
  }
  fs::remove(pdir + "/" + kRunningFile, ec);
  PlotRunOrWarn(pdir);
  SweepRow check = CollectPoint(p, dir);
  if (check.status != "done") {
    SweepRow probe = check;
    const Status why = ReadDone(p, pdir, probe);
    return fail(Status::Error("the run ended but its folder is not complete: " + why.message()));
  }
  return Status::OK();
}

}  // namespace fedcarbon::experiment
