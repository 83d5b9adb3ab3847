// The round engine without sockets or processes: events in, actions out, on a fake clock.
#include "fedcarbon/server/round_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fedcarbon::server {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

const Clock::time_point kT0{};  // the fake clock's start

// Round 3: clients 0, 1, 2 on worker 0 and 5 on worker 1; two requests in flight per worker.
RoundPlan Plan() {
  RoundPlan p;
  p.round = 3;
  p.selected = {{0, 0}, {1, 0}, {5, 1}, {2, 0}};
  p.start = kT0;
  p.timeout = seconds(60);
  p.in_flight_per_worker = 2;
  // Two local epochs: each job processes twice its shard, at 1000 FLOPs a sample.
  for (uint64_t shard : {100, 100, 100, 100, 100, 80})
    p.expected.push_back({shard, 2 * shard, 2 * shard * 1000});
  return p;
}

// Sends every request the engine asks for, numbering them seq 1, 2, ... with `bytes` each.
struct FakeTransport {
  uint64_t next_seq = 1;
  std::map<int, uint64_t> seq_of;  // client -> seq of its request
  std::vector<int> sent;           // clients, in send order
  void Send(RoundEngine& e, const std::vector<SendRequest>& requests, uint64_t bytes = 1000) {
    for (const SendRequest& s : requests) {
      seq_of[s.client] = next_seq;
      sent.push_back(s.client);
      e.Sent(s.client, next_seq++, bytes);
    }
  }
  // An honest claim: the shard, samples and FLOPs of the client's job in Plan().
  ResultClaim Claim(int worker, int client) {
    const ClientWork w = Plan().expected.at(static_cast<size_t>(client));
    return ResultClaim{worker, 3, client, seq_of[client], w.shard_size, w.samples, w.flops};
  }
};

TEST(RoundEngineTest, AllResultsInCompletesTheRoundKeepingTwoRequestsPerWorker) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  EXPECT_EQ(t.sent, (std::vector<int>{0, 1, 5}));  // client 2 waits: worker 0 has two out
  EXPECT_TRUE(e.HasOutstanding(0));
  ASSERT_TRUE(e.Check(t.Claim(0, 1)).ok());
  t.Send(e, e.Accept(1, 700));
  EXPECT_EQ(t.sent.back(), 2);  // the freed slot takes the next queued client
  for (auto [w, c] : std::vector<std::pair<int, int>>{{0, 0}, {1, 5}, {0, 2}}) {
    ASSERT_TRUE(e.Check(t.Claim(w, c)).ok()) << c;
    t.Send(e, e.Accept(c, 700));
  }
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 4);
  EXPECT_EQ(e.dropped(), 0);
  EXPECT_EQ(e.bytes_down(), 4000u);
  EXPECT_EQ(e.bytes_up(), 2800u);
  EXPECT_TRUE(e.Tick(kT0 + seconds(3600)).empty());  // nothing left to drop
}

TEST(RoundEngineTest, TheDeadlineDropsStragglersAndQueuedClients) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  t.Send(e, e.Accept(0, 700));  // client 0 back: client 2 goes out
  EXPECT_TRUE(e.Tick(kT0 + seconds(59)).empty());
  EXPECT_FALSE(e.complete());
  const std::vector<Dropped> late = e.Tick(kT0 + seconds(60));
  ASSERT_EQ(late.size(), 3u);  // 1, 2 (worker 0) and 5 (worker 1)
  EXPECT_THAT(late[0].reason, HasSubstr("no valid result within 60.0 s"));
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 1);
  EXPECT_EQ(e.dropped(), 3);
  // A straggler's result after the deadline is stale.
  EXPECT_THAT(e.Check(t.Claim(1, 5)).message(), HasSubstr("not asked this round"));
}

TEST(RoundEngineTest, AWorkerGoneMidRoundDropsItsClientsOnly) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  const std::vector<Dropped> gone = e.WorkerGone(0);
  ASSERT_EQ(gone.size(), 3u);  // 0 and 1 outstanding, 2 queued
  for (const Dropped& d : gone) EXPECT_EQ(d.worker, 0);
  EXPECT_FALSE(e.complete());  // client 5 is still out on worker 1
  ASSERT_TRUE(e.Check(t.Claim(1, 5)).ok());
  EXPECT_TRUE(e.Accept(5, 700).empty());
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 1);
  EXPECT_EQ(e.dropped(), 3);
  EXPECT_THAT(e.Check(t.Claim(0, 0)).message(), HasSubstr("not asked this round"));
}

TEST(RoundEngineTest, RedealMovesADeadWorkersOutstandingAndQueuedClientsToTheirNewHosts) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());  // 0, 1 on worker 0 (2 queued), 5 on worker 1
  std::vector<Dropped> dropped;
  const std::vector<SendRequest> next = e.Redeal(
      0, [](int) { return 1; }, &dropped);
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(e.redealt(), 3);
  ASSERT_EQ(next.size(), 1u) << "worker 1 has one free slot of two";
  EXPECT_EQ(next[0].worker, 1);
  EXPECT_EQ(next[0].client, 0);
  t.Send(e, next);
  // The dead worker's late results are rejected, however they come.
  ResultClaim late = t.Claim(0, 0);
  EXPECT_EQ(e.Check(late).message(), "client 0 is hosted by another worker");
  late = t.Claim(0, 1);
  late.request_seq = 2;  // client 1's request to worker 0 (seq 2): forgotten
  EXPECT_EQ(e.Check(late).message(), "client 1 was not asked this round or already answered");
  // Worker 1 trains all four, each once.
  for (int c : {5, 0, 1, 2}) {
    ASSERT_TRUE(e.Check(t.Claim(1, c)).ok()) << c;
    t.Send(e, e.Accept(c, 700));
    EXPECT_FALSE(e.Check(t.Claim(1, c)).ok()) << "a duplicate of " << c;
  }
  EXPECT_TRUE(e.complete());
  EXPECT_EQ(e.completed(), 4);
  EXPECT_EQ(e.dropped(), 0);
  EXPECT_EQ(e.bytes_up(), 4u * 700u);
}

TEST(RoundEngineTest, RedealDropsTheClientsNoWorkerHosts) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  std::vector<Dropped> dropped;
  // Client 2 (queued) finds a host, the outstanding 0 and 1 do not.
  const std::vector<SendRequest> next = e.Redeal(
      0, [](int client) { return client == 2 ? 1 : -1; }, &dropped);
  ASSERT_EQ(dropped.size(), 2u);
  for (const Dropped& d : dropped) {
    EXPECT_EQ(d.worker, 0);
    EXPECT_EQ(d.reason, "its worker is dead and no live worker can host it");
  }
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].client, 2);
  EXPECT_EQ(e.dropped(), 2);
  EXPECT_EQ(e.redealt(), 1);
  std::vector<Dropped> none;
  EXPECT_TRUE(e.Redeal(
                   0, [](int) { return 1; }, &none)
                  .empty())
      << "nothing left on worker 0";
  EXPECT_TRUE(none.empty());
}

TEST(RoundEngineTest, DuplicateStaleAndMisaddressedResultsAreRejectedWithoutEffect) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  ResultClaim stale_round = t.Claim(0, 0);
  stale_round.round = 2;
  EXPECT_EQ(e.Check(stale_round).message(), "round 2, expected 3");
  ResultClaim old_request = t.Claim(0, 0);
  old_request.request_seq = 99;
  EXPECT_EQ(e.Check(old_request).message(), "answers request 99, expected 1");
  EXPECT_EQ(e.Check(t.Claim(1, 0)).message(), "client 0 is hosted by another worker");
  EXPECT_EQ(e.Check(t.Claim(0, 2)).message(),
            "client 2 was not asked this round or already answered");  // queued, not sent
  ResultClaim no_samples = t.Claim(0, 0);
  no_samples.num_samples = 0;
  EXPECT_EQ(e.Check(no_samples).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(e.Check(t.Claim(0, 0)).ok());
  t.Send(e, e.Accept(0, 700));
  EXPECT_EQ(e.Check(t.Claim(0, 0)).message(),
            "client 0 was not asked this round or already answered");  // the duplicate
  EXPECT_EQ(e.completed(), 1);
  EXPECT_EQ(e.bytes_up(), 700u);
}

TEST(RoundEngineTest, AClientReportingAnotherShardOrOtherWorkIsRejected) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  ResultClaim more = t.Claim(1, 5);
  more.num_samples = 81;  // a bigger FedAvg weight than its shard
  EXPECT_EQ(e.Check(more).message(), "client 5 reports a shard of 81 samples, its shard has 80");
  ResultClaim fewer = t.Claim(1, 5);
  fewer.num_samples = 79;
  EXPECT_EQ(e.Check(fewer).code(), StatusCode::kInvalidArgument);
  ResultClaim one_epoch = t.Claim(1, 5);
  one_epoch.samples = 80;
  one_epoch.flops = 80'000;
  EXPECT_EQ(e.Check(one_epoch).message(),
            "client 5 reports 80 samples and 80000 FLOPs, its job is 160 and 160000");
  ResultClaim free_work = t.Claim(1, 5);
  free_work.flops = 0;  // the work done, priced at nothing
  EXPECT_EQ(e.Check(free_work).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(e.Check(t.Claim(1, 5)).ok());
  EXPECT_EQ(e.completed(), 0) << "checks change nothing";
}

TEST(RoundEngineTest, AJobErrorDropsThatClientAndSendsTheNext) {
  RoundEngine e(Plan());
  FakeTransport t;
  t.Send(e, e.Start());
  std::vector<SendRequest> next;
  Dropped dropped;
  EXPECT_FALSE(e.JobFailed(0, 0, 42, &next, &dropped));  // not the outstanding request
  ASSERT_TRUE(e.JobFailed(0, 0, t.seq_of[0], &next, &dropped));
  EXPECT_EQ(dropped.client, 0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].client, 2);
  EXPECT_EQ(e.dropped(), 1);
}

TEST(RoundEngineTest, TheRunStopsAtTheFirstRoundThatReachesTheTarget) {
  CoordinatorResult r;
  EXPECT_FALSE(TallyEvaluation(1, 0.70, 0.85, &r));
  EXPECT_FALSE(TallyEvaluation(2, 0.84, 0.85, &r));
  EXPECT_TRUE(TallyEvaluation(3, 0.85, 0.85, &r));  // at the target counts
  EXPECT_EQ(r.rounds_to_target, 3);
  EXPECT_TRUE(TallyEvaluation(4, 0.83, 0.85, &r));  // once reached, it stays reached
  EXPECT_EQ(r.rounds_to_target, 3);
  EXPECT_DOUBLE_EQ(r.final_accuracy, 0.83);
  EXPECT_DOUBLE_EQ(r.best_accuracy, 0.85);
}

}  // namespace
}  // namespace fedcarbon::server
