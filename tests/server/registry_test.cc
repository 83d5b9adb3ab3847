// WorkerRegistry: assignment by capacity, liveness, and re-admission of restarted workers.
#include <gtest/gtest.h>

#include "fedcarbon/server/registry.h"

namespace fedcarbon::server {
namespace {

using Clock = std::chrono::steady_clock;

int Add(WorkerRegistry& r, const std::string& id, uint32_t capacity, bool* is_new = nullptr) {
  bool fresh = false;
  const int w = r.Register(id, id + "#1", "host", 1, capacity, 1, Clock::now(), &fresh);
  if (is_new) *is_new = fresh;
  return w;
}

TEST(RegistryTest, WaitsForExpectedWorkersAndEnoughCapacity) {
  WorkerRegistry r(10);
  Add(r, "a", 3);
  EXPECT_FALSE(r.CanAssign(2));
  EXPECT_EQ(r.HostableClients(), 3);
  Add(r, "b", 3);
  EXPECT_FALSE(r.CanAssign(2)) << "6 < 10 clients";
  Add(r, "c", 0);  // no limit
  EXPECT_TRUE(r.CanAssign(2));
  EXPECT_FALSE(r.CanAssign(4));
}

TEST(RegistryTest, AssignDealsRoundRobinWithinCapacity) {
  WorkerRegistry r(10);
  Add(r, "a", 2);
  Add(r, "b", 0);
  Add(r, "c", 0);
  r.Assign();
  EXPECT_EQ(r.workers()[0].clients.size(), 2u);
  EXPECT_EQ(r.workers()[1].clients.size(), 4u);
  EXPECT_EQ(r.workers()[2].clients.size(), 4u);
  for (int c = 0; c < 10; ++c) {
    const int w = r.WorkerOf(c);
    ASSERT_GE(w, 0);
    const auto& cl = r.workers()[w].clients;
    EXPECT_TRUE(std::binary_search(cl.begin(), cl.end(), c));
  }
  EXPECT_EQ(r.EligibleClients().size(), 10u);
}

TEST(RegistryTest, RepeatedHelloUpdatesTheRoutingIdOnly) {
  WorkerRegistry r(4);
  bool is_new = false;
  const int a = Add(r, "a", 0, &is_new);
  EXPECT_TRUE(is_new);
  const int again = r.Register("a", "a#2", "host", 1, 0, 1, Clock::now(), &is_new);
  EXPECT_FALSE(is_new);
  EXPECT_EQ(again, a);
  EXPECT_EQ(r.workers()[a].identity, "a#2");
  EXPECT_EQ(r.FindByIdentity("a#2"), a);
  EXPECT_FALSE(r.FindByIdentity("a#1").has_value());
}

TEST(RegistryTest, SuspectWorkersAreNotEligibleAndRecoverOnAnyMessage) {
  WorkerRegistry r(4);
  const int a = Add(r, "a", 2);
  Add(r, "b", 2);
  r.Assign();
  r.MarkSuspect(a);
  EXPECT_EQ(r.EligibleClients().size(), 2u);
  for (int c : r.EligibleClients()) EXPECT_NE(r.WorkerOf(c), a);
  r.Touch(a, Clock::now());
  EXPECT_EQ(r.EligibleClients().size(), 4u);
}

TEST(RegistryTest, ADeadWorkersClientsGoToTheLeastLoadedLiveWorkersWithRoom) {
  WorkerRegistry r(9);
  const int a = Add(r, "a", 4);
  const int b = Add(r, "b", 0);
  const int c = Add(r, "c", 0);
  r.Assign();        // 3 each
  r.MarkSuspect(c);  // a suspect worker takes nothing
  const std::vector<int> changed = r.MarkDead(b);
  EXPECT_EQ(changed.size(), 2u);  // a and b
  EXPECT_EQ(r.workers()[b].state, WorkerState::kDead);
  EXPECT_EQ(r.workers()[a].clients.size(), 4u) << "up to its capacity";
  EXPECT_EQ(r.workers()[b].clients.size(), 2u) << "the rest stay, orphaned";
  EXPECT_EQ(r.EligibleClients(), r.workers()[a].clients);
  EXPECT_TRUE(r.MarkDead(b).empty()) << "dead once";
  EXPECT_TRUE(r.Touch(b, Clock::now())) << "it was dead";
  EXPECT_EQ(r.workers()[b].state, WorkerState::kAlive);
  EXPECT_FALSE(r.Touch(c, Clock::now())) << "suspect, not dead";
  EXPECT_EQ(r.EligibleClients().size(), 9u);
}

TEST(RegistryTest, AConnectionNamesOneWorkerAtATime) {
  WorkerRegistry r(2);
  const int a = Add(r, "a", 0);
  const int b = Add(r, "b", 0);
  EXPECT_FALSE(r.FindByConnection(7).has_value());
  r.SetConnection(a, 7);
  EXPECT_EQ(r.FindByConnection(7), a);
  r.SetConnection(b, 7);  // a's connection closed and its descriptor went to b
  EXPECT_EQ(r.FindByConnection(7), b);
  EXPECT_EQ(r.workers()[a].connection, -1);
  EXPECT_FALSE(r.FindByConnection(-1).has_value());
}

TEST(RegistryTest, RebalanceEvensOutWithinCapacity) {
  WorkerRegistry r(10);
  const int a = Add(r, "a", 0);
  const int b = Add(r, "b", 0);
  r.Assign();     // 5 and 5
  r.MarkDead(b);  // a hosts all 10
  const int full = Add(r, "full", 1);
  const int spare = Add(r, "spare", 0);
  const std::vector<int> changed = r.Rebalance();
  EXPECT_EQ(changed.size(), 3u);  // a, full, spare
  EXPECT_EQ(r.workers()[full].clients.size(), 1u);
  EXPECT_EQ(r.workers()[a].clients.size() + r.workers()[spare].clients.size(), 9u);
  EXPECT_LE(r.workers()[a].clients.size(), 5u);
  EXPECT_LE(r.workers()[spare].clients.size(), 5u);
  EXPECT_TRUE(r.workers()[b].clients.empty());
  EXPECT_TRUE(r.Rebalance().empty()) << "stable";
}

TEST(RegistryTest, ARestartedWorkerTakesOverTheClientsOfASuspectOne) {
  WorkerRegistry r(6);
  const int a = Add(r, "a", 3);
  const int b = Add(r, "b", 3);
  r.Assign();
  const std::vector<int> b_clients = r.workers()[b].clients;
  r.MarkSuspect(b);  // b died mid-round
  const int b2 = Add(r, "b2", 3);
  const std::vector<int> changed = r.Readmit(b2);
  EXPECT_EQ(changed.size(), 2u);
  EXPECT_EQ(r.workers()[b2].clients, b_clients);
  EXPECT_TRUE(r.workers()[b].clients.empty());
  EXPECT_EQ(r.workers()[b].state, WorkerState::kRetired);
  EXPECT_EQ(r.workers()[a].clients.size(), 3u);
  for (int c : b_clients) EXPECT_EQ(r.WorkerOf(c), b2);
  EXPECT_EQ(r.EligibleClients().size(), 6u);
}

TEST(RegistryTest, ReadmitRespectsCapacityAndKnownWorkersKeepTheirClients) {
  WorkerRegistry r(6);
  const int a = Add(r, "a", 3);
  const int b = Add(r, "b", 3);
  r.Assign();
  r.MarkSuspect(b);
  EXPECT_TRUE(r.Readmit(a).empty()) << "a hosts clients already";
  const int small = Add(r, "small", 2);
  r.Readmit(small);
  EXPECT_EQ(r.workers()[small].clients.size(), 2u);
  EXPECT_EQ(r.workers()[b].clients.size(), 1u);
  EXPECT_EQ(r.workers()[b].state, WorkerState::kSuspect) << "still holds a client";
  const int spare = Add(r, "spare", 0);  // joins while nothing is orphaned... except b's last
  const std::vector<int> changed = r.Rebalance();
  EXPECT_FALSE(changed.empty());
  EXPECT_EQ(r.workers()[b].state, WorkerState::kRetired);
  // The spare took b's last client, then one of a's three to even out (small is full).
  EXPECT_EQ(r.workers()[spare].clients.size(), 2u);
  EXPECT_EQ(r.workers()[a].clients.size(), 2u);
  EXPECT_EQ(r.workers()[small].clients.size(), 2u);
}

TEST(RegistryTest, ASpareJoiningBeforeTheDeadlineTakesOverAtTheNextRebalance) {
  WorkerRegistry r(4);
  Add(r, "a", 2);
  const int b = Add(r, "b", 2);
  r.Assign();
  const int spare = Add(r, "spare", 2);
  EXPECT_TRUE(r.Readmit(spare).empty()) << "nobody is suspect yet";
  r.MarkSuspect(b);
  r.Rebalance();
  EXPECT_EQ(r.workers()[spare].clients.size(), 2u);
  EXPECT_EQ(r.EligibleClients().size(), 4u);
}

}  // namespace
}  // namespace fedcarbon::server
