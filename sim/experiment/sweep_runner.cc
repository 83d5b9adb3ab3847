// The sweep runner: unfinished points as child processes, at most `parallel` at once, then the
// results (see include/fedcarbon/experiment/sweep_run.h).
#include <signal.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/job_pool.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/experiment/sweep_run.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

std::string Label(const SweepSpec& spec, const SweepPoint& p) {
  const std::vector<std::string> keys = spec.Keys();
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += keys[i] + "=" + ValueText(p.values[i]) + " ";
  return s + "seed=" + std::to_string(p.seed);
}

// The round limit of a point (centralized: the epoch limit).
int RoundLimit(const SweepPoint& p) {
  return p.kind == "centralized" ? p.config.train.max_epochs : p.config.federation.rounds;
}

}  // namespace

int DefaultParallel(const std::vector<SweepPoint>& points) {
  int busy = 1;
  for (const SweepPoint& p : points) {
    if (!p.valid) continue;
    busy = std::max(busy, p.kind == "centralized"
                              ? p.config.train.threads
                              : std::max(p.config.runtime.workers, p.config.train.threads));
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / busy);
}

Result<SweepTable> CollectSweep(const SweepSpec& spec, const std::vector<SweepPoint>& points,
                                const std::string& dir, bool plots) {
  SweepTable table;
  table.keys = spec.Keys();
  for (const SweepPoint& p : points) table.rows.push_back(CollectPoint(p, dir));
  FEDCARBON_RETURN_IF_ERROR(WriteSweepResults(dir + "/results.csv", table));
  FEDCARBON_RETURN_IF_ERROR(
      WriteFileAtomic(dir + "/results.md", FormatSweepMarkdown(table, spec.name, spec.notes)));
  if (plots) {
    Result<PlotReport> r = PlotSweep(dir, table, PlotOptions{});
    if (!r.ok()) return r.status().WithContext("plots");
    if (!r->warning.empty()) spdlog::warn("plots: {}", r->warning);
  }
  return table;
}

Result<SweepOutcome> RunSweep(const SweepSpec& spec, const SweepOptions& options) {
  if (options.out_dir.empty()) return Status::Error("the sweep needs an output folder (--out)");
  Result<std::vector<SweepPoint>> points = ExpandSweep(spec);
  if (!points.ok()) return points.status();
  Result<std::string> exe =
      options.self_exe.empty() ? SelfExecutable() : Result<std::string>(options.self_exe);
  if (!exe.ok()) return exe.status();
  const std::string dir = fs::absolute(options.out_dir).lexically_normal().string();
  FEDCARBON_RETURN_IF_ERROR(PrepareSweepDir(spec, dir));

  SweepOutcome outcome;
  std::vector<const SweepPoint*> todo;
  for (const SweepPoint& p : *points) {
    const SweepRow row = CollectPoint(p, dir);
    if (row.status == "done") {
      ++outcome.skipped;
    } else if (!p.valid) {
      // Recorded without a process: the config's own error.
      const Status st = RunPoint(p, dir, LaunchOptions{});
      spdlog::warn("point {} ({}) is invalid: {}", p.id, Label(spec, p), st.message());
      ++outcome.ran;
    } else {
      todo.push_back(&p);
    }
  }
  const int parallel = options.parallel > 0 ? options.parallel : DefaultParallel(*points);
  if (options.show_progress) {
    std::fprintf(
        stderr, "sweep %s: %zu points, %d finished before, %zu to run, %d at a time -> %s\n",
        spec.name.c_str(), points->size(), outcome.skipped, todo.size(), parallel, dir.c_str());
  }

  std::vector<Job> jobs;
  for (const SweepPoint* p : todo) {
    const std::string pdir = dir + "/points/" + p->id;
    std::error_code ec;
    fs::create_directories(pdir, ec);
    jobs.push_back({p->id + " " + Label(spec, *p),
                    {*exe, "sweep", dir + "/sweep.json", "--out", dir, "--point", p->id, "--quiet"},
                    pdir + "/point.log",
                    pdir,
                    RoundLimit(*p),
                    p->config.federation.target_accuracy});
  }
  int finished_now = 0;
  JobPoolOptions pool;
  pool.parallel = parallel;
  pool.show_progress = options.show_progress;
  pool.on_end = [&](size_t i, const JobEnd& end, bool stopped) -> std::string {
    const SweepPoint& p = *todo[i];
    if (stopped) {
      // Interrupted by us: not a failure of the point; a re-run starts it again.
      std::error_code ec;
      fs::remove(dir + "/points/" + p.id + "/error.txt", ec);
      return "";
    }
    SweepRow row = CollectPoint(p, dir);
    if (row.status != "done" && row.status != "failed") {
      RecordPointCrash(p, dir, end.exit_code);
      row = CollectPoint(p, dir);
    }
    ++finished_now;
    ++outcome.ran;
    return row.status == "done"
               ? fmt::format("point {}/{} {} ({}): done, accuracy {:.4f}, {}, {:.1f} s",
                             finished_now, todo.size(), p.id, Label(spec, p), row.final_accuracy,
                             FormatGrams(row.co2e_kg * 1000.0), end.wall_s)
               : fmt::format("point {}/{} {} ({}): {}: {} (see {}/point.log)", finished_now,
                             todo.size(), p.id, Label(spec, p), row.status, row.error,
                             dir + "/" + row.dir);
  };
  Result<JobPoolOutcome> ran = RunJobs(jobs, pool);
  if (!ran.ok()) return ran.status();
  const int sig = ran->signal;
  Result<SweepTable> table = CollectSweep(spec, *points, dir, options.plots);
  if (!table.ok()) return table.status();
  if (sig != 0) {
    return Status::Error(fmt::format(
        "interrupted by {}; {} point(s) not finished; results so "
        "far in {}/results.csv; run the same command again to finish",
        sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<int>(todo.size()) - finished_now, dir));
  }
  outcome.table = std::move(*table);
  for (const SweepRow& r : outcome.table.rows) outcome.failed += r.status == "failed";
  return outcome;
}

}  // namespace fedcarbon::experiment
