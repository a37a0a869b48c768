// IoThread: one asio::io_context run by its own thread, the way every net test runs connections
// and peer managers. The test thread reaches what lives on it through on_io (post and wait), and
// stop() closes it down in order: a last function on the io thread (closing connections and
// acceptors), then the io_context runs out of work and the thread is joined, after which no
// callback runs. Header-only; included by the tests of tests/net and their support headers.
#pragma once

#include <asio.hpp>
#include <functional>
#include <future>
#include <thread>
#include <utility>

namespace tc::net::testing {

class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  // Runs `f` on the io thread and returns its result. REQUIRES: not called on the io thread.
  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Runs `close` on the io thread (when given), lets the io_context finish what that left (each
  // closing connection's linger) and joins the thread. Later calls do nothing.
  void stop(const std::function<void()>& close = nullptr) {
    if (!thread_.joinable()) return;
    if (close) {
      on_io([&] {
        close();
        return 0;
      });
    }
    work_.reset();
    thread_.join();
  }

  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace tc::net::testing
