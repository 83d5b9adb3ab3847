// `fedcarbon sweep SWEEP.json --out DIR [--parallel N]`: a parameter sweep (sweep.h, sweep_run.h);
// `--point ID` runs one point, `--emit slurm|jobs` writes the unfinished points as a Slurm job
// array or one command per line, `--collect DIR` rebuilds results and plots from the folders.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/slurm.h"
#include "fedcarbon/experiment/sweep_run.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string sweep_file;
  std::string out;
  std::string point;
  std::string emit;
  std::string collect;
  int parallel = 0;
  bool no_plots = false;
  bool quiet = false;
  SlurmOptions slurm;
};

// Exit codes through ExitCode: 2 bad input (the sweep file, its points, the options),
// 1 a failure. A point that failed is a failure of the run, never bad input (PointsFailed).
Status PointsFailed(const std::string& message) { return Status::Error(message); }

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string SelfExe() {
  Result<std::string> exe = SelfExecutable();
  return exe.ok() ? *exe : std::string();
}

const SweepPoint* FindPoint(const std::vector<SweepPoint>& points, const std::string& id) {
  for (const SweepPoint& p : points) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

// A sweep none of whose points can run is a bad sweep file (exit 2, nothing written): its base or
// its `set` is wrong, not one swept value (a point that alone cannot run fails by itself, and
// the others run). Stops at the first point that can run.
Status CheckSomePointRuns(const std::vector<SweepPoint>& points, const check::CheckOptions& o) {
  std::string first;
  for (const SweepPoint& p : points) {
    const Status st =
        p.valid ? check::CheckExperiment(p.config, o) : Status::InvalidArgument(p.error);
    if (st.ok()) return Status::OK();
    if (first.empty()) first = "point " + p.id + ": " + st.message();
  }
  return Status::InvalidArgument("no point of the sweep can run (" + first + ")");
}

Status Collect(const std::string& dir, bool plots) {
  Result<SweepSpec> spec = LoadSweepSpec(dir + "/sweep.json");
  if (!spec.ok()) return spec.status().WithContext("--collect needs DIR/sweep.json");
  Result<std::vector<SweepPoint>> points = ExpandSweep(*spec);
  if (!points.ok()) return points.status();
  Result<SweepTable> table = CollectSweep(*spec, *points, dir, plots);
  if (!table.ok()) return table.status();
  int done = 0;
  for (const SweepRow& r : table->rows) done += r.status == "done";
  std::printf("collected %d of %zu points done -> %s/results.csv, results.md%s\n", done,
              table->rows.size(), dir.c_str(), plots ? ", plots/" : "");
  return Status::OK();
}

Status Emit(const SweepArgs& a, const SweepSpec& spec, const std::vector<SweepPoint>& points,
            const std::string& dir) {
  FEDCARBON_RETURN_IF_ERROR(PrepareSweepDir(spec, dir));
  for (const SweepPoint& p : points) {  // invalid points fail now, without a job
    if (!p.valid && CollectPoint(p, dir).status != "failed") (void)RunPoint(p, dir, {});
  }
  std::vector<std::string> ids;
  for (const std::string& id : UnfinishedPoints(points, dir)) {
    const SweepPoint* p = FindPoint(points, id);
    if (p != nullptr && p->valid) ids.push_back(id);
  }
  const std::string sweep_file = dir + "/sweep.json";
  if (a.emit == "jobs") {
    std::string lines;
    for (const std::string& id : ids) {
      lines += ShellQuote(SelfExe()) + " sweep " + ShellQuote(sweep_file) + " --out " +
               ShellQuote(dir) + " --point " + id + " --quiet\n";
    }
    FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(dir + "/jobs.txt", lines));
    std::printf(
        "wrote %s/jobs.txt: %zu commands, one per line (e.g. parallel -j 2 < jobs.txt);\n"
        "then: fedcarbon sweep --collect %s\n",
        dir.c_str(), ids.size(), dir.c_str());
    return Status::OK();
  }
  if (ids.empty()) {
    std::printf("every point of %s is finished: nothing to submit\n", dir.c_str());
    return Status::OK();
  }
  Result<std::string> script = SweepSbatch(SelfExe(), sweep_file, dir, ids, a.slurm);
  if (!script.ok()) return script.status();  // bad --partition, --time, ...: InvalidArgument
  FEDCARBON_RETURN_IF_ERROR(WriteSbatch(dir + "/sweep.sbatch", *script));
  std::printf(
      "wrote %s/sweep.sbatch: a job array of %zu points;\n  sbatch %s/sweep.sbatch\n"
      "then, once it has run: fedcarbon sweep --collect %s\n",
      dir.c_str(), ids.size(), dir.c_str(), dir.c_str());
  return Status::OK();
}

Status Run(const SweepArgs& a) {
  if (!a.collect.empty()) return Collect(fs::absolute(a.collect).lexically_normal(), !a.no_plots);
  if (a.sweep_file.empty())
    return Status::InvalidArgument("a sweep file is required (or --collect DIR)");
  Result<SweepSpec> spec = LoadSweepSpec(a.sweep_file);
  if (!spec.ok()) return spec.status();
  Result<std::vector<SweepPoint>> points = ExpandSweep(*spec);
  if (!points.ok()) return points.status();
  const std::string dir =
      fs::absolute(a.out.empty() ? "runs/sweeps/" + spec->name : a.out).lexically_normal();

  if (!a.point.empty()) {
    const SweepPoint* p = FindPoint(*points, a.point);
    if (p == nullptr) return Status::NotFound("no point '" + a.point + "' in " + a.sweep_file);
    FEDCARBON_RETURN_IF_ERROR(PrepareSweepDir(*spec, dir));
    LaunchOptions launch;
    launch.show_progress = !a.quiet;
    if (Status st = RunPoint(*p, dir, launch); !st.ok())
      return PointsFailed(st.WithContext("point " + p->id).message());
    std::printf("point %s done -> %s/points/%s\n", p->id.c_str(), dir.c_str(), p->id.c_str());
    return Status::OK();
  }
  check::CheckOptions check;
  check.require_data = a.emit.empty();  // emitted jobs run where the cluster's nodes hold the data
  FEDCARBON_RETURN_IF_ERROR(CheckSomePointRuns(*points, check));
  if (!a.emit.empty()) return Emit(a, *spec, *points, dir);

  SweepOptions options;
  options.out_dir = dir;
  options.parallel = a.parallel;
  options.plots = !a.no_plots;
  options.show_progress = !a.quiet;
  Result<SweepOutcome> r = RunSweep(*spec, options);
  if (!r.ok()) return r.status();
  int done = 0;
  for (const SweepRow& row : r->table.rows) done += row.status == "done";
  std::printf(
      "sweep %s: %d of %zu points done (%d finished before, %d run now, %d failed)\n"
      "results in %s (results.csv, results.md, plots/)\n",
      spec->name.c_str(), done, r->table.rows.size(), r->skipped, r->ran, r->failed, dir.c_str());
  if (r->failed > 0)
    return PointsFailed(std::to_string(r->failed) + " point(s) failed: see results.md");
  return Status::OK();
}

}  // namespace

void AddSweepCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "Run a parameter sweep (grid x zip x seeds over a base config), resumable; or emit it as "
      "a Slurm job array / job list; or collect its results. Exit 2: bad sweep file; 1: a point "
      "or the run failed");
  cmd->add_option("sweep", args->sweep_file, "sweep file (JSON; see experiments/sweeps/)");
  cmd->add_option("--out", args->out, "sweep folder (default runs/sweeps/<name>)");
  cmd->add_option("--parallel", args->parallel,
                  "points at once (default: the machine's cores / the processes a point uses)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--point", args->point, "run only this point (an id from results.csv)");
  cmd->add_option("--emit", args->emit,
                  "write the unfinished points as DIR/sweep.sbatch (slurm) or DIR/jobs.txt (jobs)")
      ->check(CLI::IsMember({"slurm", "jobs"}));
  cmd->add_option("--collect", args->collect,
                  "rebuild DIR/results.csv, results.md and plots/ from the point folders");
  cmd->add_flag("--no-plots", args->no_plots, "skip the gnuplot plots");
  cmd->add_flag("--quiet", args->quiet, "no progress lines");
  cmd->add_option("--partition", args->slurm.partition,
                  "slurm: partition (default: the cluster's)");
  cmd->add_option("--time", args->slurm.time, "slurm: time limit per point")->capture_default_str();
  cmd->add_option("--cpus-per-task", args->slurm.cpus_per_task, "slurm: CPUs per point")
      ->capture_default_str();
  cmd->add_option("--throttle", args->slurm.throttle,
                  "slurm: at most this many points at once (0: no limit)")
      ->capture_default_str();
  cmd->callback([args, exit_code] {
    const Status st = Run(*args);
    if (!st.ok()) spdlog::error("sweep: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
