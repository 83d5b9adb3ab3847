// A small world with round numbers, for simulated-time tests checked by hand: the tiny catalog
// (tests/energy/test_catalog.h: device "edge" at 1e9/0.03 FLOP/s and 5 W; country AAA 100/10
// Mbit/s down/up, 500 g/kWh; BBB 200/200 Mbit/s, 50 g/kWh; network qiu 10 + 2 W) and two zones
// with hourly traces from 2023-01-01T00:00Z: ZA in AAA (UTC+2) and ZB in BBB (UTC-5).
#pragma once

#include <string>

#include "energy/test_catalog.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/run_targets.h"
#include "fedcarbon/simtime/world.h"

namespace fedcarbon::simtime::testing {

inline constexpr double kT0 = 1672531200.0;  // 2023-01-01T00:00:00Z

// LCA (priced) intensities: ZA 100 g/kWh in hour 0, 300 in hour 1, 200 after; ZB 40 always.
// The direct series is LCA - 10 (not priced).
inline std::string TinyTraceCsv() {
  std::string csv = "zone,hour,direct_g_per_kwh,lca_g_per_kwh\n";
  for (int h = 0; h < energy::GridIntensity::kHours; ++h) {
    const int za = h == 0 ? 100 : h == 1 ? 300 : 200;
    csv +=
        "ZA," + std::to_string(h) + "," + std::to_string(za - 10) + "," + std::to_string(za) + "\n";
    csv += "ZB," + std::to_string(h) + ",30,40\n";
  }
  return csv;
}

inline std::string TinyZonesJson() {
  return R"({"zones": [
    {"id": "ZA", "name": "Zone A", "country": "AAA", "utc_offset_h": 2, "release": "green-dcc",
     "estimated": false, "default_for_country": true},
    {"id": "ZB", "name": "Zone B", "country": "BBB", "utc_offset_h": -5, "release": "green-dcc",
     "estimated": false, "default_for_country": true}]})";
}

// The config of the hand-computed case: 3 edge clients (AAA, AAA, BBB), hourly pricing from
// kT0, 2 kept of 3 asked.
inline config::ExperimentConfig TinyConfig() {
  config::ExperimentConfig cfg;
  cfg.federation.num_clients = 3;
  cfg.federation.clients_per_round = 2;
  cfg.federation.overcommit = 0.5;
  cfg.clients.device = {{{"edge", 1.0}}, {}};
  cfg.clients.countries = {{}, {"AAA", "AAA", "BBB"}};
  cfg.energy.network = "qiu";
  cfg.energy.coordinator_device = "dc";
  cfg.energy.coordinator_country = "BBB";
  cfg.time.start = "2023-01-01T00:00:00Z";
  cfg.time.intensity = "hourly";
  return cfg;
}

}  // namespace fedcarbon::simtime::testing
