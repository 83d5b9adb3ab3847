// Experiment tests: synthetic ledgers, each row priced for its target as a run would have
// recorded it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::experiment::testing {

// `r` with the target's device, country, network and PUE, and its activity priced there.
inline energy::LedgerRow Priced(const energy::Catalog& cat, energy::LedgerRow r,
                                const energy::PricingTarget& t) {
  Result<energy::ResolvedTarget> rt = energy::Resolve(cat, t);
  EXPECT_TRUE(rt.ok()) << rt.status().ToString();
  if (!rt.ok()) return r;
  r.device = rt->device.name;
  r.country_iso_code = rt->country.iso3;
  r.network = rt->network.name;
  r.pue = rt->pue;
  r.cost = energy::PriceResolved(r.activity, *rt);
  return r;
}

// An FL ledger: `rounds` rounds of 5 jetson_tx2 clients (even ids in the USA, odd ones in
// `odd_country`), each 6,000 samples in 600 steps of the Table 4 CNN's 73.6 MFLOP per sample,
// plus a coordinator row per round on v100 in the USA.
inline std::vector<energy::LedgerRow> FlLedger(const energy::Catalog& cat, int rounds,
                                               const std::string& odd_country) {
  std::vector<energy::LedgerRow> rows;
  for (int round = 1; round <= rounds; ++round) {
    for (int c = 0; c < 5; ++c) {
      energy::LedgerRow r;
      r.run_id = "fl";
      r.round = round;
      r.client_id = c;
      r.role = "client";
      r.activity = {6000ULL * 73'600'000ULL, 6000, 6'660'000, 6'660'000, 30.0, 35.0, 1, 600};
      rows.push_back(Priced(cat, r, {"jetson_tx2", c % 2 ? odd_country : "USA", "qiu", 0.0}));
    }
    energy::LedgerRow k;
    k.run_id = "fl";
    k.round = round;
    k.role = "coordinator";
    k.activity.flops = 245'000'000'000ULL;
    rows.push_back(Priced(cat, k, {"v100", "USA", "qiu", 1.67}));
  }
  return rows;
}

}  // namespace fedcarbon::experiment::testing
