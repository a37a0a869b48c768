// time-cli: calls one JSON-RPC method of a running timecoind and prints its result.
//
//   time-cli --rpc-url http://127.0.0.1:24101 --datadir DIR METHOD [PARAM...]
//   time-cli --rpc-url URL --rpc-token TOKEN METHOD [PARAM...]
//
// Credentials come from the cookie the node writes in its data directory (--datadir), or from a
// configured token (--rpc-token); exactly one of the two. Each PARAM that parses as JSON is passed
// as that value (12, true, null, [1,2], {"a":1}, "\"quoted\""); any other text is passed as a
// string (hashes, hex, addresses). Everything after METHOD is a parameter, "-1" included.
//
// Output: a string result bare, any other result as indented JSON, on stdout. Exit status: 0 on
// success; 1 for an error answer ("time-cli: error -5: ..." on stderr); 2 for a usage error naming
// the option (--help exits 0); 3 when the node cannot be reached or answers with an HTTP error (401
// for wrong credentials).
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "node/cli/command_line.h"
#include "node/rpc/cookie.h"

namespace {

using Json = nlohmann::json;

constexpr int kExitRpcError = 1;
constexpr int kExitTransport = 3;

struct Options {
  std::string rpc_url;
  std::string data_dir;
  std::string token;
  std::uint32_t timeout_s = 30;
  std::vector<std::string> words;  // METHOD PARAM...
};

int usage_error(const std::string& message) {
  std::cerr << "time-cli: " << message << " (see --help)\n";
  return tc::cli::kExitUsage;
}

Json param_value(const std::string& word) {
  Json value = Json::parse(word, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Json(word);
  return value;
}

int run(const Options& options) {
  std::string authorization;
  if (!options.token.empty()) {
    authorization = tc::rpc::bearer_authorization(options.token);
  } else {
    auto cookie = tc::rpc::read_cookie(options.data_dir);
    if (!cookie.is_ok()) {
      std::cerr << "time-cli: --datadir: " << cookie.status().message() << "\n";
      return kExitTransport;
    }
    authorization = tc::rpc::basic_authorization(*cookie);
  }

  Json params = Json::array();
  for (std::size_t i = 1; i < options.words.size(); ++i) {
    params.push_back(param_value(options.words[i]));
  }
  const Json request = {
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", options.words[0]}, {"params", params}};

  // httplib's constructor throws on other schemes, so they are refused here first.
  if (!options.rpc_url.starts_with("http://") && !options.rpc_url.starts_with("https://")) {
    return usage_error("--rpc-url: '" + options.rpc_url + "' is not an http:// or https:// URL");
  }
  httplib::Client client(options.rpc_url);
  if (!client.is_valid()) {
    return usage_error("--rpc-url: '" + options.rpc_url + "' is not http[s]://HOST[:PORT]");
  }
  client.set_connection_timeout(std::chrono::seconds(options.timeout_s));
  client.set_read_timeout(std::chrono::seconds(options.timeout_s));
  client.set_write_timeout(std::chrono::seconds(options.timeout_s));
  const httplib::Headers headers = {{"Authorization", authorization}};
  httplib::Result response = client.Post("/", headers, request.dump(), "application/json");
  if (!response) {
    std::cerr << "time-cli: cannot reach " << options.rpc_url << ": "
              << httplib::to_string(response.error()) << "\n";
    return kExitTransport;
  }
  if (response->status != 200) {
    std::cerr << "time-cli: " << options.rpc_url << " answered HTTP " << response->status;
    if (response->status == 401) std::cerr << " (wrong or missing credentials)";
    std::cerr << "\n";
    return kExitTransport;
  }
  const Json answer = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) {
    std::cerr << "time-cli: the node's answer is not a JSON-RPC response\n";
    return kExitTransport;
  }
  if (const auto error = answer.find("error"); error != answer.end() && !error->is_null()) {
    const Json code = error->value("code", Json(nullptr));
    const Json message = error->value("message", Json(""));
    std::cerr << "time-cli: error " << code.dump() << ": "
              << (message.is_string() ? message.get<std::string>() : message.dump()) << "\n";
    return kExitRpcError;
  }
  const Json result = answer.value("result", Json(nullptr));
  if (result.is_string()) {
    std::cout << result.get<std::string>() << "\n";
  } else {
    std::cout << result.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"time-cli: call a JSON-RPC method of a running timecoind"};
  app.name("time-cli");
  app.prefix_command();
  app.add_option("--rpc-url", options.rpc_url, "the node's RPC address, http://HOST:PORT")
      ->required();
  auto* datadir = app.add_option("--datadir", options.data_dir,
                                 "the node's data directory, whose .cookie holds the credentials");
  auto* token =
      app.add_option("--rpc-token", options.token, "the node's configured RPC token instead");
  datadir->excludes(token);
  tc::cli::add_unsigned_option(&app, "--timeout-s", &options.timeout_s,
                               "seconds to wait for the node", std::uint32_t{1},
                               std::uint32_t{3600});
  if (const std::optional<int> exit = tc::cli::parse_command_line(&app, argc, argv)) return *exit;
  options.words = app.remaining();
  if (options.words.empty()) return usage_error("missing METHOD");
  if (options.data_dir.empty() && options.token.empty()) {
    return usage_error("give --datadir (cookie) or --rpc-token");
  }
  return run(options);
}
