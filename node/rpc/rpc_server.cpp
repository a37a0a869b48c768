#include "node/rpc/rpc_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "core/log.h"
#include "node/rpc/cookie.h"

namespace tc::rpc {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

bool is_ip_literal(const std::string& address) {
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, address.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

// Equal-length comparison in time independent of where the strings differ.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

// The process's resident and virtual size from /proc/self/statm (pages), or false off Linux.
bool read_memory_bytes(std::int64_t* resident, std::int64_t* virtual_size) {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return false;
  long long size_pages = 0;
  long long resident_pages = 0;
  const bool ok = std::fscanf(file, "%lld %lld", &size_pages, &resident_pages) == 2;
  std::fclose(file);
  if (!ok) return false;
  const long page_bytes = ::sysconf(_SC_PAGESIZE);
  *resident = resident_pages * page_bytes;
  *virtual_size = size_pages * page_bytes;
  return true;
}

}  // namespace

RpcServer::RpcServer(const RpcServerConfig& config, Dispatcher* dispatcher,
                     MetricsRegistry* metrics)
    : config_(config), dispatcher_(dispatcher), metrics_(metrics) {}

Result<std::unique_ptr<RpcServer>> RpcServer::start(const RpcServerConfig& config,
                                                    Dispatcher* dispatcher,
                                                    MetricsRegistry* metrics) {
  const std::string where = config.listen_address + ":" + std::to_string(config.port);
  if (!is_ip_literal(config.listen_address)) {
    return config_error("rpc: cannot listen on " + where + ": not an IPv4 or IPv6 literal");
  }
  if (config.worker_threads == 0 || config.body_bytes_max == 0) {
    return config_error("rpc: worker_threads and body_bytes_max must be at least 1");
  }
  std::unique_ptr<RpcServer> server(new RpcServer(config, dispatcher, metrics));
  if (config.token.empty()) {
    TC_ASSIGN_OR_RETURN(std::string credentials, write_cookie(config.data_dir));
    server->expected_authorization_ = basic_authorization(credentials);
    server->cookie_written_ = true;
  } else {
    server->expected_authorization_ = bearer_authorization(config.token);
  }

  server->resident_memory_ =
      &metrics->gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  server->virtual_memory_ =
      &metrics->gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  metrics->gauge("process_start_time_seconds", "Start time of the process since the Unix epoch.")
      .set(static_cast<std::int64_t>(std::time(nullptr)));

  auto http = std::make_unique<httplib::Server>();
  const std::size_t workers = config.worker_threads;
  http->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // httplib's default also sets SO_REUSEPORT, which would let a second daemon share the port
  // silently; SO_REUSEADDR alone allows a quick restart and refuses a port in use.
  http->set_socket_options([](socket_t socket) {
    int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http->set_payload_max_length(config.body_bytes_max);
  http->set_read_timeout(config.read_timeout);
  RpcServer* self = server.get();
  http->set_pre_routing_handler(
      [self](const httplib::Request& request, httplib::Response& response) {
        if (request.path == "/metrics") return httplib::Server::HandlerResponse::Unhandled;
        if (self->authorized(request.get_header_value("Authorization"))) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        response.status = 401;
        response.set_header("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
        response.set_content("authorization required\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      });
  http->Post("/", [self](const httplib::Request& request, httplib::Response& response) {
    std::optional<std::string> body = self->dispatcher_->handle(request.body);
    if (!body) {
      response.status = 204;
      return;
    }
    response.set_content(std::move(*body), "application/json");
  });
  http->Get("/metrics", [self](const httplib::Request&, httplib::Response& response) {
    self->refresh_process_metrics();
    response.set_content(self->metrics_->render_prometheus(), kMetricsContentType);
  });
  http->set_logger([self](const httplib::Request&, const httplib::Response& response) {
    self->metrics_
        ->counter("timecoin_rpc_http_responses_total", "HTTP responses of the RPC port by status.",
                  {{"status", std::to_string(response.status)}})
        .add();
  });

  int port = 0;
  if (config.port == 0) {
    port = http->bind_to_any_port(config.listen_address);
  } else if (http->bind_to_port(config.listen_address, config.port)) {
    port = config.port;
  }
  if (port <= 0) {
    if (server->cookie_written_) remove_cookie(config.data_dir);
    return config_error("rpc: cannot listen on " + where + " (address unavailable or port in use)");
  }
  server->port_ = static_cast<std::uint16_t>(port);
  server->http_ = std::move(http);
  server->listener_ = std::thread([self] {
    self->http_->listen_after_bind();
    self->listener_returned_.store(true);
  });
  // httplib's stop() does nothing until the accept loop runs, so stop() could otherwise miss it.
  while (!server->http_->is_running() && !server->listener_returned_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  TC_LOG_INFO("rpc listening", {{"address", config.listen_address},
                                {"port", static_cast<std::uint64_t>(port)},
                                {"auth", config.token.empty() ? "cookie" : "token"}});
  return server;
}

RpcServer::~RpcServer() {
  stop();
}

void RpcServer::stop() {
  if (http_) {
    http_->stop();
    if (listener_.joinable()) listener_.join();
    http_.reset();
  }
  if (cookie_written_) {
    remove_cookie(config_.data_dir);
    cookie_written_ = false;
  }
}

bool RpcServer::authorized(const std::string& header) const {
  return constant_time_equal(header, expected_authorization_);
}

void RpcServer::refresh_process_metrics() {
  std::int64_t resident = 0;
  std::int64_t virtual_size = 0;
  if (read_memory_bytes(&resident, &virtual_size)) {
    resident_memory_->set(resident);
    virtual_memory_->set(virtual_size);
  }
}

}  // namespace tc::rpc
