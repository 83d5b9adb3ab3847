// Which grid intensity a piece of work is priced at: one decision for the coordinator, re-pricing
// and reports. "annual": the country's yearly figure (the catalog). "hourly": where the work's
// zone has an hourly trace, the trace's life-cycle (LCA) mean over the simulated interval the
// work ran in (GridIntensity::MeanLca; LCA because the catalog's annual figures are life-cycle
// figures too, docs/methodology.md); work without a zone keeps the annual figure.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/activity.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {

enum class IntensityMode { kAnnual, kHourly };

// "annual" | "hourly"; InvalidArgument naming the text otherwise.
Result<IntensityMode> ParseIntensityMode(std::string_view text);

struct IntervalIntensity {
  double g_per_kwh = 0.0;
  bool hourly = false;  // priced from the trace (else the annual figure)
};

// The intensity for work of `target` in `zone` (nullptr: none) over [t0, t1) unix seconds.
// `grid` may be null (then annual).
IntervalIntensity IntensityOver(const ResolvedTarget& target, const Zone* zone, double t0,
                                double t1, IntensityMode mode, const GridIntensity* grid);

}  // namespace fedcarbon::energy
