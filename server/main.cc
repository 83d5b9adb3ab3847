// fedcarbon-server CONFIG [--bind tcp://127.0.0.1:5555] --out DIR [--set k=v ...] [--resume]
// The coordinator of a multi-host run; `fedcarbon run` starts it for local runs. Listens on
// loopback unless --bind names another address (then CURVE, or a warning: README, "Running
// across hosts safely").
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/server/coordinator.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"

namespace {
std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only global, as signals require
void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fedcarbon-server: the federated-learning coordinator\n"
      "Exit codes: 0 success, 2 bad input (config, data file, arguments), 1 other failures, "
      "130 interrupted"};
  std::string config_path, out_dir, log_level = "info";
  std::vector<std::string> overrides;
  fedcarbon::server::CoordinatorOptions options;
  std::string keygen;
  app.add_option("config", config_path, "experiment config (JSON)");
  app.add_option("--bind", options.bind,
                 "ZeroMQ endpoint to bind (tcp://127.0.0.1:* picks a port; another address than "
                 "loopback without --curve-key is warned about)")
      ->capture_default_str();
  app.add_option("--out", out_dir, "output folder (rounds.csv, ledger.csv, summary.json, ...)");
  app.add_option("--curve-key", options.curve_key_file,
                 "CURVE: this server's key file (encrypts; workers need its .pub)");
  app.add_option("--curve-allow", options.curve_allow_file,
                 "CURVE: file of worker public keys allowed to join, one per line");
  app.add_option("--curve-keygen", keygen,
                 "write a CURVE key pair to PREFIX.key and PREFIX.pub, then exit");
  app.add_option("--set", overrides, "override a config key: --set federation.rounds=5");
  app.add_flag("--resume", options.resume,
               "continue the run in --out from its checkpoint.bin (CONFIG may be left out: "
               "the run's config.json; another config is an error)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help 0; a usage error 2 (not CLI11's own codes)
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  fedcarbon::wire::TuneAllocatorForLargeFrames();
  if (!keygen.empty()) {
    auto keys = fedcarbon::wire::GenerateCurveKeyPair();
    fedcarbon::Status st =
        keys.ok() ? fedcarbon::wire::WriteCurveKeyFiles(keygen, *keys) : keys.status();
    if (!st.ok()) {
      spdlog::error("{}", st.message());
      return fedcarbon::ExitCode(st);
    }
    std::printf("wrote %s.key (private) and %s.pub\n", keygen.c_str(), keygen.c_str());
    return 0;
  }
  if (config_path.empty() && options.resume && !out_dir.empty())
    config_path = out_dir + "/config.json";  // the run's own
  if (config_path.empty() || out_dir.empty()) {
    std::fprintf(stderr, "fedcarbon-server: CONFIG and --out are required\n%s", app.help().c_str());
    return 2;
  }
  auto cfg = fedcarbon::config::Load(config_path, overrides);
  if (!cfg.ok()) {
    spdlog::error("{}", cfg.status().message());
    return fedcarbon::ExitCode(cfg.status());
  }
  // The whole config (names, data, partition) before anything is bound or written.
  if (fedcarbon::Status st = fedcarbon::check::CheckExperiment(*cfg); !st.ok()) {
    spdlog::error("{}", st.message());
    return fedcarbon::ExitCode(st);
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  options.out_dir = out_dir;
  options.stop = &g_stop;
  auto result = fedcarbon::server::RunCoordinator(*cfg, options);
  if (!result.ok()) {
    spdlog::error("{}", result.status().message());
    return fedcarbon::ExitCode(result.status());
  }
  std::printf("fedcarbon-server: %d rounds, final accuracy %.4f (best %.4f), target %s, %.1f s%s\n",
              result->rounds, result->final_accuracy, result->best_accuracy,
              result->reached_target ? "reached" : "not reached", result->wall_s,
              result->interrupted ? " (interrupted)" : "");
  return result->interrupted ? 130 : 0;
}
