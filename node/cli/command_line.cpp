#include "node/cli/command_line.h"

#include <charconv>
#include <iostream>

namespace tc::cli {

Result<std::uint64_t> parse_unsigned_decimal(std::string_view text, std::uint64_t min,
                                             std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  // from_chars reads no sign, space or prefix for an unsigned type; the checks below refuse what
  // it leaves unread (and the empty word).
  const auto [stop, error] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || error != std::errc() || stop != end || value < min || value > max) {
    return invalid_argument("\"" + std::string(text) + "\" is not a decimal number from " +
                            std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

std::optional<int> parse_command_line(CLI::App* app, int argc, char** argv) {
  try {
    app->parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    // --help (and --help-all) arrive as "errors" whose exit code is success.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app->exit(error);
    std::cerr << app->get_name() << ": " << error.what() << "\n"
              << "Run " << app->get_name() << " --help for the options.\n";
    return kExitUsage;
  }
}

int usage_error(const CLI::App& app, std::string_view message) {
  std::cerr << app.get_name() << ": " << message << "\n";
  return kExitUsage;
}

}  // namespace tc::cli
