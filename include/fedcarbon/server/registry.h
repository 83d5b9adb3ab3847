// WorkerRegistry: which worker processes exist, which virtual clients each hosts, and whether it
// is alive. Pure bookkeeping (no sockets), so the assignment rules are unit-testable.
//
// Rules:
//  * Join phase: workers register with a Hello (capacity 0 = no limit). Assign() deals the client
//    ids 0..num_clients-1 round-robin over the workers in Hello order, skipping full ones, so
//    unlimited workers get equal shares and capacity is never exceeded.
//  * A worker is keyed by its worker_id (stable for the life of the process); its ZeroMQ routing
//    identity may change when it reopens its socket (Lazy Pirate) and is updated on every Hello.
//  * A worker whose clients miss a round deadline (or that is silent while idle) is *suspect*:
//    its clients are not selected; any message from it makes it alive again.
//  * A Hello from an unknown worker after the join phase admits it and hands it the clients of
//    suspect workers (up to its capacity); a worker left with no clients is retired. Rebalance()
//    does the same for alive workers hosting nothing (e.g. one that joined before the deadline
//    that made another worker suspect).
//
// Thread safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fedcarbon::server {

enum class WorkerState { kAlive, kSuspect, kRetired };

struct WorkerInfo {
  std::string worker_id;  // from Hello: stable per process
  std::string identity;   // current ZeroMQ routing id
  std::string host;
  uint32_t pid = 0;
  uint32_t capacity = 0;  // 0 = no limit
  uint32_t threads = 1;
  std::vector<int> clients;  // sorted
  WorkerState state = WorkerState::kAlive;
  bool ready = false;  // sent a message since its last Welcome (it has loaded its data)
  std::chrono::steady_clock::time_point last_seen{};
};

class WorkerRegistry {
 public:
  explicit WorkerRegistry(int num_clients);

  // Registers or refreshes a worker from its Hello. Returns its index. Sets *is_new when the
  // worker_id was unknown.
  int Register(const std::string& worker_id, const std::string& identity, const std::string& host,
               uint32_t pid, uint32_t capacity, uint32_t threads,
               std::chrono::steady_clock::time_point now, bool* is_new);

  // Join phase: true when at least `expected_workers` are registered and their capacity covers
  // every client.
  bool CanAssign(int expected_workers) const;
  // How many clients the registered workers can host (<= num_clients).
  int HostableClients() const;
  // Deals every client id (see rules). Requires HostableClients() == num_clients.
  void Assign();
  bool assigned() const { return assigned_; }

  // After the join phase, for a worker that just (re-)registered: if it hosts nothing, gives it
  // the clients of suspect workers (up to its capacity), retiring workers left with none.
  // Returns the indices of workers whose client set changed (including `index`).
  std::vector<int> Readmit(int index);
  // Readmit for every alive worker hosting nothing (a spare takes over a suspect worker's clients).
  std::vector<int> Rebalance();

  // Liveness.
  void MarkSuspect(int index);
  void Touch(int index, std::chrono::steady_clock::time_point now);  // alive again
  // Marks idle workers silent since before `cutoff` suspect; `busy[i]` skips worker i.
  void SuspectSilent(std::chrono::steady_clock::time_point cutoff, const std::vector<bool>& busy);

  std::optional<int> FindByIdentity(const std::string& identity) const;
  int WorkerOf(int client) const { return owner_[client]; }  // -1 before Assign
  // Clients whose worker is alive, ascending.
  std::vector<int> EligibleClients() const;

  int num_clients() const { return num_clients_; }
  const std::vector<WorkerInfo>& workers() const { return workers_; }
  WorkerInfo& worker(int i) { return workers_[i]; }
  int CountInState(WorkerState s) const;

 private:
  void Give(int worker, int client);

  int num_clients_;
  bool assigned_ = false;
  std::vector<WorkerInfo> workers_;
  std::vector<int> owner_;  // client -> worker index
};

const char* StateName(WorkerState s);

}  // namespace fedcarbon::server
