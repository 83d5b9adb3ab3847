// Re-pricing of ledger rows (see reprice.h).
#include "fedcarbon/energy/reprice.h"

#include "fedcarbon/energy/interval_pricing.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {

Result<std::vector<LedgerRow>> Reprice(const Catalog& catalog, const std::vector<LedgerRow>& rows,
                                       const RepriceOptions& options) {
  // Validate the overrides once, so a bad one is reported as such (not as row 1's problem).
  std::optional<std::string> country_iso3;
  if (options.country) {
    Result<Country> c = catalog.FindCountry(*options.country);
    if (!c.ok()) return c.status();
    country_iso3 = c->iso3;
  }
  if (options.device) {
    Result<DeviceProfile> d = catalog.Device(*options.device);
    if (!d.ok()) return d.status();
  }
  if (options.network) {
    Result<NetworkModel> n = catalog.Network(*options.network);
    if (!n.ok()) return n.status();
  }
  std::optional<IntensityMode> mode;
  if (options.intensity) {
    Result<IntensityMode> m = ParseIntensityMode(*options.intensity);
    if (!m.ok()) return m.status();
    mode = *m;
  }
  if (options.pue && !(*options.pue >= 1.0)) {
    return Status::InvalidArgument("pue " + std::to_string(*options.pue) + " must be >= 1");
  }

  std::vector<LedgerRow> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    LedgerRow row = rows[i];
    const bool moves = row.role != "coordinator";  // clients and centralized runs move
    PricingTarget target;
    target.device = moves && options.device ? *options.device : row.device;
    target.country = moves && country_iso3 ? *country_iso3 : row.country_iso_code;
    target.network = options.network ? *options.network : row.network;
    // A new device without a --pue takes its own default PUE; otherwise keep the recorded one.
    const bool new_device = target.device != row.device;
    target.pue = options.pue ? *options.pue : (new_device ? 0.0 : row.pue);
    Result<ResolvedTarget> resolved = Resolve(catalog, target);
    if (!resolved.ok()) {
      return resolved.status().WithContext("row " + std::to_string(i + 1) + " (round " +
                                           std::to_string(row.round) + ", client " +
                                           std::to_string(row.client_id) + ")");
    }
    row.device = resolved->device.name;
    row.country_iso_code = resolved->country.iso3;
    row.network = resolved->network.name;
    row.pue = resolved->pue;
    if (moves && country_iso3 && row.country_iso_code != rows[i].country_iso_code) {
      const Zone* z = options.grid ? options.grid->DefaultZoneOf(row.country_iso_code) : nullptr;
      row.zone = z ? z->id : "";
    }
    const Zone* zone =
        options.grid && !row.zone.empty() ? options.grid->FindZone(row.zone) : nullptr;
    const IntensityMode row_mode =
        mode ? *mode
             : (row.intensity_source == "hourly" ? IntensityMode::kHourly : IntensityMode::kAnnual);
    if (row_mode == IntensityMode::kHourly && !row.zone.empty() && !zone) {
      return Status::InvalidArgument("row " + std::to_string(i + 1) + ": zone '" + row.zone +
                                     "' has no hourly trace here");
    }
    const IntervalIntensity intensity =
        IntensityOver(*resolved, zone, row.sim_start, row.sim_end, row_mode, options.grid);
    row.intensity_source = intensity.hourly ? "hourly" : "annual";
    row.cost = PriceAt(row.activity, *resolved, intensity.g_per_kwh);
    row.catalog = catalog.id();
    out.push_back(std::move(row));
  }
  return out;
}

std::map<std::string, Cost> CostBy(const std::vector<LedgerRow>& rows, const std::string& column) {
  std::map<std::string, Cost> out;
  for (const LedgerRow& r : rows) {
    const std::string& key = column == "device" ? r.device
                             : column == "role" ? r.role
                                                : r.country_iso_code;
    out[key] += r.cost;
  }
  return out;
}

}  // namespace fedcarbon::energy
