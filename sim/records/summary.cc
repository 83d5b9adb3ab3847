// summary.json of FL and centralized runs (see include/fedcarbon/records/summary.h).
#include "fedcarbon/records/summary.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fields.h"

namespace fedcarbon::records {
namespace {

using internal::Field;
using nlohmann::json;

// Each table lists a record's keys once; ToJson and FromJson both walk it.
const std::array<Field<LedgerSums>, 12> kLedgerSums = {{
    {"energy_kwh", &LedgerSums::energy_kwh},
    {"emissions_kg", &LedgerSums::emissions_kg},
    {"compute_energy_kwh", &LedgerSums::compute_energy_kwh},
    {"comm_energy_kwh", &LedgerSums::comm_energy_kwh},
    {"comm_share", &LedgerSums::comm_share},
    {"clients_energy_kwh", &LedgerSums::clients_energy_kwh},
    {"clients_emissions_kg", &LedgerSums::clients_emissions_kg},
    {"coordinator_energy_kwh", &LedgerSums::coordinator_energy_kwh},
    {"coordinator_emissions_kg", &LedgerSums::coordinator_emissions_kg},
    {"measured_energy_kwh", &LedgerSums::measured_energy_kwh},
    {"flops", &LedgerSums::flops},
    {"ledger_rows", &LedgerSums::ledger_rows},
}};

const std::array<Field<EnergyTotals>, 3> kEnergyTotals = {{
    {"compute_share", &EnergyTotals::compute_share},
    {"wasted_energy_kwh", &EnergyTotals::wasted_energy_kwh},
    {"wasted_emissions_kg", &EnergyTotals::wasted_emissions_kg},
}};

const std::array<Field<CentralizedEnergy>, 8> kCentralizedEnergy = {{
    {"centralized_energy_kwh", &CentralizedEnergy::centralized_energy_kwh},
    {"centralized_emissions_kg", &CentralizedEnergy::centralized_emissions_kg},
    {"device", &CentralizedEnergy::device},
    {"pue", &CentralizedEnergy::pue},
    {"country_iso_code", &CentralizedEnergy::country_iso_code},
    {"carbon_intensity_g_per_kwh", &CentralizedEnergy::carbon_intensity_g_per_kwh},
    {"device_compute_s", &CentralizedEnergy::device_compute_s},
    {"priced_flops", &CentralizedEnergy::priced_flops},
}};

const std::array<Field<FlRunSummary>, 25> kFlRunSummary = {{
    {"run_id", &FlRunSummary::run_id},
    {"name", &FlRunSummary::name},
    {"model", &FlRunSummary::model},
    {"strategy", &FlRunSummary::strategy},
    {"partition", &FlRunSummary::partition},
    {"compression", &FlRunSummary::compression},
    {"rounds", &FlRunSummary::rounds},
    {"initial_accuracy", &FlRunSummary::initial_accuracy},
    {"final_accuracy", &FlRunSummary::final_accuracy},
    {"best_accuracy", &FlRunSummary::best_accuracy},
    {"target_accuracy", &FlRunSummary::target_accuracy},
    {"reached_target", &FlRunSummary::reached_target},
    {"rounds_to_target", &FlRunSummary::rounds_to_target},
    {"wall_s", &FlRunSummary::wall_s},
    {"bytes_down", &FlRunSummary::bytes_down},
    {"bytes_up", &FlRunSummary::bytes_up},
    {"dropped", &FlRunSummary::dropped},
    {"late", &FlRunSummary::late},
    {"offline", &FlRunSummary::offline},
    {"sim_start", &FlRunSummary::sim_start},
    {"sim_hours", &FlRunSummary::sim_hours},
    {"sim_hours_to_target", &FlRunSummary::sim_hours_to_target},
    {"rejected_messages", &FlRunSummary::rejected},
    {"interrupted", &FlRunSummary::interrupted},
    {"workers", &FlRunSummary::workers},
}};

// Keys of both "energy" blocks added in issue 11: optional on read (folders written before them
// still read), typed when present.
const std::array<Field<LedgerSums>, 2> kLedgerSumsAdded = {{
    {"embodied_kg", &LedgerSums::embodied_kg},
    {"catalog", &LedgerSums::catalog},
}};

// The derived keys of both "energy" blocks: written from Ratios(summary); optional on read like
// the keys above, checked for their type when present, then dropped (Ratios recomputes them).
const std::array<Field<EfficiencyRatios>, 2> kEfficiencyRatios = {{
    {"accuracy_gain_per_kwh", &EfficiencyRatios::accuracy_gain_per_kwh},
    {"accuracy_per_g", &EfficiencyRatios::accuracy_per_g},
}};

// The "cpu" blocks: the block is optional on read (summaries written before it lack it); its
// keys are required when it is there.
const std::array<Field<FlCpu>, 2> kFlCpu = {{
    {"evaluation_s", &FlCpu::evaluation_s},
    {"process_s", &FlCpu::process_s},
}};

const std::array<Field<CentralizedCpu>, 3> kCentralizedCpu = {{
    {"train_s", &CentralizedCpu::train_s},
    {"evaluation_s", &CentralizedCpu::evaluation_s},
    {"process_s", &CentralizedCpu::process_s},
}};

using FlopsPerSample = CentralizedSummary::FlopsPerSample;
const std::array<Field<FlopsPerSample>, 2> kFlopsPerSample = {{
    {"forward", &FlopsPerSample::forward},
    {"backward", &FlopsPerSample::backward},
}};

const std::array<Field<CentralizedSummary>, 20> kCentralizedSummary = {{
    {"kind", &CentralizedSummary::kind},
    {"name", &CentralizedSummary::name},
    {"model", &CentralizedSummary::model},
    {"params", &CentralizedSummary::params},
    {"optimizer", &CentralizedSummary::optimizer},
    {"lr", &CentralizedSummary::lr},
    {"batch_size", &CentralizedSummary::batch_size},
    {"threads", &CentralizedSummary::threads},
    {"target_accuracy", &CentralizedSummary::target_accuracy},
    {"epochs", &CentralizedSummary::epochs},
    {"steps", &CentralizedSummary::steps},
    {"samples", &CentralizedSummary::samples},
    {"final_accuracy", &CentralizedSummary::final_accuracy},
    {"best_accuracy", &CentralizedSummary::best_accuracy},
    {"reached_target", &CentralizedSummary::reached_target},
    {"train_flops", &CentralizedSummary::train_flops},
    {"eval_flops", &CentralizedSummary::eval_flops},
    {"train_s", &CentralizedSummary::train_s},
    {"wall_s", &CentralizedSummary::wall_s},
    {"evaluations", &CentralizedSummary::evaluations},
}};

template <class S, size_t N>
void Put(const S& s, const std::array<Field<S>, N>& fields, json& j) {
  internal::PutJson<S>(s, fields, j);
}

template <class S, size_t N>
Status Get(const json& j, const std::array<Field<S>, N>& fields, const std::string& what,
           const std::string& prefix, S* s) {
  return internal::GetJson<S>(j, fields, what, prefix, s);
}

// Get for keys that may be absent (left at their defaults); present ones must have their type.
template <class S, size_t N>
Status GetIfPresent(const json& j, const std::array<Field<S>, N>& fields, const std::string& what,
                    const std::string& prefix, S* s) {
  for (const Field<S>& f : fields) {
    if (!j.contains(f.name)) continue;
    const std::array<Field<S>, 1> one = {f};
    FEDCARBON_RETURN_IF_ERROR(internal::GetJson<S>(j, one, what, prefix, s));
  }
  return Status::OK();
}

json EnergyJson(const EnergyTotals& e, const EfficiencyRatios& ratios) {
  json j = json::object();
  Put<LedgerSums>(e, kLedgerSums, j);
  Put<LedgerSums>(e, kLedgerSumsAdded, j);
  Put(e, kEnergyTotals, j);
  Put(ratios, kEfficiencyRatios, j);
  return j;
}

json EnergyJson(const CentralizedEnergy& e, const EfficiencyRatios& ratios) {
  json j = json::object();
  Put<LedgerSums>(e, kLedgerSums, j);
  Put<LedgerSums>(e, kLedgerSumsAdded, j);
  Put(e, kCentralizedEnergy, j);
  Put(ratios, kEfficiencyRatios, j);
  return j;
}

// The block at j["energy"], read into a LedgerSums-derived record with its own extra fields; the
// added keys and the derived ratios are read when present (the ratios checked, then dropped).
template <class E, size_t N>
Status GetEnergy(const json& j, const std::array<Field<E>, N>& extra, const std::string& what,
                 E* e) {
  Result<const json*> block = internal::GetObject(j, "energy", what, "");
  if (!block.ok()) return block.status();
  FEDCARBON_RETURN_IF_ERROR(
      Get<LedgerSums>(**block, kLedgerSums, what, "energy", static_cast<LedgerSums*>(e)));
  FEDCARBON_RETURN_IF_ERROR(GetIfPresent<LedgerSums>(**block, kLedgerSumsAdded, what, "energy",
                                                     static_cast<LedgerSums*>(e)));
  FEDCARBON_RETURN_IF_ERROR(Get(**block, extra, what, "energy", e));
  EfficiencyRatios derived;
  return GetIfPresent(**block, kEfficiencyRatios, what, "energy", &derived);
}

template <class C, size_t N>
json CpuJson(const C& cpu, const std::array<Field<C>, N>& fields) {
  json j = json::object();
  Put(cpu, fields, j);
  return j;
}

// The optional block at j["cpu"]: nullopt when absent; else an object with every key, typed.
template <class C, size_t N>
Status GetCpu(const json& j, const std::array<Field<C>, N>& fields, const std::string& what,
              std::optional<C>* out) {
  out->reset();
  if (!j.contains("cpu")) return Status::OK();
  Result<const json*> block = internal::GetObject(j, "cpu", what, "");
  if (!block.ok()) return block.status();
  C cpu;
  FEDCARBON_RETURN_IF_ERROR(Get(**block, fields, what, "cpu", &cpu));
  *out = cpu;
  return Status::OK();
}

template <class S>
Result<S> ReadSummary(const std::string& path) {
  Result<json> j = ReadJsonFile(path);
  if (!j.ok()) return j.status();
  S s;
  FEDCARBON_RETURN_IF_ERROR(FromJson(*j, path, &s));
  return s;
}

}  // namespace

LedgerSums MakeLedgerSums(const energy::LedgerTotals& t) {
  LedgerSums s;
  s.energy_kwh = t.energy_kwh;
  s.emissions_kg = t.emissions_kg;
  s.compute_energy_kwh = t.compute_energy_kwh;
  s.comm_energy_kwh = t.comm_energy_kwh;
  s.comm_share = t.comm_share;
  s.clients_energy_kwh = t.clients.energy_kwh;
  s.clients_emissions_kg = t.clients.emissions_kg;
  s.coordinator_energy_kwh = t.coordinator.energy_kwh;
  s.coordinator_emissions_kg = t.coordinator.emissions_kg;
  s.embodied_kg = t.embodied_kg;
  s.catalog = t.catalog;
  s.flops = t.activity.flops;
  s.ledger_rows = t.rows;
  return s;
}

EnergyTotals MakeEnergyTotals(const energy::LedgerTotals& t) {
  EnergyTotals e;
  static_cast<LedgerSums&>(e) = MakeLedgerSums(t);
  e.compute_share = t.energy_kwh > 0 ? t.compute_energy_kwh / t.energy_kwh : 0.0;
  e.wasted_energy_kwh = t.wasted.energy_kwh;
  e.wasted_emissions_kg = t.wasted.emissions_kg;
  return e;
}

CentralizedEnergy MakeCentralizedEnergy(const energy::LedgerRow& row) {
  const energy::LedgerTotals t = energy::Sum({row});
  CentralizedEnergy e;
  static_cast<LedgerSums&>(e) = MakeLedgerSums(t);
  e.centralized_energy_kwh = t.centralized.energy_kwh;
  e.centralized_emissions_kg = t.centralized.emissions_kg;
  e.device = row.device;
  e.pue = row.pue;
  e.country_iso_code = row.country_iso_code;
  e.carbon_intensity_g_per_kwh = row.cost.carbon_intensity_g_per_kwh;
  e.device_compute_s = row.cost.compute_s;
  return e;
}

EfficiencyRatios Ratios(double initial_accuracy, double final_accuracy, double energy_kwh,
                        double emissions_kg) {
  EfficiencyRatios r;
  if (energy_kwh > 0.0) r.accuracy_gain_per_kwh = (final_accuracy - initial_accuracy) / energy_kwh;
  if (emissions_kg > 0.0) r.accuracy_per_g = final_accuracy / (emissions_kg * 1000.0);
  return r;
}

EfficiencyRatios Ratios(const FlRunSummary& s) {
  return Ratios(s.initial_accuracy, s.final_accuracy, s.energy.energy_kwh, s.energy.emissions_kg);
}

EfficiencyRatios Ratios(const CentralizedSummary& s) {
  if (!s.energy) return {};
  return Ratios(kChanceAccuracy, s.final_accuracy, s.energy->energy_kwh, s.energy->emissions_kg);
}

json ToJson(const FlRunSummary& s) {
  json j = json::object();
  Put(s, kFlRunSummary, j);
  if (s.error) j["error"] = *s.error;
  j["energy"] = EnergyJson(s.energy, Ratios(s));
  if (s.cpu) j["cpu"] = CpuJson(*s.cpu, kFlCpu);
  return j;
}

Status FromJson(const json& j, const std::string& what, FlRunSummary* out) {
  FEDCARBON_RETURN_IF_ERROR(internal::RequireObject(j, what, "an FL run summary"));
  if (j.contains("kind"))
    return Status::Corruption(what + ": a summary of kind " + j["kind"].dump() +
                              ", not of an FL run");
  FEDCARBON_RETURN_IF_ERROR(Get(j, kFlRunSummary, what, "", out));
  out->error.reset();
  if (j.contains("error")) {
    std::string error;
    FEDCARBON_RETURN_IF_ERROR(internal::Get(j, "error", what, "", &error));
    out->error = std::move(error);
  }
  FEDCARBON_RETURN_IF_ERROR(GetEnergy(j, kEnergyTotals, what, &out->energy));
  return GetCpu(j, kFlCpu, what, &out->cpu);
}

json ToJson(const CentralizedSummary& s) {
  json j = json::object();
  Put(s, kCentralizedSummary, j);
  json f = json::object();
  Put(s.flops_per_sample, kFlopsPerSample, f);
  j["flops_per_sample"] = f;
  if (s.energy) j["energy"] = EnergyJson(*s.energy, Ratios(s));
  if (s.cpu) j["cpu"] = CpuJson(*s.cpu, kCentralizedCpu);
  return j;
}

Status FromJson(const json& j, const std::string& what, CentralizedSummary* out) {
  FEDCARBON_RETURN_IF_ERROR(internal::RequireObject(j, what, "a centralized run summary"));
  FEDCARBON_RETURN_IF_ERROR(Get(j, kCentralizedSummary, what, "", out));
  if (out->kind != "centralized")
    return Status::Corruption(what + ": key 'kind' is '" + out->kind + "', expected 'centralized'");
  Result<const json*> f = internal::GetObject(j, "flops_per_sample", what, "");
  if (!f.ok()) return f.status();
  FEDCARBON_RETURN_IF_ERROR(
      Get(**f, kFlopsPerSample, what, "flops_per_sample", &out->flops_per_sample));
  out->energy.reset();
  if (j.contains("energy")) {
    CentralizedEnergy e;
    FEDCARBON_RETURN_IF_ERROR(GetEnergy(j, kCentralizedEnergy, what, &e));
    out->energy = std::move(e);
  }
  return GetCpu(j, kCentralizedCpu, what, &out->cpu);
}

Status WriteFlRunSummary(const std::string& path, const FlRunSummary& s) {
  return WriteFileAtomic(path, ToJson(s).dump(2) + "\n");
}

Result<FlRunSummary> ReadFlRunSummary(const std::string& path) {
  return ReadSummary<FlRunSummary>(path);
}

Status WriteCentralizedSummary(const std::string& path, const CentralizedSummary& s) {
  return WriteFileAtomic(path, ToJson(s).dump(2) + "\n");
}

Result<CentralizedSummary> ReadCentralizedSummary(const std::string& path) {
  return ReadSummary<CentralizedSummary>(path);
}

Result<RunOutcome> ReadFinishedRun(const std::string& path, bool centralized) {
  RunOutcome o;
  if (centralized) {
    Result<CentralizedSummary> s = ReadCentralizedSummary(path);
    if (!s.ok()) return s.status();
    if (!s->energy) return Status::Corruption(path + ": missing key 'energy' (not priced)");
    o = {.reached_target = s->reached_target,
         .final_accuracy = s->final_accuracy,
         .best_accuracy = s->best_accuracy,
         .wall_s = s->wall_s,
         .rounds = s->epochs,
         .sim_hours = 0.0,
         .initial_accuracy = kChanceAccuracy,
         .ratios = Ratios(*s)};
    return o;
  }
  Result<FlRunSummary> s = ReadFlRunSummary(path);
  if (!s.ok()) return s.status();
  if (s->error) return Status::Corruption(path + ": the run failed: " + *s->error);
  if (s->interrupted) return Status::Corruption(path + ": the run was interrupted");
  o = {.reached_target = s->reached_target,
       .final_accuracy = s->final_accuracy,
       .best_accuracy = s->best_accuracy,
       .wall_s = s->wall_s,
       .rounds = s->rounds,
       .sim_hours = s->reached_target ? s->sim_hours_to_target : s->sim_hours,
       .initial_accuracy = s->initial_accuracy,
       .ratios = Ratios(*s)};
  return o;
}

}  // namespace fedcarbon::records
