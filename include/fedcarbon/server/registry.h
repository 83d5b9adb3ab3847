// WorkerRegistry: which worker processes exist, which virtual clients each hosts, and whether it
// is alive. Pure bookkeeping (no sockets, no clock of its own), so the assignment rules are
// unit-testable; when a worker is declared dead is Supervisor's decision (supervisor.h).
//
// Rules:
//  * Join phase: workers register with a Hello (capacity 0 = no limit). Assign() deals the client
//    ids 0..num_clients-1 round-robin over the workers in Hello order, skipping full ones, so
//    unlimited workers get equal shares and capacity is never exceeded.
//  * A worker is keyed by its worker_id (stable for the life of the process); its ZeroMQ routing
//    identity may change when it reopens its socket (Lazy Pirate) and is updated on every Hello.
//  * A worker whose clients miss a round deadline is *suspect*: its clients are not selected; any
//    message from it makes it alive again.
//  * A worker declared *dead* (MarkDead: silent too long, or its connection closed) hands its
//    clients to the alive workers with room, fewest clients first; those no alive worker can
//    take stay with it, *orphaned* (not selected). Any message from it makes it alive again,
//    hosting what it still has.
//  * A Hello from an unknown worker after the join phase admits it and hands it the orphaned
//    clients of suspect and dead workers (up to its capacity); a worker left with no clients that
//    way is retired (told to shut down when it speaks). Rebalance(), between rounds, does the same
//    for alive workers hosting nothing, then evens out the alive workers: while one hosts two
//    clients more than another with room, its highest client moves. So a restarted worker
//    hosts clients from the next round on, even when the survivors took over all of the dead
//    worker's clients. (A client that moves starts on its new worker without the optimizer
//    state train.keep_optimizer_state kept on the old one.)
//
// Thread safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fedcarbon::server {

enum class WorkerState { kAlive, kSuspect, kDead, kRetired };

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
  // The transport's id of the connection its last message came on (the TCP socket's file
  // descriptor; -1 unknown): a closed connection names the worker through it.
  int connection = -1;
};

class WorkerRegistry {
 public:
  explicit WorkerRegistry(int num_clients);

  // Registers or refreshes a worker from its Hello (alive again, whatever its state). Returns its
  // index. Sets *is_new when the worker_id was unknown.
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
  // the clients of suspect and dead workers (up to its capacity), retiring workers left with
  // none. Returns the indices of workers whose client set changed (including `index`).
  std::vector<int> Readmit(int index);
  // Between rounds: Readmit for every alive worker hosting nothing, then evens out the alive
  // workers (see rules). Returns the workers whose client set changed.
  std::vector<int> Rebalance();

  // Liveness.
  void MarkSuspect(int index);
  // `index` is dead: its clients move to alive workers with room (see rules). Returns the workers
  // whose client set changed (the receivers and `index`; empty when nothing moved).
  std::vector<int> MarkDead(int index);
  // A message from the worker: alive again (from suspect or dead). Returns true when it was dead.
  bool Touch(int index, std::chrono::steady_clock::time_point now);

  // The worker's last message came on `connection` (which no other worker's then names: the
  // transport reuses the ids of closed connections).
  void SetConnection(int index, int connection);

  std::optional<int> FindByIdentity(const std::string& identity) const;
  // The alive, suspect or dead worker whose last message came on `connection`.
  std::optional<int> FindByConnection(int connection) const;
  int WorkerOf(int client) const { return owner_[client]; }  // -1 before Assign
  // Clients whose worker is alive, ascending.
  std::vector<int> EligibleClients() const;

  int num_clients() const { return num_clients_; }
  const std::vector<WorkerInfo>& workers() const { return workers_; }
  WorkerInfo& worker(int i) { return workers_[i]; }
  int CountInState(WorkerState s) const;

 private:
  void Give(int worker, int client);
  void Take(int worker, int client);
  bool HasRoom(int worker) const;
  // The alive worker with room and the fewest clients (lowest index on ties), or -1.
  int LeastLoadedWithRoom(int except) const;

  int num_clients_;
  bool assigned_ = false;
  std::vector<WorkerInfo> workers_;
  std::vector<int> owner_;  // client -> worker index
};

const char* StateName(WorkerState s);

}  // namespace fedcarbon::server
