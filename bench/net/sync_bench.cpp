// Block sync (net/block_sync.h) on loopback: blocks and bytes per second that a syncing node
// fetches through real net::Connections from N serving peers, against a raw TCP copy of the same
// pages measured in the same run.
//
// The chain: kBlocks blocks, each a coinbase and kTransfersPerBlock signed transfers with distinct
// keys and inputs (drawn in turn from a pool of 256, so a transfer comes back only 16 blocks, about
// 64 KB, later: beyond DEFLATE's 32 KB window), committed by a certificate of 7 signatures (random
// bytes: nothing here verifies them). Every node runs its own io_context on its own thread, as
// separate nodes would. An iteration is one whole sync of the chain from height 1: a fresh
// BlockSync with the default config (pages of 128 blocks within 8 MiB, a window of 16 pages),
// whose check_entry accepts and whose commit_entry only counts, so that what is measured is the
// transport: requests, answer_block_range on the servers, framing, compression as configured,
// decoding with every block's and certificate's canonical check, and BlockSync's bookkeeping.
//   - sync/<N>-peers, N = 1 and 3: compression as shipped (ConnectionConfig defaults; pages are
//     far above the threshold, so every page is compressed);
//   - sync/<N>-peers/uncompressed: compression off;
//   - baseline/raw_tcp_pages: the frames of the same pages (uncompressed), written with one
//     blocking asio::write and read by a thread that only counts bytes.
// Rates are per wall second (UseRealTime); items are blocks, bytes are block and certificate bytes.
// One untimed sync first warms every buffer. After the runs main prints each rate as a share of the
// raw copy's. Quick mode (no flags) runs in a few seconds; --benchmark_repetitions=N makes the
// ratios use medians.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/net/raw_tcp_copy.h"
#include "bench/ratio_reporter.h"
#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "gpu/verifier.h"
#include "net/block_sync.h"
#include "net/connection.h"

namespace {

using asio::ip::tcp;
using tc::Bytes;
using tc::net::BlockSync;
using tc::net::BlockSyncConfig;
using tc::net::Connection;
using tc::net::ConnectionConfig;
using tc::net::MessageType;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kBlocks = 2000;
constexpr std::uint32_t kTransfersPerBlock = 16;
constexpr std::uint32_t kTransferPool = 256;
constexpr std::uint32_t kValidators = 7;
constexpr auto kSyncTimeout = std::chrono::seconds(60);

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

tc::Hash256 numbered_hash(std::uint32_t domain, std::uint64_t n) {
  std::uint8_t words[12];
  tc::store_u32_le(words, domain);
  tc::store_u64_le(words + 4, n);
  return tc::sha256(tc::ByteSpan(words, 12));
}

ConnectionConfig connection_config(bool compress) {
  ConnectionConfig config;
  config.chain_id = tc::kChainIdDevnet;
  config.consensus_codec = {&tc::consensus::check_vote_encoding,
                            &tc::consensus::check_proposal_encoding};
  config.verify_digest = &verify_ed25519;
  if (!compress) config.limits.compression_threshold_bytes = tc::net::kMaxFrameMessageBytes;
  return config;
}

// Heights 1..kBlocks, index = height.
struct Chain {
  std::vector<Bytes> blocks{Bytes{}};
  std::vector<Bytes> certificates{Bytes{}};
  std::uint64_t entry_bytes = 0;  // of every block and certificate together

  Chain() {
    std::vector<tc::Transaction> pool;
    for (std::uint32_t n = 0; n < kTransferPool; ++n) {
      tc::Transaction tx;
      tx.chain_id = tc::kChainIdDevnet;
      tx.inputs.push_back(tc::TxInput{tc::OutPoint{numbered_hash(1, n), n % 4}, {}, {}});
      for (std::uint32_t o = 0; o < 3; ++o) {
        tx.outputs.push_back(tc::TxOutput{tc::Amount(33'300'000 + n + o),
                                          tc::pubkey_hash(numbered_key(2, 3 * n + o).pubkey())});
      }
      tc::sign_transaction(numbered_key(1, n), &tx);
      pool.push_back(std::move(tx));
    }
    tc::Hash256 prev;
    for (std::uint64_t height = 1; height <= kBlocks; ++height) {
      tc::Block block;
      block.header.chain_id = tc::kChainIdDevnet;
      block.header.height = height;
      block.header.prev_hash = prev;
      block.header.timestamp_ms = 1'760'000'000'000 + height * 1000;
      block.header.proposer = numbered_key(3, height % kValidators).pubkey();
      block.header.utxo_digest = numbered_hash(4, height);
      tc::Transaction coinbase;
      coinbase.kind = tc::TxKind::kCoinbase;
      coinbase.chain_id = tc::kChainIdDevnet;
      coinbase.coinbase_height = height;
      coinbase.outputs.push_back(
          tc::TxOutput{tc::Amount(50'000'000), tc::pubkey_hash(block.header.proposer)});
      block.transactions.push_back(coinbase);
      for (std::uint32_t i = 0; i < kTransfersPerBlock; ++i) {
        block.transactions.push_back(pool[(height * kTransfersPerBlock + i) % kTransferPool]);
      }
      block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
      const tc::BlockRoots roots = tc::block_roots(block.transactions);
      block.header.tx_root = roots.tx_root;
      block.header.wtx_root = roots.wtx_root;
      prev = tc::block_hash(block.header);

      tc::CommitCertificate certificate;
      certificate.height = height;
      certificate.block_hash = prev;
      for (std::uint32_t v = 0; v < kValidators; ++v) {
        tc::Signature sig;
        const tc::Hash256 low = numbered_hash(5, height * kValidators + v);
        const tc::Hash256 high = tc::sha256(low.span());
        std::copy(low.data(), low.data() + 32, sig.bytes.begin());
        std::copy(high.data(), high.data() + 32, sig.bytes.begin() + 32);
        certificate.signatures.push_back(tc::CommitSignature{numbered_key(3, v).pubkey(), sig});
      }
      Bytes block_bytes;
      tc::encode(block, &block_bytes);
      Bytes certificate_bytes;
      tc::encode(certificate, &certificate_bytes);
      entry_bytes += block_bytes.size() + certificate_bytes.size();
      blocks.push_back(std::move(block_bytes));
      certificates.push_back(std::move(certificate_bytes));
    }
  }
};

const Chain& chain() {
  static const Chain c;
  return c;
}

class ChainSource final : public tc::net::BlockSource {
 public:
  std::uint64_t tip_height() const override { return kBlocks; }
  tc::Status read_entry(std::uint64_t height, Bytes* block, Bytes* certificate) const override {
    if (height == 0 || height > kBlocks) return tc::not_found("no such height");
    const Chain& c = chain();
    block->insert(block->end(), c.blocks[height].begin(), c.blocks[height].end());
    certificate->insert(certificate->end(), c.certificates[height].begin(),
                        c.certificates[height].end());
    return tc::Status::ok();
  }
};

// One io_context on its own thread.
struct IoThread {
  IoThread() : work(asio::make_work_guard(io)), thread([this] { io.run(); }) {}
  ~IoThread() { stop(); }
  // Stops the loop and joins the thread: no handler runs after this returns.
  void stop() {
    if (!thread.joinable()) return;
    work.reset();
    io.stop();
    thread.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
};

// A node that answers block range requests on every connection it accepts, on its own thread.
class ServingNode final : public tc::net::ConnectionHandler {
 public:
  ServingNode(std::uint32_t key_number, bool compress)
      : key_(numbered_key(9, key_number)),
        config_(connection_config(compress)),
        acceptor_(io_.io, {asio::ip::address_v4::loopback(), 0}) {
    asio::post(io_.io, [this] { accept_next(); });
  }
  // Stops the node's thread before its members go, then drops the connections while their
  // io_context still exists.
  ~ServingNode() override {
    io_.stop();
    connections_.clear();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

  void on_established(Connection&) override {}
  void on_message(Connection& connection, MessageType type,
                  const tc::net::InboundMessages& messages) override {
    if (type != MessageType::kBlockRangeRequest) return;
    if (!tc::net::answer_block_range(messages.block_range_request, source_,
                                     tc::net::BlockPageLimits{}, &response_)
             .is_ok()) {
      std::abort();
    }
    connection.send(response_);
  }
  void on_closed(Connection&, const tc::Status&) override {}

 private:
  void accept_next() {
    acceptor_.async_accept([this](const asio::error_code& error, tcp::socket socket) {
      if (error) return;
      auto connection = Connection::start(std::move(socket), key_, config_, this);
      if (connection.is_ok()) connections_.push_back(*connection);
      accept_next();
    });
  }

  IoThread io_;
  tc::KeyPair key_;
  ConnectionConfig config_;
  tcp::acceptor acceptor_;
  ChainSource source_;
  tc::net::proto::BlockRangeResponse response_;  // reused from request to request
  std::vector<std::shared_ptr<Connection>> connections_;
};

// The syncing node: its connections, and one BlockSync per iteration with a chain that accepts
// every entry and counts what it commits.
class SyncingNode final : public tc::net::ConnectionHandler,
                          public tc::net::BlockSyncChain,
                          public tc::net::BlockSyncNetwork {
 public:
  SyncingNode(const std::vector<std::unique_ptr<ServingNode>>& servers, bool compress)
      : config_(connection_config(compress)) {
    std::promise<void> dialled;
    asio::post(io_.io, [&] {
      for (const auto& server : servers) {
        tcp::socket socket(io_.io);
        socket.connect(server->endpoint());
        auto connection = Connection::start(std::move(socket), numbered_key(8, 1), config_, this);
        if (!connection.is_ok()) std::abort();
        connections_.push_back(*connection);
      }
      dialled.set_value();
    });
    dialled.get_future().get();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return established_ == servers.size(); });
  }
  ~SyncingNode() override {
    io_.stop();
    sync_.reset();
    connections_.clear();
  }

  // One whole sync from height 1; false when it did not finish within kSyncTimeout (the node is
  // then left as it is, and the benchmark ends).
  bool sync_once() {
    std::promise<void> finished;
    asio::post(io_.io, [this, &finished] {
      finished_ = &finished;
      sync_ = std::make_unique<BlockSync>(BlockSyncConfig{}, 1, this, this);
      for (const auto& connection : connections_) {
        sync_->set_peer_height(connection->peer_key(), kBlocks);
      }
      sync_->poll(Clock::now());
    });
    return finished.get_future().wait_for(kSyncTimeout) == std::future_status::ready;
  }
  std::uint64_t committed_bytes() const { return committed_bytes_; }

  void on_established(Connection&) override {
    std::lock_guard lock(mutex_);
    ++established_;
    changed_.notify_all();
  }
  void on_message(Connection& connection, MessageType type,
                  const tc::net::InboundMessages& messages) override {
    if (type != MessageType::kBlockRangeResponse || finished_ == nullptr) return;
    sync_->on_response(connection.peer_key(), messages.block_range_response, Clock::now());
    if (sync_->done()) {
      finished_->set_value();
      finished_ = nullptr;
    }
  }
  void on_closed(Connection&, const tc::Status&) override {}

  tc::Status check_entry(std::uint64_t, tc::ByteSpan, tc::ByteSpan) override {
    return tc::Status::ok();
  }
  tc::Status commit_entry(std::uint64_t, tc::ByteSpan block, tc::ByteSpan certificate) override {
    committed_bytes_ += block.size() + certificate.size();
    return tc::Status::ok();
  }
  bool send_request(const tc::Pubkey& peer,
                    const tc::net::proto::BlockRangeRequest& request) override {
    for (auto& connection : connections_) {
      if (connection->established() && connection->peer_key() == peer) {
        return connection->send(request);
      }
    }
    return false;
  }
  void report_bad_peer(const tc::Pubkey&, const tc::Status& why) override {
    std::fprintf(stderr, "sync_bench: a serving peer was reported: %s\n", why.to_string().c_str());
    std::abort();
  }

 private:
  IoThread io_;
  ConnectionConfig config_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t established_ = 0;
  std::unique_ptr<BlockSync> sync_;
  std::promise<void>* finished_ = nullptr;  // the running sync's, until it is done
  std::uint64_t committed_bytes_ = 0;
};

void bm_sync(benchmark::State& state, std::uint32_t peers, bool compress) {
  std::vector<std::unique_ptr<ServingNode>> servers;
  for (std::uint32_t p = 0; p < peers; ++p) {
    servers.push_back(std::make_unique<ServingNode>(p, compress));
  }
  std::uint64_t iterations = 0;
  {
    SyncingNode syncing(servers, compress);
    // One sync untimed: the first grows every buffer (stream, inflate, frame) to its page size.
    if (!syncing.sync_once()) {
      state.SkipWithError("the warm-up sync did not finish within the timeout");
      return;
    }
    ++iterations;
    for (auto _ : state) {
      if (!syncing.sync_once()) {
        state.SkipWithError("the sync did not finish within the timeout");
        break;
      }
      ++iterations;
    }
    if (syncing.committed_bytes() != iterations * chain().entry_bytes) {
      state.SkipWithError("the syncs committed other bytes than the chain's");
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlocks));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * chain().entry_bytes));
}

void bm_raw_tcp_pages(benchmark::State& state) {
  // The frames of the pages a default BlockSync asks for, uncompressed.
  tc::net::FrameEncoder encoder(connection_config(false).limits);
  const ChainSource source;
  Bytes frames;
  tc::net::proto::BlockRangeResponse response;
  for (std::uint64_t start = 1; start <= kBlocks;) {
    tc::net::proto::BlockRangeRequest request;
    request.set_start_height(start);
    request.set_count(BlockSyncConfig{}.page_blocks_max);
    request.set_bytes_max(BlockSyncConfig{}.page_bytes_max);
    if (!tc::net::answer_block_range(request, source, tc::net::BlockPageLimits{}, &response)
             .is_ok() ||
        response.blocks_size() == 0 || !encoder.encode(response, &frames).is_ok()) {
      std::abort();
    }
    start += static_cast<std::uint64_t>(response.blocks_size());
  }
  tc::bench::copy_over_raw_tcp(state, tc::ByteSpan(frames));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBlocks));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * chain().entry_bytes));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> names = {"baseline/raw_tcp_pages", "sync/1-peer", "sync/3-peers",
                                          "sync/1-peer/uncompressed", "sync/3-peers/uncompressed"};
  chain();  // built before any timing
  benchmark::RegisterBenchmark(names[0].c_str(), bm_raw_tcp_pages)->UseRealTime()->MinTime(0.3);
  benchmark::RegisterBenchmark(names[1].c_str(), [](benchmark::State& s) { bm_sync(s, 1, true); })
      ->UseRealTime()
      ->MinTime(0.5);
  benchmark::RegisterBenchmark(names[2].c_str(), [](benchmark::State& s) { bm_sync(s, 3, true); })
      ->UseRealTime()
      ->MinTime(0.5);
  benchmark::RegisterBenchmark(names[3].c_str(), [](benchmark::State& s) { bm_sync(s, 1, false); })
      ->UseRealTime()
      ->MinTime(0.5);
  benchmark::RegisterBenchmark(names[4].c_str(), [](benchmark::State& s) { bm_sync(s, 3, false); })
      ->UseRealTime()
      ->MinTime(0.5);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const double raw = reporter.rate(names[0]);
  const double bytes_per_block =
      static_cast<double>(chain().entry_bytes) / static_cast<double>(kBlocks);
  std::printf(
      "\n%llu blocks of %u transfers and a 7-signature certificate, %.0f bytes per block on "
      "average\n",
      static_cast<unsigned long long>(kBlocks), kTransfersPerBlock, bytes_per_block);
  std::printf("| benchmark                 | blocks/s | MB/s   | share of raw TCP |\n");
  std::printf("|---------------------------|---------:|-------:|-----------------:|\n");
  for (const std::string& name : names) {
    const double rate = reporter.rate(name);
    if (rate <= 0) continue;
    std::printf("| %-25s | %8.0f | %6.1f |", name.c_str(), rate, rate * bytes_per_block / 1e6);
    tc::bench::print_ratio_cell(16, raw > 0 ? rate / raw : -1);
    std::printf("\n");
  }
  return 0;
}
