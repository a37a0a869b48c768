#include "core/log.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

namespace tc {
namespace {

// The default sink: one write(2) per line so that lines from several processes sharing stderr do
// not interleave either. A short write is retried; a failing stderr is ignored (nowhere left to
// report).
class StderrSink final : public LogSink {
 public:
  void write(std::string_view line) override {
    buffer_.assign(line);
    buffer_.push_back('\n');
    const char* data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
      ssize_t written = ::write(STDERR_FILENO, data, left);
      if (written < 0) {
        if (errno == EINTR) continue;
        return;
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }

 private:
  std::string buffer_;
};

struct LoggerState {
  std::mutex mutex;
  std::shared_ptr<LogSink> sink;  // GUARDED_BY(mutex); nullptr means default_sink
  StderrSink default_sink;        // GUARDED_BY(mutex)
  std::atomic<LogFormat> format{LogFormat::kText};
};

LoggerState& logger() {
  static LoggerState state;
  return state;
}

void append_uint(std::uint64_t v, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v);
  out->append(digits, end);
}

void append_int(std::int64_t v, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v);
  out->append(digits, end);
}

void append_padded(unsigned v, int width, std::string* out) {
  char digits[12];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(digits, static_cast<std::size_t>(width));
}

// "2025-01-02T03:04:05.678901Z" (UTC, microseconds). Times before 1970 clamp to the epoch.
void append_timestamp(std::int64_t unix_time_ns, std::string* out) {
  if (unix_time_ns < 0) unix_time_ns = 0;
  std::time_t seconds = static_cast<std::time_t>(unix_time_ns / 1'000'000'000);
  unsigned micros = static_cast<unsigned>((unix_time_ns % 1'000'000'000) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  append_padded(static_cast<unsigned>(utc.tm_year + 1900), 4, out);
  out->push_back('-');
  append_padded(static_cast<unsigned>(utc.tm_mon + 1), 2, out);
  out->push_back('-');
  append_padded(static_cast<unsigned>(utc.tm_mday), 2, out);
  out->push_back('T');
  append_padded(static_cast<unsigned>(utc.tm_hour), 2, out);
  out->push_back(':');
  append_padded(static_cast<unsigned>(utc.tm_min), 2, out);
  out->push_back(':');
  append_padded(static_cast<unsigned>(utc.tm_sec), 2, out);
  out->push_back('.');
  append_padded(micros, 6, out);
  out->push_back('Z');
}

const char kHexDigits[] = "0123456789abcdef";

// Escapes '"', '\' and control characters as JSON does; used for both formats.
void append_escaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out->append("\\u00");
          out->push_back(kHexDigits[(static_cast<unsigned char>(c) >> 4) & 0xf]);
          out->push_back(kHexDigits[static_cast<unsigned char>(c) & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
}

bool text_needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f) {
      return true;
    }
  }
  return false;
}

void append_double(double v, bool json, std::string* out) {
  if (!std::isfinite(v)) {
    if (json) {
      out->append("null");
    } else {
      out->append(std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    }
    return;
  }
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v);
  out->append(digits, end);
}

void append_value(const LogValue& value, bool json, std::string* out) {
  switch (value.kind()) {
    case LogValue::Kind::kSigned:
      append_int(value.as_signed(), out);
      break;
    case LogValue::Kind::kUnsigned:
      append_uint(value.as_unsigned(), out);
      break;
    case LogValue::Kind::kDouble:
      append_double(value.as_double(), json, out);
      break;
    case LogValue::Kind::kBool:
      out->append(value.as_bool() ? "true" : "false");
      break;
    case LogValue::Kind::kString:
      if (json || text_needs_quotes(value.as_string())) {
        out->push_back('"');
        append_escaped(value.as_string(), out);
        out->push_back('"');
      } else {
        out->append(value.as_string());
      }
      break;
  }
}

std::string_view text_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kOff:
      return "OFF";
  }
  return "?";
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "?";
}

Result<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                         LogLevel::kError, LogLevel::kOff}) {
    if (name == log_level_name(level)) return level;
  }
  return invalid_argument("unknown log level '" + std::string(name) +
                          "' (expected trace, debug, info, warn, error or off)");
}

std::string_view log_format_name(LogFormat format) {
  return format == LogFormat::kJson ? "json" : "text";
}

Result<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return invalid_argument("unknown log format '" + std::string(name) + "' (expected text or json)");
}

void format_log_record(LogFormat format, std::int64_t unix_time_ns, LogLevel level,
                       std::string_view message, std::initializer_list<LogField> fields,
                       std::string* out) {
  out->clear();
  if (format == LogFormat::kJson) {
    out->append("{\"ts\":\"");
    append_timestamp(unix_time_ns, out);
    out->append("\",\"level\":\"");
    out->append(log_level_name(level));
    out->append("\",\"msg\":\"");
    append_escaped(message, out);
    out->push_back('"');
    for (const LogField& field : fields) {
      out->append(",\"");
      out->append(field.key);
      out->append("\":");
      append_value(field.value, /*json=*/true, out);
    }
    out->push_back('}');
    return;
  }
  append_timestamp(unix_time_ns, out);
  out->push_back(' ');
  out->append(text_level_name(level));
  out->push_back(' ');
  append_escaped(message, out);
  for (const LogField& field : fields) {
    out->push_back(' ');
    out->append(field.key);
    out->push_back('=');
    append_value(field.value, /*json=*/false, out);
  }
}

void set_log_level(LogLevel level) {
  log_internal::g_level.store(level, std::memory_order_relaxed);
}

LogLevel log_level() {
  return log_internal::g_level.load(std::memory_order_relaxed);
}

void set_log_format(LogFormat format) {
  logger().format.store(format, std::memory_order_relaxed);
}

std::shared_ptr<LogSink> set_log_sink(std::shared_ptr<LogSink> sink) {
  LoggerState& state = logger();
  std::lock_guard<std::mutex> lock(state.mutex);
  std::swap(state.sink, sink);
  return sink;
}

void log_write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  thread_local std::string line;
  LoggerState& state = logger();
  std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  format_log_record(state.format.load(std::memory_order_relaxed), now_ns, level, message, fields,
                    &line);
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.sink) {
    state.sink->write(line);
  } else {
    state.default_sink.write(line);
  }
}

}  // namespace tc
