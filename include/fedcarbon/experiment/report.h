// Reports over ledgers: re-pricing a run folder (`fedcarbon price`), the text report of a
// ledger's costs, the energy block of summary.json, and the pricing of a centralized run.
//
// Thread safety: free functions; no shared state.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/reprice.h"
#include "fedcarbon/experiment/centralized.h"

namespace fedcarbon::experiment {

// File-name suffix naming the overrides: "FRA-jetson_tx2-intensity-pue1.11"; "original" for none.
// The country is written as its ISO alpha-3 code when the catalog knows it.
std::string PricedSuffix(const energy::Catalog& catalog, const energy::RepriceOptions& options);

struct PricedRun {
  std::string ledger_path;  // RUN_DIR/ledger.csv
  std::string out_path;     // RUN_DIR/priced-<suffix>.csv
  std::vector<energy::LedgerRow> recorded;
  std::vector<energy::LedgerRow> priced;
};

// Reads RUN_DIR/ledger.csv, re-prices it (energy::Reprice) and writes RUN_DIR/priced-<suffix>.csv
// (a ledger with the same columns). Errors name the file, line and bad value.
Result<PricedRun> PriceRunDir(const std::string& run_dir, const energy::Catalog& catalog,
                              const energy::RepriceOptions& options);

// Human-readable report of a ledger: totals (kWh, g CO2e, compute vs communication, comm share)
// and breakdowns by role, country and device.
std::string FormatCostReport(const std::vector<energy::LedgerRow>& rows);

// The ledger row of a centralized run: its training FLOPs to the stop (to the target when
// reached; evaluation excluded), samples and seconds, priced on `target` (a data-center profile,
// PUE, country). role "centralized", round 0, client_id -1.
Result<energy::LedgerRow> CentralizedLedgerRow(const CentralizedResult& result,
                                               const energy::Catalog& catalog,
                                               const energy::PricingTarget& target,
                                               const std::string& run_id);

// Prices a finished centralized run with cfg.energy.coordinator_{device,pue,country} and
// cfg.energy.network: writes out_dir/ledger.csv (one row) and adds an "energy" block to
// out_dir/summary.json (written by RunCentralized; NotFound when missing). Returns the row.
Result<energy::LedgerRow> PriceCentralized(const CentralizedResult& result,
                                           const config::ExperimentConfig& cfg,
                                           const std::string& out_dir);

}  // namespace fedcarbon::experiment
