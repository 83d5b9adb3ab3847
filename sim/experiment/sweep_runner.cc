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
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/experiment/sweep_run.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Label(const SweepSpec& spec, const SweepPoint& p) {
  const std::vector<std::string> keys = spec.Keys();
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += keys[i] + "=" + ValueText(p.values[i]) + " ";
  return s + "seed=" + std::to_string(p.seed);
}

Result<std::string> SelfExe(const SweepOptions& options) {
  if (!options.self_exe.empty()) return options.self_exe;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return Status::Error("cannot find the running executable: " + ec.message());
  return exe.string();
}

struct Running {
  Child child;
  const SweepPoint* point = nullptr;
  Clock::time_point started;
  RunFollower follower;  // the point's rounds.csv and ledger.csv, for the progress line
};

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
  Result<std::string> exe = SelfExe(options);
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

  StopSignalGuard signals;
  ProgressLine line(stderr, ProgressLine::IsTerminal(stderr));
  std::vector<Running> running;
  size_t next = 0;
  int finished_now = 0;
  const auto t0 = Clock::now();
  const size_t total = todo.size();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  while ((next < todo.size() || !running.empty()) && signals.signal() == 0) {
    while (next < todo.size() && static_cast<int>(running.size()) < parallel) {
      const SweepPoint* p = todo[next++];
      const std::string pdir = dir + "/points/" + p->id;
      std::error_code ec;
      fs::create_directories(pdir, ec);
      Result<pid_t> pid =
          Spawn({*exe, "sweep", dir + "/sweep.json", "--out", dir, "--point", p->id, "--quiet"},
                pdir + "/point.log", 0);
      if (!pid.ok()) return pid.status();
      running.push_back({Child{*pid, p->id, true, -1}, p, Clock::now(), RunFollower(pdir)});
    }
    for (auto it = running.begin(); it != running.end();) {
      Poll(it->child);
      if (it->child.running) {
        ++it;
        continue;
      }
      SweepRow row = CollectPoint(*it->point, dir);
      if (row.status != "done" && row.status != "failed") {
        RecordPointCrash(*it->point, dir, it->child.exit_code);
        row = CollectPoint(*it->point, dir);
      }
      const double took = std::chrono::duration<double>(Clock::now() - it->started).count();
      ++finished_now;
      ++outcome.ran;
      if (options.show_progress) {
        line.Log(row.status == "done"
                     ? fmt::format("point {}/{} {} ({}): done, accuracy {:.4f}, {}, {:.1f} s",
                                   finished_now, total, it->point->id, Label(spec, *it->point),
                                   row.final_accuracy, FormatGrams(row.co2e_kg * 1000.0), took)
                     : fmt::format("point {}/{} {} ({}): {}: {} (see {}/point.log)", finished_now,
                                   total, it->point->id, Label(spec, *it->point), row.status,
                                   row.error, dir + "/" + row.dir));
      }
      it = running.erase(it);
    }
    if (options.show_progress && !running.empty()) {
      // The status line follows the oldest running point; the ETA counts the rounds done by
      // every running point as a share of its round limit.
      double units = finished_now;
      for (Running& r : running) {
        r.follower.Poll();
        units += std::min(1.0, r.follower.round() / std::max(1.0, 1.0 * RoundLimit(*r.point)));
      }
      const Running& r = running.front();
      ProgressState st;
      st.label = r.point->id + " " + Label(spec, *r.point);
      st.point = std::min<int>(static_cast<int>(total), finished_now + 1);
      st.points = static_cast<int>(total);
      st.round = r.follower.round();
      st.rounds = RoundLimit(*r.point);
      st.accuracy = r.follower.accuracy();
      st.gco2e = r.follower.gco2e();
      st.elapsed_s = elapsed();
      st.eta_s = EstimateEta(st.elapsed_s, units, static_cast<double>(total));
      line.Update(st);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (options.show_progress) line.Finish();
  const int sig = signals.signal();
  if (sig != 0) {
    // Each point process stops its own coordinator and workers on SIGTERM.
    for (Running& r : running) {
      std::vector<Child> one = {r.child};
      StopAll(one, r.child.pid, SIGTERM, std::chrono::milliseconds(15000));
      // Interrupted by us: not a failure of the point; a re-run starts it again.
      std::error_code ec;
      fs::remove(dir + "/points/" + r.point->id + "/error.txt", ec);
    }
  }
  Result<SweepTable> table = CollectSweep(spec, *points, dir, options.plots);
  if (!table.ok()) return table.status();
  if (sig != 0) {
    return Status::Error(
        fmt::format("interrupted by {}; {} running point(s) stopped; results so "
                    "far in {}/results.csv; run the same command again to finish",
                    signals.name(), running.size(), dir));
  }
  outcome.table = std::move(*table);
  for (const SweepRow& r : outcome.table.rows) outcome.failed += r.status == "failed";
  return outcome;
}

}  // namespace fedcarbon::experiment
