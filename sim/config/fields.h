// Private to fedcarbon::config: the one list of config fields.
//
// Every key of a config file is one row of Fields() (fields.cc): its dotted key, the member of
// ExperimentConfig it lives in (an accessor, whose type is the field's type), its check and a
// one-line doc. Everything else walks that list:
//   FromJson (from_json.cc)   reads each row's value with the reader for its type and rule,
//                             then the cross-field rules (max_key, count_key);
//   ToJson (to_json.cc)       writes each row's value under its key;
//   CheckKeys / CheckOverrideKey (schema.cc): a key is known when it is a row's key or a
//                             section (a dotted prefix of one).
// Adding a field: the member with its default and comment in config.h, one row in fields.cc.
//
// Thread safety: Fields() is an immutable table built once (C++11 static init).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config::internal {

// A closed or open interval for a number field (ints print their bounds as integers).
struct Interval {
  double lo = -std::numeric_limits<double>::infinity();
  bool lo_open = false;
  double hi = std::numeric_limits<double>::infinity();
  bool hi_open = false;

  bool Contains(double v) const;  // false for NaN and infinities
  std::string Describe() const;   // "> 0", ">= 0", "in [0, 1)", "in [1, 1024]"
};

// What a field's value must satisfy beyond its type.
struct Rule {
  Interval range;                         // int and double fields
  std::vector<std::string_view> choices;  // string fields: the allowed values (empty: any)
  bool non_empty = false;                 // string fields
  std::string_view max_key;    // int fields: must be <= this int field (checked after parsing)
  std::string_view count_key;  // assignment fields: an explicit list has this many names
  bool utc_time = false;       // string fields: a UTC time, "2023-06-05T00:00:00Z"
};

// Rules are written {range, choices, non_empty, max_key, count_key}.
inline Rule Any() { return {}; }
inline Rule NonEmpty() { return {{}, {}, true, {}, {}}; }
inline Rule OneOf(std::initializer_list<std::string_view> c) { return {{}, c, false, {}, {}}; }
inline Rule InRange(double lo, bool lo_open, double hi, bool hi_open) {
  return {{lo, lo_open, hi, hi_open}, {}, false, {}, {}};
}
inline constexpr double kNoBound = std::numeric_limits<double>::infinity();
inline Rule Positive() { return InRange(0, true, kNoBound, false); }                 // > 0
inline Rule AtLeast(double lo) { return InRange(lo, false, kNoBound, false); }       // >= lo
inline Rule Closed(double lo, double hi) { return InRange(lo, false, hi, false); }   // [lo, hi]
inline Rule HalfOpen(double lo, double hi) { return InRange(lo, false, hi, true); }  // [lo, hi)
inline Rule LeftOpen(double lo, double hi) { return InRange(lo, true, hi, false); }  // (lo, hi]
// An int field at most another int field; an assignment whose list has one name per client.
inline Rule AtMostField(Rule r, std::string_view key) { return {r.range, {}, false, key, {}}; }
inline Rule OnePerClient(std::string_view key) { return {{}, {}, false, {}, key}; }
inline Rule UtcTime() { return {{}, {}, true, {}, {}, true}; }

// The member a field reads and writes. A config read-only is read through a copy (ToJson).
template <class T>
using Accessor = T& (*)(ExperimentConfig&);
using Access = std::variant<Accessor<std::string>, Accessor<int>, Accessor<double>, Accessor<bool>,
                            Accessor<uint64_t>, Accessor<Assignment>>;

struct Field {
  std::string_view key;  // dotted, as in files and --set: "train.lr"
  Access access;
  Rule rule;
  std::string_view doc;  // one line; config.h has the full comment and the default
};

// The table, in file order (errors are reported in this order).
const std::vector<Field>& Fields();
// The row whose key is `key`, or nullptr.
const Field* FindField(std::string_view key);
// True for "" and for every dotted prefix of a key ("train", "clients"): an object of fields.
bool IsSection(std::string_view dotted);
// The names directly under section `dotted` ("" for the top level), sorted.
std::vector<std::string> ChildNames(std::string_view dotted);
// "a.b.c" -> {"a", "b", "c"}; empty parts are kept ("a..b" -> {"a", "", "b"}).
std::vector<std::string> SplitKey(std::string_view key);
// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string JoinKey(std::string_view prefix, std::string_view name);

}  // namespace fedcarbon::config::internal
