// Ledger reports and centralized pricing (see report.h).
#include "fedcarbon/experiment/report.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "fedcarbon/energy/pricing.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Line(const std::string& key, const energy::Cost& c) {
  char buf[200];
  std::snprintf(buf, sizeof(buf),
                "  %-22s %12.6f kWh %12.4f g  (compute %.6f kWh, comm %.6f kWh)\n", key.c_str(),
                c.energy_kwh, c.emissions_kg * 1000.0, c.compute_energy_kwh, c.comm_energy_kwh);
  return buf;
}

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string PricedSuffix(const energy::Catalog& catalog, const energy::RepriceOptions& o) {
  std::string s;
  auto add = [&s](const std::string& part) { s += (s.empty() ? "" : "-") + part; };
  if (o.country) {
    Result<energy::Country> c = catalog.FindCountry(*o.country);
    add(c.ok() ? c->iso3 : *o.country);
  }
  if (o.device) add(*o.device);
  if (o.network) add(*o.network);
  if (o.pue) add("pue" + Fmt("%g", *o.pue));
  if (o.intensity) add(*o.intensity);
  return s.empty() ? "original" : s;
}

Result<PricedRun> PriceRunDir(const std::string& run_dir, const energy::Catalog& catalog,
                              const energy::RepriceOptions& options) {
  PricedRun out;
  out.ledger_path = run_dir + "/ledger.csv";
  Result<std::vector<energy::LedgerRow>> rows = energy::ReadLedger(out.ledger_path);
  if (!rows.ok()) return rows.status();
  out.recorded = std::move(rows).value();
  Result<std::vector<energy::LedgerRow>> priced = energy::Reprice(catalog, out.recorded, options);
  if (!priced.ok()) return priced.status().WithContext(out.ledger_path);
  out.priced = std::move(priced).value();
  out.out_path = run_dir + "/priced-" + PricedSuffix(catalog, options) + ".csv";
  FEDCARBON_RETURN_IF_ERROR(energy::WriteLedger(out.out_path, out.priced));
  return out;
}

std::string FormatCostReport(const std::vector<energy::LedgerRow>& rows) {
  const energy::LedgerTotals t = energy::Sum(rows);
  std::ostringstream os;
  os << "  rows " << t.rows << ", " << t.activity.flops << " FLOP, "
     << (t.activity.bytes_up + t.activity.bytes_down) << " bytes moved\n";
  os << "  total                  " << Fmt("%12.6f", t.energy_kwh) << " kWh "
     << Fmt("%12.4f", t.emissions_kg * 1000.0) << " g CO2e\n";
  os << "  compute                " << Fmt("%12.6f", t.compute_energy_kwh) << " kWh\n";
  os << "  communication          " << Fmt("%12.6f", t.comm_energy_kwh) << " kWh  ("
     << Fmt("%.1f", 100.0 * t.comm_share) << "% of the energy)\n";
  if (t.wasted.energy_kwh > 0) {
    os << "  wasted (late, offline) " << Fmt("%12.6f", t.wasted.energy_kwh) << " kWh "
       << Fmt("%12.4f", t.wasted.emissions_kg * 1000.0) << " g CO2e\n";
  }
  os << "  embodied (scope 3)                  " << Fmt("%12.4f", t.embodied_kg * 1000.0)
     << " g CO2e  (devices' manufacturing, beside the total above, not in it)\n";
  os << "  catalog " << (t.catalog.empty() ? std::string("(not recorded)") : t.catalog) << "\n";
  for (const char* column : {"role", "country_iso_code", "device"}) {
    os << " by " << column << ":\n";
    for (const auto& [key, cost] : energy::CostBy(rows, column)) os << Line(key, cost);
  }
  return os.str();
}

Result<energy::LedgerRow> CentralizedLedgerRow(const CentralizedResult& result,
                                               const energy::Catalog& catalog,
                                               const energy::PricingTarget& target,
                                               const std::string& run_id) {
  Result<energy::ResolvedTarget> resolved = energy::Resolve(catalog, target);
  if (!resolved.ok()) return resolved.status();
  if (resolved->device.kind == "edge") {
    return Status::Error("centralized runs are priced on a datacenter or host profile, not '" +
                         resolved->device.name + "'");
  }
  energy::LedgerRow row;
  row.timestamp = NowSeconds();
  row.run_id = run_id;
  row.round = 0;
  row.client_id = -1;
  row.role = "centralized";
  row.country_iso_code = resolved->country.iso3;
  row.device = resolved->device.name;
  row.pue = resolved->pue;
  row.network = resolved->network.name;
  row.activity.flops = result.train_flops;
  row.activity.samples = result.samples;
  row.activity.steps = result.steps;
  row.activity.compute_s = result.train_s;
  row.activity.wall_s = result.wall_s;
  row.activity.threads = result.threads;
  row.cost = energy::PriceResolved(row.activity, *resolved);
  row.catalog = catalog.id();
  return row;
}

Result<energy::LedgerRow> PriceCentralized(const CentralizedResult& result,
                                           const config::ExperimentConfig& cfg,
                                           const std::string& out_dir) {
  Result<energy::Catalog> catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status();
  const energy::PricingTarget target{cfg.energy.coordinator_device, cfg.energy.coordinator_country,
                                     cfg.energy.network, cfg.energy.coordinator_pue};
  std::string run_id = cfg.name;
  for (char& ch : run_id) {
    if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') ch = '_';
  }
  Result<energy::LedgerRow> row = CentralizedLedgerRow(result, *catalog, target, run_id);
  if (!row.ok()) return row.status();
  // Read-modify-write of the summary RunCentralized wrote: read it before writing anything.
  const std::string summary_path = out_dir + "/summary.json";
  Result<records::CentralizedSummary> summary = records::ReadCentralizedSummary(summary_path);
  if (!summary.ok()) return summary.status();
  FEDCARBON_RETURN_IF_ERROR(energy::WriteLedger(out_dir + "/ledger.csv", {*row}));
  summary->energy = records::MakeCentralizedEnergy(*row);
  summary->energy->priced_flops = "train_flops (to the stop; evaluation excluded)";
  FEDCARBON_RETURN_IF_ERROR(records::WriteCentralizedSummary(summary_path, *summary));
  return row;
}

}  // namespace fedcarbon::experiment
