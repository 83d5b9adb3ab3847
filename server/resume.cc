// The coordinator's checkpoints: one after every recorded round, and continuing a run from one
// (see coordinator.h, "Resuming", and include/fedcarbon/server/checkpoint.h).
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "coordinator_impl.h"
#include "fedcarbon/common/file.h"

namespace fedcarbon::server {
namespace {

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// "/federation/rounds" -> "federation.rounds", "/clients/countries/3" -> "clients.countries.3".
std::string DottedKey(const std::string& pointer) {
  std::string key = pointer.empty() ? "(the whole config)" : pointer.substr(1);
  for (char& c : key)
    if (c == '/') c = '.';
  return key;
}

// The keys where a run's config and this one differ: "federation.rounds (6, now 8), ...".
std::string ConfigDifferences(const nlohmann::json& saved, const nlohmann::json& now) {
  constexpr size_t kShown = 5;
  const nlohmann::json patch = nlohmann::json::diff(saved, now);
  std::string out;
  size_t shown = 0;
  for (const nlohmann::json& op : patch) {
    if (shown == kShown) {
      out += fmt::format(" and {} more", patch.size() - kShown);
      break;
    }
    const auto it = op.find("path");
    if (it == op.end() || !it->is_string()) continue;
    const std::string& path = it->get_ref<const std::string&>();
    const nlohmann::json::json_pointer ptr(path);
    const auto at = [&](const nlohmann::json& j) {
      return j.contains(ptr) ? j.at(ptr).dump() : std::string("absent");
    };
    out += fmt::format("{}{} ({}, now {})", shown ? ", " : "", DottedKey(path), at(saved), at(now));
    ++shown;
  }
  return out;
}

// InvalidArgument (exit code 2) naming `what` and the keys when `saved_text` (a run's config as
// JSON) is not `cfg`.
Status CheckSameConfig(const std::string& saved_text, const config::ExperimentConfig& cfg,
                       const std::string& what) {
  const nlohmann::json saved = nlohmann::json::parse(saved_text, nullptr, false);
  if (saved.is_discarded()) return Status::Corruption(what + ": its config is not valid JSON");
  const nlohmann::json now = config::ToJson(cfg);
  if (saved == now) return Status::OK();
  return Status::InvalidArgument(
      what + ": the run was made with another config: " + ConfigDifferences(saved, now) +
      "; resume it with its own config (config.json in the run folder)");
}

}  // namespace

Result<std::optional<Checkpoint>> Coordinator::LoadCheckpointToResume() {
  if (!options_.resume) return std::optional<Checkpoint>();
  const std::string path = options_.out_dir + "/checkpoint.bin";
  Result<Checkpoint> c = ReadCheckpoint(path);
  if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
    // It died before round 1 was recorded (or never ran here): start over, though not with
    // another config than the folder's.
    const std::string config_path = options_.out_dir + "/config.json";
    if (Result<std::string> saved = ReadFile(config_path); saved.ok())
      FEDCARBON_RETURN_IF_ERROR(CheckSameConfig(*saved, cfg_, config_path));
    spdlog::warn("{}: no checkpoint to resume from; the run starts from round 1", path);
    return std::optional<Checkpoint>();
  }
  if (!c.ok()) return c.status();
  FEDCARBON_RETURN_IF_ERROR(CheckSameConfig(c->config_json, cfg_, path));
  if (static_cast<int64_t>(c->params.size()) != model_->num_params())
    return Status::Corruption(path + ": " + std::to_string(c->params.size()) +
                              " weights, the model has " + std::to_string(model_->num_params()));
  return std::optional<Checkpoint>(std::move(*c));
}

Status Coordinator::RestoreFrom(const Checkpoint& c) {
  const std::string path = options_.out_dir + "/checkpoint.bin";
  FEDCARBON_RETURN_IF_ERROR(model_->Restore(c.params, c.strategy_state).WithContext(path));
  sim_->set_clock({c.clock.now, c.clock.last_start, c.clock.has_started});
  result_ = c.totals;  // the run id and every counter
  result_.endpoint.clear();
  result_.wall_s = 0.0;
  result_.interrupted = false;
  wall_before_s_ = c.totals.wall_s;
  initial_eval_.accuracy = c.initial.accuracy;
  initial_eval_.loss = c.initial.loss;
  initial_eval_.flops = c.initial.flops;
  initial_eval_.samples = static_cast<int64_t>(c.initial.samples);
  initial_eval_.wall_s = c.initial.wall_s;
  resumed_last_seq_ = c.last_seq;
  resumed_ = true;
  if (cfg_.train.keep_optimizer_state)
    spdlog::warn(
        "train.keep_optimizer_state: the clients' optimizer states were the old workers' and "
        "start over, so the rounds from here differ from an uninterrupted run's");
  spdlog::info("resuming run {} after round {} of {} ({}): accuracy {:.4f}, best {:.4f}",
               result_.run_id, c.round, cfg_.federation.rounds, path, result_.final_accuracy,
               result_.best_accuracy);
  return Status::OK();
}

Status Coordinator::SaveCheckpoint() {
  Checkpoint c;
  c.round = result_.rounds;
  c.config_json = config::ToJson(cfg_).dump();
  c.totals = result_;
  c.totals.endpoint.clear();
  c.totals.wall_s = wall_before_s_ + SecondsSince(start_);
  c.totals.interrupted = false;
  c.initial = {initial_eval_.accuracy, initial_eval_.loss, initial_eval_.flops,
               static_cast<uint64_t>(initial_eval_.samples), initial_eval_.wall_s};
  const simtime::Simulation::ClockState clock = sim_->clock();
  c.clock = {clock.now, clock.last_start, clock.has_started};
  c.last_seq = transport_->last_seq();
  c.params = model_->weights();
  c.strategy_state = model_->StrategyState();
  return recorder_->SaveCheckpoint(std::move(c));
}

}  // namespace fedcarbon::server
