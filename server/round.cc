// One FL round on the coordinator: select, send, collect, validate, aggregate, evaluate, record.
#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "coordinator_impl.h"
#include "fedcarbon/common/seed.h"

namespace fedcarbon::server {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
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
  // Silent and disconnected workers were found dead as it happened (PollOnce); idle workers
  // (restarted, or back after being declared dead) take a fair share before the selection.
  Rehost(registry_.Rebalance(), "rebalanced");
  if (registry_.EligibleClients().empty()) FEDCARBON_RETURN_IF_ERROR(WaitForLiveWorker());
  const std::vector<int> eligible = registry_.EligibleClients();
  double sim_start = 0.0, shift_h = 0.0;
  Result<std::vector<int>> chosen = SelectInSimTime(round, eligible, &sim_start, &shift_h);
  if (!chosen.ok()) return chosen.status().WithContext("round " + std::to_string(round));
  const std::vector<int> selected = std::move(*chosen);

  RoundPlan plan;
  plan.round = round;
  plan.start = round_start;
  plan.timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(cfg_.federation.round_timeout_s));
  plan.in_flight_per_worker = kRequestsInFlightPerWorker;
  plan.expected = expected_work_;
  for (int c : selected) plan.selected.emplace_back(c, registry_.WorkerOf(c));
  RoundState rs(std::move(plan));
  rs.start = round_start;
  rs.sim_start = sim_start;
  rs.shift_h = shift_h;
  FEDCARBON_RETURN_IF_ERROR(
      model_->EncodeForRound(&rs.weights, &rs.sent).WithContext("round " + std::to_string(round)));
  round_.emplace(std::move(rs));
  SendRequests(round_->engine.Start());

  while (!round_->engine.complete() && !Stopping()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        round_->engine.deadline() - Clock::now());
    if (left.count() <= 0) break;
    PollOnce(std::min(left + std::chrono::milliseconds(1),
                      std::chrono::milliseconds(options_.poll_slice_ms)));
  }
  const double collect_s = Seconds(Clock::now() - round_start);
  if (Stopping()) {  // interrupted: the round is abandoned, not recorded
    model_->ClearRound();
    round_.reset();
    return Status::OK();
  }
  NoteDropped(round_->engine.Tick(std::max(Clock::now(), round_->engine.deadline())));
  CloseInSimTime();

  const auto agg_start = Clock::now();
  Result<uint64_t> agg_flops = model_->Aggregate();
  if (!agg_flops.ok()) return agg_flops.status().WithContext("round " + std::to_string(round));
  const double agg_s = Seconds(Clock::now() - agg_start) + round_->add_s;
  return RecordRound(round, selected, collect_s, agg_s, *agg_flops);
}

void Coordinator::HandleResult(int worker, const wire::proto::Message& m, size_t frame_bytes) {
  const std::string& id = registry_.workers()[worker].identity;
  if (!round_) return Reject(id, "train_result", "no round in progress");
  const wire::proto::TrainResult& r = m.train_result();
  const wire::proto::Activity& a = r.activity();
  const ResultClaim claim{worker,          m.header().round(), static_cast<int>(r.client_id()),
                          r.request_seq(), r.num_samples(),    a.samples(),
                          a.flops()};
  if (Status st = round_->engine.Check(claim); !st.ok())
    return Reject(id, "train_result", st.message());
  if (!std::isfinite(r.train_loss()) || !AllFiniteNonNegative({a.compute_s(), a.wall_s()}))
    return Reject(id, "train_result", "train_loss, compute_s or wall_s out of range");
  std::vector<float> update;  // kept until the round closes in simulated time
  if (Status st = model_->DecodeUpdate(r.weights(), round_->sent, &update); !st.ok())
    return Reject(id, "train_result", st.message());

  RoundState::Accepted& accepted = round_->accepted[claim.client];
  accepted.update = std::move(update);
  accepted.weight = static_cast<double>(r.num_samples());

  const energy::ResolvedTarget& target = sim_->targets().client(claim.client);
  energy::LedgerRow& row = accepted.row;
  row.timestamp = UnixNow();
  row.run_id = result_.run_id;
  row.round = round_->engine.round();
  row.client_id = claim.client;
  row.role = "client";
  row.country_iso_code = target.country.iso3;
  row.device = target.device.name;
  row.pue = target.pue;
  row.network = target.network.name;
  row.activity = {a.flops(),
                  static_cast<int64_t>(a.samples()),
                  round_->engine.RequestBytes(claim.client),
                  frame_bytes,
                  a.compute_s(),
                  a.wall_s(),
                  cfg_.train.threads};
  // The steps the reported FLOPs came in: the coordinator's own count for the shard (the claim's
  // FLOPs and samples were just checked against the same expectation).
  if (static_cast<size_t>(claim.client) < expected_work_.size())
    row.activity.steps = expected_work_[static_cast<size_t>(claim.client)].steps;
  row.catalog = sim_->targets().catalog_id();
  SendRequests(round_->engine.Accept(claim.client, frame_bytes));
}

void Coordinator::SendRequests(const std::vector<SendRequest>& requests) {
  wire::proto::Message m;
  for (const SendRequest& s : requests) {
    const uint64_t seq = transport_->Start(&m, static_cast<uint32_t>(round_->engine.round()));
    wire::proto::TrainRequest* req = m.mutable_train_request();
    req->set_client_id(static_cast<uint32_t>(s.client));
    req->set_allocated_weights(&round_->weights);  // borrowed: released after serialization
    uint64_t bytes = 0;
    Send(s.worker, m, &bytes);
    (void)req->release_weights();  // ownership stays with the round
    round_->engine.Sent(s.client, seq, bytes);
  }
}

void Coordinator::NoteDropped(const std::vector<Dropped>& dropped) {
  for (const Dropped& d : dropped) {
    spdlog::warn("round {}: client {} (worker {}) dropped: {}", round_->engine.round(), d.client,
                 registry_.workers()[d.worker].worker_id, d.reason);
    registry_.MarkSuspect(d.worker);
  }
}

void Coordinator::HandleJobError(int worker, const wire::proto::Message& m) {
  if (!round_ || m.header().round() != static_cast<uint32_t>(round_->engine.round()) ||
      !m.error().has_client_id())
    return;
  std::vector<SendRequest> next;
  Dropped dropped;
  if (!round_->engine.JobFailed(worker, static_cast<int>(m.error().client_id()),
                                m.error().request_seq(), &next, &dropped))
    return;
  spdlog::warn("round {}: client {} dropped: {}", round_->engine.round(), dropped.client,
               dropped.reason);
  SendRequests(next);
}

Result<models::EvalStats> Coordinator::EvaluateModel() {
  const double cpu_start = ProcessCpuSeconds();
  auto es = model_->Evaluate(cfg_.train.threads);
  eval_cpu_s_ += ProcessCpuSeconds() - cpu_start;
  return es;
}

Status Coordinator::EvaluateInitial() {
  auto es = EvaluateModel();
  if (!es.ok()) return es.status();
  initial_eval_ = *es;
  spdlog::info("round 0: initial model accuracy {:.4f}, loss {:.4f}", es->accuracy, es->loss);
  return Status::OK();
}

Status Coordinator::RecordRound(int round, const std::vector<int>& selected, double collect_s,
                                double agg_s, uint64_t agg_flops) {
  RoundState& rs = *round_;
  const int completed = rs.engine.completed() - rs.late - rs.offline;
  const int dropped = static_cast<int>(selected.size()) - rs.engine.completed();
  const bool last = round == cfg_.federation.rounds;
  const bool evaluate = last || round % std::max(cfg_.federation.eval_every_rounds, 1) == 0;
  std::optional<models::EvalStats> eval;
  if (evaluate) {
    auto es = EvaluateModel();
    if (!es.ok()) return es.status();
    eval = *es;
  }
  const double wall_s = Seconds(Clock::now() - rs.start);

  energy::LedgerRow row;
  row.timestamp = UnixNow();
  row.run_id = result_.run_id;
  row.round = round;
  row.client_id = -1;
  row.role = "coordinator";
  row.network = cfg_.energy.network;
  row.activity.flops = agg_flops + (eval ? eval->flops : 0);
  row.activity.samples = eval ? eval->samples : 0;
  row.activity.steps = eval ? eval->batches : 0;  // aggregation is not a step
  row.activity.compute_s = agg_s + (eval ? eval->wall_s : 0.0);
  if (round == 1) {  // the evaluation of the initial model is coordinator work too
    row.activity.flops += initial_eval_.flops;
    row.activity.samples += initial_eval_.samples;
    row.activity.steps += initial_eval_.batches;
    row.activity.compute_s += initial_eval_.wall_s;
  }
  row.activity.wall_s = wall_s;
  row.activity.threads = cfg_.train.threads;
  row.catalog = sim_->targets().catalog_id();
  const energy::ResolvedTarget& target = sim_->targets().coordinator();
  row.pue = target.pue;
  row.country_iso_code = target.country.iso3;
  row.device = target.device.name;
  // Its simulated interval: from the round's close, its modelled seconds on its device.
  row.sim_start = rs.sim_close;
  row.sim_end = rs.sim_close + energy::PriceResolved(row.activity, target).compute_s;
  const energy::IntervalIntensity intensity =
      sim_->world().CoordinatorIntensity(row.sim_start, row.sim_end);
  if (const energy::Zone* z = sim_->targets().coordinator_zone()) row.zone = z->id;
  row.intensity_source = intensity.hourly ? "hourly" : "annual";
  row.cost = energy::PriceAt(row.activity, target, intensity.g_per_kwh);
  sim_->AdvanceTo(row.sim_end);

  records::RoundRecord record;
  record.round = round;
  record.selected = static_cast<int>(selected.size());
  record.completed = completed;
  record.dropped = dropped;
  if (eval) {
    record.accuracy = eval->accuracy;
    record.loss = eval->loss;
  }
  record.bytes_down = rs.engine.bytes_down();
  record.bytes_up = rs.engine.bytes_up();
  record.wall_s = wall_s;
  record.collect_s = collect_s;
  record.eval_s = eval ? eval->wall_s : 0.0;
  record.late = rs.late;
  record.offline = rs.offline;
  record.sim_start = rs.sim_start;
  record.sim_end = row.sim_end;
  record.shift_h = rs.shift_h;
  FEDCARBON_RETURN_IF_ERROR(
      recorder_->RecordRound(record, std::move(rs.client_rows), std::move(row)));

  result_.rounds = round;
  result_.dropped += dropped;
  result_.late += rs.late;
  result_.offline += rs.offline;
  result_.sim_end = row.sim_end;
  result_.bytes_down += rs.engine.bytes_down();
  result_.bytes_up += rs.engine.bytes_up();
  if (eval) {
    if (TallyEvaluation(round, eval->accuracy, cfg_.federation.target_accuracy, &result_) &&
        result_.rounds_to_target == round)
      result_.sim_to_target = row.sim_end;
    spdlog::info("round {}/{}: {}/{} clients ({} dropped), accuracy {:.4f}, loss {:.4f}, {:.2f} s",
                 round, cfg_.federation.rounds, completed, selected.size(), dropped, eval->accuracy,
                 eval->loss, wall_s);
  } else {
    spdlog::info("round {}/{}: {}/{} clients ({} dropped), {:.2f} s", round, cfg_.federation.rounds,
                 completed, selected.size(), dropped, wall_s);
  }
  round_.reset();
  return Status::OK();
}

}  // namespace fedcarbon::server
