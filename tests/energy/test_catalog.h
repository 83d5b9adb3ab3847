// A small catalog with round numbers, so pricing tests can be checked by hand.
#pragma once

#include <nlohmann/json.hpp>

namespace fedcarbon::energy::testing {

inline nlohmann::json TinyCatalogJson() {
  auto q = [](double v, const char* unit) {
    return nlohmann::json{{"value", v}, {"unit", unit}, {"assumption", "test"}};
  };
  nlohmann::json j;
  j["memory_w_per_gb"] = q(0.5, "W/GB");
  j["reference_step_flops"] = q(1e9, "FLOP");
  j["pue_presets"] = {{"avg", q(1.5, "ratio")}};
  j["devices"] = nlohmann::json::array();
  // dc: 300 W * 0.5 + 10 W cpu + 8 GB * 0.5 W/GB = 164 W; 1e12 FLOP/s.
  j["devices"].push_back({{"name", "dc"},
                          {"kind", "datacenter"},
                          {"active_w", q(300, "W")},
                          {"utilization", q(0.5, "fraction")},
                          {"cpu_w", q(10, "W")},
                          {"ram_gb", q(8, "GB")},
                          {"default_pue", {{"preset", "avg"}}},
                          {"throughput", q(1e12, "FLOP/s")}});
  // edge: 5 W; throughput model 1e9 / (0.01 + 1e9 / (1e11 * 0.5)) = 1e9 / 0.03 FLOP/s.
  j["devices"].push_back({{"name", "edge"},
                          {"kind", "edge"},
                          {"active_w", q(5, "W")},
                          {"utilization", q(1, "fraction")},
                          {"throughput_model",
                           {{"peak_fp32", q(1e11, "FLOP/s")},
                            {"efficiency", q(0.5, "fraction")},
                            {"step_overhead", q(0.01, "s")}}}});
  // host: 20 W, priced from measured seconds.
  j["devices"].push_back({{"name", "host"},
                          {"kind", "host"},
                          {"active_w", q(20, "W")},
                          {"utilization", q(1, "fraction")},
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
