// A busy worker is never silent: the real fedcarbon-client, driven by a fake coordinator (a raw
// ROUTER in this test), heartbeats every runtime.heartbeat_s while it trains one long job, so
// the coordinator can tell a slow worker from a dead one (server/supervisor.h).
#include <algorithm>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "e2e/e2e_util.h"
#include "fedcarbon.pb.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/models/tensors.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/server/supervisor.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace wp = wire::proto;
using Clock = std::chrono::steady_clock;

struct Routed {
  std::string identity;
  wp::Message message;
  Clock::time_point at;
};

std::optional<Routed> Receive(zmq::socket_t& router, std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
  zmq::message_t id, frame;
  if (!router.recv(id, zmq::recv_flags::dontwait) || !id.more() ||
      !router.recv(frame, zmq::recv_flags::dontwait))
    return std::nullopt;
  Routed r{id.to_string(), {}, Clock::now()};
  if (!wire::ParseFrame(frame.data(), frame.size(), &r.message).ok()) return std::nullopt;
  return r;
}

void Send(zmq::socket_t& router, const std::string& identity, const wp::Message& m) {
  router.send(zmq::buffer(identity), zmq::send_flags::sndmore);
  router.send(wire::ToFrame(m), zmq::send_flags::none);
}

TEST(WorkerHeartbeatTest, ABusyWorkerHeartbeatsWhileItTrains) {
  const std::string dir = MakeTempDir("fedcarbon-heartbeat");
  if (!WriteFashionMnistSubset(dir + "/data", 2000, 500))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  // One client with all 2,000 samples for 40 epochs: a job of several seconds (~100 GFLOP),
  // against heartbeats every 0.2 s.
  constexpr double kHeartbeatS = 0.2;
  auto cfg = config::FromJson({{"name", "heartbeat-test"},
                               {"seed", 3},
                               {"model", {{"name", "mlp"}}},
                               {"data", {{"path", dir + "/data"}}},
                               {"train", {{"batch_size", 10}, {"local_epochs", 40}}},
                               {"federation", {{"num_clients", 1}, {"clients_per_round", 1}}},
                               {"runtime", {{"workers", 1}, {"heartbeat_s", kHeartbeatS}}}});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();

  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  const std::string ep = router.get(zmq::sockopt::last_endpoint);
  Proc worker({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-client", "--connect", ep, "--id", "H",
               "--hello-timeout", "60"},
              dir + "/worker.log");
  wire::MessageBuilder builder;
  builder.set_run_id("heartbeat-run");

  std::optional<Routed> hello;
  ASSERT_TRUE(WaitUntil(
      [&] {
        if (auto m = Receive(router, 100ms); m && m->message.has_hello()) hello = m;
        return hello.has_value() || !worker.Running();
      },
      60s))
      << ReadFile(dir + "/worker.log");
  ASSERT_TRUE(hello) << ReadFile(dir + "/worker.log");
  const std::string identity = hello->identity;
  wp::Message welcome;
  builder.Start(&welcome, 0);
  welcome.mutable_welcome()->set_config_json(config::ToJson(*cfg).dump());
  welcome.mutable_welcome()->add_client_ids(0);
  Send(router, identity, welcome);
  std::optional<Routed> ready;  // the first heartbeat after the Welcome: its data is loaded
  ASSERT_TRUE(WaitUntil(
      [&] {
        if (auto m = Receive(router, 100ms); m && m->message.has_heartbeat()) ready = m;
        return ready.has_value() || !worker.Running();
      },
      60s))
      << ReadFile(dir + "/worker.log");
  ASSERT_TRUE(ready) << ReadFile(dir + "/worker.log");

  // The request: the initial MLP, fp32.
  auto model = models::MakeModel("mlp", 1);
  ASSERT_TRUE(model.ok());
  wp::Message request;
  const uint64_t seq = builder.Start(&request, 1);
  request.mutable_train_request()->set_client_id(0);
  ASSERT_TRUE(wire::EncodeWeights((*model)->GetParams(), models::TensorSizes(**model),
                                  wire::Encoding::kFp32, false,
                                  request.mutable_train_request()->mutable_weights())
                  .ok());
  const Clock::time_point sent = Clock::now();
  Send(router, identity, request);

  // Everything the worker sends until its result; each heartbeat is answered, as the
  // coordinator does.
  std::vector<Clock::time_point> heard{sent};
  int busy_beats = 0;
  std::optional<Routed> result;
  while (!result && worker.Running() && Clock::now() - sent < 300s) {
    auto m = Receive(router, 100ms);
    if (!m) continue;
    heard.push_back(m->at);
    if (m->message.has_train_result()) {
      result = m;
    } else if (m->message.has_heartbeat()) {
      busy_beats += m->message.heartbeat().busy() ? 1 : 0;
      wp::Message beat;
      builder.Start(&beat, 0);
      beat.mutable_heartbeat()->set_busy(true);
      Send(router, identity, beat);
    }
  }
  ASSERT_TRUE(result) << ReadFile(dir + "/worker.log");
  EXPECT_EQ(result->message.train_result().request_seq(), seq);
  const double job_s = std::chrono::duration<double>(result->at - sent).count();
  double longest_gap_s = 0.0;
  for (size_t i = 1; i < heard.size(); ++i)
    longest_gap_s =
        std::max(longest_gap_s, std::chrono::duration<double>(heard[i] - heard[i - 1]).count());
  std::printf("[ figures  ] job %.1f s, %d busy heartbeats, longest silence %.2f s\n", job_s,
              busy_beats, longest_gap_s);
  ASSERT_GT(job_s, 1.0) << "the job must outlast several heartbeat periods to show anything";
  EXPECT_GE(busy_beats, static_cast<int>(job_s / kHeartbeatS / 3))
      << "heartbeats keep coming, marked busy, while the job runs";
  EXPECT_LT(longest_gap_s, server::kMinSilenceS)
      << "never silent long enough for the coordinator to declare it dead";

  wp::Message shutdown;
  builder.Start(&shutdown, 0);
  shutdown.mutable_shutdown()->set_reason("test over");
  Send(router, identity, shutdown);
  EXPECT_EQ(worker.Wait(30s), 0) << ReadFile(dir + "/worker.log");
  std::error_code ec;
  if (!std::getenv("FEDCARBON_KEEP_TEST_DIR")) fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace fedcarbon::testing
