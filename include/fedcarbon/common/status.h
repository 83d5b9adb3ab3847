// Status and Result<T>: how fedcarbon reports bad input (config, data files, messages) without
// exceptions, in the manner of leveldb's Status. A Status is either OK or carries a code and a
// message that names what is wrong ("train-images-idx3-ubyte.gz: truncated: expected 47040000
// bytes, got 12").
//
// Codes say what kind of failure it is, so that every command maps them to its exit code by one
// rule (ExitCode): bad input (invalid argument, not found, corruption) exits 2, any other failure
// exits 1.
//
// Thread safety: values; copy freely.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace fedcarbon {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // a bad value given by the user: config key, option, sweep file, message
  kNotFound,         // a named file, folder, profile or country that does not exist
  kCorruption,       // a file or message whose content is malformed or inconsistent
  kIOError,          // reading or writing failed (disk full, permissions)
  kUnavailable,      // a peer or process did not answer or died (worker, coordinator, timeout)
  kInternal,         // anything else (the code of Status::Error)
};

class Status {
 public:
  Status() = default;  // OK
  static Status OK() { return Status(); }
  // A failure without a more specific code (kInternal).
  static Status Error(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, std::move(message));
  }
  static Status IOError(std::string message) {
    return Status(StatusCode::kIOError, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Invalid argument, not found or corruption: the input was bad (exit code 2).
  bool IsBadInput() const {
    return code_ == StatusCode::kInvalidArgument || code_ == StatusCode::kNotFound ||
           code_ == StatusCode::kCorruption;
  }
  // The error message; empty for OK.
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  std::string ToString() const { return ok() ? "OK" : *message_; }

  // Returns a copy whose message is prefixed with `context + ": "`, same code (no-op for OK).
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + *message_);
  }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::optional<std::string> message_;
};

// The one rule for process exit codes: 0 OK, 2 bad input (Status::IsBadInput), 1 any other
// failure. Every command and executable returns ExitCode(status).
inline int ExitCode(const Status& s) { return s.ok() ? 0 : (s.IsBadInput() ? 2 : 1); }

// The same rule read back from a child process's exit code: 2 is bad input (kInvalidArgument),
// any other non-zero code a failure (kInternal); 0 is OK. `message` describes the failure.
inline Status FromExitCode(int exit_code, std::string message) {
  if (exit_code == 0) return Status::OK();
  return exit_code == 2 ? Status::InvalidArgument(std::move(message))
                        : Status::Error(std::move(message));
}

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
#define FEDCARBON_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::fedcarbon::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)
