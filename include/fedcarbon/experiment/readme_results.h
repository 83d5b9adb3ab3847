// `fedcarbon readme`: the README's result blocks (Table 4 under both power methods, its
// uncertainty, the MLP table), generated from the run folders committed under results/ and the
// current catalog, so that the README cannot drift from the constants: a test compares README.md's
// blocks with what this prints (tests/experiment/readme_drift_test.cc).
//
// A block in README.md sits between two marker lines:
//   <!-- BEGIN fedcarbon readme NAME -->
//   ...generated text...
//   <!-- END fedcarbon readme NAME -->
// Everything outside the markers is hand-written and holds no number the blocks give.
//
// Inputs under ReadmeOptions::results_dir (every run folder as `fedcarbon reproduce` wrote it,
// trimmed to summary.json, ledger.csv, rounds.csv/curve.csv and the configs):
//   table4/               the paper's CNN, `reproduce experiments/table4.json --seeds 3`
//   table4-mlp/           the MLP, `reproduce experiments/table4-mlp.json --seeds 3`
//   issue19-table4.csv    the 3-seed medians README showed before issue 20 (country, columns):
//                         what the fitted table's cells moved from
//
// Thread safety: pure functions of their arguments, except MakeReadmeBlocks, which reads files.
#pragma once

#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"

namespace fedcarbon::experiment {

struct ReadmeOptions {
  std::string results_dir = "results";
  // The measured GPU traces and workloads of the fit block (energy/gpu_fit.h).
  std::string gpu_power_dir = "sim/energy/data/gpu_power";
  size_t draws = 10000;  // Monte Carlo draws of the uncertainty block
  uint64_t seed = 1;     // of the draws
  int threads = 2;       // evaluation threads (the numbers do not depend on it)
};

struct ReadmeBlock {
  std::string name;  // "gpu-fit", "table4", "table4-uncertainty", "mlp"
  std::string text;  // the lines between the markers, each ending with "\n"
};

// Every block from the results folder priced with `catalog`. Errors name the missing file.
Result<std::vector<ReadmeBlock>> MakeReadmeBlocks(const ReadmeOptions& options,
                                                  const energy::Catalog& catalog);

// The text between NAME's markers in `readme`; NotFound naming the block when its markers are
// missing or out of order.
Result<std::string> ReadmeBlockText(const std::string& readme, const std::string& name);
// `readme` with every block's text replaced; NotFound as above.
Result<std::string> ReplaceReadmeBlocks(const std::string& readme,
                                        const std::vector<ReadmeBlock>& blocks);

}  // namespace fedcarbon::experiment
