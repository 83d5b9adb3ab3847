// Status and Result<T>: how fedcarbon reports bad input (config, data files, messages) without
// exceptions, in the manner of leveldb's Status. A Status is either OK or carries a message that
// names what is wrong ("train-images-idx3-ubyte.gz: truncated: expected 47040000 bytes, got 12").
//
// Thread safety: values; copy freely.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fedcarbon {

class Status {
 public:
  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // The error message; empty for OK.
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  std::string ToString() const { return ok() ? "OK" : *message_; }

  // Returns a copy whose message is prefixed with `context + ": "` (no-op for OK).
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(context + ": " + *message_);
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

// Result<T>: a T or an error Status. Check ok() before value().
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace fedcarbon

// Returns early from a function returning Status or Result<T> when `expr` is an error.
#define FEDCARBON_RETURN_IF_ERROR(expr)   \
  do {                                    \
    ::fedcarbon::Status _st = (expr);     \
    if (!_st.ok()) return _st;            \
  } while (0)
