// summary.json, typed: the run summary of an FL run (FlRunSummary, written by the coordinator)
// and of a centralized run (CentralizedSummary, written by RunCentralized, then priced by
// PriceCentralized). One writer and one reader per record, both here:
//
//   coordinator's run recorder  s.energy = MakeEnergyTotals(energy::Sum(ledger_rows));
//                               WriteFlRunSummary(out_dir + "/summary.json", s)
//   launcher (RunLocal)         ReadFlRunSummary(path)
//   RunCentralized              WriteCentralizedSummary(path, s)  (s.energy: nullopt)
//   PriceCentralized            ReadCentralizedSummary, set s.energy, WriteCentralizedSummary
//   reproduce, sweeps           ReadFinishedRun(path, centralized)  (either kind)
//
// The JSON is an object with sorted keys (nlohmann::json), pretty-printed with 2 spaces and a
// final newline; the keys and the JSON types of the values are exactly those listed on the
// fields below (integers stay integers, -1.0 stays a float), plus the two derived keys of the
// "energy" block (EfficiencyRatios, below: "energy.accuracy_gain_per_kwh" and
// "energy.accuracy_per_g", in both kinds once there is an energy block). Reading requires every key
// (except the std::optional ones and the keys added in issue 11: energy.embodied_kg,
// energy.catalog and the two derived ratios, which folders written before them lack) with its
// JSON type: a missing, renamed or mistyped key is a Corruption error naming the file and the key
// ("runs/a/summary.json: missing key 'energy.flops'"); an added key, when present, must have its
// type too. Unknown extra keys are ignored. A file that does not exist is NotFound, one that is not
// a JSON object Corruption.
//
// The "cpu" blocks (FlCpu, CentralizedCpu: measured CPU seconds of the writing process) were added
// later still: optional on read (absent: std::nullopt, as in summaries written before them), and
// when present an object with every one of its keys, typed. Their writers always write them.
//
// Derived keys: ToJson computes the EfficiencyRatios from the summary's own accuracies and energy
// block (Ratios, the one place they are computed) and writes them into "energy"; they are not
// members of the structs, so a summary cannot carry ratios that disagree with its numbers.
// FromJson checks them (a number, when present) and drops them; readers that want them
// call Ratios(summary) (ReadFinishedRun does, for reproduce and sweeps).
//
// Thread safety: values and free functions; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"
#include "fedcarbon/energy/ledger.h"

namespace fedcarbon::records {

// The ledger sums both "energy" blocks share (see energy::LedgerTotals).
struct LedgerSums {
  double energy_kwh = 0.0;
  double emissions_kg = 0.0;
  double compute_energy_kwh = 0.0;
  double comm_energy_kwh = 0.0;
  double comm_share = 0.0;  // comm_energy_kwh / energy_kwh; 0 when no energy
  double clients_energy_kwh = 0.0;
  double clients_emissions_kg = 0.0;
  double coordinator_energy_kwh = 0.0;
  double coordinator_emissions_kg = 0.0;
  // The host's RAPL energy over the run, kWh (the run recorder's reading, not a ledger sum: RAPL
  // measures the whole machine); -1 when not measured.
  double measured_energy_kwh = -1.0;
  uint64_t flops = 0;  // summed activity FLOPs
  int ledger_rows = 0;
  // Added in issue 11 (optional on read: folders written before them still read).
  double embodied_kg = 0.0;  // scope 3 (devices' manufacturing), beside emissions_kg, not in it
  std::string catalog;       // Catalog::id() of the rows ("mixed" when they differ, "" unknown)
  bool operator==(const LedgerSums&) const = default;
};
LedgerSums MakeLedgerSums(const energy::LedgerTotals& t);

// The "energy" block of an FL summary: the totals of the run's whole ledger.
struct EnergyTotals : LedgerSums {
  double compute_share = 0.0;  // compute_energy_kwh / energy_kwh; 0 when no energy
  // Wasted work (ledger status late or offline), included in the totals above.
  double wasted_energy_kwh = 0.0;
  double wasted_emissions_kg = 0.0;
  bool operator==(const EnergyTotals&) const = default;
};
EnergyTotals MakeEnergyTotals(const energy::LedgerTotals& t);

// What a run's accuracy bought, per unit of energy and of emissions (issue 11):
//   accuracy_gain_per_kwh = (final_accuracy - initial_accuracy) / energy_kwh
//       the energy-precision ratio: accuracy gained (as a fraction, 0.79 = 79 points) per kWh;
//       0 when energy_kwh <= 0; negative when the run ended below where it started.
//   accuracy_per_g = final_accuracy / (emissions_kg * 1000)
//       final accuracy (fraction) per gram CO2e; 0 when emissions_kg <= 0.
// Both over the summary's whole "energy" block: an FL run's every ledger row (clients and
// coordinator, wasted work included), a centralized run's one priced row.
struct EfficiencyRatios {
  double accuracy_gain_per_kwh = 0.0;
  double accuracy_per_g = 0.0;
  bool operator==(const EfficiencyRatios&) const = default;
};
EfficiencyRatios Ratios(double initial_accuracy, double final_accuracy, double energy_kwh,
                        double emissions_kg);

// The accuracy a centralized run's gain is counted from: chance level, 1 / 10 classes
// (Fashion-MNIST, data::Dataset::kNumClasses). RunCentralized does not evaluate the model before
// training (curve.csv starts after the first training segment, and an extra evaluation would
// change the run's eval_flops), so there is no measured initial accuracy; an untrained classifier
// scores about chance (the FL goldens' round-0 accuracies: 0.136 and 0.0955).
inline constexpr double kChanceAccuracy = 0.1;

// The "cpu" block of an FL summary: CPU seconds (user + system, every thread, OpenMP's included;
// not wall seconds, which inflate when the machine is oversubscribed) of the coordinator process
// (fedcarbon-server), measured with CLOCK_PROCESS_CPUTIME_ID. A resumed run counts the resumed
// process only (the process before the checkpoint is not in it).
struct FlCpu {
  // In the coordinator's test-set evaluations: the initial model's (round 0) and every round's.
  double evaluation_s = 0.0;  // key "cpu.evaluation_s"
  // The whole coordinator process, from its start to when summary.json was written.
  double process_s = 0.0;  // key "cpu.process_s"
  bool operator==(const FlCpu&) const = default;
};

// summary.json of an FL run. Keys: the field names, except `rejected` ("rejected_messages"),
// and the derived "energy.accuracy_gain_per_kwh" and "energy.accuracy_per_g" (Ratios(s)).
// Its initial accuracy is measured: the initial model's evaluation (round 0).
struct FlRunSummary {
  std::string run_id;
  std::string name;               // config name
  std::string model;              // model.name
  std::string strategy;           // federation.strategy
  std::string partition;          // partition.scheme
  std::string compression;        // the update encoding's name ("fp32", "fp16", "int8")
  int rounds = 0;                 // rounds completed
  double initial_accuracy = 0.0;  // of the initial model (round 0)
  double final_accuracy = 0.0;    // of the last evaluation
  double best_accuracy = 0.0;
  double target_accuracy = 0.0;
  bool reached_target = false;
  int rounds_to_target = 0;  // first round at or above the target; 0 when not reached
  double wall_s = 0.0;
  uint64_t bytes_down = 0;  // TrainRequest bytes sent, all rounds
  uint64_t bytes_up = 0;    // accepted TrainResult bytes received, all rounds
  int dropped = 0;          // selected clients whose result never arrived, all rounds
  int late = 0;             // results that arrived after their round closed (simulated time)
  int offline = 0;          // selected clients that went offline mid-job (simulated time)
  std::string sim_start;    // simulated start (time.start), "2023-06-05T00:00:00Z"
  double sim_hours = 0.0;   // simulated hours from the start to the end of the last round
  double sim_hours_to_target = 0.0;  // to the end of rounds_to_target; 0 when not reached
  int rejected = 0;                  // key "rejected_messages"
  bool interrupted = false;
  int workers = 0;                   // worker processes that joined
  std::optional<std::string> error;  // present only when the run failed: the error message
  EnergyTotals energy;               // key "energy"
  // Key "cpu": the coordinator always writes it; nullopt when read from a summary without it.
  std::optional<FlCpu> cpu;
  bool operator==(const FlRunSummary&) const = default;
};

// The "energy" block PriceCentralized adds to a centralized summary: the sums of its one ledger
// row and what it was priced as.
struct CentralizedEnergy : LedgerSums {
  double centralized_energy_kwh = 0.0;
  double centralized_emissions_kg = 0.0;
  std::string device;  // profile priced on
  double pue = 0.0;    // PUE applied
  std::string country_iso_code;
  double carbon_intensity_g_per_kwh = 0.0;
  double device_compute_s = 0.0;  // modelled compute seconds on the device
  std::string priced_flops;       // which FLOPs were priced, in words
  bool operator==(const CentralizedEnergy&) const = default;
};
// The sums of energy::Sum({row}) and the row's device, PUE, country, intensity and modelled
// seconds; priced_flops is left empty for the caller to say.
CentralizedEnergy MakeCentralizedEnergy(const energy::LedgerRow& row);

// The "cpu" block of a centralized summary: CPU seconds (user + system, every thread, OpenMP's
// included) of the process running RunCentralized, measured with CLOCK_PROCESS_CPUTIME_ID from
// the call of RunCentralized on (a process that did other work first does not count it).
struct CentralizedCpu {
  double train_s = 0.0;       // key "cpu.train_s": in training (models::Train)
  double evaluation_s = 0.0;  // key "cpu.evaluation_s": in test-set evaluations
  // Key "cpu.process_s": the whole process over RunCentralized (data loading, training,
  // evaluation, the progress line's thread, files); >= train_s + evaluation_s.
  double process_s = 0.0;
  bool operator==(const CentralizedCpu&) const = default;
};

// summary.json of a centralized run (the centralized baseline). Once priced, its "energy" block
// also holds the derived "accuracy_gain_per_kwh" and "accuracy_per_g" (Ratios(s)), the gain
// counted from kChanceAccuracy.
struct CentralizedSummary {
  std::string kind = "centralized";  // always "centralized" (the reader checks it)
  std::string name;                  // config name
  std::string model;
  int64_t params = 0;
  struct FlopsPerSample {
    uint64_t forward = 0;
    uint64_t backward = 0;
    bool operator==(const FlopsPerSample&) const = default;
  } flops_per_sample;
  std::string optimizer;
  double lr = 0.0;
  int batch_size = 0;
  int threads = 0;
  double target_accuracy = 0.0;
  int epochs = 0;  // epochs started
  int64_t steps = 0;
  int64_t samples = 0;
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  bool reached_target = false;
  uint64_t train_flops = 0;  // to the stop (to the target when reached)
  uint64_t eval_flops = 0;
  double train_s = 0.0;
  double wall_s = 0.0;
  int64_t evaluations = 0;                  // rows of curve.csv
  std::optional<CentralizedEnergy> energy;  // present once priced (PriceCentralized)
  // Key "cpu": RunCentralized always writes it; nullopt when read from a summary without it.
  std::optional<CentralizedCpu> cpu;
  bool operator==(const CentralizedSummary&) const = default;
};

// The ratios a summary's JSON carries: FL from its initial and final accuracy and its energy
// block; centralized from kChanceAccuracy, its final accuracy and its energy block ({0, 0} when
// not priced: no energy block, no keys).
EfficiencyRatios Ratios(const FlRunSummary& s);
EfficiencyRatios Ratios(const CentralizedSummary& s);

// JSON <-> struct. FromJson fills *out, or returns a Corruption error naming `what` (the file)
// and the first missing or mistyped key; *out is unspecified then.
nlohmann::json ToJson(const FlRunSummary& s);
Status FromJson(const nlohmann::json& j, const std::string& what, FlRunSummary* out);
nlohmann::json ToJson(const CentralizedSummary& s);
Status FromJson(const nlohmann::json& j, const std::string& what, CentralizedSummary* out);

// Writes ToJson(s).dump(2) + "\n" to `path` atomically (WriteFileAtomic). The coordinator's run
// recorder calls WriteFlRunSummary(out_dir + "/summary.json", summary) once, at the end of a run.
Status WriteFlRunSummary(const std::string& path, const FlRunSummary& s);
Result<FlRunSummary> ReadFlRunSummary(const std::string& path);
Status WriteCentralizedSummary(const std::string& path, const CentralizedSummary& s);
Result<CentralizedSummary> ReadCentralizedSummary(const std::string& path);

// What tables over runs of either kind (reproduce, sweeps) read from a summary.
struct RunOutcome {
  bool reached_target = false;
  double final_accuracy = 0.0;
  double best_accuracy = 0.0;
  double wall_s = 0.0;
  int rounds = 0;  // FL: rounds completed; centralized: epochs
  // FL: simulated hours to the target when reached, else of the whole run; centralized: 0.
  double sim_hours = 0.0;
  // FL: measured (round 0); centralized: kChanceAccuracy (the gain's baseline, not measured).
  double initial_accuracy = 0.0;
  EfficiencyRatios ratios;  // Ratios(summary): what summary.json's energy block says
};
// Reads `path` as the summary of a finished run of its kind (ReadCentralizedSummary when
// `centralized`, else ReadFlRunSummary). Besides the readers' errors, a run that is not complete
// is a Corruption error naming the file: an FL run that failed ("error") or was interrupted, a
// centralized run not yet priced (no "energy").
Result<RunOutcome> ReadFinishedRun(const std::string& path, bool centralized);

}  // namespace fedcarbon::records
