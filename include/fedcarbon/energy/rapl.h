// Measured host energy through Linux RAPL (/sys/class/powercap/intel-rapl:N/energy_uj), where the
// kernel exposes it and the file is readable. Modelled energy is always the priced figure; a
// measured figure is recorded next to it when available.
//
// Thread safety: a RaplMeter is used from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fedcarbon::energy {

// One top-level RAPL package domain (intel-rapl:0, intel-rapl:1, ...; subdomains such as
// intel-rapl:0:0 are included in their package and skipped).
struct RaplDomain {
  std::string path;            // the domain folder
  std::string name;            // contents of `name` ("package-0")
  uint64_t max_energy_uj = 0;  // max_energy_range_uj: the counter wraps to 0 past this
};

class RaplMeter {
 public:
  // The meter for the package domains under `root` (default the sysfs powercap folder), or
  // nullopt with *why_unavailable saying why (no powercap folder, no intel-rapl domains, energy_uj
  // not readable: "RAPL unavailable: /sys/class/powercap/intel-rapl:0/energy_uj: Permission
  // denied"). Callers log that reason once.
  static std::optional<RaplMeter> Open(std::string* why_unavailable,
                                       const std::string& root = "/sys/class/powercap");

  // Joules consumed by all package domains since the previous Sample() (or since Open),
  // accounting for at most one wraparound per domain between calls. nullopt if a read fails.
  std::optional<double> Sample();

  const std::vector<RaplDomain>& domains() const { return domains_; }

 private:
  std::vector<RaplDomain> domains_;
  std::vector<uint64_t> last_uj_;
};

// Counter difference with wraparound: (now - before) when now >= before, else
// (max_range - before) + now.
uint64_t RaplDeltaUj(uint64_t before, uint64_t now, uint64_t max_range);

}  // namespace fedcarbon::energy
