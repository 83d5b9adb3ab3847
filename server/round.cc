// One FL round on the coordinator: select, send, collect, validate, aggregate, evaluate, record.
#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "coordinator_impl.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/server/checkpoint.h"

namespace fedcarbon::server {
namespace {

constexpr uint64_t kMaxSamples = uint64_t{1} << 31;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Names that go into CSV cells: short, no separators or quotes.
bool SafeName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ' ')) return false;
  return true;
}

bool AllFiniteNonNegative(std::initializer_list<double> v) {
  for (double x : v)
    if (!std::isfinite(x) || x < 0.0) return false;
  return true;
}

}  // namespace

Status Coordinator::RunRound(int round) {
  const auto round_start = Clock::now();
  while (PollOnce(std::chrono::milliseconds(0))) {  // heartbeats queued during evaluation
  }
  const double silence_s = std::max(10.0, 5.0 * cfg_.runtime.heartbeat_s);
  registry_.SuspectSilent(round_start - std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(silence_s)),
                          std::vector<bool>(registry_.workers().size(), false));
  for (int w : registry_.Rebalance()) SendWelcome(w);
  if (registry_.EligibleClients().empty()) FEDCARBON_RETURN_IF_ERROR(WaitForLiveWorker());
  const std::vector<int> eligible = registry_.EligibleClients();
  const std::vector<int> selected = SelectClients(
      eligible, cfg_.federation.clients_per_round,
      DeriveSeed(cfg_.seed,
                 {static_cast<uint64_t>(Stream::kSelection), static_cast<uint64_t>(round)}));

  RoundState rs;
  rs.round = round;
  rs.start = round_start;
  FEDCARBON_RETURN_IF_ERROR(
      wire::EncodeWeights(global_, tensor_sizes_, encoding_, false, &rs.weights)
          .WithContext("round " + std::to_string(round)));
  if (encoding_ == wire::Encoding::kFp32) {
    rs.sent = global_;
  } else {  // clients train from the decoded (lossy) model; their deltas are relative to it
    auto sent = wire::DecodeWeights(rs.weights, model_->num_params());
    if (!sent.ok()) return sent.status();
    rs.sent = std::move(*sent);
  }
  for (int c : selected) rs.queued[registry_.WorkerOf(c)].push_back(c);
  round_.emplace(std::move(rs));
  for (const auto& [w, clients] : round_->queued) SendQueued(w);

  const auto deadline =
      round_start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(cfg_.federation.round_timeout_s));
  auto outstanding = [&] {
    if (!round_->pending.empty()) return true;
    for (const auto& [w, clients] : round_->queued)
      if (!clients.empty()) return true;
    return false;
  };
  while (outstanding() && !Stopping()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    PollOnce(std::min(left + std::chrono::milliseconds(1),
                      std::chrono::milliseconds(options_.poll_slice_ms)));
  }
  const double collect_s = Seconds(Clock::now() - round_start);
  if (Stopping()) {  // interrupted: the round is abandoned, not recorded
    mean_->Clear();
    round_.reset();
    return Status::OK();
  }
  for (const auto& [client, p] : round_->pending) {
    spdlog::warn("round {}: client {} (worker {}) dropped: no valid result within {:.1f} s", round,
                 client, registry_.workers()[p.worker].worker_id, cfg_.federation.round_timeout_s);
    registry_.MarkSuspect(p.worker);
  }
  for (const auto& [w, clients] : round_->queued) {
    for (int client : clients)
      spdlog::warn("round {}: client {} (worker {}) dropped: its worker never took the job", round,
                   client, registry_.workers()[w].worker_id);
    if (!clients.empty()) registry_.MarkSuspect(w);
  }

  const auto agg_start = Clock::now();
  uint64_t agg_flops = 0;
  if (mean_->count() > 0) {
    const uint64_t before = mean_->flops();
    mean_->Mean(scratch_);
    std::vector<float> previous = global_;
    agg_flops = mean_->flops() - before + strategy_->Apply(global_, scratch_);
    if (Status st = model_->SetParams(global_); !st.ok()) {  // cannot happen with valid inputs
      spdlog::error("round {}: aggregated model rejected ({}); keeping the previous one", round,
                    st.message());
      global_ = std::move(previous);
      FEDCARBON_RETURN_IF_ERROR(model_->SetParams(global_));
    }
  }
  const double agg_s = Seconds(Clock::now() - agg_start) + round_->add_s;
  mean_->Clear();
  return RecordRound(round, selected, collect_s, agg_s, agg_flops);
}

void Coordinator::HandleResult(int worker, const wire::proto::Message& m, size_t frame_bytes) {
  const std::string& id = registry_.workers()[worker].identity;
  if (!round_) return Reject(id, "train_result", "no round in progress");
  const wire::proto::TrainResult& r = m.train_result();
  if (m.header().round() != static_cast<uint32_t>(round_->round))
    return Reject(id, "train_result",
                  "round " + std::to_string(m.header().round()) + ", expected " +
                      std::to_string(round_->round));
  auto it = round_->pending.find(static_cast<int>(r.client_id()));
  if (it == round_->pending.end())
    return Reject(id, "train_result",
                  "client " + std::to_string(r.client_id()) +
                      " was not asked this round or already answered");
  const Pending& p = it->second;
  if (p.worker != worker)
    return Reject(id, "train_result",
                  "client " + std::to_string(r.client_id()) + " is hosted by another worker");
  if (r.request_seq() != p.seq)
    return Reject(id, "train_result",
                  "answers request " + std::to_string(r.request_seq()) + ", expected " +
                      std::to_string(p.seq));
  if (r.num_samples() == 0 || r.num_samples() > kMaxSamples || !std::isfinite(r.train_loss()))
    return Reject(id, "train_result", "num_samples or train_loss out of range");
  const wire::proto::Activity& a = r.activity();
  if (a.bytes_down() != p.bytes_down || a.bytes_up() != frame_bytes)
    return Reject(id, "train_result",
                  "reported bytes down/up " + std::to_string(a.bytes_down()) + "/" +
                      std::to_string(a.bytes_up()) + " differ from the frames' " +
                      std::to_string(p.bytes_down) + "/" + std::to_string(frame_bytes));
  const wire::proto::EnergyReport& e = r.energy();
  if (!SafeName(e.device()) || !SafeName(e.country()) || !SafeName(e.network()) ||
      !AllFiniteNonNegative({a.compute_s(), a.wall_s(), e.pue(), e.compute_s(), e.comm_s(),
                             e.compute_energy_kwh(), e.comm_energy_kwh(), e.energy_kwh(),
                             e.carbon_intensity_g_per_kwh(), e.emissions_kg()}))
    return Reject(id, "train_result", "activity or energy report out of range");
  if (Status st = wire::DecodeWeights(r.weights(), model_->num_params(), scratch_); !st.ok())
    return Reject(id, "train_result", st.message());
  if (r.weights().is_delta()) {
    bool finite = true;
    for (size_t i = 0; i < scratch_.size(); ++i) {
      scratch_[i] += round_->sent[i];
      finite &= std::isfinite(scratch_[i]);
    }
    if (!finite) return Reject(id, "train_result", "update overflows the model");
  }

  const auto add_start = Clock::now();
  mean_->Add(scratch_, static_cast<double>(r.num_samples()));
  round_->add_s += Seconds(Clock::now() - add_start);
  ++round_->completed;
  round_->bytes_up += frame_bytes;

  energy::LedgerRow row;
  row.timestamp = UnixNow();
  row.run_id = run_id_;
  row.round = round_->round;
  row.client_id = static_cast<int>(r.client_id());
  row.role = "client";
  row.country_iso_code = e.country();
  row.device = e.device();
  row.pue = e.pue();
  row.network = e.network();
  row.activity = {a.flops(),      static_cast<int64_t>(a.samples()),
                  a.bytes_down(), a.bytes_up(),
                  a.compute_s(),  a.wall_s()};
  row.cost = {e.compute_s(),       e.comm_s(),     e.compute_energy_kwh(),
              e.comm_energy_kwh(), e.energy_kwh(), e.carbon_intensity_g_per_kwh(),
              e.emissions_kg()};
  round_->client_rows.push_back(std::move(row));
  round_->pending.erase(it);
  --round_->in_flight[worker];
  SendQueued(worker);
}

void Coordinator::SendQueued(int worker) {
  std::deque<int>& queue = round_->queued[worker];
  int& in_flight = round_->in_flight[worker];
  const bool prox = cfg_.federation.strategy == "fedprox";
  wire::proto::Message m;
  while (!queue.empty() && in_flight < kRequestsInFlightPerWorker) {
    const int c = queue.front();
    queue.pop_front();
    const uint64_t seq = builder_.Start(&m, static_cast<uint32_t>(round_->round));
    wire::proto::TrainRequest* req = m.mutable_train_request();
    req->set_client_id(static_cast<uint32_t>(c));
    req->set_epochs(static_cast<uint32_t>(cfg_.train.local_epochs));
    req->set_lr(static_cast<float>(cfg_.train.lr));
    req->set_batch_size(static_cast<uint32_t>(cfg_.train.batch_size));
    req->set_strategy(cfg_.federation.strategy);
    req->set_prox_mu(prox ? static_cast<float>(cfg_.federation.fedprox_mu) : 0.0f);
    req->set_result_encoding(static_cast<wire::proto::Encoding>(encoding_));
    req->set_allocated_weights(&round_->weights);  // borrowed: released after serialization
    uint64_t bytes = 0;
    Send(worker, m, &bytes);
    (void)req->release_weights();  // ownership stays with the round
    round_->pending[c] = {worker, seq, bytes};
    round_->bytes_down += bytes;
    ++in_flight;
  }
}

void Coordinator::HandleJobError(int worker, const wire::proto::Message& m) {
  if (!round_ || m.header().round() != static_cast<uint32_t>(round_->round) ||
      !m.error().has_client_id())
    return;
  auto it = round_->pending.find(static_cast<int>(m.error().client_id()));
  if (it == round_->pending.end() || it->second.worker != worker ||
      it->second.seq != m.error().request_seq())
    return;
  spdlog::warn("round {}: client {} dropped: its worker could not train it", round_->round,
               it->first);
  round_->pending.erase(it);
  --round_->in_flight[worker];
  SendQueued(worker);
}

Status Coordinator::EvaluateInitial() {
  models::DataView view{test_.images.data(), test_.labels.data(), test_.n, test_.dim(), {}};
  auto es = models::Evaluate(*model_, view, cfg_.train.threads);
  if (!es.ok()) return es.status().WithContext("evaluation");
  initial_eval_ = *es;
  spdlog::info("round 0: initial model accuracy {:.4f}, loss {:.4f}", es->accuracy, es->loss);
  return Status::OK();
}

Status Coordinator::RecordRound(int round, const std::vector<int>& selected, double collect_s,
                                double agg_s, uint64_t agg_flops) {
  RoundState& rs = *round_;
  const int dropped = static_cast<int>(selected.size()) - rs.completed;
  const bool last = round == cfg_.federation.rounds;
  const bool evaluate = last || round % std::max(cfg_.federation.eval_every_rounds, 1) == 0;
  std::optional<models::EvalStats> eval;
  if (evaluate) {
    models::DataView view{test_.images.data(), test_.labels.data(), test_.n, test_.dim(), {}};
    auto es = models::Evaluate(*model_, view, cfg_.train.threads);
    if (!es.ok()) return es.status().WithContext("evaluation");
    eval = *es;
  }
  const double wall_s = Seconds(Clock::now() - rs.start);

  std::string acc, loss;
  if (eval) {
    acc = std::to_string(eval->accuracy);
    loss = std::to_string(eval->loss);
  }
  std::fprintf(rounds_csv_, "%d,%zu,%d,%d,%s,%s,%llu,%llu,%.6f,%.6f,%.6f\n", round, selected.size(),
               rs.completed, dropped, acc.c_str(), loss.c_str(),
               static_cast<unsigned long long>(rs.bytes_down),
               static_cast<unsigned long long>(rs.bytes_up), wall_s, collect_s,
               eval ? eval->wall_s : 0.0);
  std::fflush(rounds_csv_);

  for (energy::LedgerRow& row : rs.client_rows) {
    FEDCARBON_RETURN_IF_ERROR(ledger_->Append(row));
    ledger_rows_.push_back(std::move(row));
  }
  energy::LedgerRow row;
  row.timestamp = UnixNow();
  row.run_id = run_id_;
  row.round = round;
  row.client_id = -1;
  row.role = "coordinator";
  row.country_iso_code = cfg_.energy.coordinator_country;
  row.device = cfg_.energy.coordinator_device;
  row.network = cfg_.energy.network;
  row.activity.flops = agg_flops + (eval ? eval->flops : 0);
  row.activity.samples = eval ? eval->samples : 0;
  row.activity.compute_s = agg_s + (eval ? eval->wall_s : 0.0);
  if (round == 1) {  // the evaluation of the initial model is coordinator work too
    row.activity.flops += initial_eval_.flops;
    row.activity.samples += initial_eval_.samples;
    row.activity.compute_s += initial_eval_.wall_s;
  }
  row.activity.wall_s = wall_s;
  auto resolved = energy::Resolve(catalog_, coordinator_target_);
  if (!resolved.ok()) return resolved.status();
  row.pue = resolved->pue;
  row.country_iso_code = resolved->country.iso3;
  row.device = resolved->device.name;
  row.cost = energy::PriceResolved(row.activity, *resolved);
  if (rapl_) {
    if (auto joules = rapl_->Sample()) row.measured_energy_kwh = *joules / 3.6e6;
  }
  FEDCARBON_RETURN_IF_ERROR(ledger_->Append(row));
  ledger_rows_.push_back(std::move(row));

  FEDCARBON_RETURN_IF_ERROR(WriteCheckpoint(options_.out_dir + "/checkpoint.bin", round, global_));

  result_.rounds = round;
  result_.dropped += dropped;
  result_.bytes_down += rs.bytes_down;
  result_.bytes_up += rs.bytes_up;
  if (eval) {
    result_.final_accuracy = eval->accuracy;
    result_.best_accuracy = std::max(result_.best_accuracy, eval->accuracy);
    if (eval->accuracy >= cfg_.federation.target_accuracy && !result_.reached_target) {
      result_.reached_target = true;
      result_.rounds_to_target = round;
    }
    spdlog::info("round {}/{}: {}/{} clients ({} dropped), accuracy {:.4f}, loss {:.4f}, {:.2f} s",
                 round, cfg_.federation.rounds, rs.completed, selected.size(), dropped,
                 eval->accuracy, eval->loss, wall_s);
  } else {
    spdlog::info("round {}/{}: {}/{} clients ({} dropped), {:.2f} s", round, cfg_.federation.rounds,
                 rs.completed, selected.size(), dropped, wall_s);
  }
  round_.reset();
  return Status::OK();
}

}  // namespace fedcarbon::server
