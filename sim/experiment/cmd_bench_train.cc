// `fedcarbon bench-train --model cnn --batch 32 --threads 1 --steps 200 [--data DIR]`: trains on
// real Fashion-MNIST samples and prints one line ending in `samples_per_s=X gflops=Y`, the same
// shape as the PyTorch peer's line (bench/side_by_side.sh compares the two).
#include <iostream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/models/bench.h"

namespace fedcarbon::experiment {
namespace {

struct BenchArgs {
  models::BenchOptions options;
  std::string data;  // empty: $FEDCARBON_DATA, else Debian's dataset-fashion-mnist
};

Status RunBenchTrain(const BenchArgs& args) {
  config::ExperimentConfig defaults;
  defaults.data.path = args.data;
  const std::string dir = config::ResolveDataPath(defaults);
  // Only what the timed steps use (all 60,000 when they cycle past it).
  const int64_t want = static_cast<int64_t>(args.options.steps) * args.options.batch_size;
  Result<data::Dataset> train =
      data::LoadFashionMnist(dir, data::Split::kTrain, want < 60000 ? want : 0);
  if (!train.ok()) return train.status();
  models::DataView view{train->images.data(), train->labels.data(), train->n, train->dim(), {}};
  Result<models::BenchResult> r = models::BenchTrain(view, args.options);
  if (!r.ok()) return r.status();
  std::cout << models::FormatBenchLine(*r) << std::endl;
  return Status::OK();
}

}  // namespace

void AddBenchTrainCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "bench-train", "Measure training throughput (samples/s, GFLOP/s) on real Fashion-MNIST");
  auto args = std::make_shared<BenchArgs>();
  models::BenchOptions& o = args->options;
  cmd->add_option("--model", o.model, "cnn or mlp")
      ->check(CLI::IsMember({"cnn", "mlp"}))
      ->capture_default_str();
  cmd->add_option("--batch", o.batch_size, "batch size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "OpenMP threads")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--steps", o.steps, "timed optimizer steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--optim", o.optimizer, "sgd or adam")
      ->check(CLI::IsMember({"sgd", "adam"}))
      ->capture_default_str();
  cmd->add_option("--lr", o.lr, "learning rate")->capture_default_str();
  cmd->add_option("--seed", o.seed, "model init and shuffling seed")->capture_default_str();
  cmd->add_option("--data", args->data, "directory with the Fashion-MNIST *-ubyte.gz files");
  cmd->callback([args, exit_code] {
    const Status st = RunBenchTrain(*args);
    if (!st.ok()) spdlog::error("bench-train: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
