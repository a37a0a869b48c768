// libFuzzer target for the configuration parser (core/config.h over core/toml_subset.h).
//
// Every input is parsed as a configuration file. A rejection must be a kConfig Status whose message
// starts with the origin name (never a crash, an assertion or a sanitizer report: toml++ 3.3.0,
// which this parser replaced, aborted on four-byte inputs). An accepted input must render
// (render_effective_config) to text that parses back to the same values, and every line its sources
// name must be a line of the input. Any failure aborts, which libFuzzer reports as a crash. With
// TC_FUZZ_SEED_DIR set, the binary instead writes a seed corpus into that folder and exits: the
// example files node/config/*.toml, each profile's effective configuration, and the inputs that
// crashed toml++. Build: tests/fuzz/CMakeLists.txt (clang, -fsanitize=fuzzer).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "core/config.h"

namespace tc {
namespace {

constexpr std::string_view kOrigin = "fuzz.toml";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "config_parse_fuzz: %s\n", what.c_str());
  std::abort();
}

void check(bool condition, const std::string& what) {
  if (!condition) fail(what);
}

void fuzz_config(std::string_view text) {
  const Result<NodeConfig> config = parse_config(text, kOrigin);
  if (!config.is_ok()) {
    check(config.status().code() == StatusCode::kConfig,
          "rejection is not kConfig: " + config.status().to_string());
    check(config.status().message().starts_with(std::string(kOrigin) + ":"),
          "rejection does not start with the origin: " + config.status().to_string());
    return;
  }
  const std::size_t lines =
      1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  for (const ConfigSources::FileKey& key : config->sources.file_keys) {
    check(key.line >= 1 && key.line <= lines, "source line outside the input: " + key.key);
  }
  const std::string rendered = render_effective_config(*config);
  Result<NodeConfig> reparsed = parse_config(rendered, "rendered.toml");
  check(reparsed.is_ok(),
        "the effective configuration does not parse: " + reparsed.status().to_string());
  reparsed->sources = config->sources;
  check(*reparsed == *config, "the effective configuration parses to other values:\n" + rendered);
}

void write_seed(const std::filesystem::path& dir, const std::string& name, std::string_view text) {
  std::ofstream file(dir / name, std::ios::binary);
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  check(static_cast<bool>(file), "cannot write seed " + (dir / name).string());
}

void write_seed_corpus(const std::filesystem::path& dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(TC_CONFIG_EXAMPLES_DIR, error)) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    write_seed(dir, "example-" + entry.path().filename().string(), text);
  }
  check(!error, "cannot list " + std::string(TC_CONFIG_EXAMPLES_DIR) + ": " + error.message());
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    write_seed(dir, "effective-" + std::string(network_name(network)) + ".toml",
               render_effective_config(default_config(network)));
  }
  write_seed(dir, "tomlplusplus-assert-header", "[!]");
  write_seed(dir, "tomlplusplus-assert-array", "a=[}");
  write_seed(dir, "tomlplusplus-assert-date",
             std::string_view("a=1980-05-27T\x01"
                              "7:00"));
  write_seed(dir, "tomlplusplus-unreachable", "\xC2\xA1");
}

}  // namespace
}  // namespace tc

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("TC_FUZZ_SEED_DIR")) {
    tc::write_seed_corpus(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tc::fuzz_config(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
