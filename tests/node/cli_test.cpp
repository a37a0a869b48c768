// Goal: the command-line rules (node/cli/command_line.h) refuse every number that is not a plain
// decimal in range, naming the option, and the bounded readers (node/cli/bounded_read.h) never
// hold more than their bound, whatever the input.
// Method: parse_unsigned_decimal on hostile words; a real CLI::App with add_unsigned_option options
// parsed from argv vectors; read_to_end and LineReader over real pipes (a writer thread feeds them
// in small pieces, so lines straddle reads) and over /dev/zero.
// Scenarios: signs, spaces, base prefixes, leading zeros, 2^64 and beyond, below min, above max,
// the empty word; an out-of-range option fails the parse naming it and leaves the default; a
// repeated option is refused; --help and argument errors map to exit 0 and 2; read_to_end at its
// bound, one byte over, on an endless input and on a bad descriptor; LineReader with CRLF, empty
// lines, a last line without newline, a line exactly at the bound, one byte over (naming its line
// number), an endless line, and an error that sticks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "node/cli/bounded_read.h"
#include "node/cli/command_line.h"

namespace tc::cli {
namespace {

constexpr std::uint64_t kU64Max = 18446744073709551615ull;

TEST(ParseUnsignedDecimalTest, AcceptsOnlyPlainDecimalInRange) {
  EXPECT_EQ(*parse_unsigned_decimal("0", 0, 10), 0u);
  EXPECT_EQ(*parse_unsigned_decimal("10", 0, 10), 10u);
  EXPECT_EQ(*parse_unsigned_decimal("010", 0, 10), 10u);  // decimal, not octal 8
  EXPECT_EQ(*parse_unsigned_decimal("18446744073709551615", 0, kU64Max), kU64Max);
  for (const char* word : {"-1", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "1_000", "", "-0",
                           "18446744073709551616", "99999999999999999999999"}) {
    auto parsed = parse_unsigned_decimal(word, 0, kU64Max);
    ASSERT_FALSE(parsed.is_ok()) << word;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), "\"" + std::string(word) +
                                             "\" is not a decimal number from 0 to "
                                             "18446744073709551615");
  }
  EXPECT_EQ(parse_unsigned_decimal("0", 1, 256).status().message(),
            "\"0\" is not a decimal number from 1 to 256");
  EXPECT_FALSE(parse_unsigned_decimal("257", 1, 256).is_ok());
}

// Parses `words` (after the program name) into an app with --port (u16, 1..65535, default 24102)
// and --count (u64); returns the exit status parse_command_line gave, or -1 to go on.
struct ParsedTool {
  std::uint16_t port = 24102;
  std::uint64_t count = 7;
  int exit_status = -1;
};
ParsedTool parse(std::vector<std::string> words) {
  ParsedTool tool;
  CLI::App app{"test tool"};
  app.name("test-tool");
  add_unsigned_option(&app, "--port", &tool.port, "port", std::uint16_t{1});
  add_unsigned_option(&app, "--count", &tool.count, "count");
  std::vector<char*> argv;
  std::string program = "test-tool";
  argv.push_back(program.data());
  for (std::string& word : words) argv.push_back(word.data());
  if (auto status = parse_command_line(&app, static_cast<int>(argv.size()), argv.data())) {
    tool.exit_status = *status;
  }
  return tool;
}

TEST(AddUnsignedOptionTest, StoresValuesInRange) {
  const ParsedTool tool = parse({"--port", "65535", "--count=18446744073709551615"});
  EXPECT_EQ(tool.exit_status, -1);
  EXPECT_EQ(tool.port, 65535);
  EXPECT_EQ(tool.count, kU64Max);
  const ParsedTool defaults = parse({});
  EXPECT_EQ(defaults.exit_status, -1);
  EXPECT_EQ(defaults.port, 24102);
  EXPECT_EQ(defaults.count, 7u);
}

TEST(AddUnsignedOptionTest, RefusesSignsRangeAndRepeatsWithExitTwo) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"--count", "-1"},
                                             {"--count=-1"},
                                             {"--port", "0"},
                                             {"--port", "65536"},
                                             {"--port", "0x50"},
                                             {"--count", "18446744073709551616"},
                                             {"--count", "1", "--count", "2"},
                                             {"--no-such-flag"},
                                             {"--port"}}) {
    testing::internal::CaptureStderr();
    const ParsedTool tool = parse(words);
    const std::string stderr_text = testing::internal::GetCapturedStderr();
    EXPECT_EQ(tool.exit_status, kExitUsage) << words[0];
    EXPECT_EQ(stderr_text.rfind("test-tool: ", 0), 0u) << stderr_text;
    const std::string named = words[0].substr(0, words[0].find('='));
    EXPECT_NE(stderr_text.find(named), std::string::npos) << stderr_text;
    EXPECT_EQ(tool.port, 24102);  // a refused value is never stored
  }
  testing::internal::CaptureStderr();
  parse({"--port", "-1"});
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "test-tool: --port: \"-1\" is not a decimal number from 1 to 65535\n"
            "Run test-tool --help for the options.\n");
}

TEST(ParseCommandLineTest, HelpExitsZeroAndShowsDefaults) {
  testing::internal::CaptureStdout();
  const ParsedTool tool = parse({"--help"});
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_EQ(tool.exit_status, 0);
  EXPECT_NE(help.find("--port UINT=24102"), std::string::npos) << help;
}

// A pipe whose write end a thread feeds with `text` in pieces of `piece_bytes`, then closes.
class FedPipe {
 public:
  FedPipe(std::string text, std::size_t piece_bytes) {
    EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0);
    writer_ = std::thread([this, text = std::move(text), piece_bytes] {
      for (std::size_t at = 0; at < text.size(); at += piece_bytes) {
        const std::size_t n = std::min(piece_bytes, text.size() - at);
        if (::write(fds_[1], text.data() + at, n) != static_cast<ssize_t>(n)) break;
      }
      ::close(fds_[1]);
    });
  }
  // Every input here fits the pipe's buffer, so the writer never waits on a reader that stopped.
  ~FedPipe() {
    writer_.join();
    ::close(fds_[0]);
  }
  int fd() const { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
  std::thread writer_;
};

TEST(ReadToEndTest, ReadsUpToTheBoundAndNoFurther) {
  std::string out;
  {
    FedPipe pipe(std::string(100, 'a'), 7);
    ASSERT_TRUE(read_to_end(pipe.fd(), 100, "stdin", &out).is_ok());
    EXPECT_EQ(out, std::string(100, 'a'));
  }
  {
    FedPipe pipe(std::string(101, 'a'), 7);
    const Status status = read_to_end(pipe.fd(), 100, "stdin", &out);
    EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
    EXPECT_EQ(status.message(), "stdin: more than 100 bytes");
    EXPECT_EQ(out.size(), 101u);  // what was read, for a caller that wipes it
  }
  {
    FedPipe pipe("", 1);
    ASSERT_TRUE(read_to_end(pipe.fd(), 100, "stdin", &out).is_ok());
    EXPECT_TRUE(out.empty());
  }
}

TEST(ReadToEndTest, EndlessInputAndBadDescriptor) {
  const int zero = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(zero, 0);
  std::string out;
  EXPECT_EQ(read_to_end(zero, 1 << 20, "stdin", &out).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(out.size(), (1u << 20) + 1);
  ::close(zero);
  const Status bad = read_to_end(-1, 10, "stdin", &out);
  EXPECT_EQ(bad.code(), StatusCode::kIoError);
  EXPECT_EQ(bad.message(), "stdin: cannot read: Bad file descriptor");
}

// Every line of `text` through a LineReader of bound `line_bytes_max`, fed in `piece_bytes`
// pieces; the error, if any, as the last element prefixed "error: ".
std::vector<std::string> read_lines(std::string text, std::size_t line_bytes_max,
                                    std::size_t piece_bytes) {
  FedPipe pipe(std::move(text), piece_bytes);
  LineReader reader(pipe.fd(), line_bytes_max, "stdin");
  std::vector<std::string> lines;
  std::string_view line;
  for (;;) {
    Result<bool> more = reader.next(&line);
    if (!more.is_ok()) {
      lines.push_back("error: " + std::string(more.status().message()));
      // The error sticks.
      EXPECT_EQ(reader.next(&line).status().message(), more.status().message());
      return lines;
    }
    if (!*more) return lines;
    lines.emplace_back(line);
    EXPECT_EQ(reader.line_number(), lines.size());
  }
}

TEST(LineReaderTest, SplitsLinesAcrossReads) {
  for (const std::size_t piece : {1u, 3u, 64u}) {
    using Lines = std::vector<std::string>;
    EXPECT_EQ(read_lines("ab\ncd\n", 4, piece), (Lines{"ab", "cd"})) << piece;
    EXPECT_EQ(read_lines("ab\r\n\n\ncd", 4, piece), (Lines{"ab\r", "", "", "cd"})) << piece;
    EXPECT_EQ(read_lines("", 4, piece), Lines{}) << piece;
    EXPECT_EQ(read_lines("\n", 4, piece), Lines{""}) << piece;
    EXPECT_EQ(read_lines("abcd\nabcd", 4, piece), (Lines{"abcd", "abcd"})) << piece;
    EXPECT_EQ(read_lines("abcd\nab\nabcde\nx\n", 4, piece),
              (Lines{"abcd", "ab", "error: stdin: line 3 is longer than 4 bytes"}))
        << piece;
    EXPECT_EQ(read_lines("ab\nabcde", 4, piece),
              (Lines{"ab", "error: stdin: line 2 is longer than 4 bytes"}))
        << piece;
  }
  std::string many;
  for (int i = 0; i < 10000; ++i) many += std::to_string(i) + "\n";
  const std::vector<std::string> lines = read_lines(many, 5, 4093);
  ASSERT_EQ(lines.size(), 10000u);
  EXPECT_EQ(lines[9999], "9999");
}

TEST(LineReaderTest, EndlessLineEndsWithAnError) {
  const int zero = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(zero, 0);
  LineReader reader(zero, 65536, "stdin");
  std::string_view line;
  EXPECT_EQ(reader.next(&line).status().message(), "stdin: line 1 is longer than 65536 bytes");
  ::close(zero);
}

}  // namespace
}  // namespace tc::cli
