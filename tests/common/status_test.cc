#include "fedcarbon/common/status.h"

#include <gtest/gtest.h>

namespace fedcarbon {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::Error("x must be even, got " + std::to_string(x));
  return x / 2;
}

Status Chain(int x) {
  FEDCARBON_RETURN_IF_ERROR(Half(x).status());
  return Status::OK();
}

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesMessageAndContext) {
  Status s = Status::Error("truncated").WithContext("train.gz");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "train.gz: truncated");
}

TEST(ResultTest, ValueOrError) {
  auto a = Half(4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 2);
  auto b = Half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "x must be even, got 3");
  EXPECT_TRUE(Chain(8).ok());
  EXPECT_EQ(Chain(5).message(), "x must be even, got 5");
}

}  // namespace
}  // namespace fedcarbon
