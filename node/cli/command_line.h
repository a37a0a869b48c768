// The command-line rules every TimeCoin tool follows (timecoin-wallet, timecoin-verify,
// timecoin-loadgen, timecoin-devnet): a number is written in decimal digits only, an unsigned
// option refuses a sign and any value outside its range, and every argument error exits with
// kExitUsage and "TOOL: MESSAGE" on stderr, the message naming the option; --help prints the usage
// and exits 0.
//
// CLI11 does the parsing. What this file adds: CLI11 2.1 converts unsigned options with strtoull,
// so "-1" wraps to 2^64 - 1, "010" is octal 8 and "0x10" is 16; add_unsigned_option() parses them
// itself. And CLI11's own exit codes (104 to 115) become kExitUsage. The tools call these from
// main() before starting any thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/status.h"

namespace tc::cli {

// The exit status of every argument error (an unknown flag, a value out of range, options that
// contradict each other), as timecoin-wallet and timecoin-verify have always used it.
inline constexpr int kExitUsage = 2;

// `text` as a decimal number from `min` to `max`: one or more digits and nothing else (no sign,
// space, base prefix or digit separator; leading zeros are decimal). Error, kInvalidArgument:
// "\"-1\" is not a decimal number from 1 to 65535".
Result<std::uint64_t> parse_unsigned_decimal(std::string_view text, std::uint64_t min,
                                             std::uint64_t max);

// Adds the option `name` (e.g. "--count") to `app`; when given, its value is parsed by
// parse_unsigned_decimal(min, max) into *value, which otherwise keeps its default (shown in
// --help). An error fails app.parse() with "--count: \"-1\" is not a decimal number from 0 to
// 18446744073709551615". `value` must outlive the parse. REQUIRES: min <= max.
template <typename T>
CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, T* value,
                                 const std::string& description, T min = 0,
                                 T max = std::numeric_limits<T>::max()) {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
  CLI::Option* option = app->add_option(
      name,
      [name, value, min, max](const CLI::results_t& words) {
        // One occurrence per option (CLI11's default policy refuses a repeat before this).
        Result<std::uint64_t> parsed = parse_unsigned_decimal(words.back(), min, max);
        if (!parsed.is_ok())
          throw CLI::ValidationError(name, std::string(parsed.status().message()));
        *value = static_cast<T>(*parsed);
        return true;
      },
      description);
  option->type_name("UINT")->default_str(std::to_string(*value));
  return option;
}

// Parses argv into `app`. Returns nullopt when the tool should go on; otherwise the exit status to
// return now: 0 after --help printed the usage on stdout, kExitUsage after an argument error was
// printed on stderr as "TOOL: MESSAGE" (with a pointer to --help), where TOOL is app's name.
std::optional<int> parse_command_line(CLI::App* app, int argc, char** argv);

// Prints "TOOL: MESSAGE" on stderr for an argument error found after parsing (options that
// contradict each other, a value of the wrong form) and returns kExitUsage.
int usage_error(const CLI::App& app, std::string_view message);

}  // namespace tc::cli
