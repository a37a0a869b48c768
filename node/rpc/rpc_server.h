// The RPC stage's HTTP server (cpp-httplib): JSON-RPC 2.0 on POST /, Prometheus text on GET
// /metrics, on rpc_listen_address:rpc_port.
//
// Every JSON-RPC request needs HTTP Basic auth with the cookie written at start (cookie.h) or, when
// a token is configured, "Authorization: Bearer <token>" (and no cookie is written); a missing or
// wrong one is HTTP 401 before the body is read. /metrics needs none, like Prometheus exporters:
// it is read-only and the port is local unless the operator opens it. A body larger than
// body_bytes_max is HTTP 413 and is not read; an unknown path is 404. A request whose calls are
// all notifications is answered 204 with no body; everything else is 200 with the JSON-RPC
// response, errors included.
//
// The server runs on its own threads (one acceptor, worker_threads workers), each request on one
// worker. Nothing it does makes another stage wait: methods read the store, the ledger's
// thread-safe accessors and published snapshots (node_state.h). start() and stop() from the
// daemon's control thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "core/status.h"
#include "node/rpc/json_rpc.h"

namespace httplib {
class Server;
}

namespace tc::rpc {

struct RpcServerConfig {
  std::string listen_address = "127.0.0.1";  // an IPv4 or IPv6 literal
  std::uint16_t port = 0;                    // 0: any free port (port() says which)
  std::string data_dir;                      // where .cookie goes when `token` is empty
  std::string token;                         // non-empty: bearer auth, no cookie
  std::size_t body_bytes_max = std::size_t{1} << 20;
  std::size_t worker_threads = 4;
  std::chrono::seconds read_timeout{10};  // a client that sends nothing for this long is dropped
};

class RpcServer {
 public:
  // Writes the cookie (unless a token is set), binds and starts serving. `dispatcher` and `metrics`
  // are required and must outlive the server; /metrics renders `metrics`, and the server adds its
  // own series to it (HTTP responses by status, process memory). Errors: kConfig "rpc: cannot
  // listen on 127.0.0.1:24101" when the address is not a literal or the port is taken, or for zero
  // worker_threads or body_bytes_max; kIoError when the cookie cannot be written. Nothing is left
  // behind on error.
  static Result<std::unique_ptr<RpcServer>> start(const RpcServerConfig& config,
                                                  Dispatcher* dispatcher, MetricsRegistry* metrics);
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  std::uint16_t port() const { return port_; }

  // Stops accepting, waits for the requests in progress and removes the cookie. Idempotent. Never
  // from a request handler (NodeControl::request_stop says why).
  void stop();

 private:
  RpcServer(const RpcServerConfig& config, Dispatcher* dispatcher, MetricsRegistry* metrics);
  bool authorized(const std::string& header) const;
  void refresh_process_metrics();

  const RpcServerConfig config_;
  Dispatcher* dispatcher_;
  MetricsRegistry* metrics_;
  std::string expected_authorization_;  // the exact header value that authenticates
  bool cookie_written_ = false;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  std::atomic<bool> listener_returned_{false};
  std::uint16_t port_ = 0;
  Gauge* resident_memory_ = nullptr;
  Gauge* virtual_memory_ = nullptr;
};

}  // namespace tc::rpc
