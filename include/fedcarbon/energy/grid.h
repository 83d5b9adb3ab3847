// Hourly grid carbon intensity: Electricity Maps' 2023 traces of 17 zones (direct and life-cycle
// gCO2eq per kWh consumed, one value per UTC hour), and the mean intensity over a simulated
// interval. The traces (sim/energy/data/grid/electricitymaps-2023-hourly.csv.gz, ODbL v1.0, see
// the SOURCE.md beside it) and the zones' metadata (sim/energy/data/zones.json) are embedded into
// the library at build time: no file is read at run time. docs/methodology.md, "Hourly grid
// intensity", states the method and its named assumptions.
//
// Time mapping (named assumption): a unix time t (UTC) is priced at the 2023 hour with the same
// month, day and hour of day as t, whatever t's year; Feb 29 of a leap year uses Mar 1's hours.
//
// Units: intensities gCO2eq/kWh; times unix seconds (UTC, leap seconds ignored as unix time
// does); utc_offset_h hours.
//
// Ownership and thread safety: a GridIntensity owns its zones and series (values, movable and
// copyable); it is immutable after Default() or Parse() returns, so one instance may be shared by
// any number of threads. A Zone pointer it returns lives as long as the object it came from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::energy {

struct Zone {
  std::string id;            // Electricity Maps zone key, "US-CAL-CISO"
  std::string name;          // "California ISO (CAISO)"
  std::string country_iso3;  // the catalog country it lies in
  double utc_offset_h = 0;   // standard time, DST ignored
  std::string release;       // "green-dcc" | "cozybench"
  bool estimated = false;    // model-estimated, not measured
  bool default_for_country = false;
};

class GridIntensity {
 public:
  static constexpr int kHours = 8760;

  // The embedded 2023 traces and zones.json (parsed once per call; cheap enough to call once per
  // process: about 150,000 rows).
  static Result<GridIntensity> Default();
  // From the CSV text (the .gz's content: header zone,hour,direct_g_per_kwh,lca_g_per_kwh, every
  // zone with each hour 0..8759 exactly once) and the zones JSON text ({"zones": [...]}, the
  // format of zones.json): for tests. Corruption errors name the CSV line or the zone.
  static Result<GridIntensity> Parse(std::string_view csv, std::string_view zones_json);

  const Zone* FindZone(std::string_view id) const;  // exact id; nullptr when unknown
  const Zone* DefaultZoneOf(
      std::string_view iso3) const;          // the default_for_country zone, or nullptr
  std::vector<std::string> ZoneIds() const;  // sorted

  // For every method below, z is one of this object's zones (FindZone, DefaultZoneOf) or a Zone
  // with the id of one of them; for any other zone, or a non-finite time, the result is NaN.

  // Direct intensity (gCO2e/kWh) of the hour containing unix time t (UTC), hour-of-year mapping.
  double At(const Zone& z, double t_unix) const;
  // Mean direct intensity over [t0, t1) in unix seconds, each hour weighted by its overlap with
  // the interval; an empty interval (t1 <= t0) gives At(z, t0). Intervals may span many hours
  // and wrap past the year end. O(hours spanned).
  double Mean(const Zone& z, double t0_unix, double t1_unix) const;
  // The same over the life-cycle (LCA) series.
  double MeanLca(const Zone& z, double t0_unix, double t1_unix) const;
  // Annual mean of the zone's direct series (for reports).
  double AnnualMean(const Zone& z) const;

 private:
  // The index of z in zones_, or -1.
  int IndexOf(const Zone& z) const;
  double MeanOf(const std::vector<double>& series, const Zone& z, double t0, double t1) const;

  std::vector<Zone> zones_;     // sorted by id
  std::vector<double> direct_;  // zones_.size() x kHours, zone-major, gCO2eq/kWh
  std::vector<double> lca_;     // same layout
};

}  // namespace fedcarbon::energy
