// `fedcarbon readme`: CLI glue for the README's result blocks (readme_results.h).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/commands.h"
#include "fedcarbon/experiment/readme_results.h"

namespace fedcarbon::experiment {
namespace {

struct ReadmeArgs {
  ReadmeOptions options;
  std::string readme = "README.md";
  bool check = false;  // exit 1 when README's blocks differ from the generated ones
  bool write = false;  // replace README's blocks (atomically)
};

Status RunReadme(const ReadmeArgs& a) {
  if (a.check && a.write) return Status::InvalidArgument("readme: --check or --write, not both");
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  Result<std::vector<ReadmeBlock>> blocks = MakeReadmeBlocks(a.options, *catalog);
  if (!blocks.ok()) return blocks.status();
  if (!a.check && !a.write) {
    for (const ReadmeBlock& b : *blocks)
      std::printf("## %s\n\n%s\n", b.name.c_str(), b.text.c_str());
    return Status::OK();
  }
  Result<std::string> readme = ReadFile(a.readme);
  if (!readme.ok()) return readme.status();
  if (a.write) {
    Result<std::string> updated = ReplaceReadmeBlocks(*readme, *blocks);
    if (!updated.ok()) return updated.status().WithContext(a.readme);
    if (*updated == *readme) {
      std::printf("%s: blocks already up to date\n", a.readme.c_str());
      return Status::OK();
    }
    FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(a.readme, *updated));
    std::printf("%s: blocks rewritten (git diff %s shows what moved)\n", a.readme.c_str(),
                a.readme.c_str());
    return Status::OK();
  }
  std::string stale;
  for (const ReadmeBlock& b : *blocks) {
    Result<std::string> text = ReadmeBlockText(*readme, b.name);
    if (!text.ok()) return text.status().WithContext(a.readme);
    if (*text != b.text) stale += (stale.empty() ? "" : ", ") + b.name;
  }
  if (!stale.empty()) {
    return Status::Error(a.readme + ": blocks differ from the results and the catalog: " + stale +
                         " (fedcarbon readme --write --readme " + a.readme + " regenerates them)");
  }
  std::printf("%s: %zu blocks match the results and the catalog\n", a.readme.c_str(),
              blocks->size());
  return Status::OK();
}

}  // namespace

void AddReadmeCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ReadmeArgs>();
  auto* cmd = app.add_subcommand(
      "readme",
      "The README's result blocks (Table 4 under both power methods, its uncertainty, the MLP "
      "table) from the run folders under results/ and the current catalog: print them, check "
      "README.md against them (--check) or rewrite them in place (--write)");
  cmd->add_option("--results", a->options.results_dir, "the committed results folder")
      ->capture_default_str();
  cmd->add_option("--readme", a->readme, "the README to check or rewrite")->capture_default_str();
  cmd->add_flag("--check", a->check, "exit 1 when README's blocks differ");
  cmd->add_flag("--write", a->write, "replace README's blocks");
  cmd->add_option("--draws", a->options.draws, "Monte Carlo draws of the uncertainty block")
      ->capture_default_str()
      ->check(CLI::Range(10, 1000000));
  cmd->add_option("--seed", a->options.seed, "seed of the draws")->capture_default_str();
  cmd->callback([a, exit_code] {
    const Status st = RunReadme(*a);
    if (!st.ok()) spdlog::error("readme: {}", st.message());
    *exit_code = ExitCode(st);
  });
}

}  // namespace fedcarbon::experiment
