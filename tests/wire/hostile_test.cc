// What the wire layer does against hostile peers: the frame limits the sockets get
// (ZMQ_MAXMSGSIZE; and their loopback send buffer), which endpoints count as loopback for the
// CURVE warning, and the codec fixes the fuzzer found (fuzz/regressions/wire_frame/).
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::wire {
namespace {

TEST(FrameLimitTest, TheLargestLegitimateFramePlusHeadroom) {
  // The CNN: 1,663,370 weights in 8 tensors; the MLP: 199,210 in 6.
  EXPECT_EQ(MaxFrameBytesForModel(1663370, 8), 6653480u + 8 * 14 + kFrameHeadroomBytes);
  EXPECT_EQ(MaxFrameBytesForModel(1663370, 8), 7702168u);
  EXPECT_EQ(MaxFrameBytesForModel(199210, 6), 1845500u);
  EXPECT_EQ(MaxFrameBytesForModel(uint64_t{1} << 40, 1), kMaxFrameBytes) << "capped";
  // A worker does not know the model before its Welcome: the largest model, or a Welcome.
  EXPECT_EQ(MaxWorkerFrameBytes(1663370, 8), kMaxWelcomeBytes + kFrameHeadroomBytes);
  EXPECT_EQ(MaxWorkerFrameBytes(uint64_t{1} << 24, 8), MaxFrameBytesForModel(uint64_t{1} << 24, 8));
  EXPECT_EQ(WelcomeBytes(1000, 10), 1050u);

  // An fp32 TrainResult of the MLP, as a worker sends it, fits its limit.
  proto::Message m;
  MessageBuilder b;
  b.set_run_id("run-20261202-000000-abcdef");
  b.Start(&m, 3);
  std::vector<float> w(199210, 0.5f);
  ASSERT_TRUE(
      EncodeWeights(w, {}, Encoding::kFp32, true, m.mutable_train_result()->mutable_weights())
          .ok());
  m.mutable_train_result()->set_client_id(99999);
  EXPECT_LT(ToFrame(m).size(), MaxFrameBytesForModel(199210, 6));
}

TEST(SendBufferTest, SmallOnlyOverTcpLoopback) {
  zmq::context_t ctx(1);
  for (const char* ep : {"tcp://127.0.0.1:*", "tcp://localhost:5555", "tcp://[::1]:5555"}) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    SetSendBuffer(s, ep);
    EXPECT_EQ(s.get(zmq::sockopt::sndbuf), kLoopbackSendBufferBytes) << ep;
  }
  for (const char* ep :
       {"tcp://*:5555", "tcp://10.0.0.1:5555", "ipc:///tmp/fc.sock", "inproc://x"}) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    SetSendBuffer(s, ep);
    EXPECT_EQ(s.get(zmq::sockopt::sndbuf), -1) << ep << ": the kernel's";
  }
}

TEST(LoopbackTest, OnlyAddressesOfThisHostAreLoopback) {
  for (const char* ep :
       {"tcp://127.0.0.1:5555", "tcp://127.0.0.1:*", "tcp://127.1.2.3:80", "tcp://localhost:5555",
        "tcp://[::1]:5555", "ipc:///tmp/fc.sock", "inproc://x", "tcp://10.0.0.1;127.0.0.1:5555"})
    EXPECT_TRUE(IsLoopbackEndpoint(ep)) << ep;
  for (const char* ep : {"tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://eth0:5555",
                         "tcp://192.168.1.4:5555", "tcp://127.example.com:5555", "tcp://[::]:5555",
                         "tcp://127.0.0.1", "udp://127.0.0.1:5555", ""})
    EXPECT_FALSE(IsLoopbackEndpoint(ep)) << ep;
  const std::string w = PlaintextBindWarning("tcp://*:5555");
  EXPECT_NE(w.find("--curve-keygen"), std::string::npos) << w;
  EXPECT_NE(w.find("--curve-key server.key --curve-allow"), std::string::npos) << w;
  EXPECT_NE(w.find("--curve-server-key"), std::string::npos) << w;
}

// Fuzz finding: int8 encoding of a tensor whose largest |w| is tiny (a subnormal scale) computed
// NaN (0 x the float inverse, which overflowed) and converted it to int8 (undefined behaviour).
TEST(Int8HostileTest, TinyTensorsEncodeAndDecode) {
  const std::vector<float> tiny = {1e-44f, -3e-45f, 0.0f, 7e-45f};
  proto::Weights w;
  ASSERT_TRUE(EncodeWeights(tiny, {}, Encoding::kInt8, false, &w).ok());
  auto back = DecodeWeights(w, 4);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (float v : *back) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ((*back)[2], 0.0f);
}

// A finite int8 scale whose product with a quantized value overflows is rejected, so decoded
// weights are always finite.
TEST(Int8HostileTest, ScalesThatOverflowAreRejected) {
  proto::Weights w;
  w.set_encoding(proto::ENCODING_INT8);
  w.set_num_params(2);
  w.add_tensor_sizes(2);
  w.add_scales(std::numeric_limits<float>::max() / 2);
  w.set_data(std::string("\x7f\x80", 2));
  auto r = DecodeWeights(w, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("FLT_MAX / 128"), std::string::npos) << r.status().ToString();
  w.set_scales(0, std::numeric_limits<float>::max() / 128);
  r = DecodeWeights(w, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (float v : *r) EXPECT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace fedcarbon::wire
