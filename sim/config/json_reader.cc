#include "json_reader.h"

#include <cmath>
#include <sstream>

namespace fedcarbon::config::internal {

namespace {

// Bounds print as people write them: 0, 1, 1e-05.
std::string Num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

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

std::string SectionReader::Key(std::string_view k) const {
  return prefix_.empty() ? std::string(k) : prefix_ + "." + std::string(k);
}

const nlohmann::json* SectionReader::Get(std::string_view k) const {
  if (obj_ == nullptr) return nullptr;
  auto it = obj_->find(k);
  return it == obj_->end() ? nullptr : &*it;
}

Status SectionReader::String(std::string_view k, std::string* out, bool allow_empty) const {
  const nlohmann::json* v = Get(k);
  if (v == nullptr) return Status::OK();
  if (!v->is_string()) return Status::Error(Key(k) + " must be a string, got " + v->dump());
  if (!allow_empty && v->get_ref<const std::string&>().empty()) {
    return Status::Error(Key(k) + " must not be empty");
  }
  *out = v->get<std::string>();
  return Status::OK();
}

Status SectionReader::Enum(std::string_view k, std::string* out,
                           std::initializer_list<std::string_view> allowed) const {
  std::string s = *out;
  FEDCARBON_RETURN_IF_ERROR(String(k, &s));
  std::string list;
  for (std::string_view a : allowed) {
    if (a == s) {
      *out = s;
      return Status::OK();
    }
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return Status::Error(Key(k) + " must be one of " + list + ", got '" + s + "'");
}

Status SectionReader::Int(std::string_view k, int* out, int64_t lo, int64_t hi) const {
  const nlohmann::json* v = Get(k);
  if (v == nullptr) return Status::OK();
  int64_t x = 0;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    x = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
            ? std::numeric_limits<int64_t>::max()
            : static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    x = v->get<int64_t>();
  } else if (v->is_number_float() && std::isfinite(v->get<double>()) &&
             v->get<double>() == std::floor(v->get<double>()) &&
             std::fabs(v->get<double>()) < 9e15) {
    x = static_cast<int64_t>(v->get<double>());  // 10.0 written by a script is still 10
  } else {
    return Status::Error(Key(k) + " must be an integer, got " + v->dump());
  }
  if (x < lo || x > hi) {
    std::ostringstream msg;
    msg << Key(k) << " must be ";
    if (hi == std::numeric_limits<int>::max()) {
      msg << ">= " << lo;
    } else {
      msg << "in [" << lo << ", " << hi << "]";
    }
    msg << ", got " << v->dump();
    return Status::Error(msg.str());
  }
  *out = static_cast<int>(x);
  return Status::OK();
}

Status SectionReader::Double(std::string_view k, double* out, Interval range) const {
  const nlohmann::json* v = Get(k);
  if (v == nullptr) return Status::OK();
  if (!v->is_number()) return Status::Error(Key(k) + " must be a number, got " + v->dump());
  const double x = v->get<double>();
  if (!range.Contains(x)) {
    return Status::Error(Key(k) + " must be " + range.Describe() + ", got " + v->dump());
  }
  *out = x;
  return Status::OK();
}

Status SectionReader::Bool(std::string_view k, bool* out) const {
  const nlohmann::json* v = Get(k);
  if (v == nullptr) return Status::OK();
  if (!v->is_boolean()) return Status::Error(Key(k) + " must be true or false, got " + v->dump());
  *out = v->get<bool>();
  return Status::OK();
}

Status SectionReader::Uint64(std::string_view k, uint64_t* out) const {
  const nlohmann::json* v = Get(k);
  if (v == nullptr) return Status::OK();
  if (v->is_number_unsigned()) {
    *out = v->get<uint64_t>();
    return Status::OK();
  }
  if (v->is_number_integer() && v->get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v->get<int64_t>());
    return Status::OK();
  }
  return Status::Error(Key(k) + " must be a non-negative integer, got " + v->dump());
}

}  // namespace fedcarbon::config::internal
