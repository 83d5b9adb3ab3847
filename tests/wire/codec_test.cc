// WeightCodec: exact fp32 round trip, bounded fp16/int8 error, byte sizes, and rejection of
// malformed payloads before anything is applied.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "fedcarbon.pb.h"
#include "fedcarbon/wire/codec.h"

namespace fedcarbon::wire {
namespace {

std::vector<float> RandomWeights(size_t n, uint64_t seed, float scale = 0.1f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(CodecTest, Fp32RoundTripIsExactAndFourBytesPerWeight) {
  std::vector<float> w = RandomWeights(1000, 1);
  w[3] = 0.0f;
  w[4] = -0.0f;
  w[5] = std::numeric_limits<float>::denorm_min();
  w[6] = std::numeric_limits<float>::max();
  proto::Weights msg;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kFp32, false, &msg).ok());
  EXPECT_EQ(msg.data().size(), 4000u);
  EXPECT_EQ(PayloadBytes(Encoding::kFp32, 1000), 4000u);
  auto back = DecodeWeights(msg, 1000);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(w[i]), std::bit_cast<uint32_t>((*back)[i])) << i;
}

TEST(CodecTest, Fp16ErrorBoundedAndTwoBytesPerWeight) {
  std::vector<float> w = RandomWeights(5000, 2);
  w[0] = 65504.0f;  // largest half
  w[1] = 1e-7f;     // half subnormal
  w[2] = -3.0e-5f;
  proto::Weights msg;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kFp16, true, &msg).ok());
  EXPECT_EQ(msg.data().size(), 10000u);
  EXPECT_TRUE(msg.is_delta());
  auto back = DecodeWeights(msg, 5000);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (size_t i = 0; i < w.size(); ++i) {
    // Relative 2^-11 for normal halves, absolute 2^-25 (half a subnormal step) below 2^-14.
    const float bound = std::max(std::fabs(w[i]) * 0x1p-11f, 0x1p-25f);
    EXPECT_LE(std::fabs((*back)[i] - w[i]), bound) << i << " " << w[i];
  }
  EXPECT_EQ((*back)[0], 65504.0f);
}

TEST(CodecTest, HalfConversionMatchesKnownBitPatterns) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);         // rounds up to infinity
  EXPECT_EQ(FloatToHalf(0x1p-24f), 0x0001);         // smallest subnormal
  EXPECT_EQ(FloatToHalf(0x1p-25f), 0x0000);         // tie rounds to even (zero)
  EXPECT_EQ(FloatToHalf(1.0f + 0x1p-11f), 0x3c00);  // tie rounds to even
  EXPECT_EQ(FloatToHalf(1.0f + 3 * 0x1p-11f), 0x3c02);
  for (uint32_t h = 0; h < 0x7c00; ++h)  // every finite positive half survives a round trip
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h) << h;
}

TEST(CodecTest, Fp16EncodeAgreesBitForBitWithTheScalarConversion) {
  // The encoder may use F16C; it must round exactly as FloatToHalf (nearest even), including
  // ties, subnormals and values that round up across a binade.
  std::vector<float> w = RandomWeights(4099, 5, 1.0f);
  for (uint32_t h = 0; h < 0x7c00; h += 7) {
    w.push_back(HalfToFloat(static_cast<uint16_t>(h)));
    w.push_back(std::nextafter(HalfToFloat(static_cast<uint16_t>(h)), 1e9f));
    w.push_back(-(HalfToFloat(static_cast<uint16_t>(h)) + 0x1p-25f));
  }
  proto::Weights msg;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kFp16, false, &msg).ok());
  for (size_t i = 0; i < w.size(); ++i) {
    uint16_t h;
    std::memcpy(&h, msg.data().data() + 2 * i, 2);
    ASSERT_EQ(h, FloatToHalf(w[i])) << i << " " << w[i];
  }
  auto back = DecodeWeights(msg, static_cast<int64_t>(w.size()));
  ASSERT_TRUE(back.ok());
  for (size_t i = 0; i < w.size(); ++i) {
    uint16_t h;
    std::memcpy(&h, msg.data().data() + 2 * i, 2);
    ASSERT_EQ(std::bit_cast<uint32_t>((*back)[i]), std::bit_cast<uint32_t>(HalfToFloat(h))) << i;
  }
}

TEST(CodecTest, Int8ErrorBoundedPerTensorAndOneBytePerWeightPlusScales) {
  std::vector<float> w = RandomWeights(3000, 3);
  for (size_t i = 2000; i < 3000; ++i) w[i] *= 100.0f;  // a tensor with a much larger range
  const std::vector<int64_t> sizes = {1500, 500, 1000};
  proto::Weights msg;
  ASSERT_TRUE(EncodeWeights(w, sizes, Encoding::kInt8, true, &msg).ok());
  EXPECT_EQ(msg.data().size(), 3000u);
  EXPECT_EQ(msg.scales_size(), 3);
  EXPECT_EQ(PayloadBytes(Encoding::kInt8, 3000, 3), 3000u + 12u);
  auto back = DecodeWeights(msg, 3000);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  size_t begin = 0;
  for (int t = 0; t < 3; ++t) {
    float max_abs = 0;
    for (size_t i = begin; i < begin + sizes[t]; ++i) max_abs = std::max(max_abs, std::fabs(w[i]));
    const float scale = max_abs / 127.0f;
    EXPECT_FLOAT_EQ(msg.scales(t), scale);
    for (size_t i = begin; i < begin + sizes[t]; ++i)
      EXPECT_LE(std::fabs((*back)[i] - w[i]), 0.5f * scale * (1 + 1e-5f)) << i;
    begin += sizes[t];
  }
}

TEST(CodecTest, Int8AllZeroTensorDecodesToZero) {
  std::vector<float> w(10, 0.0f);
  proto::Weights msg;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kInt8, false, &msg).ok());
  auto back = DecodeWeights(msg, 10);
  ASSERT_TRUE(back.ok());
  for (float x : *back) EXPECT_EQ(x, 0.0f);
}

TEST(CodecTest, EncodeRejectsNonFiniteAndFp16Overflow) {
  std::vector<float> w(8, 1.0f);
  w[5] = std::nanf("");
  proto::Weights msg;
  Status s = EncodeWeights(w, {}, Encoding::kFp32, false, &msg);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("value 5"), std::string::npos) << s.message();
  w[5] = 70000.0f;
  EXPECT_FALSE(EncodeWeights(w, {}, Encoding::kFp16, false, &msg).ok());
  EXPECT_FALSE(EncodeWeights(w, std::vector<int64_t>{3, 3}, Encoding::kInt8, false, &msg).ok());
}

TEST(CodecTest, DecodeRejectsMalformedPayloads) {
  std::vector<float> w = RandomWeights(100, 4);
  proto::Weights good;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kFp32, false, &good).ok());

  EXPECT_FALSE(DecodeWeights(good, 99).ok());  // wrong expected count

  proto::Weights m = good;
  m.set_num_params(1ull << 40);  // a huge claimed count must not allocate
  EXPECT_FALSE(DecodeWeights(m, 100).ok());

  m = good;
  m.mutable_data()->resize(396);  // truncated payload
  auto r = DecodeWeights(m, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("payload"), std::string::npos);

  m = good;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(m.mutable_data()->data() + 4 * 17, &nan, 4);
  r = DecodeWeights(m, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("value 17"), std::string::npos) << r.status().message();

  m = good;
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(m.mutable_data()->data(), &inf, 4);
  EXPECT_FALSE(DecodeWeights(m, 100).ok());

  proto::Weights h;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kFp16, false, &h).ok());
  (*h.mutable_data())[2 * 9 + 1] = static_cast<char>(0x7c);  // half Inf
  (*h.mutable_data())[2 * 9] = 0;
  EXPECT_FALSE(DecodeWeights(h, 100).ok());

  proto::Weights q;
  ASSERT_TRUE(EncodeWeights(w, {}, Encoding::kInt8, false, &q).ok());
  proto::Weights bad = q;
  bad.set_scales(0, nan);
  EXPECT_FALSE(DecodeWeights(bad, 100).ok());
  bad = q;
  bad.set_tensor_sizes(0, 99);  // sizes no longer sum to num_params
  EXPECT_FALSE(DecodeWeights(bad, 100).ok());
  bad = q;
  bad.add_tensor_sizes(1);  // sizes and scales disagree
  EXPECT_FALSE(DecodeWeights(bad, 100).ok());

  m = good;
  m.set_encoding(static_cast<proto::Encoding>(9));
  EXPECT_FALSE(DecodeWeights(m, 100).ok());
}

TEST(CodecTest, ParseEncodingNames) {
  EXPECT_EQ(*ParseEncoding("none"), Encoding::kFp32);
  EXPECT_EQ(*ParseEncoding("fp16"), Encoding::kFp16);
  EXPECT_EQ(*ParseEncoding("int8"), Encoding::kInt8);
  auto bad = ParseEncoding("int4");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("int4"), std::string::npos);
}

}  // namespace
}  // namespace fedcarbon::wire
