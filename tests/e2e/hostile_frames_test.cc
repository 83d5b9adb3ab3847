// Hostile frames at a live coordinator: 10,000 random and mutated frames (a fixed seed; real
// encoded messages truncated, bit-flipped, retyped, with huge length fields, a wrong protocol
// version or run id, multi-part, plain random bytes) from a peer that never joined, and one frame
// above the socket's size limit. The coordinator must survive, reject and count every frame that
// reaches it (summary.json's `rejected`), have ZeroMQ drop the oversized one unread, and then run
// the experiment to its end with a real worker; every process exits.
#include <filesystem>
#include <random>

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>
#include <zmq.hpp>

#include "e2e/e2e_util.h"
#include "fedcarbon.pb.h"
#include "fedcarbon/models/tensors.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/records/summary.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace wp = wire::proto;

constexpr int kFrames = 10000;

// Real messages as a worker would send them (small weights: the frames are mutated anyway).
std::vector<std::string> BaseMessages() {
  std::vector<std::string> out;
  auto header = [](wp::Message* m, uint64_t seq) {
    m->mutable_header()->set_protocol_version(wire::kProtocolVersion);
    m->mutable_header()->set_run_id("some-run");
    m->mutable_header()->set_round(1);
    m->mutable_header()->set_seq(seq);
  };
  wp::Message m;
  header(&m, 1);
  m.mutable_heartbeat()->set_busy(false);
  out.push_back(m.SerializeAsString());
  std::vector<float> w(300);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.001f * static_cast<float>(i);
  for (wire::Encoding e : {wire::Encoding::kFp32, wire::Encoding::kFp16, wire::Encoding::kInt8}) {
    m.Clear();
    header(&m, 2);
    wp::TrainResult* r = m.mutable_train_result();
    r->set_client_id(1);
    r->set_request_seq(7);
    r->set_num_samples(200);
    r->set_train_loss(0.5);
    r->mutable_activity()->set_flops(123456);
    r->mutable_activity()->set_samples(200);
    EXPECT_TRUE(wire::EncodeWeights(w, {}, e, false, r->mutable_weights()).ok());
    out.push_back(m.SerializeAsString());
  }
  m.Clear();
  header(&m, 3);
  m.mutable_error()->set_message("local training failed");
  m.mutable_error()->set_client_id(1);
  out.push_back(m.SerializeAsString());
  return out;
}

// A 10-byte varint of 2^64 - 1: a length no frame can hold.
std::string HugeVarint() { return std::string(9, '\xff') + '\x01'; }

// Frame i of the storm: one of the mutations, from the seeded generator. Returns the parts to
// send (more than one: a multi-part message, which the coordinator rejects as one).
std::vector<std::string> Mutate(int i, const std::vector<std::string>& base, std::mt19937_64& rng) {
  std::string f = base[rng() % base.size()];
  auto pos = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  switch (i % 9) {
    case 0:  // truncated
      f.resize(pos(f.size()));
      break;
    case 1:  // bit flips
      for (int k = 1 + static_cast<int>(rng() % 8); k > 0 && !f.empty(); --k)
        f[pos(f.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 2: {  // wrong types: a body under another body's field number, or another wire type
      wp::Message m;
      m.ParseFromString(f);
      const std::string body = f.substr(m.header().ByteSizeLong() + 2);
      const int field = 10 + static_cast<int>(rng() % 8);
      const int wire_type = rng() % 2 ? 2 : static_cast<int>(rng() % 6);
      f = f.substr(0, m.header().ByteSizeLong() + 2) + static_cast<char>((field << 3) | wire_type) +
          body.substr(std::min<size_t>(1, body.size()));
      break;
    }
    case 3:  // a huge length field: the header's, or one inside the body
      if (rng() % 2) {
        f = std::string(1, '\x0a') + HugeVarint() + f.substr(2);
      } else {
        const size_t at = 2 + pos(f.size() - 2);
        f = f.substr(0, at) + '\x32' + HugeVarint() + f.substr(at);
      }
      break;
    case 4: {  // well formed, another run (and from a sender that never said Hello)
      wp::Message m;
      m.ParseFromString(f);
      m.mutable_header()->set_run_id("run-" + std::to_string(rng()));
      f = m.SerializeAsString();
      break;
    }
    case 5: {  // wrong protocol version
      wp::Message m;
      m.ParseFromString(f);
      m.mutable_header()->set_protocol_version(static_cast<uint32_t>(rng()));
      f = m.SerializeAsString();
      break;
    }
    case 6: {  // random bytes
      f.resize(pos(512));
      for (char& c : f) c = static_cast<char>(rng());
      break;
    }
    case 7:  // empty, or two messages in one frame
      f = rng() % 2 ? std::string() : f + base[0];
      break;
    default:  // a multi-part message
      return {f, base[rng() % base.size()]};
  }
  return {f};
}

TEST(HostileFramesTest, TenThousandBadFramesAreRejectedAndCountedAndTheRunCompletes) {
  const std::string dir = MakeTempDir("fedcarbon-hostile");
  if (!WriteFashionMnistSubset(dir + "/data", 2000, 500))
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  const nlohmann::json cfg = {
      {"name", "hostile-frames"},
      {"seed", 5},
      {"model", {{"name", "mlp"}}},
      {"data", {{"path", dir + "/data"}}},
      {"federation",
       {{"num_clients", 4}, {"clients_per_round", 4}, {"rounds", 2}, {"round_timeout_s", 60.0}}},
      {"runtime", {{"workers", 1}, {"join_timeout_s", 120.0}, {"heartbeat_s", 0.5}}}};
  ASSERT_TRUE(WriteFile(dir + "/config.json", cfg.dump()));
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
      60s))
      << ReadFile(dir + "/server.log");

  zmq::context_t ctx(1);
  // One frame above the limit (the MLP's largest legitimate frame + headroom): ZeroMQ drops it
  // and the sender's connection before the coordinator reads anything.
  auto mlp = models::MakeModel("mlp", 0);
  ASSERT_TRUE(mlp.ok());
  const size_t limit = wire::MaxFrameBytesForModel(static_cast<uint64_t>((*mlp)->num_params()),
                                                   models::TensorSizes(**mlp).size());
  {
    zmq::socket_t big(ctx, zmq::socket_type::dealer);
    big.set(zmq::sockopt::linger, 2000);
    big.connect(ep);
    big.send(zmq::message_t(limit + 1), zmq::send_flags::none);
  }

  // The storm, from a peer that never joins. A mutation that happens to be a valid Hello would
  // make it a worker: those are not sent.
  const std::vector<std::string> base = BaseMessages();
  google::protobuf::LogSilencer quiet;  // this test's own parses of mutated frames
  std::mt19937_64 rng(20261202);
  zmq::socket_t evil(ctx, zmq::socket_type::dealer);
  evil.set(zmq::sockopt::linger, 5000);
  evil.set(zmq::sockopt::sndhwm, 0);
  evil.connect(ep);
  int sent = 0, hellos = 0;
  for (int i = 0; i < kFrames; ++i) {
    const std::vector<std::string> parts = Mutate(i, base, rng);
    wp::Message m;
    if (parts.size() == 1 && wire::ParseFrame(parts[0].data(), parts[0].size(), &m).ok() &&
        m.has_hello()) {
      ++hellos;
      continue;
    }
    for (size_t p = 0; p < parts.size(); ++p)
      evil.send(zmq::buffer(parts[p]),
                p + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    ++sent;
  }
  EXPECT_LT(hellos, kFrames / 100);
  // Every frame is rejected once: the log has a "rejected" line per frame.
  auto rejected_in_log = [&] {
    const std::string log = ReadFile(dir + "/server.log");
    int n = 0;
    for (size_t at = log.find("rejected "); at != std::string::npos;
         at = log.find("rejected ", at + 1))
      ++n;
    return n;
  };
  EXPECT_TRUE(WaitUntil([&] { return rejected_in_log() >= sent || !server.Running(); }, 120s))
      << rejected_in_log() << " of " << sent;
  ASSERT_TRUE(server.Running()) << ReadFile(dir + "/server.log");

  // Now an honest worker: the run completes.
  Proc worker({std::string(FEDCARBON_BIN_DIR) + "/fedcarbon-client", "--connect", ep,
               "--hello-timeout", "60", "--silence-timeout", "60"},
              dir + "/worker.log");
  const std::optional<int> server_exit = server.Wait(300s);
  ASSERT_TRUE(server_exit.has_value()) << "the coordinator did not finish";
  EXPECT_EQ(*server_exit, 0) << ReadFile(dir + "/server.log").substr(0, 4000);
  EXPECT_EQ(worker.Wait(30s), 0) << ReadFile(dir + "/worker.log");
  EXPECT_FALSE(server.Running());
  EXPECT_FALSE(worker.Running());

  const auto s = records::ReadFlRunSummary(dir + "/out/summary.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rounds, 2);
  EXPECT_EQ(s->workers, 1) << "no mutated frame made its sender a worker";
  EXPECT_EQ(s->rejected, sent) << "every frame that reached the coordinator, and not the "
                                  "oversized one ZeroMQ dropped";
  EXPECT_GT(s->final_accuracy, s->initial_accuracy);
  std::error_code ec;
  if (!std::getenv("FEDCARBON_KEEP_TEST_DIR")) fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace fedcarbon::testing
