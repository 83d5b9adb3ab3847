// Private to fedcarbon::config: typed, range-checked reads of one JSON object section, every
// error naming the full dotted key ("train.lr must be > 0, got -1").
//
// Thread safety: a reader is a short-lived value over a borrowed const json; not shared.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::config::internal {

// A closed or open interval for a floating-point field.
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_open = false;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = false;

  static Interval Positive() { return {0.0, true}; }      // > 0
  static Interval NonNegative() { return {0.0, false}; }  // >= 0
  bool Contains(double v) const;
  std::string Describe() const;  // "> 0", ">= 0", "in [0, 1)"
};

class SectionReader {
 public:
  // `obj` is the section's object, or nullptr when the section is absent (every read keeps its
  // default). `prefix` is the section's dotted name ("" for the top level).
  SectionReader(const nlohmann::json* obj, std::string prefix)
      : obj_(obj), prefix_(std::move(prefix)) {}

  std::string Key(std::string_view k) const;

  // Each read leaves *out unchanged when the key is absent.
  Status String(std::string_view k, std::string* out, bool allow_empty = true) const;
  Status Enum(std::string_view k, std::string* out,
              std::initializer_list<std::string_view> allowed) const;
  Status Int(std::string_view k, int* out, int64_t lo,
             int64_t hi = std::numeric_limits<int>::max()) const;
  Status Double(std::string_view k, double* out, Interval range) const;
  Status Bool(std::string_view k, bool* out) const;
  Status Uint64(std::string_view k, uint64_t* out) const;  // a non-negative integer

  // The raw value, or nullptr when absent.
  const nlohmann::json* Get(std::string_view k) const;

 private:
  const nlohmann::json* obj_;
  std::string prefix_;
};

}  // namespace fedcarbon::config::internal
