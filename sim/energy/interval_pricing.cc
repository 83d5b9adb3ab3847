// IntensityOver (see include/fedcarbon/energy/interval_pricing.h).
#include "fedcarbon/energy/interval_pricing.h"

#include <cmath>
#include <string>

namespace fedcarbon::energy {

Result<IntensityMode> ParseIntensityMode(std::string_view text) {
  if (text == "annual") return IntensityMode::kAnnual;
  if (text == "hourly") return IntensityMode::kHourly;
  return Status::InvalidArgument("intensity must be annual or hourly, got '" + std::string(text) +
                                 "'");
}

IntervalIntensity IntensityOver(const ResolvedTarget& target, const Zone* zone, double t0,
                                double t1, IntensityMode mode, const GridIntensity* grid) {
  if (mode == IntensityMode::kHourly && zone && grid) {
    const double v = grid->MeanLca(*zone, t0, t1);
    if (std::isfinite(v)) return {v, true};
  }
  return {target.country.carbon_intensity_g_per_kwh, false};
}

}  // namespace fedcarbon::energy
