// FuzzConfigJson (see entry.h): a config file's text, or a --set override.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "entry.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::fuzz {
namespace {

// What FromJson promises of a config it accepts: ToJson gives the same config back, byte for
// byte, and every per-client assignment resolves to one value per client.
void CheckAccepted(const config::ExperimentConfig& c) {
  const nlohmann::json j = config::ToJson(c);
  const std::string text = j.dump();
  Result<config::ExperimentConfig> again = config::FromJson(j);
  FEDCARBON_FUZZ_CHECK(again.ok(), "ToJson of an accepted config is accepted");
  FEDCARBON_FUZZ_CHECK(config::ToJson(*again).dump() == text, "ToJson round-trips");
  const auto n = static_cast<size_t>(c.federation.num_clients);
  FEDCARBON_FUZZ_CHECK(c.clients.device.Resolve(c.federation.num_clients, c.seed).size() == n,
                       "clients.device gives every client a device");
  FEDCARBON_FUZZ_CHECK(c.clients.countries.Resolve(c.federation.num_clients, c.seed).size() == n,
                       "clients.countries gives every client a country");
  FEDCARBON_FUZZ_CHECK(c.federation.clients_per_round <= c.federation.num_clients,
                       "clients_per_round <= num_clients");
}

}  // namespace

int FuzzConfigJson(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Not JSON: a --set override ("key=value") on the default config.
    if (text.find('=') == std::string_view::npos) return 0;
    j = config::ToJson(config::ExperimentConfig{});
    if (!config::ApplyOverride(j, std::string(text)).ok()) return 0;
  }
  Result<config::ExperimentConfig> c = config::FromJson(j);
  if (c.ok()) CheckAccepted(*c);
  return 0;
}

}  // namespace fedcarbon::fuzz
