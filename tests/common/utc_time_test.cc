// UTC times: parse and format, and the errors a config gets for bad ones.
#include "fedcarbon/common/utc_time.h"

#include <gtest/gtest.h>

namespace fedcarbon {
namespace {

TEST(UtcTimeTest, ParsesKnownInstants) {
  EXPECT_EQ(*ParseUtcTime("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(*ParseUtcTime("2023-01-01T00:00:00Z"), 1672531200.0);
  EXPECT_EQ(*ParseUtcTime("2023-06-05T13:30Z"), 1672531200.0 + (155 * 24 + 13.5) * 3600);
  EXPECT_EQ(*ParseUtcTime("2024-02-29T00:00:00Z"), 1709164800.0);
}

TEST(UtcTimeTest, FormatsBackToTheSameText) {
  for (const char* t : {"2023-01-01T00:00:00Z", "2023-06-05T13:30:00Z", "2024-12-31T23:59:59Z"})
    EXPECT_EQ(FormatUtcTime(*ParseUtcTime(t)), t);
}

TEST(UtcTimeTest, RejectsOtherZonesAndImpossibleDates) {
  for (const char* t :
       {"2023-06-05", "2023-06-05T00:00:00", "2023-06-05T00:00:00+02:00", "2023-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2023-06-05T24:00:00Z", "2023-06-05T00:00:00Zjunk", ""}) {
    auto r = ParseUtcTime(t);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace fedcarbon
