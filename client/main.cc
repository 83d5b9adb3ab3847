// fedcarbon-client --connect tcp://HOST:5555 [--capacity N] [--threads T]
// A client worker process hosting virtual clients for a coordinator (fedcarbon-server).
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/client/worker.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"

namespace {
std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the only global, as signals require
void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fedcarbon-client: a worker process hosting virtual FL clients\n"
      "Exit codes: 0 success, 2 bad input (config, data file, arguments), 1 other failures"};
  fedcarbon::client::WorkerOptions o;
  std::string log_level = "info";
  app.add_option("--connect", o.connect, "coordinator endpoint, tcp://HOST:PORT")->required();
  app.add_option("--capacity", o.capacity, "most virtual clients to host (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", o.threads, "OpenMP threads per local training job")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--id", o.worker_id, "worker id (default HOST-PID-RANDOM)");
  app.add_option("--data", o.data_dir,
                 "Fashion-MNIST folder on this host (default: the run config's data.path, else "
                 "$FEDCARBON_DATA, else /usr/share/datasets/fashion-mnist)");
  app.add_option("--hello-timeout", o.hello_timeout_s, "seconds to wait for a Welcome")
      ->capture_default_str();
  app.add_option("--silence-timeout", o.silence_timeout_s,
                 "exit when the coordinator is silent this long")
      ->capture_default_str();
  app.add_option("--curve-server-key", o.curve_server_key,
                 "CURVE: the coordinator's public key (Z85 or its .pub file)");
  app.add_option("--curve-key", o.curve_key_file,
                 "CURVE: this worker's key file (its public key must be on the server's list)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help 0; a usage error 2 (not CLI11's own codes)
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (o.curve_server_key.empty() && !fedcarbon::wire::IsLoopbackEndpoint(o.connect))
    spdlog::warn(
        "connecting to {} without CURVE: model weights, the run config and client ids travel in "
        "the clear; with --curve-server-key server.pub --curve-key worker.key (keys from "
        "`fedcarbon-server --curve-keygen PREFIX`) they are encrypted",
        o.connect);
  fedcarbon::wire::TuneAllocatorForLargeFrames();
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  o.stop = &g_stop;
  auto stats = fedcarbon::client::RunWorker(o);
  if (!stats.ok()) {
    spdlog::error("{}", stats.status().message());
    return fedcarbon::ExitCode(stats.status());
  }
  spdlog::info("worker done: {} jobs, {} skipped, {} failed ({})", stats->jobs, stats->skipped,
               stats->failed, stats->shutdown_reason);
  return 0;
}
