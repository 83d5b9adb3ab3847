// Experiment tests: a ledger row priced for a target, as the coordinator would have recorded it.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace fedcarbon::experiment::testing
