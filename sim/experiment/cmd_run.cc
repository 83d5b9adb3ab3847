// fedcarbon run CONFIG [--out DIR] [--set k=v ...]: a federated run as real processes on loopback.
// fedcarbon run --resume DIR: continues the run in DIR from its last checkpoint (its coordinator
// died); the config is DIR/config.json (a CONFIG given too must be the same config).
// With --emit slurm it writes DIR/run.sbatch (a multi-host run: one coordinator task and
// --workers worker tasks), DIR/config.json and, with --curve, DIR/curve/ keys instead of running.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/launcher.h"
#include "fedcarbon/experiment/plot.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/slurm.h"
#include "fedcarbon/wire/curve.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

struct EmitArgs {
  std::string emit;  // "" (run here) or "slurm"
  int workers = 0;   // 0: the config's runtime.workers
  int port = 5555;
  int capacity = 0;
  int threads = 0;  // 0: cpus_per_task
  bool curve = false;
  SlurmOptions slurm;
};

// DIR/curve/: server.key/.pub (the coordinator's pair), worker.key/.pub (one pair every worker
// uses) and allow.txt (the workers' public key, which the coordinator admits).
Status WriteCurveKeys(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  auto server = wire::GenerateCurveKeyPair();
  if (!server.ok()) return server.status();
  auto worker = wire::GenerateCurveKeyPair();
  if (!worker.ok()) return worker.status();
  FEDCARBON_RETURN_IF_ERROR(wire::WriteCurveKeyFiles(dir + "/" + kCurveServerPrefix, *server));
  FEDCARBON_RETURN_IF_ERROR(wire::WriteCurveKeyFiles(dir + "/" + kCurveWorkerPrefix, *worker));
  return WriteFileAtomic(dir + "/" + kCurveAllowFile, worker->public_key + "\n");
}

// Writes OUT/config.json (runtime.workers = the worker tasks), the CURVE keys and OUT/run.sbatch.
Status EmitSlurm(config::ExperimentConfig cfg, const std::string& out_dir, const EmitArgs& a) {
  Result<std::string> self = SelfExecutable();
  if (!self.ok()) return self.status();
  const fs::path exe = *self;
  std::error_code ec;
  const std::string out = fs::absolute(out_dir).lexically_normal().string();
  fs::create_directories(out, ec);
  if (ec) return Status::IOError(out + ": " + ec.message());
  if (a.workers > 0) cfg.runtime.workers = a.workers;

  RunSlurmSpec spec;
  spec.bin_dir = exe.parent_path().string();
  spec.config_path = out + "/config.json";
  spec.out_dir = out;
  spec.workers = cfg.runtime.workers;
  spec.port = a.port;
  spec.capacity = a.capacity;
  spec.threads = a.threads > 0 ? a.threads : a.slurm.cpus_per_task;
  spec.curve = a.curve;
  spec.curve_dir = out + "/curve";
  auto script = RunSbatch(spec, a.slurm);
  if (!script.ok()) return script.status();
  for (const char* name : {"fedcarbon-server", "fedcarbon-client"})
    if (access((spec.bin_dir + "/" + name).c_str(), X_OK) != 0)
      spdlog::warn("{}/{} is missing: the job will fail", spec.bin_dir, name);
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(spec.config_path, config::ToJson(cfg).dump(2) + "\n"));
  if (a.curve) FEDCARBON_RETURN_IF_ERROR(WriteCurveKeys(spec.curve_dir));
  const std::string path = out + "/run.sbatch";
  FEDCARBON_RETURN_IF_ERROR(WriteSbatch(path, *script));
  std::printf("wrote %s: 1 coordinator + %d worker tasks on port %d%s\n", path.c_str(),
              spec.workers, spec.port, a.curve ? ", CURVE keys in curve/" : "");
  std::printf("submit it with:  sbatch %s\n", path.c_str());
  std::printf("results will be in %s (summary.json, rounds.csv, ledger.csv, *.log)\n", out.c_str());
  return Status::OK();
}

struct RunArgs {
  std::string config;
  std::string out;
  std::string resume;  // a run folder to continue; "" = a new run
  std::vector<std::string> overrides;
  bool quiet = false;
  std::string bin_dir;  // "" = the folder of this program
  EmitArgs emit;
};

// The config file and the output folder of `fedcarbon run [CONFIG] [--out DIR] [--resume DIR]`.
Status ResolveRunPaths(const RunArgs& args, std::string* config, std::string* out) {
  *config = args.config;
  *out = args.out;
  if (args.resume.empty()) {
    if (args.config.empty()) return Status::InvalidArgument("run: CONFIG is required");
    return Status::OK();
  }
  if (!args.emit.emit.empty())
    return Status::InvalidArgument("run: --resume runs here, not --emit");
  std::error_code ec;
  if (!args.out.empty() &&
      fs::weakly_canonical(args.out, ec) != fs::weakly_canonical(args.resume, ec))
    return Status::InvalidArgument("run: --out " + args.out + " and --resume " + args.resume +
                                   " name different folders (--resume DIR is enough)");
  if (!fs::exists(args.resume + "/config.json", ec))
    return Status::NotFound(args.resume + ": not a run folder (no config.json)");
  if (config->empty()) *config = args.resume + "/config.json";
  *out = args.resume;
  return Status::OK();
}

Status RunOrEmit(const RunArgs& args) {
  std::string config_path, out_arg;
  FEDCARBON_RETURN_IF_ERROR(ResolveRunPaths(args, &config_path, &out_arg));
  auto cfg = config::Load(config_path, args.overrides);
  if (!cfg.ok()) return cfg.status();
  const std::string out = out_arg.empty() ? "runs/" + cfg->name : out_arg;
  if (args.emit.emit == "slurm") {
    // The cluster's nodes hold the data: a data set missing here is not an error.
    check::CheckOptions on_cluster;
    on_cluster.require_data = false;
    FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(*cfg, on_cluster));
    return EmitSlurm(*cfg, out, args.emit);
  }
  // RunLocal checks the whole config (check::CheckExperiment) before it writes anything.
  LaunchOptions options;
  options.show_progress = !args.quiet;
  options.resume = !args.resume.empty();
  options.bin_dir = args.bin_dir;
  auto r = RunLocal(*cfg, out, options);
  if (!r.ok()) return r.status();
  std::printf("%d rounds, final accuracy %.4f (best %.4f), target %.2f %s, %.1f s\n", r->rounds,
              r->final_accuracy, r->best_accuracy, cfg->federation.target_accuracy,
              r->reached_target ? "reached" : "not reached", r->wall_s);
  PlotRunOrWarn(r->out_dir);
  std::printf("results in %s (rounds.csv, ledger.csv, summary.json, accuracy_*.png)\n",
              r->out_dir.c_str());
  return Status::OK();
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run", "run a federated experiment: one coordinator and runtime.workers worker processes");
  cmd->add_option("config", args->config,
                  "experiment config (JSON); with --resume: the run's config.json by default");
  cmd->add_option("--out", args->out, "output folder (default runs/<name>)");
  cmd->add_option("--resume", args->resume,
                  "continue the run in DIR from its last checkpoint (its coordinator died: kill "
                  "-9, a crash); rows after the checkpoint are redone")
      ->option_text("DIR");
  cmd->add_option("--set", args->overrides, "override a config key: --set federation.rounds=5");
  cmd->add_flag("--quiet", args->quiet, "no per-round progress lines");
  cmd->add_option("--bin-dir", args->bin_dir,
                  "start the fedcarbon-server and fedcarbon-client in DIR (another build of "
                  "them, say) instead of this program's folder")
      ->option_text("DIR")
      ->check(CLI::ExistingDirectory);
  EmitArgs& e = args->emit;
  cmd->add_option("--emit", e.emit, "instead of running, write OUT/run.sbatch for Slurm")
      ->check(CLI::IsMember({"slurm"}));
  auto* g = cmd->add_option_group("Slurm (--emit slurm)");
  g->add_option("--workers", e.workers, "worker tasks (default: the config's runtime.workers)")
      ->check(CLI::PositiveNumber);
  g->add_option("--port", e.port, "the coordinator's TCP port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  g->add_option("--capacity", e.capacity, "virtual clients per worker (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  g->add_option("--threads", e.threads, "training threads per worker (default --cpus-per-task)")
      ->check(CLI::PositiveNumber);
  g->add_flag("--curve", e.curve, "CURVE: encrypt, and admit only workers with the generated key");
  g->add_option("--partition", e.slurm.partition, "#SBATCH --partition (default: the cluster's)");
  g->add_option("--time", e.slurm.time, "#SBATCH --time")->capture_default_str();
  g->add_option("--cpus-per-task", e.slurm.cpus_per_task, "#SBATCH --cpus-per-task")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  g->add_option("--job-name", e.slurm.job_name, "#SBATCH --job-name")->capture_default_str();
  cmd->callback([args, exit_code] {
    const Status st = RunOrEmit(*args);
    if (!st.ok()) spdlog::error("{}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
