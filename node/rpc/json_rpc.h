// JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over the bodies the HTTP server receives:
// single requests and batches, numeric and string ids, notifications (no id: no answer), positional
// or named parameters, and the error codes of the specification and of Bitcoin Core
// (src/rpc/protocol.h) where a method's failure has one.
//
// A method is declared once, with its parameters (name, type, required or optional); the
// dispatcher checks the count, names and types of every call before the method runs, so a handler
// reads its parameters without error paths and reports only its own failures (-5, -8, -25, ...).
// While the node warms up (set_warming_up), methods not marked `during_warmup` answer -28.
//
// Threads: add() before the first handle(); handle() from any number of HTTP worker threads at once
// (handlers must be thread-safe themselves); set_warming_up / finish_warmup from any thread. No
// exception leaves handle(): one thrown by a handler becomes -32603 for that call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/metrics.h"

namespace tc::rpc {

using Json = nlohmann::json;

// JSON-RPC 2.0's reserved codes, then Bitcoin Core's codes for the same kinds of failure.
enum class RpcErrorCode : int {
  kParseError = -32700,      // the body is not JSON
  kInvalidRequest = -32600,  // JSON, but not a request object (or an empty or oversized batch)
  kMethodNotFound = -32601,
  kInvalidParams = -32602,      // wrong count, unknown name, wrong type or malformed value
  kInternalError = -32603,      // a handler threw (a bug): the call failed, the server goes on
  kMiscError = -1,              // RPC_MISC_ERROR: e.g. a block whose body was pruned
  kInvalidAddressOrKey = -5,    // RPC_INVALID_ADDRESS_OR_KEY: bad address, unknown block or txid
  kInvalidParameter = -8,       // RPC_INVALID_PARAMETER: a well-formed value out of range
  kDatabaseError = -20,         // RPC_DATABASE_ERROR: the store failed to read
  kDeserializationError = -22,  // RPC_DESERIALIZATION_ERROR: a transaction that does not decode
  kVerifyError = -25,           // RPC_VERIFY_ERROR: missing inputs, or no verdict in time
  kVerifyRejected = -26,        // RPC_VERIFY_REJECTED: a rule of the ledger refused it
  kInWarmup = -28,              // RPC_IN_WARMUP: the node is starting
};

struct RpcError {
  RpcErrorCode code;
  std::string message;
};

// What a handler returns: its result, or an error for this call alone.
using RpcResult = std::variant<Json, RpcError>;

enum class ParamType : std::uint8_t {
  kUnsigned,  // a JSON integer in [0, 2^64)
  kBool,
  kString,
  kHash,  // a string of exactly 64 hex characters (a txid or block hash)
};

struct ParamSpec {
  std::string_view name;
  ParamType type;
  bool required = true;
};

// The parameters of one call, checked against the method's specs: position i holds a value of
// specs[i].type, or nothing when an optional parameter was left out. Accessors REQUIRE the type
// their spec declared (a mismatch is a bug in the method table and stops the process).
class Params {
 public:
  Params(std::vector<Json> values, std::vector<std::optional<Hash256>> hashes)
      : values_(std::move(values)), hashes_(std::move(hashes)) {}

  bool has(std::size_t i) const { return i < values_.size() && !values_[i].is_null(); }
  std::uint64_t u64(std::size_t i) const;
  std::uint64_t u64_or(std::size_t i, std::uint64_t fallback) const {
    return has(i) ? u64(i) : fallback;
  }
  bool boolean_or(std::size_t i, bool fallback) const;
  const std::string& string(std::size_t i) const;
  const Hash256& hash(std::size_t i) const;

 private:
  std::vector<Json> values_;
  std::vector<std::optional<Hash256>> hashes_;  // decoded kHash values, by position
};

struct MethodSpec {
  std::string_view name;
  std::vector<ParamSpec> params;
  std::function<RpcResult(const Params&)> handler;
  bool during_warmup = false;  // answers while the node warms up (uptime, stop)
};

struct DispatcherConfig {
  std::size_t batch_size_max = 100;  // requests in one batch; a larger batch is one -32600
};

class Dispatcher {
 public:
  // `metrics` (optional) gets timecoin_rpc_calls_total{method,outcome} with outcome "ok" or
  // "error", and timecoin_rpc_errors_total{code}; it must outlive the dispatcher.
  explicit Dispatcher(const DispatcherConfig& config, MetricsRegistry* metrics = nullptr);

  // Declares a method. REQUIRES: a new name, required parameters before optional ones; before the
  // first handle().
  void add(MethodSpec spec);

  // Answers one HTTP body: a response object for a request, an array for a batch (one response per
  // request that has an id, in order), or nothing when every call was a notification. Parse errors
  // and invalid requests are answered with a null id, as the specification says.
  std::optional<std::string> handle(std::string_view body);

  // While warming up, methods without during_warmup answer -28 with `status` ("loading block
  // index", ...). A dispatcher starts warm (serving); the daemon calls set_warming_up before it
  // starts the HTTP server and finish_warmup once the stages run.
  void set_warming_up(std::string status);
  void finish_warmup();

 private:
  struct Method {
    MethodSpec spec;
    Counter* ok_calls = nullptr;
    Counter* failed_calls = nullptr;
  };
  // The response to one request object, or nothing for a notification.
  std::optional<Json> handle_one(const Json& request);
  RpcResult call(const Method& method, const Json& params);
  Json error_response(const Json& id, RpcErrorCode code, std::string message);
  void count_error(RpcErrorCode code);

  const DispatcherConfig config_;
  MetricsRegistry* metrics_;
  std::map<std::string, Method, std::less<>> methods_;  // fixed before the first handle()
  std::atomic<bool> warming_up_{false};
  mutable std::mutex warmup_mutex_;
  std::string warmup_status_;  // GUARDED_BY(warmup_mutex_)
};

}  // namespace tc::rpc
