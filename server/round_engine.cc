// RoundEngine (see include/fedcarbon/server/round_engine.h).
#include "fedcarbon/server/round_engine.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace fedcarbon::server {
namespace {

constexpr uint64_t kMaxSamples = uint64_t{1} << 31;  // when the shard sizes are not known

}  // namespace

RoundEngine::RoundEngine(RoundPlan plan) : plan_(std::move(plan)) {
  for (const auto& [client, worker] : plan_.selected) queued_[worker].push_back(client);
}

std::vector<SendRequest> RoundEngine::Start() {
  std::vector<SendRequest> out;
  for (const auto& [worker, clients] : queued_) {
    for (const SendRequest& s : Refill(worker)) out.push_back(s);
  }
  return out;
}

std::vector<SendRequest> RoundEngine::Refill(int worker) {
  std::vector<SendRequest> out;
  std::deque<int>& queue = queued_[worker];
  int& in_flight = in_flight_[worker];
  while (!queue.empty() && in_flight < plan_.in_flight_per_worker) {
    const int client = queue.front();
    queue.pop_front();
    pending_[client] = Pending{worker, 0, 0, false};
    ++in_flight;
    out.push_back({worker, client});
  }
  return out;
}

void RoundEngine::Sent(int client, uint64_t seq, uint64_t bytes) {
  auto it = pending_.find(client);
  if (it == pending_.end()) return;
  it->second.seq = seq;
  it->second.bytes = bytes;
  it->second.sent = true;
  bytes_down_ += bytes;
}

Status RoundEngine::Check(const ResultClaim& c) const {
  if (c.round != static_cast<uint32_t>(plan_.round))
    return Status::InvalidArgument(fmt::format("round {}, expected {}", c.round, plan_.round));
  const auto it = pending_.find(c.client);
  if (it == pending_.end() || !it->second.sent)
    return Status::InvalidArgument(
        fmt::format("client {} was not asked this round or already answered", c.client));
  const Pending& p = it->second;
  if (p.worker != c.worker)
    return Status::InvalidArgument(fmt::format("client {} is hosted by another worker", c.client));
  if (c.request_seq != p.seq)
    return Status::InvalidArgument(
        fmt::format("answers request {}, expected {}", c.request_seq, p.seq));
  if (c.num_samples == 0 || c.num_samples > kMaxSamples)
    return Status::InvalidArgument("num_samples or train_loss out of range");
  if (static_cast<size_t>(c.client) < plan_.expected.size()) {
    const ClientWork& w = plan_.expected[static_cast<size_t>(c.client)];
    if (c.num_samples != w.shard_size)
      return Status::InvalidArgument(
          fmt::format("client {} reports a shard of {} samples, its shard has {}", c.client,
                      c.num_samples, w.shard_size));
    if (c.samples != w.samples || c.flops != w.flops)
      return Status::InvalidArgument(
          fmt::format("client {} reports {} samples and {} FLOPs, its job is {} and {}", c.client,
                      c.samples, c.flops, w.samples, w.flops));
  }
  return Status::OK();
}

std::vector<SendRequest> RoundEngine::Accept(int client, uint64_t frame_bytes) {
  auto it = pending_.find(client);
  if (it == pending_.end()) return {};
  const int worker = it->second.worker;
  pending_.erase(it);
  --in_flight_[worker];
  ++completed_;
  bytes_up_ += frame_bytes;
  return Refill(worker);
}

bool RoundEngine::JobFailed(int worker, int client, uint64_t seq, std::vector<SendRequest>* next,
                            Dropped* dropped) {
  auto it = pending_.find(client);
  if (it == pending_.end() || it->second.worker != worker || !it->second.sent ||
      it->second.seq != seq)
    return false;
  pending_.erase(it);
  --in_flight_[worker];
  ++dropped_;
  *dropped = {worker, client, "its worker could not train it"};
  *next = Refill(worker);
  return true;
}

std::vector<Dropped> RoundEngine::WorkerGone(int worker) {
  std::vector<Dropped> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.worker != worker) {
      ++it;
      continue;
    }
    out.push_back({worker, it->first, "its worker is gone"});
    it = pending_.erase(it);
  }
  for (int client : queued_[worker]) out.push_back({worker, client, "its worker is gone"});
  queued_[worker].clear();
  in_flight_[worker] = 0;
  dropped_ += static_cast<int>(out.size());
  return out;
}

std::vector<SendRequest> RoundEngine::Redeal(int worker, const std::function<int(int)>& host,
                                             std::vector<Dropped>* dropped) {
  std::vector<int> unfinished;  // outstanding (by client id), then queued (in queue order)
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.worker != worker) {
      ++it;
      continue;
    }
    unfinished.push_back(it->first);
    it = pending_.erase(it);
  }
  for (int client : queued_[worker]) unfinished.push_back(client);
  queued_[worker].clear();
  in_flight_[worker] = 0;
  std::vector<int> receivers;
  for (int client : unfinished) {
    const int to = host(client);
    if (to < 0 || to == worker) {
      dropped->push_back({worker, client, "its worker is dead and no live worker can host it"});
      ++dropped_;
      continue;
    }
    queued_[to].push_back(client);
    ++redealt_;
    if (std::find(receivers.begin(), receivers.end(), to) == receivers.end())
      receivers.push_back(to);
  }
  std::vector<SendRequest> out;
  for (int to : receivers)
    for (const SendRequest& s : Refill(to)) out.push_back(s);
  return out;
}

std::vector<Dropped> RoundEngine::Tick(Clock::time_point now) {
  std::vector<Dropped> out;
  if (now < deadline()) return out;
  const double timeout_s = std::chrono::duration<double>(plan_.timeout).count();
  for (const auto& [client, p] : pending_)
    out.push_back({p.worker, client, fmt::format("no valid result within {:.1f} s", timeout_s)});
  for (auto& [worker, clients] : queued_) {
    for (int client : clients) out.push_back({worker, client, "its worker never took the job"});
    clients.clear();
  }
  pending_.clear();
  in_flight_.clear();
  dropped_ += static_cast<int>(out.size());
  return out;
}

bool RoundEngine::complete() const {
  if (!pending_.empty()) return false;
  for (const auto& [worker, clients] : queued_) {
    if (!clients.empty()) return false;
  }
  return true;
}

uint64_t RoundEngine::RequestBytes(int client) const {
  const auto it = pending_.find(client);
  return it == pending_.end() ? 0 : it->second.bytes;
}

bool RoundEngine::HasOutstanding(int worker) const {
  for (const auto& [client, p] : pending_) {
    if (p.worker == worker) return true;
  }
  return false;
}

bool TallyEvaluation(int round, double accuracy, double target, CoordinatorResult* result) {
  result->final_accuracy = accuracy;
  result->best_accuracy = std::max(result->best_accuracy, accuracy);
  if (accuracy >= target && !result->reached_target) {
    result->reached_target = true;
    result->rounds_to_target = round;
  }
  return result->reached_target;
}

}  // namespace fedcarbon::server
