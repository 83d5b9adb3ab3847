// A misbehaving worker: the test joins a real coordinator as a raw DEALER, and answers every
// TrainRequest with a series of malformed results before a valid one. Each must be rejected and
// logged, never applied; a round it ignores ends at the deadline; the run completes.
#include <cmath>
#include <filesystem>
#include <limits>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "e2e/e2e_util.h"
#include "fedcarbon.pb.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/data/dataset.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/models/from_config.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/records/rounds.h"
#include "fedcarbon/records/summary.h"
#include "fedcarbon/server/checkpoint.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace wp = wire::proto;

std::optional<wp::Message> Receive(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
  zmq::message_t frame;
  if (!s.recv(frame, zmq::recv_flags::dontwait)) return std::nullopt;
  wp::Message m;
  if (!wire::ParseFrame(frame.data(), frame.size(), &m).ok()) return std::nullopt;
  return m;
}

void Send(zmq::socket_t& s, const wp::Message& m) {
  s.send(wire::ToFrame(m), zmq::send_flags::none);
}

// What each client's job must report, computed as the coordinator does: from the partition of
// the run's training labels and the model's FLOP counts.
struct Job {
  uint64_t shard = 0, samples = 0, flops = 0;
};
std::vector<Job> ExpectedJobs(const config::ExperimentConfig& cfg) {
  auto labels = data::LoadFashionMnistLabels(cfg.data.path, data::Split::kTrain);
  EXPECT_TRUE(labels.ok());
  auto partition =
      data::MakePartition(*labels, cfg.federation.num_clients, cfg.partition, cfg.seed);
  EXPECT_TRUE(partition.ok());
  auto model = models::MakeModel(cfg.model.name, 0);
  auto opt = models::MakeOptimizer(models::OptimizerOptionsFor(cfg.train));
  EXPECT_TRUE(model.ok() && opt.ok());
  std::vector<Job> jobs;
  for (const auto& shard : *partition) {
    const auto w = models::ExpectedTrainWork(**model, **opt, static_cast<int64_t>(shard.size()),
                                             cfg.train.batch_size, cfg.train.local_epochs, false);
    jobs.push_back({shard.size(), static_cast<uint64_t>(w.samples), w.flops});
  }
  return jobs;
}

// A well-formed result that returns the received weights unchanged, reporting the client's job.
wp::Message ValidResult(const wp::Message& req, uint64_t seq, const std::vector<Job>& jobs) {
  wp::Message m;
  auto* h = m.mutable_header();
  h->set_protocol_version(wire::kProtocolVersion);
  h->set_run_id(req.header().run_id());
  h->set_round(req.header().round());
  h->set_seq(seq);
  auto* r = m.mutable_train_result();
  const uint32_t client = req.train_request().client_id();
  const Job& job = jobs.at(client);
  r->set_client_id(client);
  r->set_request_seq(req.header().seq());
  *r->mutable_weights() = req.train_request().weights();
  r->set_num_samples(job.shard);
  r->set_train_loss(1.0);
  auto* a = r->mutable_activity();
  a->set_flops(job.flops);
  a->set_samples(job.samples);
  a->set_compute_s(0.01);
  a->set_wall_s(0.01);
  return m;
}

TEST(BadMessageTest, MalformedResultsAreRejectedNeverAppliedAndTheRunCompletes) {
  const std::string dir = MakeTempDir("fedcarbon-badmsg");
  if (!WriteFashionMnistSubset(dir + "/data", 2000, 500))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  // Round 3 ends at its deadline (this test plays dead), so the run waits it out once. The
  // honest worker's two clients take ~0.05 s a round and this test answers at once: 3 s is ~50x
  // that, room enough for a loaded 2-core machine without making every run wait longer.
  constexpr double kRoundTimeoutS = 3.0;
  nlohmann::json cfg = {
      {"name", "bad-messages"},
      {"seed", 11},
      {"model", {{"name", "mlp"}}},
      {"data", {{"path", dir + "/data"}}},
      {"federation",
       {{"num_clients", 4},
        {"clients_per_round", 4},
        {"rounds", 3},
        {"round_timeout_s", kRoundTimeoutS},
        {"target_accuracy", 1.0}}},
      // Ends as soon as both workers have joined: sized for a loaded machine.
      {"runtime", {{"workers", 2}, {"join_timeout_s", 60.0}, {"heartbeat_s", 0.5}}}};
  ASSERT_TRUE(WriteFile(dir + "/config.json", cfg.dump()));
  auto parsed = config::FromJson(cfg);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const std::vector<Job> jobs = ExpectedJobs(*parsed);
  Proc server({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-server", dir + "/config.json", "--bind",
               "tcp://127.0.0.1:*", "--out", dir + "/out"},
              dir + "/server.log");
  std::string ep;
  ASSERT_TRUE(WaitUntil(
      [&] {
        ep = ReadFile(dir + "/out/endpoint");
        while (!ep.empty() && ep.back() == '\n') ep.pop_back();
        return !ep.empty();
      },
      60s));
  Proc worker({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-client", "--connect", ep, "--capacity",
               "2", "--hello-timeout", "30"},
              dir + "/worker.log");

  zmq::context_t ctx(1);
  zmq::socket_t evil(ctx, zmq::socket_type::dealer);
  evil.set(zmq::sockopt::linger, 0);
  evil.set(zmq::sockopt::routing_id, "evil#1");
  evil.connect(ep);
  uint64_t seq = 0;
  wp::Message hello;
  hello.mutable_header()->set_protocol_version(wire::kProtocolVersion);
  hello.mutable_header()->set_seq(++seq);
  hello.mutable_hello()->set_capacity(2);
  hello.mutable_hello()->set_worker_id("evil");
  hello.mutable_hello()->set_host("test");
  Send(evil, hello);

  std::optional<wp::Message> welcome;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto m = Receive(evil, 100ms);
        if (m && m->has_welcome()) welcome = m;
        return welcome.has_value();
      },
      60s))
      << ReadFile(dir + "/server.log");
  const std::string run_id = welcome->header().run_id();
  ASSERT_EQ(welcome->welcome().client_ids_size(), 2);
  wp::Message ready;
  ready.mutable_header()->set_protocol_version(wire::kProtocolVersion);
  ready.mutable_header()->set_run_id(run_id);
  ready.mutable_header()->set_seq(++seq);
  ready.mutable_heartbeat();
  Send(evil, ready);

  // A stranger that never said Hello.
  zmq::socket_t stranger(ctx, zmq::socket_type::dealer);
  stranger.set(zmq::sockopt::linger, 0);
  stranger.connect(ep);

  int answered = 0, ignored = 0, stranger_sent = 0;
  bool reported_failure = false;
  const auto deadline = std::chrono::steady_clock::now() + 120s;  // the loop ends with the run
  auto next_heartbeat = std::chrono::steady_clock::now();
  while (server.Running() && std::chrono::steady_clock::now() < deadline) {
    // Heartbeats, as a real worker sends them also while it trains: this one is alive (a
    // straggler in round 3), never declared dead for its silence.
    if (std::chrono::steady_clock::now() >= next_heartbeat) {
      wp::Message beat = ready;
      beat.mutable_header()->set_seq(++seq);
      Send(evil, beat);
      next_heartbeat += 500ms;
    }
    auto req = Receive(evil, 100ms);
    if (!req || !req->has_train_request()) continue;
    if (req->header().round() == 3) {  // play dead in the last round
      ++ignored;
      continue;
    }
    const wp::Message valid = ValidResult(*req, ++seq, jobs);
    std::vector<wp::Message> bad(11, valid);
    bad[0].mutable_header()->set_protocol_version(99);
    bad[1].mutable_header()->set_run_id("not-" + run_id);
    bad[2].mutable_header()->set_round(req->header().round() + 7);
    bad[3].mutable_train_result()->set_client_id(999);
    bad[4].mutable_train_result()->set_request_seq(req->header().seq() + 1000);
    {  // one weight short
      auto* w = bad[5].mutable_train_result()->mutable_weights();
      w->set_num_params(w->num_params() - 1);
      w->mutable_data()->resize(w->data().size() - 4);
    }
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    std::memcpy(bad[6].mutable_train_result()->mutable_weights()->mutable_data()->data() + 4 * 17,
                &nan, 4);
    std::memcpy(bad[7].mutable_train_result()->mutable_weights()->mutable_data()->data(), &inf, 4);
    // Lies about its work: the shard it trained on, the samples it processed, the FLOPs.
    bad[8].mutable_train_result()->set_num_samples(bad[8].train_result().num_samples() + 1);
    bad[9].mutable_train_result()->mutable_activity()->set_samples(1);
    bad[10].mutable_train_result()->mutable_activity()->set_flops(0);

    evil.send(zmq::buffer(std::string("\x08\x96garbage, not a protobuf")), zmq::send_flags::none);
    for (const auto& b : bad) Send(evil, b);
    wp::Message not_from_worker = valid;
    not_from_worker.mutable_welcome();  // a body a worker never sends
    Send(evil, not_from_worker);
    if (stranger_sent == 0) {
      Send(stranger, valid);
      ++stranger_sent;
    }
    ++answered;
    if (req->header().round() == 2 && !reported_failure) {
      // An honest failure: an Error naming the request frees the client at once (no deadline).
      wp::Message error;
      *error.mutable_header() = valid.header();
      error.mutable_error()->set_message("local training failed");
      error.mutable_error()->set_client_id(req->train_request().client_id());
      error.mutable_error()->set_request_seq(req->header().seq());
      Send(evil, error);
      reported_failure = true;
      continue;
    }
    Send(evil, valid);
  }
  ASSERT_EQ(server.Wait(60s), 0) << ReadFile(dir + "/server.log");
  EXPECT_EQ(worker.Wait(30s), 0);
  EXPECT_EQ(answered, 4) << "two clients x rounds 1 and 2";
  EXPECT_EQ(ignored, 2);

  const auto s = records::ReadFlRunSummary(dir + "/out/summary.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rounds, 3);
  // Per answered request: garbage + 11 bad results + a welcome; plus the stranger's message.
  EXPECT_EQ(s->rejected, answered * 13 + stranger_sent) << ReadFile(dir + "/server.log");
  EXPECT_EQ(s->dropped, 3) << "one failed job, and the ignored round ends at its deadline";
  EXPECT_GT(s->final_accuracy, s->initial_accuracy);
  const auto rounds = records::ReadRounds(dir + "/out/rounds.csv");
  ASSERT_TRUE(rounds.ok()) << rounds.status().ToString();
  ASSERT_EQ(rounds->size(), 3u);
  const records::RoundRecord &r1 = (*rounds)[0], &r2 = (*rounds)[1], &r3 = (*rounds)[2];
  EXPECT_EQ(r1.completed, 4);  // all four results accepted in round 1
  EXPECT_EQ(r2.completed, 3);  // the failed job is dropped in round 2 ...
  EXPECT_EQ(r2.dropped, 1);
  EXPECT_LT(r2.collect_s, kRoundTimeoutS) << "... without waiting for the deadline";
  EXPECT_EQ(r3.completed, 2);
  EXPECT_EQ(r3.dropped, 2);
  auto ck = server::ReadCheckpoint(dir + "/out/checkpoint.bin");  // validates every value finite
  EXPECT_TRUE(ck.ok()) << ck.status().ToString();
  const std::string log = ReadFile(dir + "/server.log");
  for (const char* why :
       {"does not parse", "protocol version 99", "run id", "round 8", "was not asked",
        "answers request", "num_params", "NaN or Inf", "reports a shard of", "its job is",
        "not a message a worker sends", "unknown sender"})
    EXPECT_NE(log.find(why), std::string::npos) << "log names: " << why;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace fedcarbon::testing
