// ParseUtcTime / FormatUtcTime (see include/fedcarbon/common/utc_time.h).
#include "fedcarbon/common/utc_time.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace fedcarbon {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysIn(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Result<double> ParseUtcTime(std::string_view text) {
  const std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  const bool with_seconds = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h,
                                        &mi, &sec, &used) == 6 &&
                            used == static_cast<int>(s.size());
  if (!with_seconds) {
    used = 0;
    sec = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &used) != 5 ||
        used != static_cast<int>(s.size()))
      return Status::InvalidArgument("'" + s + "' is not a UTC time like 2023-06-05T00:00:00Z");
  }
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > DaysIn(y, mo) || h > 23 ||
      mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
    return Status::InvalidArgument("'" + s + "' is not a valid date and time");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<double>(timegm(&tm));
}

std::string FormatUtcTime(double unix_s) {
  const std::time_t t = static_cast<std::time_t>(std::floor(unix_s));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace fedcarbon
