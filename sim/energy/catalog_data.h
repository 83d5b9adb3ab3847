// Internal: the catalog data files embedded at build time (generated catalog_data.cc).
#pragma once

namespace fedcarbon::energy::internal {

extern const char* const kCountriesJson;  // sim/energy/data/countries.json
extern const char* const kDevicesJson;    // sim/energy/data/devices.json
extern const char* const kNetworksJson;   // sim/energy/data/networks.json

}  // namespace fedcarbon::energy::internal
