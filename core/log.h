// Structured, leveled logging: one line per record, a message plus key=value fields, as text or
// JSON.
//
//   TC_LOG_INFO("block committed", {{"height", height}, {"txs", tx_count}});
//   -> 2025-01-02T03:04:05.678901Z INFO block committed height=812 txs=40
//   -> {"ts":"2025-01-02T03:04:05.678901Z","level":"info","msg":"block
//   committed","height":812,"txs":40}
//
// Any thread may log; each record is formatted into a thread-local buffer and handed to the sink as
// one complete line under a mutex, so lines never interleave. A disabled level costs one relaxed
// atomic load and a compare: the macros do not evaluate their fields then. Stage hot paths should
// still count outcomes (core/metrics.h) rather than log per item. Configuration (level, format,
// sink) is set at startup and may be changed at any time from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/status.h"

namespace tc {

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };
enum class LogFormat : std::uint8_t { kText, kJson };

// "trace", "debug", "info", "warn", "error", "off".
std::string_view log_level_name(LogLevel level);
// The inverse of log_level_name; any other word is kInvalidArgument.
Result<LogLevel> parse_log_level(std::string_view name);
// "text", "json".
std::string_view log_format_name(LogFormat format);
// The inverse of log_format_name; any other word is kInvalidArgument.
Result<LogFormat> parse_log_format(std::string_view name);

// One field value. It views strings rather than copying them: a LogField lives only for the
// full-expression of the logging call that builds it.
class LogValue {
 public:
  enum class Kind : std::uint8_t { kSigned, kUnsigned, kDouble, kBool, kString };

  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && std::is_signed_v<T>) LogValue(T v)
      : kind_(Kind::kSigned), signed_(v) {}  // NOLINT(google-explicit-constructor)
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && std::is_unsigned_v<T>) LogValue(T v)
      : kind_(Kind::kUnsigned), unsigned_(v) {}             // NOLINT(google-explicit-constructor)
  LogValue(double v) : kind_(Kind::kDouble), double_(v) {}  // NOLINT(google-explicit-constructor)
  LogValue(bool v) : kind_(Kind::kBool), bool_(v) {}        // NOLINT(google-explicit-constructor)
  LogValue(std::string_view v) : kind_(Kind::kString), string_(v) {}    // NOLINT
  LogValue(const char* v) : kind_(Kind::kString), string_(v) {}         // NOLINT
  LogValue(const std::string& v) : kind_(Kind::kString), string_(v) {}  // NOLINT

  Kind kind() const { return kind_; }
  std::int64_t as_signed() const { return signed_; }
  std::uint64_t as_unsigned() const { return unsigned_; }
  double as_double() const { return double_; }
  bool as_bool() const { return bool_; }
  std::string_view as_string() const { return string_; }

 private:
  Kind kind_;
  union {
    std::int64_t signed_;
    std::uint64_t unsigned_;
    double double_;
    bool bool_;
  };
  std::string_view string_;
};

struct LogField {
  std::string_view key;  // a bare word: letters, digits, '_', '.'; not escaped on output
  LogValue value;
};

// Where formatted lines go. write() receives one complete line without its trailing newline and is
// called under the logger's mutex, so an implementation needs no locking of its own.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(std::string_view line) = 0;
};

// Formats one record into `out` (replacing its contents), without a trailing newline. Pure: the
// logger calls it with the current time; tests call it with a fixed one. `unix_time_ns` is rendered
// as UTC with microseconds. Text: "<ts> <LEVEL> <message> key=value ...", where a string value is
// quoted and escaped when empty or when it holds a space, '"', '=', '\' or a control character, and
// control characters in the message are escaped. JSON: one object with "ts", "level", "msg" and
// then each field in order; numbers and booleans bare, strings escaped per RFC 8259, a non-finite
// double as null.
void format_log_record(LogFormat format, std::int64_t unix_time_ns, LogLevel level,
                       std::string_view message, std::initializer_list<LogField> fields,
                       std::string* out);

namespace log_internal {
inline std::atomic<LogLevel> g_level{LogLevel::kInfo};
}  // namespace log_internal

// True when a record at `level` would be written. One relaxed load; any thread.
inline bool log_enabled(LogLevel level) {
  return level >= log_internal::g_level.load(std::memory_order_relaxed) && level != LogLevel::kOff;
}

// Sets the threshold (kOff silences everything) and the line format. Default: kInfo, text.
void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_format(LogFormat format);
// Replaces the sink; nullptr restores the default, which writes each line to stderr with one
// write(2). Returns the previous sink (the default one is returned as nullptr). Lines already
// handed to the old sink are complete when this returns.
std::shared_ptr<LogSink> set_log_sink(std::shared_ptr<LogSink> sink);

// Formats and writes one record if `level` is enabled. Prefer the macros, which skip building the
// fields when the level is disabled.
void log_write(LogLevel level, std::string_view message,
               std::initializer_list<LogField> fields = {});

}  // namespace tc

#define TC_LOG_AT_(level, ...)                                         \
  do {                                                                 \
    if (::tc::log_enabled(level)) ::tc::log_write(level, __VA_ARGS__); \
  } while (0)
#define TC_LOG_TRACE(...) TC_LOG_AT_(::tc::LogLevel::kTrace, __VA_ARGS__)
#define TC_LOG_DEBUG(...) TC_LOG_AT_(::tc::LogLevel::kDebug, __VA_ARGS__)
#define TC_LOG_INFO(...) TC_LOG_AT_(::tc::LogLevel::kInfo, __VA_ARGS__)
#define TC_LOG_WARN(...) TC_LOG_AT_(::tc::LogLevel::kWarn, __VA_ARGS__)
#define TC_LOG_ERROR(...) TC_LOG_AT_(::tc::LogLevel::kError, __VA_ARGS__)
