// A ledger as CodeCarbon's emissions.csv (see include/fedcarbon/experiment/export.h). Pure: no
// files, no clocks.
#include "fedcarbon/experiment/export.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "fedcarbon/common/utc_time.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::experiment {

Result<ExportPer> ParseExportPer(const std::string& text) {
  if (text == "client") return ExportPer::kClient;
  if (text == "run") return ExportPer::kRun;
  return Status::InvalidArgument("unknown --per value '" + text + "' (known: client, run)");
}

namespace {

constexpr double kJoulesPerKwh = 3.6e6;

// Distinct values in order of first appearance.
class Distinct {
 public:
  void Add(const std::string& v) {
    if (std::find(values_.begin(), values_.end(), v) == values_.end()) values_.push_back(v);
  }
  const std::vector<std::string>& values() const { return values_; }
  std::string Joined() const {
    std::string s;
    for (const std::string& v : values_) s += (s.empty() ? "" : "+") + v;
    return s;
  }

 private:
  std::vector<std::string> values_;
};

// A party: (role, client id). Export order: clients by id, then coordinator, then centralized.
using PartyKey = std::tuple<int, int>;  // (role rank, client id)

int RoleRank(const std::string& role) {
  if (role == "client") return 0;
  if (role == "coordinator") return 1;
  return 2;  // "centralized" (ValidateRow admits no other role)
}

std::string PartyLabel(const energy::LedgerRow& r) {
  if (r.role == "client") return "client-" + std::to_string(r.client_id);
  return r.role;
}

std::string RowWhere(size_t index, const energy::LedgerRow& r) {
  return fmt::format("ledger row {} (round {}, {})", index + 1, r.round, PartyLabel(r));
}

// Device profiles by the name a ledger row gives, looked up once each.
class Profiles {
 public:
  explicit Profiles(const energy::Catalog& catalog) : catalog_(catalog) {}
  Result<const energy::DeviceProfile*> Get(const std::string& name) {
    auto it = cache_.find(name);
    if (it == cache_.end()) {
      Result<energy::DeviceProfile> p = catalog_.Device(name);
      if (!p.ok()) return p.status();
      it = cache_.emplace(name, std::move(p).value()).first;
    }
    return &it->second;
  }

 private:
  const energy::Catalog& catalog_;
  std::map<std::string, energy::DeviceProfile> cache_;
};

// Builds one export row from the ledger rows given by index.
Result<CodeCarbonRow> MakeRow(const std::vector<energy::LedgerRow>& rows,
                              const std::vector<size_t>& indices, const std::string& suffix,
                              const energy::Catalog& catalog, Profiles& profiles,
                              const CodeCarbonOptions& options) {
  CodeCarbonRow out;
  Distinct run_ids, countries, zones, devices, cpu_models, gpu_models;
  std::set<std::tuple<int, int, std::string>> parties;  // (role rank, client id, device)
  double last_timestamp = 0.0;
  bool all_datacenter = true;
  bool first = true;
  double shared_pue = 0.0;
  bool pue_shared = true;
  double compute_kwh = 0.0, it_kwh = 0.0, pue_sum = 0.0;

  for (size_t i : indices) {
    const energy::LedgerRow& r = rows[i];
    Result<const energy::DeviceProfile*> found = profiles.Get(r.device);
    if (!found.ok()) return found.status().WithContext(RowWhere(i, r));
    const energy::DeviceProfile& p = **found;

    // Compute energy split in proportion to the powers pricing used (PUE applies to each part).
    const double e = r.cost.compute_energy_kwh;
    const energy::PowerParts w = energy::ComputePowerParts(p, r.activity);
    const double total_w = w.total_w();
    const double proc = total_w > 0 ? e * (w.processor_w / total_w) : e;
    const double cpu = total_w > 0 ? e * (w.cpu_w / total_w) : 0.0;
    const double ram = total_w > 0 ? e * (w.ram_w / total_w) : 0.0;
    (p.processor == "gpu" ? out.gpu_energy : out.cpu_energy) += proc;
    out.cpu_energy += cpu;
    out.ram_energy += ram;
    out.comm_energy_kwh += r.cost.comm_energy_kwh;
    out.energy_consumed += r.cost.energy_kwh;
    out.emissions += r.cost.emissions_kg;
    out.duration += r.cost.compute_s + r.cost.comm_s;

    last_timestamp = first ? r.timestamp : std::max(last_timestamp, r.timestamp);
    run_ids.Add(r.run_id);
    countries.Add(r.country_iso_code);
    zones.Add(r.zone);
    devices.Add(p.name);
    all_datacenter = all_datacenter && p.is_datacenter();
    if (parties.emplace(RoleRank(r.role), r.client_id, p.name).second) {
      const bool has_gpu = p.processor == "gpu";
      const bool has_cpu = p.processor != "gpu" || p.cpu_w > 0;
      out.gpu_count += has_gpu ? 1 : 0;
      out.cpu_count += has_cpu ? 1 : 0;
      out.ram_total_size += p.ram_gb;
      if (has_gpu) gpu_models.Add(p.name);
      if (has_cpu) cpu_models.Add(p.name);
    }

    if (first) shared_pue = r.pue;
    pue_shared = pue_shared && r.pue == shared_pue;
    compute_kwh += e;
    it_kwh += r.pue > 0 ? e / r.pue : e;
    pue_sum += r.pue;
    first = false;
  }

  out.timestamp = FormatUtcTime(last_timestamp);
  if (!out.timestamp.empty() && out.timestamp.back() == 'Z') out.timestamp.pop_back();
  out.run_id = run_ids.Joined() + suffix;
  out.experiment_id = run_ids.Joined();
  out.project_name = options.project_name.empty() ? run_ids.Joined() : options.project_name;
  if (out.duration > 0) {
    out.emissions_rate = out.emissions / out.duration;
    out.cpu_power = out.cpu_energy * kJoulesPerKwh / out.duration;
    out.gpu_power = out.gpu_energy * kJoulesPerKwh / out.duration;
    out.ram_power = out.ram_energy * kJoulesPerKwh / out.duration;
  }
  if (countries.values().size() == 1) {
    out.country_iso_code = countries.values()[0];
    Result<energy::Country> c = catalog.FindCountry(out.country_iso_code);
    if (c.ok()) out.country_name = c->name;
  } else {
    out.country_name = "mixed";
  }
  out.region = zones.values().size() == 1 ? zones.values()[0] : "mixed";
  out.os = "fedcarbon simulated ";
  out.os += devices.Joined();
  out.cpu_model = cpu_models.Joined();
  out.gpu_model = gpu_models.Joined();
  out.on_cloud = std::string(1, all_datacenter ? 'Y' : 'N');  // chars: GCC 12 false -Wrestrict
  if (pue_shared) {
    out.pue = shared_pue;
  } else if (it_kwh > 0) {
    out.pue = compute_kwh / it_kwh;
  } else {
    out.pue = pue_sum / static_cast<double>(indices.size());
  }
  return out;
}

}  // namespace

Result<std::vector<CodeCarbonRow>> ToCodeCarbonRows(const std::vector<energy::LedgerRow>& rows,
                                                    const energy::Catalog& catalog,
                                                    const CodeCarbonOptions& options) {
  if (rows.empty()) return Status::InvalidArgument("the ledger has no rows to export");
  Profiles profiles(catalog);
  std::vector<CodeCarbonRow> out;
  if (options.per == ExportPer::kRun) {
    std::vector<size_t> all(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) all[i] = i;
    Result<CodeCarbonRow> row = MakeRow(rows, all, "", catalog, profiles, options);
    if (!row.ok()) return row.status();
    out.push_back(std::move(row).value());
    return out;
  }
  std::map<PartyKey, std::vector<size_t>> groups;  // ordered: clients by id, coordinator, ...
  for (size_t i = 0; i < rows.size(); ++i) {
    groups[{RoleRank(rows[i].role), rows[i].client_id}].push_back(i);
  }
  for (const auto& [key, indices] : groups) {
    std::string suffix = "/";
    suffix += PartyLabel(rows[indices.front()]);
    Result<CodeCarbonRow> row = MakeRow(rows, indices, suffix, catalog, profiles, options);
    if (!row.ok()) return row.status();
    out.push_back(std::move(row).value());
  }
  return out;
}

}  // namespace fedcarbon::experiment
