// WorkerRegistry (see include/fedcarbon/server/registry.h).
#include "fedcarbon/server/registry.h"

#include <algorithm>

namespace fedcarbon::server {

const char* StateName(WorkerState s) {
  switch (s) {
    case WorkerState::kAlive:
      return "alive";
    case WorkerState::kSuspect:
      return "suspect";
    case WorkerState::kDead:
      return "dead";
    case WorkerState::kRetired:
      return "retired";
  }
  return "?";
}

WorkerRegistry::WorkerRegistry(int num_clients)
    : num_clients_(num_clients), owner_(static_cast<size_t>(num_clients), -1) {}

int WorkerRegistry::Register(const std::string& worker_id, const std::string& identity,
                             const std::string& host, uint32_t pid, uint32_t capacity,
                             uint32_t threads, std::chrono::steady_clock::time_point now,
                             bool* is_new) {
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerInfo& w = workers_[i];
    if (w.worker_id != worker_id) continue;
    w.identity = identity;
    w.last_seen = now;
    w.state =
        WorkerState::kAlive;  // a Hello proves the process is there (a retired one is a spare)
    *is_new = false;
    return static_cast<int>(i);
  }
  WorkerInfo w;
  w.worker_id = worker_id;
  w.identity = identity;
  w.host = host;
  w.pid = pid;
  w.capacity = capacity;
  w.threads = threads;
  w.last_seen = now;
  workers_.push_back(std::move(w));
  *is_new = true;
  return static_cast<int>(workers_.size()) - 1;
}

int WorkerRegistry::HostableClients() const {
  int64_t total = 0;
  for (const WorkerInfo& w : workers_) {
    if (w.state == WorkerState::kRetired || w.state == WorkerState::kDead) continue;
    if (w.capacity == 0) return num_clients_;
    total += w.capacity;
  }
  return static_cast<int>(std::min<int64_t>(total, num_clients_));
}

bool WorkerRegistry::CanAssign(int expected_workers) const {
  return static_cast<int>(workers_.size()) >= expected_workers && HostableClients() == num_clients_;
}

void WorkerRegistry::Give(int worker, int client) {
  owner_[client] = worker;
  auto& c = workers_[worker].clients;
  c.insert(std::upper_bound(c.begin(), c.end(), client), client);
}

void WorkerRegistry::Take(int worker, int client) {
  auto& c = workers_[worker].clients;
  c.erase(std::remove(c.begin(), c.end(), client), c.end());
  if (owner_[client] == worker) owner_[client] = -1;
}

bool WorkerRegistry::HasRoom(int worker) const {
  const WorkerInfo& w = workers_[worker];
  return w.capacity == 0 || w.clients.size() < w.capacity;
}

int WorkerRegistry::LeastLoadedWithRoom(int except) const {
  int best = -1;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const int w = static_cast<int>(i);
    if (w == except || workers_[i].state != WorkerState::kAlive || !HasRoom(w)) continue;
    if (best < 0 || workers_[i].clients.size() < workers_[best].clients.size()) best = w;
  }
  return best;
}

void WorkerRegistry::Assign() {
  const int n = static_cast<int>(workers_.size());
  int next = 0;
  for (int client = 0; client < num_clients_; ++client) {
    for (int tries = 0; tries < n; ++tries, next = (next + 1) % n) {
      const WorkerInfo& w = workers_[next];
      if (w.capacity == 0 || w.clients.size() < w.capacity) break;
    }
    Give(next, client);
    next = (next + 1) % n;
  }
  assigned_ = true;
}

namespace {

void AddOnce(std::vector<int>* v, int x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

}  // namespace

std::vector<int> WorkerRegistry::Rebalance() {
  std::vector<int> changed;
  if (!assigned_) return changed;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (workers_[i].state != WorkerState::kAlive || !workers_[i].clients.empty()) continue;
    for (int c : Readmit(static_cast<int>(i))) AddOnce(&changed, c);
  }
  // Even out: the most loaded alive worker gives its highest client to the least loaded one with
  // room, while they differ by two or more. Each move lowers the sum of squared loads: it ends.
  for (;;) {
    int donor = -1;
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].state != WorkerState::kAlive) continue;
      if (donor < 0 || workers_[i].clients.size() > workers_[donor].clients.size())
        donor = static_cast<int>(i);
    }
    if (donor < 0) break;
    const int receiver = LeastLoadedWithRoom(donor);
    if (receiver < 0 || workers_[donor].clients.size() < workers_[receiver].clients.size() + 2)
      break;
    const int client = workers_[donor].clients.back();
    Take(donor, client);
    Give(receiver, client);
    AddOnce(&changed, donor);
    AddOnce(&changed, receiver);
  }
  return changed;
}

std::vector<int> WorkerRegistry::Readmit(int index) {
  std::vector<int> changed;
  if (!assigned_ || !workers_[index].clients.empty()) return changed;  // keeps its own clients
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerInfo& old = workers_[i];
    if (static_cast<int>(i) == index ||
        (old.state != WorkerState::kSuspect && old.state != WorkerState::kDead))
      continue;
    bool moved = false;
    while (!old.clients.empty() && HasRoom(index)) {
      const int client = old.clients.back();
      old.clients.pop_back();
      Give(index, client);
      moved = true;
    }
    if (!moved) continue;
    changed.push_back(static_cast<int>(i));
    if (old.clients.empty()) old.state = WorkerState::kRetired;
  }
  if (!changed.empty()) changed.push_back(index);
  return changed;
}

void WorkerRegistry::MarkSuspect(int index) {
  if (workers_[index].state == WorkerState::kAlive) workers_[index].state = WorkerState::kSuspect;
}

std::vector<int> WorkerRegistry::MarkDead(int index) {
  std::vector<int> changed;
  WorkerInfo& w = workers_[index];
  if (w.state != WorkerState::kAlive && w.state != WorkerState::kSuspect) return changed;
  w.state = WorkerState::kDead;
  const std::vector<int> clients = w.clients;  // ascending: dealt one by one, fewest first
  for (int client : clients) {
    const int to = LeastLoadedWithRoom(index);
    if (to < 0) break;  // the rest stay orphaned with the dead worker
    Take(index, client);
    Give(to, client);
    AddOnce(&changed, to);
  }
  if (!changed.empty()) changed.push_back(index);
  return changed;
}

bool WorkerRegistry::Touch(int index, std::chrono::steady_clock::time_point now) {
  WorkerInfo& w = workers_[index];
  w.last_seen = now;
  const bool was_dead = w.state == WorkerState::kDead;
  if (w.state == WorkerState::kSuspect || was_dead) w.state = WorkerState::kAlive;
  return was_dead;
}

void WorkerRegistry::SetConnection(int index, int connection) {
  for (WorkerInfo& w : workers_)
    if (w.connection == connection) w.connection = -1;
  workers_[index].connection = connection;
}

std::optional<int> WorkerRegistry::FindByIdentity(const std::string& identity) const {
  for (size_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].identity == identity) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> WorkerRegistry::FindByConnection(int connection) const {
  if (connection < 0) return std::nullopt;
  for (size_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].connection == connection && workers_[i].state != WorkerState::kRetired)
      return static_cast<int>(i);
  return std::nullopt;
}

std::vector<int> WorkerRegistry::EligibleClients() const {
  std::vector<int> out;
  for (int c = 0; c < num_clients_; ++c)
    if (owner_[c] >= 0 && workers_[owner_[c]].state == WorkerState::kAlive) out.push_back(c);
  return out;
}

int WorkerRegistry::CountInState(WorkerState s) const {
  return static_cast<int>(
      std::count_if(workers_.begin(), workers_.end(), [s](const auto& w) { return w.state == s; }));
}

}  // namespace fedcarbon::server
