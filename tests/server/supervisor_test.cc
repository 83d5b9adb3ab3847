// Failure handling without sockets or processes: heartbeats, closed connections and time in,
// deaths, re-dealt requests and drops out, on a fake clock (Supervisor with a WorkerRegistry and
// the round's RoundEngine).
#include "fedcarbon/server/supervisor.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fedcarbon::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const Clock::time_point kT0{};  // the fake clock's start

// The defaults of a run: heartbeats every 2 s, join_timeout_s 60.
LivenessPolicy Policy() { return LivenessPolicy::For(2.0, 60.0); }

// `n` clients dealt round-robin over workers "w0".."w{k-1}" (capacities as given; 0 = no
// limit), each registered at kT0 and ready (it has loaded its data).
WorkerRegistry Fleet(int n, const std::vector<uint32_t>& capacities) {
  WorkerRegistry r(n);
  for (size_t i = 0; i < capacities.size(); ++i) {
    bool is_new = false;
    char id[32], identity[32];  // snprintf: GCC 12 warns falsely on string + in a loop
    std::snprintf(id, sizeof(id), "w%zu", i);
    std::snprintf(identity, sizeof(identity), "w%zu#1", i);
    r.Register(id, identity, "host", static_cast<uint32_t>(i), capacities[i], 1, kT0, &is_new);
    r.worker(static_cast<int>(i)).ready = true;
  }
  r.Assign();
  return r;
}

// A round over every client, one request in flight per worker, a 60 s deadline, no job checks.
RoundPlan EveryClient(const WorkerRegistry& r) {
  RoundPlan p;
  p.round = 4;
  for (int c = 0; c < r.num_clients(); ++c) p.selected.emplace_back(c, r.WorkerOf(c));
  p.start = kT0;
  p.timeout = seconds(60);
  p.in_flight_per_worker = 1;
  return p;
}

// Sends what the engine asks, numbering requests 1, 2, ...; answers for the worker it went to.
struct FakeTransport {
  uint64_t next_seq = 1;
  std::map<int, uint64_t> seq_of;  // client -> seq of its latest request
  std::map<int, int> sent_to;      // client -> worker of its latest request
  void Send(RoundEngine& e, const std::vector<SendRequest>& requests) {
    for (const SendRequest& s : requests) {
      seq_of[s.client] = next_seq;
      sent_to[s.client] = s.worker;
      e.Sent(s.client, next_seq++, 1000);
    }
  }
  ResultClaim Claim(int worker, int client) const {
    return ResultClaim{worker, 4, client, seq_of.at(client), 100, 100, 1000};
  }
  // `worker` answers `client` (its latest request): checked and accepted; false when rejected.
  bool Answer(RoundEngine& e, int worker, int client) {
    if (!e.Check(Claim(worker, client)).ok()) return false;
    Send(e, e.Accept(client, 700));
    return true;
  }
  // Every outstanding request is answered by the worker it went to, until the round completes.
  void AnswerAll(RoundEngine& e) {
    for (int guard = 0; !e.complete() && guard < 1000; ++guard) {
      bool any = false;
      for (const auto& [client, worker] : std::map<int, int>(sent_to))
        if (Answer(e, worker, client)) any = true;
      if (!any) break;
    }
  }
};

std::vector<int> DeadWorkers(const Failover& f) {
  std::vector<int> out;
  for (const Failover::Death& d : f.dead) out.push_back(d.worker);
  return out;
}

TEST(SupervisorTest, TheSilenceLimitIsThreeHeartbeatPeriodsWithAFiveSecondFloor) {
  EXPECT_EQ(LivenessPolicy::For(2.0, 60.0).silence, seconds(6));  // the default period
  EXPECT_EQ(LivenessPolicy::For(10.0, 60.0).silence, seconds(30));
  EXPECT_EQ(LivenessPolicy::For(0.5, 60.0).silence, seconds(5)) << "the floor";
  EXPECT_EQ(LivenessPolicy::For(2.0, 60.0).startup, seconds(60));
  EXPECT_EQ(LivenessPolicy::For(30.0, 60.0).startup, seconds(90)) << "never below silence";
}

TEST(SupervisorTest, AWorkerSilentForThreeHeartbeatPeriodsIsDead) {
  WorkerRegistry r = Fleet(6, {0, 0, 0});
  Supervisor s(&r, Policy());
  // w0 and w1 heartbeat every 2 s; w2 said nothing after kT0.
  for (int t = 2; t <= 6; t += 2) {
    s.Heard(0, kT0 + seconds(t));
    s.Heard(1, kT0 + seconds(t));
  }
  EXPECT_TRUE(s.Tick(kT0 + seconds(6), nullptr).empty()) << "6 s is the limit, not past it";
  const Failover f = s.Tick(kT0 + milliseconds(6100), nullptr);
  ASSERT_THAT(DeadWorkers(f), ElementsAre(2));
  EXPECT_EQ(f.dead[0].reason, "silent for 6.1 s");
  EXPECT_EQ(r.workers()[2].state, WorkerState::kDead);
  EXPECT_EQ(f.dead[0].moved, 2) << "its two clients went to w0 and w1";
  EXPECT_EQ(f.dead[0].orphaned, 0);
  EXPECT_THAT(f.welcome, UnorderedElementsAre(0, 1));
  EXPECT_EQ(r.EligibleClients().size(), 6u) << "every client is hosted by a live worker";
  EXPECT_TRUE(s.Tick(kT0 + seconds(7), nullptr).empty()) << "dead once";
}

TEST(SupervisorTest, AWorkerLoadingItsDataGetsTheJoinTimeout) {
  WorkerRegistry r = Fleet(4, {0, 0});
  r.worker(1).ready = false;  // welcomed at kT0, still loading its data
  Supervisor s(&r, Policy());
  for (int t = 2; t <= 60; t += 2) s.Heard(0, kT0 + seconds(t));
  EXPECT_EQ(s.Limit(1), seconds(60));
  EXPECT_TRUE(s.Tick(kT0 + seconds(30), nullptr).empty());
  EXPECT_TRUE(s.Tick(kT0 + seconds(60), nullptr).empty());
  const Failover f = s.Tick(kT0 + seconds(61), nullptr);
  ASSERT_THAT(DeadWorkers(f), ElementsAre(1));
  EXPECT_THAT(f.dead[0].reason, HasSubstr("since its Welcome"));
}

TEST(SupervisorTest, AClosedConnectionIsADeathAtOnce) {
  WorkerRegistry r = Fleet(6, {0, 0, 0});
  Supervisor s(&r, Policy());
  const Failover f = s.Disconnected(1, nullptr);
  ASSERT_THAT(DeadWorkers(f), ElementsAre(1));
  EXPECT_EQ(f.dead[0].reason, "its connection closed");
  EXPECT_EQ(r.workers()[1].state, WorkerState::kDead);
  EXPECT_TRUE(r.workers()[1].clients.empty());
  EXPECT_TRUE(s.Disconnected(1, nullptr).empty()) << "a dead worker does not die twice";
}

TEST(SupervisorTest, NothingIsDecidedBeforeTheJoinPhaseEnds) {
  WorkerRegistry r(4);  // not assigned: workers reopen their sockets while they wait
  bool is_new = false;
  r.Register("a", "a#1", "h", 1, 0, 1, kT0, &is_new);
  Supervisor s(&r, Policy());
  EXPECT_TRUE(s.Disconnected(0, nullptr).empty());
  EXPECT_TRUE(s.Tick(kT0 + seconds(3600), nullptr).empty());
  EXPECT_EQ(r.workers()[0].state, WorkerState::kAlive);
}

TEST(SupervisorTest, ADeadWorkersUnfinishedClientsAreRedealtInTheSameRound) {
  WorkerRegistry r = Fleet(9, {0, 0, 0});  // w0: 0 3 6, w1: 1 4 7, w2: 2 5 8
  Supervisor s(&r, Policy());
  RoundEngine e(EveryClient(r));
  FakeTransport t;
  t.Send(e, e.Start());            // 0, 1, 2 out
  ASSERT_TRUE(t.Answer(e, 1, 1));  // w1 finishes client 1; 4 goes out
  EXPECT_EQ(t.sent_to.at(4), 1);

  const Failover f = s.Disconnected(1, &e);  // w1 dies training 4, with 7 queued
  ASSERT_THAT(DeadWorkers(f), ElementsAre(1));
  EXPECT_EQ(f.dead[0].redealt, 2) << "4 (outstanding) and 7 (queued); 1 was done";
  EXPECT_TRUE(f.dropped.empty());
  // Its clients now live on w0 and w2 (the Welcomes go out before the requests) ...
  EXPECT_THAT(f.welcome, UnorderedElementsAre(0, 2));
  for (int c : {1, 4, 7}) EXPECT_NE(r.WorkerOf(c), 1) << c;
  // ... and join their queues: nothing goes out now, both have a request in flight.
  EXPECT_THAT(f.requests, IsEmpty());
  t.Send(e, f.requests);
  t.AnswerAll(e);
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 9) << "every client of the round trained once";
  EXPECT_EQ(e.dropped(), 0);
  EXPECT_NE(t.sent_to.at(4), 1);
  EXPECT_NE(t.sent_to.at(7), 1);
}

TEST(SupervisorTest, ARedealtClientGoesOutAtOnceToAnIdleWorker) {
  WorkerRegistry r = Fleet(4, {0, 0});  // w0: 0 2, w1: 1 3
  Supervisor s(&r, Policy());
  RoundPlan plan = EveryClient(r);
  plan.selected = {{0, 0}, {1, 1}};  // w0 trains 0, w1 trains 1
  RoundEngine e(plan);
  FakeTransport t;
  t.Send(e, e.Start());
  ASSERT_TRUE(t.Answer(e, 0, 0));  // w0 is idle now
  const Failover f = s.Tick(kT0 + seconds(7), &e);
  ASSERT_THAT(DeadWorkers(f), UnorderedElementsAre(0, 1)) << "neither heartbeated";
  EXPECT_THAT(f.requests, IsEmpty()) << "nobody is left alive";
  EXPECT_THAT(f.welcome, IsEmpty()) << "w1 took w0's clients, then died too";
  ASSERT_EQ(f.dropped.size(), 1u);
  EXPECT_EQ(f.dropped[0].client, 1);

  // The same round with w0 heartbeating: w1's client 1 goes to w0 at once.
  WorkerRegistry r2 = Fleet(4, {0, 0});
  Supervisor s2(&r2, Policy());
  RoundEngine e2(plan);
  FakeTransport t2;
  t2.Send(e2, e2.Start());
  ASSERT_TRUE(t2.Answer(e2, 0, 0));
  s2.Heard(0, kT0 + seconds(5));
  const Failover f2 = s2.Tick(kT0 + seconds(7), &e2);
  ASSERT_THAT(DeadWorkers(f2), ElementsAre(1));
  ASSERT_EQ(f2.requests.size(), 1u);
  EXPECT_EQ(f2.requests[0].worker, 0);
  EXPECT_EQ(f2.requests[0].client, 1);
}

TEST(SupervisorTest, ClientsAreDroppedOnlyWhenNoLiveWorkerCanHostThem) {
  // Every worker full (capacity 2 each): a dead worker's clients have nowhere to go.
  WorkerRegistry r = Fleet(4, {2, 2});  // w0: 0 2, w1: 1 3
  Supervisor s(&r, Policy());
  RoundEngine e(EveryClient(r));
  FakeTransport t;
  t.Send(e, e.Start());
  const Failover f = s.Disconnected(1, &e);
  EXPECT_EQ(f.dead[0].moved, 0);
  EXPECT_EQ(f.dead[0].orphaned, 2);
  EXPECT_THAT(f.welcome, IsEmpty());
  ASSERT_EQ(f.dropped.size(), 2u);
  for (const Dropped& d : f.dropped) {
    EXPECT_EQ(d.worker, 1);
    EXPECT_THAT(d.reason, HasSubstr("no live worker can host it"));
  }
  EXPECT_EQ(r.workers()[1].clients, (std::vector<int>{1, 3})) << "kept, orphaned";
  EXPECT_EQ(r.EligibleClients(), (std::vector<int>{0, 2}));
  t.AnswerAll(e);
  EXPECT_TRUE(e.complete()) << "the round does not wait for them";
  EXPECT_EQ(e.completed(), 2);
  EXPECT_EQ(e.dropped(), 2);
}

TEST(SupervisorTest, ALateResultFromTheDeadWorkerIsNeverCountedTwice) {
  WorkerRegistry r = Fleet(4, {0, 0});  // w0: 0 2, w1: 1 3
  Supervisor s(&r, Policy());
  RoundEngine e(EveryClient(r));
  FakeTransport t;
  t.Send(e, e.Start());                         // 0 to w0, 1 to w1
  const ResultClaim from_dead = t.Claim(1, 1);  // what w1 will send after all
  s.Heard(0, kT0 + seconds(5));
  const Failover f = s.Tick(kT0 + seconds(7), &e);  // w1 silent: dead
  ASSERT_THAT(DeadWorkers(f), ElementsAre(1));
  EXPECT_THAT(f.requests, IsEmpty()) << "w0 is busy with client 0";
  // Before the re-dealt request went out.
  EXPECT_THAT(e.Check(from_dead).message(), HasSubstr("not asked this round or already answered"));
  // The dead worker speaks again: alive, and its clients stay where they went.
  EXPECT_TRUE(s.Heard(1, kT0 + seconds(8)));
  EXPECT_EQ(r.workers()[1].state, WorkerState::kAlive);
  EXPECT_TRUE(r.workers()[1].clients.empty());
  ASSERT_TRUE(t.Answer(e, 0, 0));  // w0 is free: its own client 2 first (1 and 3 queued behind)
  EXPECT_EQ(t.sent_to.at(1), 1);
  ASSERT_TRUE(t.Answer(e, 0, 2));  // then client 1
  ASSERT_EQ(t.sent_to.at(1), 0);
  EXPECT_EQ(e.Check(from_dead).message(), "client 1 is hosted by another worker");
  ASSERT_TRUE(t.Answer(e, 0, 1));
  EXPECT_THAT(e.Check(from_dead).message(), HasSubstr("already answered"));
  t.AnswerAll(e);
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 4);
  EXPECT_EQ(e.bytes_up(), 4u * 700u) << "four results, each counted once";
}

TEST(SupervisorTest, ARestartedWorkerTakesOverOrphansAtOnce) {
  WorkerRegistry r = Fleet(4, {2, 2});  // full workers: w1's clients are orphaned
  Supervisor s(&r, Policy());
  s.Disconnected(1, nullptr);
  ASSERT_EQ(r.EligibleClients().size(), 2u);
  bool is_new = false;
  const int b2 = r.Register("w1-restarted", "b2#1", "host", 9, 2, 1, kT0 + seconds(9), &is_new);
  ASSERT_TRUE(is_new);
  EXPECT_THAT(r.Readmit(b2), UnorderedElementsAre(1, b2));
  EXPECT_EQ(r.workers()[b2].clients, (std::vector<int>{1, 3}));
  EXPECT_EQ(r.workers()[1].state, WorkerState::kRetired);
  EXPECT_EQ(r.EligibleClients().size(), 4u);
}

TEST(SupervisorTest, ARestartedWorkerGetsAFairShareAtTheNextRound) {
  WorkerRegistry r = Fleet(20, {0, 0, 0});  // 7, 7, 6
  Supervisor s(&r, Policy());
  s.Disconnected(1, nullptr);  // its 7 go to w0 and w2: 10 and 10
  EXPECT_EQ(r.workers()[0].clients.size() + r.workers()[2].clients.size(), 20u);
  bool is_new = false;
  const int b2 = r.Register("w1-restarted", "b2#1", "host", 9, 0, 1, kT0 + seconds(9), &is_new);
  EXPECT_THAT(r.Readmit(b2), IsEmpty()) << "nothing is orphaned";
  EXPECT_THAT(r.Rebalance(), UnorderedElementsAre(0, 2, b2));  // between rounds
  const auto& w = r.workers();
  EXPECT_GE(w[b2].clients.size(), 6u);
  for (int i : {0, 2, b2}) EXPECT_LE(w[i].clients.size(), 7u) << i;
  std::set<int> hosted;
  for (int i : {0, 2, b2}) hosted.insert(w[i].clients.begin(), w[i].clients.end());
  EXPECT_EQ(hosted.size(), 20u);
  for (int c = 0; c < 20; ++c) {
    const auto& cl = w[r.WorkerOf(c)].clients;
    EXPECT_TRUE(std::binary_search(cl.begin(), cl.end(), c)) << c;
  }
  EXPECT_THAT(r.Rebalance(), IsEmpty()) << "balanced: nothing moves again";
}

TEST(SupervisorTest, ASlowWorkerThatHeartbeatsIsKeptUntilTheRoundDeadline) {
  WorkerRegistry r = Fleet(4, {0, 0});
  Supervisor s(&r, Policy());
  RoundEngine e(EveryClient(r));
  FakeTransport t;
  t.Send(e, e.Start());            // 0 to w0, 1 to w1
  ASSERT_TRUE(t.Answer(e, 0, 0));  // w0 does its share at once ...
  ASSERT_TRUE(t.Answer(e, 0, 2));
  for (int ms = 0; ms < 60000; ms += 500) {  // ... w1 trains client 1 for over a minute
    const Clock::time_point now = kT0 + milliseconds(ms);
    if (ms % 2000 == 0) {
      s.Heard(0, now);
      s.Heard(1, now);  // busy, but heartbeating
    }
    ASSERT_TRUE(s.Tick(now, &e).empty()) << "at " << ms << " ms";
    ASSERT_TRUE(e.Tick(now).empty()) << "at " << ms << " ms";
  }
  EXPECT_EQ(r.workers()[1].state, WorkerState::kAlive);
  const std::vector<Dropped> late = e.Tick(kT0 + seconds(60));  // round_timeout_s
  ASSERT_EQ(late.size(), 2u) << "client 1 (training) and 3 (queued behind it)";
  EXPECT_THAT(late[0].reason, HasSubstr("no valid result within 60.0 s"));
  EXPECT_TRUE(e.complete());
}

TEST(SupervisorTest, ADeadWorkerThatSpeaksAgainIsAliveAndRebalancedIn) {
  WorkerRegistry r = Fleet(6, {0, 0});
  Supervisor s(&r, Policy());
  s.Disconnected(0, nullptr);
  EXPECT_EQ(r.workers()[1].clients.size(), 6u);
  EXPECT_FALSE(s.Heard(1, kT0 + seconds(1))) << "was not dead";
  EXPECT_TRUE(s.Heard(0, kT0 + seconds(2)));
  EXPECT_EQ(r.workers()[0].state, WorkerState::kAlive);
  r.Rebalance();
  EXPECT_EQ(r.workers()[0].clients.size(), 3u);
  EXPECT_EQ(r.workers()[1].clients.size(), 3u);
}

}  // namespace
}  // namespace fedcarbon::server
