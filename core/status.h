// Status and Result<T>: how every fallible call in the appliance reports failure.
//
// A Status is either OK (one null pointer, free to create, copy and test) or an error that carries
// a code and a message with context ("block 812: tx_root mismatch", "config.toml:14: key
// 'cores.verify': expected an array of integers"). Result<T> holds either a T or an error Status.
// Neither throws. Input from outside (packets, peers, disk, config) is reported through these;
// broken internal invariants are assertions, not Statuses. Any thread may use them; a Status is not
// shared state.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// TC_CHECK(condition, "what broke"): an internal invariant, checked in every build type (an
// assert() vanishes under NDEBUG, and the default build defines it). A failure is a bug in this
// program, never a reaction to outside input: it prints the place and stops the process.
#define TC_CHECK(condition, what)                                                          \
  do {                                                                                     \
    if (!(condition)) [[unlikely]] {                                                       \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                            \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace tc {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidArgument,  // a caller passed a value outside the contract
  kMalformed,        // bytes from outside failed to parse
  kNotFound,
  kAlreadyExists,
  kOutOfRange,  // a value (amount, count, size) left its allowed range
  kResourceExhausted,
  kUnavailable,  // a backend or device is absent or failed; a fallback may apply
  kCorruption,   // stored data failed a checksum or an invariant of its format
  kIoError,
  kConfig,  // bad setup: the message names the file, line and key
  kInternal,
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status ok() { return Status(); }

  bool is_ok() const { return state_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message without the code; empty for OK.
  std::string_view message() const;
  // "Malformed: tx at offset 24: input count 300 exceeds the buffer" or "OK".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status with_context(std::string_view context) const;

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

inline Status invalid_argument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status malformed(std::string message) {
  return Status(StatusCode::kMalformed, std::move(message));
}
inline Status not_found(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status out_of_range(std::string message) {
  return Status(StatusCode::kOutOfRange, std::move(message));
}
inline Status unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status corruption(std::string message) {
  return Status(StatusCode::kCorruption, std::move(message));
}
inline Status io_error(std::string message) {
  return Status(StatusCode::kIoError, std::move(message));
}
inline Status config_error(std::string message) {
  return Status(StatusCode::kConfig, std::move(message));
}
inline Status internal_error(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

// Result<T>: a T on success, an error Status otherwise. Constructing from an OK Status is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    TC_CHECK(!status_.is_ok(), "Result constructed from an OK Status");
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: is_ok().
  T& value() & {
    TC_CHECK(is_ok(), "Result::value() on an error");
    return *value_;
  }
  const T& value() const& {
    TC_CHECK(is_ok(), "Result::value() on an error");
    return *value_;
  }
  T&& value() && {
    TC_CHECK(is_ok(), "Result::value() on an error");
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace tc

// Returns the Status of `expr` from the enclosing function when it is an error.
#define TC_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::tc::Status tc_status_ = (expr);           \
    if (!tc_status_.is_ok()) return tc_status_; \
  } while (0)

#define TC_CONCAT_INNER_(a, b) a##b
#define TC_CONCAT_(a, b) TC_CONCAT_INNER_(a, b)
// TC_ASSIGN_OR_RETURN(auto x, f()): binds the value of a Result or returns its Status.
#define TC_ASSIGN_OR_RETURN(lhs, expr)                                                             \
  auto TC_CONCAT_(tc_result_, __LINE__) = (expr);                                                  \
  if (!TC_CONCAT_(tc_result_, __LINE__).is_ok()) return TC_CONCAT_(tc_result_, __LINE__).status(); \
  lhs = std::move(TC_CONCAT_(tc_result_, __LINE__)).value()
