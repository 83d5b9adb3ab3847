// `fedcarbon partition CONFIG [--set k=v]... [--csv FILE]`: deal the training set to the clients as
// the config says and print, per client, its sample count, label histogram and classes held.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/common/file.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/data/partition_report.h"
#include "fedcarbon/experiment/commands.h"

namespace fedcarbon::experiment {

namespace {

struct PartitionArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string csv;
};

Status RunPartition(const PartitionArgs& args) {
  Result<config::ExperimentConfig> cfg = config::Load(args.config, args.overrides);
  if (!cfg.ok()) return cfg.status();
  FEDCARBON_RETURN_IF_ERROR(check::CheckExperiment(*cfg));
  const std::string dir = config::ResolveDataPath(*cfg);
  Result<data::Dataset> train = data::LoadFashionMnist(dir, data::Split::kTrain);
  if (!train.ok()) return train.status();
  const int clients = cfg->federation.num_clients;
  Result<data::Partition> p =
      data::MakePartition(train->labels, clients, cfg->partition, cfg->seed);
  if (!p.ok()) return p.status();

  std::cout << "partition '" << cfg->partition.scheme << "' of " << train->n
            << " training samples (" << dir << ") over " << clients << " clients, seed "
            << cfg->seed << "\n"
            << data::FormatPartitionTable(train->labels, *p);
  if (!args.csv.empty()) {
    FEDCARBON_RETURN_IF_ERROR(
        WriteFileAtomic(args.csv, data::FormatPartitionCsv(train->labels, *p)));
    std::cout << "wrote " << args.csv << "\n";
  }
  return Status::OK();
}

}  // namespace

void AddPartitionCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "partition", "Partition the training set as CONFIG says; print per-client label histograms");
  auto args = std::make_shared<PartitionArgs>();
  cmd->add_option("config", args->config, "experiment config (JSON)")->required();
  cmd->add_option("--set", args->overrides, "override a config key, e.g. --set partition.alpha=0.1")
      ->allow_extra_args(false);
  cmd->add_option("--csv", args->csv, "also write the table as CSV to FILE");
  cmd->callback([args, exit_code] {
    const Status st = RunPartition(*args);
    if (!st.ok()) spdlog::error("partition: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
