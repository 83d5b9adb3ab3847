// RAPL: package energy counters from Linux powercap sysfs (see rapl.h).
#include "fedcarbon/energy/rapl.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fedcarbon::energy {
namespace {

// Reads one unsigned decimal from a sysfs file; nullopt if unreadable or malformed.
std::optional<uint64_t> ReadU64(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string text;
  std::getline(in, text);
  if (text.empty() || text.size() > 20 ||
      !std::all_of(text.begin(), text.end(),
                   [](unsigned char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(text);
}

}  // namespace

uint64_t RaplDeltaUj(uint64_t before, uint64_t now, uint64_t max_range) {
  if (now >= before) return now - before;
  return (max_range - before) + now;  // the counter wrapped once
}

std::optional<RaplMeter> RaplMeter::Open(std::string* why_unavailable, const std::string& root) {
  namespace fs = std::filesystem;
  auto fail = [why_unavailable](const std::string& why) -> std::optional<RaplMeter> {
    if (why_unavailable) *why_unavailable = "RAPL unavailable: " + why;
    return std::nullopt;
  };
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(root + " does not exist (no powercap in this kernel/VM)");
  // Top-level package domains only: intel-rapl:N (subdomains intel-rapl:N:M are inside them).
  static const std::regex kPackage("intel-rapl:[0-9]+");
  std::vector<std::string> dirs;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, kPackage)) dirs.push_back(e.path().string());
  }
  if (ec) return fail(root + ": " + ec.message());
  if (dirs.empty()) return fail("no intel-rapl package domain under " + root);
  std::sort(dirs.begin(), dirs.end());
  RaplMeter meter;
  for (const std::string& dir : dirs) {
    RaplDomain d;
    d.path = dir;
    std::ifstream name_in(dir + "/name");
    std::getline(name_in, d.name);
    const std::optional<uint64_t> max = ReadU64(dir + "/max_energy_range_uj");
    if (!max || *max == 0) return fail(dir + "/max_energy_range_uj: not readable");
    d.max_energy_uj = *max;
    const std::optional<uint64_t> now = ReadU64(dir + "/energy_uj");
    if (!now) {
      return fail(dir +
                  "/energy_uj: not readable (since Linux 5.10 it is root-only; "
                  "chmod it or run as root to measure)");
    }
    meter.domains_.push_back(d);
    meter.last_uj_.push_back(*now);
  }
  return meter;
}

std::optional<double> RaplMeter::Sample() {
  double joules = 0.0;
  for (size_t i = 0; i < domains_.size(); ++i) {
    const std::optional<uint64_t> now = ReadU64(domains_[i].path + "/energy_uj");
    if (!now) return std::nullopt;
    joules += static_cast<double>(RaplDeltaUj(last_uj_[i], *now, domains_[i].max_energy_uj)) * 1e-6;
    last_uj_[i] = *now;
  }
  return joules;
}

}  // namespace fedcarbon::energy
