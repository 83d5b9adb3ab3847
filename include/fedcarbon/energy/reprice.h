// Re-pricing a ledger: the same activity priced for another country, device, PUE or network
// model, without retraining. Pure: Reprice(rows, same catalog, no overrides) returns the rows
// with exactly the costs they were recorded with.
//
// Which overrides apply to which rows:
//   role "client":       device, country, network, pue
//   role "centralized":  device, country, network, pue   (one centralized run, many settings)
//   role "coordinator":  network, pue                    (it keeps its data-center profile and
//                                                          country: the clients move, not it)
// pue is ignored on edge devices (PUE 1, pricing.h). Without a pue override a row keeps its
// recorded PUE, unless its device changes: then the new profile's default PUE applies. Rows
// priced hourly (and every row under intensity "hourly") are priced over their recorded
// simulated interval [sim_start, sim_end) in their zone.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/catalog.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::energy {

struct RepriceOptions {
  std::optional<std::string> country;  // ISO alpha-3/alpha-2 or name; rows store the alpha-3
  std::optional<std::string> device;   // profile name
  std::optional<std::string> network;  // network model name
  std::optional<double> pue;           // >= 1
  // "annual" | "hourly" (interval_pricing.h); unset: each row keeps the source it was priced
  // with. A row that moves to another country gets that country's default zone (or none).
  std::optional<std::string> intensity;
  const GridIntensity* grid = nullptr;  // not owned; needed for hourly rows
};

// Errors name the bad override ("unknown country 'XX' (known: ...)") or the row
// ("row 3 (round 2, client 4): unknown device 'foo' ...").
Result<std::vector<LedgerRow>> Reprice(const Catalog& catalog, const std::vector<LedgerRow>& rows,
                                       const RepriceOptions& options);

// Costs summed by a key of the row (for per-country / per-device breakdowns).
std::map<std::string, Cost> CostBy(const std::vector<LedgerRow>& rows,
                                   const std::string& column /* "country_iso_code" | "device" |
                                                                 "role" */);

}  // namespace fedcarbon::energy
