// One P2P connection (net/connection.h) on loopback: frames and bytes per second from one node to
// another, with and without compression, against a raw TCP copy of the same frame bytes measured
// in the same run.
//
// Each side of the connection runs its own io_context on its own thread, as two nodes would. An
// iteration sends kBurst TransactionBatch messages of N signed transfers (distinct keys and
// inputs; N = 4, 16 and 64: 1.0, 4.1 and 16.3 KB, of which igzip saves 12, 17 and 19 %,
// docs/benchmarks.md) and waits until the receiving handler has them all, parsed and their
// canonical bytes checked:
//   - connection/plain/N: compression off (threshold above the message size);
//   - connection/igzip/N: every frame compressed (threshold 0; for N = 64, above the default
//     threshold, this is compression as shipped);
//   - baseline/raw_tcp/N: the same frames as the plain connection sends, written with one blocking
//     asio::write by the benchmark thread and read by a second thread that only counts bytes.
// Rates are per wall second (UseRealTime: the work is on the io threads); bytes are message bytes.
// After the runs main prints each rate as a share of the raw copy's. On a shared VM the absolute
// rates are context only; --benchmark_repetitions=N makes the ratios use medians.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <asio.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "bench/net/raw_tcp_copy.h"
#include "bench/ratio_reporter.h"
#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "gpu/verifier.h"
#include "net/connection.h"

namespace {

using asio::ip::tcp;
using tc::Bytes;
using tc::net::Connection;
using tc::net::ConnectionConfig;
using tc::net::MessageType;

constexpr int kBurst = 64;
constexpr std::uint32_t kBatchSizes[] = {4, 16, 64};  // transfers per batch

bool verify_ed25519(const tc::Pubkey& pubkey, const tc::Hash256& digest, const tc::Signature& sig) {
  const tc::gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return tc::gpu::verify_single(ref) == tc::gpu::Verdict::kAccept;
}

tc::KeyPair numbered_key(std::uint32_t domain, std::uint32_t n) {
  std::uint8_t words[8];
  tc::store_u32_le(words, domain);
  tc::store_u32_le(words + 4, n);
  return tc::KeyPair::from_seed(tc::sha256(tc::ByteSpan(words, 8)));
}

// A batch of `transfers` distinct transfers, built once per size.
const tc::net::proto::TransactionBatch& batch(std::uint32_t transfers) {
  static std::map<std::uint32_t, tc::net::proto::TransactionBatch> built;
  auto [it, added] = built.try_emplace(transfers);
  if (added) {
    tc::net::proto::TransactionBatch& b = it->second;
    for (std::uint32_t n = 0; n < transfers; ++n) {
      tc::Transaction tx;
      tx.chain_id = tc::kChainIdDevnet;
      std::uint8_t seed[4];
      tc::store_u32_le(seed, n);
      tx.inputs.push_back(tc::TxInput{tc::OutPoint{tc::sha256(tc::ByteSpan(seed, 4)), 0}, {}, {}});
      for (std::uint32_t o = 0; o < 3; ++o) {
        tx.outputs.push_back(tc::TxOutput{tc::Amount(33'300'000 + o),
                                          tc::pubkey_hash(numbered_key(2, 3 * n + o).pubkey())});
      }
      tc::sign_transaction(numbered_key(1, n), &tx);
      Bytes bytes;
      tc::encode(tx, &bytes);
      b.add_transactions(std::string(bytes.begin(), bytes.end()));
    }
  }
  return it->second;
}

// Counts received batches; the benchmark thread waits for a target.
class CountingHandler : public tc::net::ConnectionHandler {
 public:
  void on_established(Connection&) override { bump(); }
  void on_message(Connection&, MessageType, const tc::net::InboundMessages&) override { bump(); }
  void on_closed(Connection&, const tc::Status&) override {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  void wait_for(std::uint64_t target) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return count_ >= target; });
  }
  void wait_closed() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return closed_; });
  }
  std::uint64_t count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  void bump() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t count_ = 0;
  bool closed_ = false;
};

// One io_context on its own thread.
struct IoThread {
  IoThread() : work(asio::make_work_guard(io)), thread([this] { io.run(); }) {}
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
};

void bm_connection(benchmark::State& state, std::uint32_t transfers, bool compress) {
  IoThread sender_io, receiver_io;
  ConnectionConfig config;
  config.chain_id = tc::kChainIdDevnet;
  config.consensus_codec = {&tc::consensus::check_vote_encoding,
                            &tc::consensus::check_proposal_encoding};
  config.verify_digest = &verify_ed25519;
  config.limits.compression_threshold_bytes = compress ? 0 : tc::net::kMaxFrameMessageBytes;
  CountingHandler sender_handler, receiver_handler;

  tcp::acceptor acceptor(receiver_io.io, {asio::ip::address_v4::loopback(), 0});
  tcp::socket receiver_socket(receiver_io.io);
  tcp::socket sender_socket(sender_io.io);
  sender_socket.connect(acceptor.local_endpoint());
  acceptor.accept(receiver_socket);
  std::shared_ptr<Connection> sender, receiver;
  std::promise<void> started;
  asio::post(receiver_io.io, [&] {
    receiver = *Connection::start(std::move(receiver_socket), numbered_key(9, 2), config,
                                  &receiver_handler);
    asio::post(sender_io.io, [&] {
      sender =
          *Connection::start(std::move(sender_socket), numbered_key(9, 1), config, &sender_handler);
      started.set_value();
    });
  });
  started.get_future().get();
  receiver_handler.wait_for(1);
  sender_handler.wait_for(1);

  const tc::net::proto::TransactionBatch& message = batch(transfers);
  std::uint64_t target = receiver_handler.count();
  for (auto _ : state) {
    asio::post(sender_io.io, [&] {
      for (int i = 0; i < kBurst; ++i) {
        if (!sender->send(message)) std::abort();
      }
    });
    target += kBurst;
    receiver_handler.wait_for(target);
  }
  std::promise<void> closed;
  asio::post(sender_io.io, [&] {
    sender->close(tc::net::proto::DISCONNECT_SHUTTING_DOWN, "benchmark ends");
    closed.set_value();
  });
  closed.get_future().get();
  // Both sides closed (the Disconnect went through), so no handler is left holding a connection
  // when the io threads stop.
  sender_handler.wait_closed();
  receiver_handler.wait_closed();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kBurst * message.ByteSizeLong()));
}

void bm_raw_tcp(benchmark::State& state, std::uint32_t transfers) {
  tc::net::FrameLimits plain;
  plain.compression_threshold_bytes = tc::net::kMaxFrameMessageBytes;
  tc::net::FrameEncoder encoder(plain);
  Bytes burst;
  for (int i = 0; i < kBurst; ++i) {
    if (!encoder.encode(batch(transfers), &burst).is_ok()) std::abort();
  }
  tc::bench::copy_over_raw_tcp(state, tc::ByteSpan(burst));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * kBurst * batch(transfers).ByteSizeLong()));
}

}  // namespace

int main(int argc, char** argv) {
  for (const std::uint32_t transfers : kBatchSizes) {
    batch(transfers);  // built before any timing
    const std::string n = std::to_string(transfers);
    benchmark::RegisterBenchmark(("baseline/raw_tcp/" + n).c_str(),
                                 [transfers](benchmark::State& s) { bm_raw_tcp(s, transfers); })
        ->UseRealTime()
        ->MinTime(0.3);
    for (const bool compress : {false, true}) {
      benchmark::RegisterBenchmark(
          ((compress ? "connection/igzip/" : "connection/plain/") + n).c_str(),
          [transfers, compress](benchmark::State& s) { bm_connection(s, transfers, compress); })
          ->UseRealTime()
          ->MinTime(0.3);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nTransactionBatches of distinct transfers; bursts of %d frames\n", kBurst);
  std::printf("| benchmark           | message B | frames/s | message MB/s | share of raw TCP |\n");
  std::printf("|---------------------|----------:|---------:|-------------:|-----------------:|\n");
  for (const std::uint32_t transfers : kBatchSizes) {
    const std::string n = std::to_string(transfers);
    const std::string raw = "baseline/raw_tcp/" + n;
    const double message_bytes = static_cast<double>(batch(transfers).ByteSizeLong());
    for (const std::string& name : {raw, "connection/plain/" + n, "connection/igzip/" + n}) {
      const double rate = reporter.rate(name);
      if (rate <= 0) continue;
      std::printf("| %-19s | %9.0f | %8.0f | %12.1f |", name.c_str(), message_bytes, rate,
                  rate * message_bytes / 1e6);
      tc::bench::print_ratio_cell(16, reporter.ratio(name, raw));
      std::printf("\n");
    }
  }
  return 0;
}
