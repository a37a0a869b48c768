// The baseline of the net benchmarks: the same bytes copied through a plain loopback TCP socket
// (no frames to encode, no handshake, no queues), so each benchmark's ratio says what net/ costs
// on top of the kernel's TCP.
#pragma once

#include <benchmark/benchmark.h>

#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/bytes.h"

namespace tc::bench {

// Writes `bytes` once per benchmark iteration into a loopback TCP connection (TCP_NODELAY) and
// waits until a reader thread has taken all of them off the other end. Sets nothing on `state`:
// the caller reports items and bytes in its own units.
inline void copy_over_raw_tcp(benchmark::State& state, ByteSpan bytes) {
  using asio::ip::tcp;
  asio::io_context io;  // synchronous operations only: nothing runs it
  tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  tcp::socket writer(io);
  tcp::socket reader(io);
  writer.connect(acceptor.local_endpoint());
  acceptor.accept(reader);
  writer.set_option(tcp::no_delay(true));

  std::atomic<std::uint64_t> received{0};
  std::thread reading([&] {
    std::vector<std::uint8_t> buffer(1 << 16);
    asio::error_code error;
    while (true) {
      const std::size_t n = reader.read_some(asio::buffer(buffer), error);
      if (error) return;
      received.fetch_add(n, std::memory_order_release);
    }
  });
  std::uint64_t target = 0;
  for (auto _ : state) {
    asio::write(writer, asio::buffer(bytes.data(), bytes.size()));
    target += bytes.size();
    while (received.load(std::memory_order_acquire) < target) std::this_thread::yield();
  }
  writer.close();
  reading.join();
}

}  // namespace tc::bench
