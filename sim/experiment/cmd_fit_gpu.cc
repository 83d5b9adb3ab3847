// `fedcarbon fit-gpu`: CLI glue for energy::RunGpuFitFromDir (include/fedcarbon/energy/gpu_fit.h).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/gpu_fit.h"
#include "fedcarbon/experiment/commands.h"

#ifndef FEDCARBON_GPU_POWER_DIR
#define FEDCARBON_GPU_POWER_DIR "sim/energy/data/gpu_power"
#endif

namespace fedcarbon::experiment {
namespace {

struct FitGpuArgs {
  std::string traces = FEDCARBON_GPU_POWER_DIR;  // the source tree's data folder
  std::string out = "runs/gpu-fit";
  energy::GpuFitOptions fit;
};

Status RunFitGpu(const FitGpuArgs& a) {
  Result<energy::GpuFitReport> r = energy::RunGpuFitFromDir(a.traces, a.fit);
  if (!r.ok()) return r.status();
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) return Status::IOError(a.out + ": cannot create: " + ec.message());
  const std::string md = energy::FormatGpuFitMarkdown(*r);
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(a.out + "/gpu_fit.md", md));
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(a.out + "/gpu_fit.csv", energy::FormatGpuFitCsv(*r)));
  std::printf("%s", md.c_str());
  std::printf("wrote %s/gpu_fit.md and gpu_fit.csv\n", a.out.c_str());
  return Status::OK();
}

}  // namespace

void AddFitGpuCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<FitGpuArgs>();
  auto* cmd = app.add_subcommand(
      "fit-gpu",
      "Fit the data-center GPU step model (launch overhead, efficiency, power floor and full) to "
      "the Zeus NSDI'23 V100 traces, check it on the P100 traces, and derive fedcarbon's CNN "
      "step on the V100 and the K80: OUT/gpu_fit.md and gpu_fit.csv");
  cmd->add_option("--traces", a->traces, "folder with zeus_nsdi23/ and zeus_workloads.json")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "output folder")->capture_default_str();
  cmd->add_option("--seed", a->fit.seed, "bootstrap seed")->capture_default_str();
  cmd->add_option("--resamples", a->fit.resamples, "bootstrap resamples")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cmd->callback([a, exit_code] {
    const Status st = RunFitGpu(*a);
    if (!st.ok()) spdlog::error("fit-gpu: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
