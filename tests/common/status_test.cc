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

TEST(StatusTest, ConstructorsGiveTheirCode) {
  EXPECT_EQ(Status::OK().code(), StatusCode::kOk);
  EXPECT_EQ(Status::Error("e").code(), StatusCode::kInternal);
  EXPECT_EQ(Status::InvalidArgument("e").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Status::NotFound("e").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::Corruption("e").code(), StatusCode::kCorruption);
  EXPECT_EQ(Status::IOError("e").code(), StatusCode::kIOError);
  EXPECT_EQ(Status::Unavailable("e").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Status::NotFound("train.gz: cannot open").message(), "train.gz: cannot open");
}

TEST(StatusTest, WithContextKeepsTheCode) {
  const Status s = Status::Corruption("truncated").WithContext("train.gz").WithContext("data");
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.message(), "data: train.gz: truncated");
  EXPECT_EQ(Status::IOError("disk full").WithContext("out").code(), StatusCode::kIOError);
  EXPECT_TRUE(Status::OK().WithContext("ignored").ok());
  EXPECT_EQ(Status::OK().WithContext("ignored").message(), "");
}

TEST(StatusTest, ResultAndReturnIfErrorKeepTheCode) {
  Result<int> r = Status::NotFound("no such file");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  auto chain = [](Status inner) -> Status {
    FEDCARBON_RETURN_IF_ERROR(inner);
    return Status::OK();
  };
  EXPECT_EQ(chain(Status::InvalidArgument("x")).code(), StatusCode::kInvalidArgument);
}

TEST(StatusTest, ExitCodeIsTwoForBadInputOneOtherwise) {
  EXPECT_EQ(ExitCode(Status::OK()), 0);
  EXPECT_EQ(ExitCode(Status::InvalidArgument("e")), 2);
  EXPECT_EQ(ExitCode(Status::NotFound("e")), 2);
  EXPECT_EQ(ExitCode(Status::Corruption("e")), 2);
  EXPECT_EQ(ExitCode(Status::IOError("e")), 1);
  EXPECT_EQ(ExitCode(Status::Unavailable("e")), 1);
  EXPECT_EQ(ExitCode(Status::Error("e")), 1);
  EXPECT_EQ(ExitCode(Status::NotFound("e").WithContext("ctx")), 2);
  EXPECT_TRUE(Status::Corruption("e").IsBadInput());
  EXPECT_FALSE(Status::IOError("e").IsBadInput());
  EXPECT_FALSE(Status::OK().IsBadInput());
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

TEST(StatusTest, FromExitCodeReadsTheSameRuleBack) {
  EXPECT_TRUE(FromExitCode(0, "x").ok());
  EXPECT_EQ(FromExitCode(2, "bad config").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FromExitCode(1, "crashed").code(), StatusCode::kInternal);
  EXPECT_EQ(FromExitCode(137, "killed").message(), "killed");
  for (int code : {0, 1, 2}) EXPECT_EQ(ExitCode(FromExitCode(code, "m")), code);
}

}  // namespace
}  // namespace fedcarbon
