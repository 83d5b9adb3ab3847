// `fedcarbon reproduce`: the reproduce file, the runs side by side, and the table (reproduce.h).
#include "fedcarbon/experiment/reproduce.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fedcarbon/experiment/job_pool.h"
#include "fedcarbon/experiment/phases.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMarker = "reproduce-config.json";  // the config a run folder was made with
constexpr const char* kJobConfig = "job-config.json";     // the config a run is started with

}  // namespace

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

namespace {

bool Reusable(const std::string& name, const std::string& dir,
              const config::ExperimentConfig& cfg) {
  Result<nlohmann::json> marker = ReadJsonFile(dir + "/" + kMarker);
  return marker.ok() && *marker == config::ToJson(cfg) && ReadRunInfo(name, dir).ok() &&
         fs::exists(dir + "/ledger.csv");
}

// One run of the reproduction: which, with which seed, where.
struct RunSlot {
  std::string name;  // "centralized" | "fl_iid" | "fl_noniid"
  int seed_index = 0;
  config::ExperimentConfig cfg;
  std::string dir;
};

// The job of a run: `fedcarbon centralized` or `fedcarbon run`, from a fresh folder.
Result<Job> MakeJob(const RunSlot& r, const std::string& exe) {
  std::error_code ec;
  fs::remove_all(r.dir, ec);
  fs::create_directories(r.dir, ec);
  if (ec) return Status::Error(r.dir + ": " + ec.message());
  const std::string config = r.dir + "/" + kJobConfig;
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(config, config::ToJson(r.cfg).dump(2) + "\n"));
  Job j;
  j.name = r.seed_index == 0 ? r.name : fmt::format("{} seed {}", r.name, r.cfg.seed);
  j.log = r.dir + "/run.log";
  j.dir = r.dir;
  j.target = r.cfg.federation.target_accuracy;
  if (r.name == "centralized") {
    j.argv = {exe, "centralized", config, "--out", r.dir};
    const int64_t samples = 60000;  // Fashion-MNIST's training set: evaluations per epoch
    const int64_t every = r.cfg.train.eval_every_steps * r.cfg.train.batch_size;
    j.limit = every > 0 ? static_cast<int>(r.cfg.train.max_epochs * ((samples + every - 1) / every))
                        : r.cfg.train.max_epochs;
  } else {
    j.argv = {exe, "run", config, "--out", r.dir, "--quiet"};
    j.limit = r.cfg.federation.rounds;
  }
  j.limit = std::max(1, j.limit);
  return j;
}

}  // namespace

std::string ReproduceRunDir(const std::string& out_dir, const std::string& name, int seed_index,
                            uint64_t seed) {
  return seed_index == 0 ? out_dir + "/" + name : fmt::format("{}/{}-seed{}", out_dir, name, seed);
}

Result<Table4> Reproduce(const ReproduceSpec& spec, const ReproduceOptions& options,
                         PhaseBreakdown* phases, std::vector<Table4>* all_methods) {
  if (options.seeds < 1) return Status::InvalidArgument("reproduce: --seeds must be >= 1");
  if (options.parallel < 0) return Status::InvalidArgument("reproduce: --parallel must be >= 0");
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<ReproduceConfigs> cfgs = MakeConfigs(spec, options.quick);
  if (!cfgs.ok()) return cfgs.status();
  // All configs before the first run: a bad FL config fails now, not after an hour of training.
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->centralized).WithContext("centralized"));
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->fl_iid).WithContext("fl_iid"));
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(cfgs->fl_noniid).WithContext("fl_noniid"));
  Result<std::string> exe =
      options.self_exe.empty() ? SelfExecutable() : Result<std::string>(options.self_exe);
  if (!exe.ok()) return exe.status();
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) return Status::Error(options.out_dir + ": " + ec.message());
  // The spec beside the runs, so the folder can be re-analysed (fedcarbon sensitivity) alone.
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(options.out_dir + "/" + kReproduceSpecFile, ToJson(spec).dump(2) + "\n"));

  // Every run, the longest first (FL non-IID needs the most rounds, centralized the least work;
  // every seed's non-IID run before any IID run), so that the last to end is a short one.
  std::vector<RunSlot> slots;
  for (const auto& [name, cfg] :
       {std::pair{"fl_noniid", &cfgs->fl_noniid}, std::pair{"fl_iid", &cfgs->fl_iid},
        std::pair{"centralized", &cfgs->centralized}}) {
    for (int k = 0; k < options.seeds; ++k) {
      RunSlot r{name, k, *cfg, ""};
      r.cfg.seed = cfg->seed + static_cast<uint64_t>(k);
      r.dir = ReproduceRunDir(options.out_dir, name, k, r.cfg.seed);
      slots.push_back(std::move(r));
    }
  }
  std::vector<Job> jobs;
  std::vector<const RunSlot*> job_slot;
  for (const RunSlot& r : slots) {
    if (options.reuse && Reusable(r.name, r.dir, r.cfg)) {
      spdlog::info("reproduce: reusing {}", r.dir);
      continue;
    }
    Result<Job> j = MakeJob(r, *exe);
    if (!j.ok()) return j.status();
    jobs.push_back(std::move(*j));
    job_slot.push_back(&r);
  }
  const int parallel = options.parallel > 0 ? options.parallel : 3;
  JobPoolOptions pool;
  pool.parallel = parallel;
  pool.show_progress = options.show_progress;
  pool.title = fmt::format(
      "reproduce: {} run(s) to train ({} seed(s), {} reused), {} side by side on {} cores -> {}",
      jobs.size(), options.seeds, slots.size() - jobs.size(), parallel,
      std::max(1u, std::thread::hardware_concurrency()), options.out_dir);
  pool.on_end = [&](size_t i, const JobEnd& end, bool stopped) -> std::string {
    const RunSlot& r = *job_slot[i];
    if (stopped) return fmt::format("{}: stopped", jobs[i].name);
    if (end.exit_code != 0) {
      return fmt::format("{}: FAILED with exit code {} (see {})", jobs[i].name, end.exit_code,
                         jobs[i].log);
    }
    if (Status st = WriteFileAtomic(r.dir + "/" + kMarker, config::ToJson(r.cfg).dump(2) + "\n");
        !st.ok()) {
      return jobs[i].name + ": " + st.message();
    }
    Result<Table4::RunInfo> info = ReadRunInfo(r.name, r.dir);
    if (!info.ok()) return jobs[i].name + ": " + info.status().message();
    return fmt::format("{}: {} {:.4f} after {} {}, {:.0f} s", jobs[i].name,
                       info->reached_target ? "reached" : "did NOT reach", info->final_accuracy,
                       info->rounds_or_epochs, r.name == "centralized" ? "epoch(s)" : "round(s)",
                       end.wall_s);
  };
  const double busy_before = MachineBusySeconds();
  Result<JobPoolOutcome> ran = RunJobs(jobs, pool);
  if (!ran.ok()) return ran.status();
  const double machine_busy_s = MachineBusySeconds() - busy_before;
  if (ran->signal != 0) {
    return Status::Error(fmt::format(
        "interrupted by {}; every run was stopped; run the same command with --reuse to keep "
        "the finished ones",
        ran->signal == SIGINT ? "SIGINT" : "SIGTERM"));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (ran->ends[i].exit_code == 0) continue;
    return FromExitCode(ran->ends[i].exit_code,
                        fmt::format("{} run exited with code {}:\n{}", jobs[i].name,
                                    ran->ends[i].exit_code, Tail(jobs[i].log)));
  }

  // The table of each seed and method: pure re-pricing of the recorded activity.
  if (options.methods.empty()) return Status::InvalidArgument("reproduce: no power method");
  std::vector<std::vector<Table4>> per_seed(options.methods.size());
  for (int k = 0; k < options.seeds; ++k) {
    std::vector<Table4::RunInfo> runs;
    std::vector<energy::LedgerRow> ledgers[3];
    const char* const names[3] = {"centralized", "fl_iid", "fl_noniid"};
    for (int i = 0; i < 3; ++i) {
      const RunSlot* r = nullptr;
      for (const RunSlot& s : slots)
        if (s.seed_index == k && s.name == std::string(names[i])) r = &s;
      PlotRunOrWarn(r->dir);
      Result<Table4::RunInfo> info = ReadRunInfo(r->name, r->dir);
      if (!info.ok()) return info.status();
      info->seed = r->cfg.seed;
      Result<std::vector<energy::LedgerRow>> led = energy::ReadLedger(r->dir + "/ledger.csv");
      if (!led.ok()) return led.status();
      const char* role = i == 0 ? "centralized" : "client";
      for (const energy::LedgerRow& row : *led)
        if (row.role == role) info->flops += row.activity.flops;
      ledgers[i] = std::move(led).value();
      runs.push_back(*info);
    }
    for (size_t m = 0; m < options.methods.size(); ++m) {
      Result<energy::Catalog> priced = catalog->WithMethod(options.methods[m]);
      if (!priced.ok()) return priced.status();
      Result<Table4> table = BuildTable4(spec, *priced, ledgers[0], ledgers[1], ledgers[2]);
      if (!table.ok()) return table.status();
      table->runs = runs;
      table->seeds = {cfgs->fl_iid.seed + static_cast<uint64_t>(k)};
      per_seed[m].push_back(std::move(*table));
    }
  }
  std::vector<Table4> tables;
  for (size_t m = 0; m < options.methods.size(); ++m) {
    Result<Table4> combined = CombineSeeds(per_seed[m]);
    if (!combined.ok()) return combined.status();
    combined->target_accuracy = cfgs->fl_iid.federation.target_accuracy;
    combined->quick = options.quick;
    combined->notes = spec.notes;
    combined->method = energy::PowerMethodName(options.methods[m]);
    tables.push_back(std::move(*combined));
  }
  FEDCARBON_RETURN_IF_ERROR(WriteTable4(tables, options.out_dir));
  Result<Table4> table = tables.front();
  if (all_methods) *all_methods = tables;

  if (!jobs.empty()) {
    std::vector<JobRun> done;
    for (size_t i = 0; i < jobs.size(); ++i) {
      done.push_back({job_slot[i]->dir, job_slot[i]->name == "centralized", ran->ends[i].cpu_s});
    }
    Result<PhaseBreakdown> p = MeasurePhases(done, ran->wall_s, machine_busy_s);
    if (!p.ok()) return p.status().WithContext("phase breakdown");
    FEDCARBON_RETURN_IF_ERROR(
        WriteReproduceSummary(options.out_dir + "/" + kReproduceSummaryFile, *p, *table));
    if (phases) *phases = *p;
  }
  return table;
}

}  // namespace fedcarbon::experiment
