// A small catalog with round numbers, so pricing tests can be checked by hand.
#pragma once

#include <nlohmann/json.hpp>

namespace fedcarbon::energy::testing {

inline nlohmann::json TinyCatalogJson() {
  auto q = [](double v, const char* unit) {
    return nlohmann::json{{"value", v}, {"unit", unit}, {"assumption", "test"}, {"range", {v, v}}};
  };
  // 1000 kg over 5 years at duty 0.5: 1e6 g / 21,900 h = 45.662... g per hour of use.
  const nlohmann::json embodied = {{"manufacturing", q(1000, "kgCO2e")},
                                   {"lifetime", q(5, "years")},
                                   {"duty_cycle", q(0.5, "fraction")}};
  nlohmann::json j;
  j["memory_w_per_gb"] = q(0.5, "W/GB");
  j["pue_presets"] = {{"avg", q(1.5, "ratio")}};
  j["devices"] = nlohmann::json::array();
  // dc: busy the whole step (a direct throughput): 150 W + 10 W cpu + 8 GB * 0.5 W/GB = 164 W;
  // 1e12 FLOP/s.
  j["devices"].push_back({{"name", "dc"},
                          {"kind", "datacenter"},
                          {"processor", "gpu"},
                          {"active_w", q(0.15, "kW")},
                          {"idle_w", q(30, "W")},
                          {"embodied", embodied},
                          {"cpu_w", q(10, "W")},
                          {"ram_gb", q(8, "GB")},
                          {"default_pue", {{"preset", "avg"}}},
                          {"throughput", q(1e12, "FLOP/s")}});
  // edge: a 1e9-FLOP step takes max(1e9 / (1e11 * 0.5) = 0.02 s, 0.03 s overhead) = 0.03 s,
  // busy 2/3 of it: 2 W + 2/3 * (5 W - 2 W) = 4 W.
  j["devices"].push_back({{"name", "edge"},
                          {"kind", "edge"},
                          {"processor", "gpu"},
                          {"active_w", q(5, "W")},
                          {"idle_w", q(2000, "mW")},
                          {"embodied", embodied},
                          {"throughput_model",
                           {{"peak_fp32", q(100, "GFLOP/s")},
                            {"efficiency", q(50, "%")},
                            {"step_overhead", q(30, "ms")}}}});
  // host: 20 W per training thread, priced from measured seconds.
  j["devices"].push_back({{"name", "host"},
                          {"kind", "host"},
                          {"processor", "cpu"},
                          {"active_w", q(20, "W")},
                          {"idle_w", q(5, "W")},
                          {"embodied", embodied},
                          {"throughput", q(1e10, "FLOP/s")}});
  j["countries"] = nlohmann::json::array();
  j["countries"].push_back({{"iso3", "AAA"},
                            {"iso2", "AA"},
                            {"name", "Alpha"},
                            {"carbon_intensity", q(500, "gCO2e/kWh")},
                            {"download", q(100, "Mbit/s")},
                            {"upload", q(10, "Mbit/s")}});
  j["countries"].push_back({{"iso3", "BBB"},
                            {"name", "Beta Land"},
                            {"carbon_intensity", q(50, "gCO2e/kWh")},
                            {"download", q(200, "Mbit/s")},
                            {"upload", q(200, "Mbit/s")}});
  j["networks"] = nlohmann::json::array();
  j["networks"].push_back(
      {{"name", "qiu"}, {"kind", "qiu"}, {"router_w", q(10, "W")}, {"device_w", q(2, "W")}});
  j["networks"].push_back(
      {{"name", "intensity"},
       {"kind", "intensity"},
       {"kwh_per_gb",
        {{"value", 0.06}, {"unit", "kWh/GB"}, {"year", 2015}, {"source", "Aslan et al. 2018"}}},
       {"halving_years", q(2, "years")},
       {"year", q(2019, "year")}});
  return j;
}

}  // namespace fedcarbon::energy::testing
