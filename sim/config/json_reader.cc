#include "json_reader.h"

#include "fedcarbon/common/utc_time.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace fedcarbon::config::internal {

namespace {

// Bounds print as people write them: 0, 1, 1e-05, 1048576.
std::string Num(double v) {
  std::ostringstream os;
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    os << static_cast<int64_t>(v);
  } else {
    os << v;
  }
  return os.str();
}

Status Invalid(const std::string& key, const std::string& what, const nlohmann::json& v) {
  return Status::InvalidArgument(key + " must be " + what + ", got " + DumpForMessage(v));
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      len = 1, cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 2, cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 3, cp = c & 0x07u;
    } else {
      return false;
    }
    for (size_t k = 1; k <= len; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    // Overlong forms, surrogates and code points above U+10FFFF.
    if ((len == 2 && cp < 0x800) || (len == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len + 1;
  }
  return true;
}

std::string DumpForMessage(const nlohmann::json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool Interval::Contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

std::string Interval::Describe() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return "in " + std::string(lo_open ? "(" : "[") + Num(lo) + ", " + Num(hi) +
           (hi_open ? ")" : "]");
  }
  if (has_lo) return std::string(lo_open ? "> " : ">= ") + Num(lo);
  if (has_hi) return std::string(hi_open ? "< " : "<= ") + Num(hi);
  return "finite";
}

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule,
                 std::string* out) {
  if (!v.is_string()) return Invalid(key, "a string", v);
  const std::string& s = v.get_ref<const std::string&>();
  if (!IsValidUtf8(s)) return Status::InvalidArgument(key + " must be UTF-8 text");
  if (rule.non_empty && s.empty()) return Status::InvalidArgument(key + " must not be empty");
  if (rule.utc_time) {
    if (Result<double> t = ParseUtcTime(s); !t.ok()) return t.status().WithContext(key);
  }
  if (!rule.choices.empty() &&
      std::find(rule.choices.begin(), rule.choices.end(), s) == rule.choices.end()) {
    std::string list;
    for (std::string_view c : rule.choices) list += (list.empty() ? "" : ", ") + std::string(c);
    return Status::InvalidArgument(key + " must be one of " + list + ", got '" + s + "'");
  }
  *out = s;
  return Status::OK();
}

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, int* out) {
  int64_t x = 0;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    x = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
            ? std::numeric_limits<int64_t>::max()
            : static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    x = v.get<int64_t>();
  } else if (v.is_number_float() && std::isfinite(v.get<double>()) &&
             v.get<double>() == std::floor(v.get<double>()) && std::fabs(v.get<double>()) < 9e15) {
    x = static_cast<int64_t>(v.get<double>());  // 10.0 written by a script is still 10
  } else {
    return Invalid(key, "an integer", v);
  }
  // Unbounded above means "up to INT_MAX", and says ">= lo".
  if (!rule.range.Contains(static_cast<double>(x)) || x > std::numeric_limits<int>::max() ||
      x < std::numeric_limits<int>::min()) {
    return Invalid(key, rule.range.Describe(), v);
  }
  *out = static_cast<int>(x);
  return Status::OK();
}

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule& rule, double* out) {
  if (!v.is_number()) return Invalid(key, "a number", v);
  const double x = v.get<double>();
  if (!rule.range.Contains(x)) return Invalid(key, rule.range.Describe(), v);
  *out = x;
  return Status::OK();
}

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule&, bool* out) {
  if (!v.is_boolean()) return Invalid(key, "true or false", v);
  *out = v.get<bool>();
  return Status::OK();
}

Status ReadValue(const nlohmann::json& v, const std::string& key, const Rule&, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
  } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v.get<int64_t>());
  } else {
    return Invalid(key, "a non-negative integer", v);
  }
  return Status::OK();
}

}  // namespace fedcarbon::config::internal
