// Goal: log records have the documented text and JSON shapes, levels filter, disabled levels do not
// evaluate their fields, and concurrent writers never interleave lines.
// Method: format_log_record with a fixed timestamp compared byte for byte; the macros through a
// capturing LogSink installed with set_log_sink.
// Scenarios:
//   - text format: level names, bare and quoted values, escaping, every value kind;
//   - JSON format: the same record, string escaping, non-finite doubles as null;
//   - level and format words parse and round-trip; unknown words are errors;
//   - threshold: records below the level are dropped and their field expressions not evaluated;
//   - the end-to-end line through the sink has a timestamp and the formatted body;
//   - 4 threads x 500 records arrive whole (no torn lines) and all are counted.
#include "core/log.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace tc {
namespace {

// 2025-01-02T03:04:05.678901Z
constexpr std::int64_t kTime = 1735787045678901000;

class CaptureSink final : public LogSink {
 public:
  void write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

// Installs a capture sink and a known level/format for one test, and restores the defaults after.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CaptureSink>();
    set_log_sink(sink_);
    set_log_level(LogLevel::kInfo);
    set_log_format(LogFormat::kText);
  }
  void TearDown() override {
    set_log_sink(nullptr);
    set_log_level(LogLevel::kInfo);
    set_log_format(LogFormat::kText);
  }
  std::shared_ptr<CaptureSink> sink_;
};

TEST(LogFormatTest, TextRecord) {
  std::string line;
  std::uint64_t height = 812;
  int delta = -3;
  format_log_record(LogFormat::kText, kTime, LogLevel::kInfo, "block committed",
                    {{"height", height},
                     {"delta", delta},
                     {"ok", true},
                     {"ratio", 0.5},
                     {"peer", "10.0.0.1:24000"},
                     {"reason", "bad signature"},
                     {"empty", ""},
                     {"quote", std::string("a\"b=c")}},
                    &line);
  EXPECT_EQ(line,
            "2025-01-02T03:04:05.678901Z INFO block committed height=812 delta=-3 ok=true "
            "ratio=0.5 peer=10.0.0.1:24000 reason=\"bad signature\" empty=\"\" "
            "quote=\"a\\\"b=c\"");
}

TEST(LogFormatTest, TextLevelsAndEscapedMessage) {
  std::string line;
  format_log_record(LogFormat::kText, 0, LogLevel::kWarn, "two\nlines", {}, &line);
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z WARN two\\nlines");
  format_log_record(LogFormat::kText, 0, LogLevel::kTrace, "t", {}, &line);
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z TRACE t");
  format_log_record(LogFormat::kText, 0, LogLevel::kError, "e", {{"tab", "a\tb"}}, &line);
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z ERROR e tab=\"a\\tb\"");
}

TEST(LogFormatTest, JsonRecord) {
  std::string line;
  format_log_record(LogFormat::kJson, kTime, LogLevel::kInfo, "block \"committed\"",
                    {{"height", std::uint64_t{812}},
                     {"delta", -3},
                     {"ok", false},
                     {"ratio", 0.25},
                     {"peer", "x\\y"},
                     {"ctl", "\x01"},
                     {"nan", std::numeric_limits<double>::quiet_NaN()}},
                    &line);
  EXPECT_EQ(line,
            "{\"ts\":\"2025-01-02T03:04:05.678901Z\",\"level\":\"info\","
            "\"msg\":\"block \\\"committed\\\"\",\"height\":812,\"delta\":-3,\"ok\":false,"
            "\"ratio\":0.25,\"peer\":\"x\\\\y\",\"ctl\":\"\\u0001\",\"nan\":null}");
}

TEST(LogFormatTest, WordsRoundTrip) {
  for (LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                         LogLevel::kError, LogLevel::kOff}) {
    Result<LogLevel> parsed = parse_log_level(log_level_name(level));
    ASSERT_TRUE(parsed.is_ok());
    EXPECT_EQ(*parsed, level);
  }
  EXPECT_FALSE(parse_log_level("INFO").is_ok());
  EXPECT_EQ(*parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(*parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("yaml").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LogTest, ThresholdDropsAndSkipsFieldEvaluation) {
  int evaluated = 0;
  auto count = [&evaluated] { return ++evaluated; };
  TC_LOG_DEBUG("hidden", {{"n", count()}});
  EXPECT_EQ(evaluated, 0);
  EXPECT_TRUE(sink_->lines.empty());

  TC_LOG_INFO("shown", {{"n", count()}});
  EXPECT_EQ(evaluated, 1);
  ASSERT_EQ(sink_->lines.size(), 1u);

  set_log_level(LogLevel::kOff);
  TC_LOG_ERROR("silenced");
  EXPECT_EQ(sink_->lines.size(), 1u);
  EXPECT_FALSE(log_enabled(LogLevel::kError));

  set_log_level(LogLevel::kTrace);
  TC_LOG_TRACE("traced");
  EXPECT_EQ(sink_->lines.size(), 2u);
}

TEST_F(LogTest, EndToEndLineHasTimestampAndBody) {
  TC_LOG_WARN("ring full", {{"ring", "verify_in"}, {"dropped", 7}});
  set_log_format(LogFormat::kJson);
  TC_LOG_INFO("started");
  ASSERT_EQ(sink_->lines.size(), 2u);
  EXPECT_TRUE(std::regex_match(
      sink_->lines[0],
      std::regex(
          R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z WARN ring full ring=verify_in dropped=7)")))
      << sink_->lines[0];
  EXPECT_TRUE(std::regex_match(
      sink_->lines[1], std::regex(R"(\{"ts":"[-0-9T:.]+Z","level":"info","msg":"started"\})")))
      << sink_->lines[1];
}

TEST_F(LogTest, ConcurrentWritersProduceWholeLines) {
  constexpr int kThreads = 4;
  constexpr int kRecords = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kRecords; ++i) TC_LOG_INFO("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(sink_->lines.size(), static_cast<std::size_t>(kThreads * kRecords));
  const std::regex shape(R"(\S+ INFO tick thread=\d i=\d+)");
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : sink_->lines) {
    ASSERT_TRUE(std::regex_match(line, shape)) << line;
    // Each thread's records arrive in its own order.
    int thread = line[line.find("thread=") + 7] - '0';
    int i = std::stoi(line.substr(line.find(" i=") + 3));
    EXPECT_EQ(i, next[thread]);
    next[thread] = i + 1;
  }
}

}  // namespace
}  // namespace tc
