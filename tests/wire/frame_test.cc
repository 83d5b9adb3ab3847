// Weight frames written and read in place (wire/frame.h) against protobuf's own path: the same
// bytes on the wire (every encoding, both bodies, every length of the varints around the
// weights), the same floats back bit for bit, and the same verdict, error and message for any
// received bytes (mutated frames, merged and reordered fields, the fuzz corpus).
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include "fedcarbon.pb.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/frame.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::wire {
namespace {

// The paper's CNN (models::MakeModel("cnn")): 1,663,370 weights in 8 tensors.
const std::vector<int64_t> kCnnTensors = {800, 32, 51200, 64, 1605632, 512, 5120, 10};
constexpr int64_t kCnnParams = 1663370;

std::vector<float> RandomWeights(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.05f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  if (n > 8) {  // values whose bits must survive: signed zero, subnormal, the extremes
    v[1] = -0.0f;
    v[2] = std::numeric_limits<float>::denorm_min();
    v[3] = -std::numeric_limits<float>::min();
    v[4] = 60000.0f;  // near fp16's largest
  }
  return v;
}

std::string Bytes(const zmq::message_t& f) { return std::string(f.data<char>(), f.size()); }

// A message of `body` (12 train_request, 13 train_result) as the coordinator or a worker starts it.
proto::Message Start(int body, const std::string& run_id, uint64_t seq_after) {
  MessageBuilder b;
  b.set_run_id(run_id);
  b.ContinueAfter(seq_after);
  proto::Message m;
  b.Start(&m, 7);
  if (body == proto::Message::kTrainRequestFieldNumber) {
    m.mutable_train_request()->set_client_id(41);
  } else {
    proto::TrainResult* r = m.mutable_train_result();
    r->set_client_id(99999);
    r->set_request_seq(1234567);
    r->set_num_samples(600);
    r->set_train_loss(0.25);
    r->mutable_activity()->set_flops(uint64_t{1} << 40);
    r->mutable_activity()->set_samples(3000);
    r->mutable_activity()->set_compute_s(12.5);
    r->mutable_activity()->set_wall_s(13.0);
  }
  return m;
}

proto::Weights* Weights(proto::Message* m) {
  return m->has_train_request() ? m->mutable_train_request()->mutable_weights()
                                : m->mutable_train_result()->mutable_weights();
}

// Encodes through protobuf (EncodeWeights, ToFrame) and in place (EncodeFrame); both frames must
// be the same bytes. Returns the frame.
std::string EncodeBothWays(const proto::Message& start, const std::vector<float>& w,
                           const std::vector<int64_t>& sizes, Encoding e, bool delta) {
  proto::Message reference = start;
  EXPECT_TRUE(EncodeWeights(w, sizes, e, delta, Weights(&reference)).ok());
  const std::string expected = Bytes(ToFrame(reference));
  proto::Message m = start;
  Result<zmq::message_t> frame = EncodeFrame(&m, w, sizes, e, delta);
  EXPECT_TRUE(frame.ok()) << frame.status().ToString();
  if (!frame.ok()) return expected;
  EXPECT_EQ(Bytes(*frame), expected) << EncodingName(e) << " n=" << w.size();
  EXPECT_TRUE(Weights(&m)->data().empty());
  Weights(&reference)->clear_data();
  EXPECT_EQ(m.SerializeAsString(), reference.SerializeAsString()) << "the rest of the weights";
  return expected;
}

// Parses through protobuf (ParseFrame) and in place (ParseFrameInPlace): the same verdict and
// error, and when it parses the same message once the weight bytes are put back.
void ParseBothWays(const std::string& bytes) {
  proto::Message slow, fast;
  const Status a = ParseFrame(bytes.data(), bytes.size(), &slow);
  std::string_view data;
  const Status b = ParseFrameInPlace(bytes.data(), bytes.size(), &fast, &data);
  ASSERT_EQ(a.ok(), b.ok()) << a.ToString() << " / " << b.ToString();
  if (!a.ok()) {
    EXPECT_EQ(a.message(), b.message());
    return;
  }
  if (const proto::Weights* w = BodyWeights(slow)) {
    EXPECT_EQ(data, w->data());
    const std::string put_back(data);  // (set only when not empty: it would add the Weights)
    if (!data.empty() && fast.has_train_request())
      fast.mutable_train_request()->mutable_weights()->set_data(put_back);
    if (!data.empty() && fast.has_train_result())
      fast.mutable_train_result()->mutable_weights()->set_data(put_back);
  } else {
    EXPECT_TRUE(data.empty());
  }
  EXPECT_EQ(fast.SerializeAsString(), slow.SerializeAsString());
}

TEST(FrameTest, TheCnnInPlaceIsProtobufsBytesAndFloatsForEveryEncoding) {
  const std::vector<float> w = RandomWeights(kCnnParams, 1);
  for (Encoding e : {Encoding::kFp32, Encoding::kFp16, Encoding::kInt8}) {
    for (int body :
         {proto::Message::kTrainRequestFieldNumber, proto::Message::kTrainResultFieldNumber}) {
      const proto::Message start = Start(body, "run-20261202-000000-abcdef", 41);
      const std::string frame = EncodeBothWays(start, w, kCnnTensors, e, e != Encoding::kFp32);
      // Decoded in place: the floats protobuf's path decodes, bit for bit (fp32: the originals).
      proto::Message slow, fast;
      ASSERT_TRUE(ParseFrame(frame.data(), frame.size(), &slow).ok());
      std::string_view data;
      ASSERT_TRUE(ParseFrameInPlace(frame.data(), frame.size(), &fast, &data).ok());
      EXPECT_GE(data.data(), frame.data()) << "the bytes stay in the frame";
      EXPECT_LE(data.data() + data.size(), frame.data() + frame.size());
      EXPECT_TRUE(BodyWeights(fast)->data().empty());
      std::vector<float> a(kCnnParams), b(kCnnParams);
      ASSERT_TRUE(DecodeWeights(*BodyWeights(slow), kCnnParams, a).ok());
      ASSERT_TRUE(DecodeWeights(*BodyWeights(fast), data, kCnnParams, b).ok());
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << EncodingName(e);
      if (e == Encoding::kFp32) {
        EXPECT_EQ(std::memcmp(a.data(), w.data(), w.size() * sizeof(float)), 0);
      }
    }
  }
}

TEST(FrameTest, EveryLengthOfTheVarintsAroundTheWeights) {
  // Payloads whose own length, the Weights' and the body's cross the 2- and 3-byte varint
  // limits (128 and 16,384 bytes) at different points (the CNN above: 4-byte lengths).
  std::vector<size_t> counts;
  for (size_t n = 1; n <= 140; ++n) counts.push_back(n);
  for (size_t per : {1, 2, 4})
    for (size_t n = 16384 / per - 100; n <= 16384 / per + 2; ++n) counts.push_back(n);
  for (size_t n : counts) {
    const std::vector<float> w = RandomWeights(n, n);
    const std::vector<int64_t> sizes =
        n > 3 ? std::vector<int64_t>{1, static_cast<int64_t>(n) - 1} : std::vector<int64_t>{};
    for (Encoding e : {Encoding::kFp32, Encoding::kFp16, Encoding::kInt8}) {
      for (int body :
           {proto::Message::kTrainRequestFieldNumber, proto::Message::kTrainResultFieldNumber}) {
        const std::string frame = EncodeBothWays(Start(body, "", 0), w, sizes, e, false);
        if (n <= 140 || n % 5 == 0) ParseBothWays(frame);
        if (HasFailure()) return;
      }
    }
  }
}

TEST(FrameTest, AMessageOfAnotherLayoutIsEncodedThroughProtobuf) {
  // Unknown fields that look like a second body (a message built from a parsed one).
  proto::Message start = Start(proto::Message::kTrainResultFieldNumber, "r", 0);
  start.GetReflection()->MutableUnknownFields(&start)->AddVarint(
      proto::Message::kTrainRequestFieldNumber, 5);
  const std::vector<float> w = RandomWeights(300, 8);
  for (Encoding e : {Encoding::kFp32, Encoding::kFp16, Encoding::kInt8})
    EncodeBothWays(start, w, {100, 200}, e, true);
}

TEST(FrameTest, EncodeFrameFailsAsEncodeWeights) {
  std::vector<float> w = RandomWeights(100, 3);
  w[17] = std::numeric_limits<float>::quiet_NaN();
  w[50] = 1e6f;  // overflows fp16, but the NaN comes first
  for (Encoding e : {Encoding::kFp32, Encoding::kFp16, Encoding::kInt8}) {
    proto::Message m = Start(proto::Message::kTrainResultFieldNumber, "r", 0);
    proto::Weights reference;
    const Status expected = EncodeWeights(w, {}, e, false, &reference);
    Result<zmq::message_t> frame = EncodeFrame(&m, w, {}, e, false);
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.status().message(), expected.message());
    EXPECT_NE(expected.message().find("value 17 is not finite"), std::string::npos);
  }
  w[17] = 0.0f;
  proto::Message m = Start(proto::Message::kTrainResultFieldNumber, "r", 0);
  Result<zmq::message_t> fp16 = EncodeFrame(&m, w, {}, Encoding::kFp16, false);
  ASSERT_FALSE(fp16.ok());
  EXPECT_NE(fp16.status().message().find("value 50 (1000000.000000) overflows fp16"),
            std::string::npos)
      << fp16.status().message();
  EXPECT_FALSE(EncodeFrame(&m, w, std::vector<int64_t>{50, 49}, Encoding::kInt8, false).ok());
  proto::Message heartbeat = Start(proto::Message::kTrainResultFieldNumber, "r", 0);
  heartbeat.mutable_heartbeat();
  EXPECT_FALSE(EncodeFrame(&heartbeat, w, {}, Encoding::kFp32, false).ok());
}

// Valid frames of every kind, as the seeds of the mutations below.
std::vector<std::string> Seeds() {
  std::vector<std::string> out;
  const std::vector<float> w = RandomWeights(20, 5);
  for (Encoding e : {Encoding::kFp32, Encoding::kFp16, Encoding::kInt8})
    for (int body :
         {proto::Message::kTrainRequestFieldNumber, proto::Message::kTrainResultFieldNumber})
      out.push_back(EncodeBothWays(Start(body, "run", 3), w, {7, 13}, e, true));
  proto::Message hb = Start(proto::Message::kTrainResultFieldNumber, "run", 0);
  hb.mutable_heartbeat()->set_busy(true);
  out.push_back(hb.SerializeAsString());
  proto::Message err = Start(proto::Message::kTrainResultFieldNumber, "run", 0);
  err.mutable_error()->set_message("boom");
  out.push_back(err.SerializeAsString());
  return out;
}

TEST(FrameTest, AnyBytesParseInPlaceAsProtobufParsesThem) {
  const google::protobuf::LogSilencer quiet;  // (its complaints about bad UTF-8 in run ids)
  const std::vector<std::string> seeds = Seeds();
  std::mt19937_64 rng(11);
  for (const std::string& s : seeds) {
    ParseBothWays(s);
    for (size_t cut = 0; cut < s.size(); ++cut) ParseBothWays(s.substr(0, cut));  // truncated
    for (int i = 0; i < 3000; ++i) {  // 1 to 3 bytes changed
      std::string m = s;
      for (int k = 0, flips = 1 + static_cast<int>(rng() % 3); k < flips; ++k)
        m[rng() % m.size()] = static_cast<char>(rng());
      ParseBothWays(m);
    }
    if (HasFailure()) return;
  }
  // Merged and reordered fields: a frame twice (protobuf merges the bodies, the later data wins),
  // one body after another, a field appended to the Weights (data no longer last).
  for (const std::string& a : seeds)
    for (const std::string& b : seeds) ParseBothWays(a + b);
  proto::Message m = Start(proto::Message::kTrainRequestFieldNumber, "run", 0);
  ASSERT_TRUE(EncodeWeights(RandomWeights(8, 1), {}, Encoding::kFp32, false,
                            m.mutable_train_request()->mutable_weights())
                  .ok());
  std::string weights = m.train_request().weights().SerializeAsString();
  weights += std::string("\x10\x05", 2);  // num_params = 5 after the data
  std::string body = std::string("\x08\x01\x12", 3) + static_cast<char>(weights.size()) + weights;
  m.clear_train_request();
  const std::string head = m.SerializeAsString();
  ParseBothWays(head + "\x62" + static_cast<char>(body.size()) + body);
  // Overlong varints (a length in 5 bytes: protobuf reads it; in 6: it does not).
  ParseBothWays(head + "\x62" + std::string("\x80\x80\x80\x80\x00", 5));
  ParseBothWays(head + "\x62" + std::string("\x80\x80\x80\x80\x80\x00", 6));
  ParseBothWays(head + std::string("\xe2\x00", 2) + static_cast<char>(body.size()) + body);
  std::string overlong = body;
  overlong.replace(3, 1, std::string(1, static_cast<char>(0x80 | weights.size())) + '\0');
  ParseBothWays(head + "\x62" + static_cast<char>(overlong.size()) + overlong);
}

TEST(FrameTest, TheFuzzCorpusParsesInPlaceAsProtobufParsesIt) {
  namespace fs = std::filesystem;
  int inputs = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(FEDCARBON_SOURCE_DIR) / "fuzz" / kind / "wire_frame";
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream read;
      read << in.rdbuf();
      const std::string bytes = read.str();
      SCOPED_TRACE(e.path().string());
      ParseBothWays(bytes);
      ++inputs;
    }
  }
  EXPECT_GT(inputs, 5);
}

TEST(FrameTest, InFrameKeepsTheBytesThroughMoves) {
  const std::vector<float> w = {0.5f, -0.25f};  // a frame small enough to live in the message_t
  proto::Message m = Start(proto::Message::kTrainResultFieldNumber, "r", 0);
  Result<zmq::message_t> frame = EncodeFrame(&m, w, {}, Encoding::kFp32, false);
  ASSERT_TRUE(frame.ok());
  const size_t size = frame->size();
  InFrame in;
  ASSERT_TRUE(in.Parse(std::move(*frame)).ok());
  std::vector<InFrame> moved;
  moved.push_back(std::move(in));
  for (int i = 0; i < 4; ++i) moved.emplace_back();  // reallocations move it again
  const InFrame f = std::move(moved[0]);
  EXPECT_EQ(f.size(), size);
  ASSERT_TRUE(f.message().has_train_result());
  std::vector<float> out(2);
  ASSERT_TRUE(DecodeWeights(*BodyWeights(f.message()), f.weights_data(), 2, out).ok());
  EXPECT_EQ(out, w);

  InFrame bad;
  const Status st = bad.Parse(zmq::message_t("\x0a\x02\x08\x07", 4));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "protocol version 7, expected 3");
  EXPECT_EQ(bad.size(), 4u);
}

}  // namespace
}  // namespace fedcarbon::wire
