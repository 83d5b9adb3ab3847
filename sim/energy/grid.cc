// GridIntensity: zone lookups, the time -> hour-of-2023 mapping and interval means (see grid.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

#include "fedcarbon/energy/grid.h"

namespace fedcarbon::energy {
namespace {

constexpr double kHourS = 3600.0;
// Times beyond +-1e15 s (about 31.7 million years) are rejected (NaN) so hour indices fit int64.
constexpr double kMaxAbsTime = 1e15;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Day of year (0-based) of the first day of each month in 2023 (not a leap year).
constexpr int kMonthStart2023[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Month (1-12) and day (1-31) of the civil (proleptic Gregorian) date `days` after 1970-01-01.
// H. Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
void MonthDay(int64_t days, int* month, int* day) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365], from Mar 1
  const int64_t mp = (5 * doy + 2) / 153;                       // [0, 11]
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
}

// The hour of 2023 (0..8759) that prices unix hour `k` (hours since 1970-01-01T00Z): same month,
// day and hour of day; Feb 29 takes Mar 1's hours.
int HourOf2023(int64_t k) {
  const int64_t days = FloorDiv(k, 24);
  const int hour_of_day = static_cast<int>(k - days * 24);
  int month = 0;
  int day = 0;
  MonthDay(days, &month, &day);
  const int doy = (month == 2 && day == 29) ? kMonthStart2023[2]  // Mar 1
                                            : kMonthStart2023[month - 1] + day - 1;
  return doy * 24 + hour_of_day;
}

bool TimeOk(double t) { return std::isfinite(t) && std::abs(t) <= kMaxAbsTime; }

}  // namespace

const Zone* GridIntensity::FindZone(std::string_view id) const {
  auto it = std::lower_bound(zones_.begin(), zones_.end(), id,
                             [](const Zone& z, std::string_view key) { return z.id < key; });
  return it != zones_.end() && it->id == id ? &*it : nullptr;
}

const Zone* GridIntensity::DefaultZoneOf(std::string_view iso3) const {
  for (const Zone& z : zones_) {
    if (z.default_for_country && z.country_iso3 == iso3) return &z;
  }
  return nullptr;
}

std::vector<std::string> GridIntensity::ZoneIds() const {
  std::vector<std::string> ids;
  ids.reserve(zones_.size());
  for (const Zone& z : zones_) ids.push_back(z.id);
  return ids;  // zones_ is sorted by id
}

int GridIntensity::IndexOf(const Zone& z) const {
  // std::less: a total order even for pointers into different objects.
  const std::less<const Zone*> before;
  if (!zones_.empty() && !before(&z, zones_.data()) && before(&z, zones_.data() + zones_.size())) {
    return static_cast<int>(&z - zones_.data());
  }
  const Zone* found = FindZone(z.id);  // a copy, or a zone of another GridIntensity
  return found != nullptr ? static_cast<int>(found - zones_.data()) : -1;
}

double GridIntensity::At(const Zone& z, double t_unix) const {
  const int zi = IndexOf(z);
  if (zi < 0 || !TimeOk(t_unix)) return kNaN;
  const auto k = static_cast<int64_t>(std::floor(t_unix / kHourS));
  return direct_[static_cast<size_t>(zi) * kHours + HourOf2023(k)];
}

double GridIntensity::MeanOf(const std::vector<double>& series, const Zone& z, double t0,
                             double t1) const {
  const int zi = IndexOf(z);
  if (zi < 0 || !TimeOk(t0) || !TimeOk(t1)) return kNaN;
  const double* s = series.data() + static_cast<size_t>(zi) * kHours;
  const auto h0 = static_cast<int64_t>(std::floor(t0 / kHourS));
  if (t1 <= t0) return s[HourOf2023(h0)];
  const auto h1 = static_cast<int64_t>(std::ceil(t1 / kHourS));  // one past the last hour
  double sum = 0.0;
  for (int64_t k = h0; k < h1; ++k) {
    const double lo = std::max(t0, static_cast<double>(k) * kHourS);
    const double hi = std::min(t1, static_cast<double>(k + 1) * kHourS);
    if (hi > lo) sum += (hi - lo) * s[HourOf2023(k)];
  }
  return sum / (t1 - t0);
}

double GridIntensity::Mean(const Zone& z, double t0_unix, double t1_unix) const {
  return MeanOf(direct_, z, t0_unix, t1_unix);
}

double GridIntensity::MeanLca(const Zone& z, double t0_unix, double t1_unix) const {
  return MeanOf(lca_, z, t0_unix, t1_unix);
}

double GridIntensity::AnnualMean(const Zone& z) const {
  const int zi = IndexOf(z);
  if (zi < 0) return kNaN;
  const double* s = direct_.data() + static_cast<size_t>(zi) * kHours;
  double sum = 0.0;
  for (int h = 0; h < kHours; ++h) sum += s[h];
  return sum / kHours;
}

}  // namespace fedcarbon::energy
