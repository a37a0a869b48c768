// Vote gossip through net::PeerManager on loopback: votes per second that one validator's
// broadcast_to_validators delivers to every other validator of a set of four, each of which relays
// what it receives as a consensus engine would, against a raw TCP copy of the same vote frames to
// the same three receivers measured in the same run.
//
// Four PeerManagers, each on its own io_context and thread, listen on 127.0.0.1 and know each
// other through set_validators, so they connect in a full mesh (as main's net/peer_manager.h does
// it; only its public API is used). Rate limits are off: the point is the cost of the path, not the
// limits. An iteration: validator 0 broadcasts kBurst fresh votes (120-byte encode_vote bytes with
// distinct heights, so none is suppressed as gossiped before; signatures are random, as nothing
// here verifies them); every other validator, on each vote delivered to it, broadcasts it on to
// the validators it did not come from, where it arrives a second time and is dropped as a
// duplicate by hash. The iteration ends when each of the three has been delivered all kBurst.
//   - gossip/4-validators: that path, frames uncompressed (votes are under the threshold);
//   - baseline/raw_tcp_votes: the same kBurst vote frames written with one blocking asio::write to
//     each of three sockets, each read by a thread that only counts bytes.
// Rates are per wall second (UseRealTime); items are votes delivered to all three. After the runs
// main prints the gossip rate as a share of the raw copy's, and the duplicates dropped per vote.
// Quick mode (no flags) runs in a few seconds; --benchmark_repetitions=N makes the ratio use
// medians.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/ratio_reporter.h"
#include "consensus/messages.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/sha2.h"
#include "gpu/verifier.h"
#include "net/peer_manager.h"

namespace {

using asio::ip::tcp;
using tc::Bytes;
using tc::net::MessageType;
using tc::net::PeerManager;

constexpr std::uint32_t kValidators = 4;
constexpr int kBurst = 256;
constexpr auto kDeliveryTimeout = std::chrono::seconds(30);

bool verify_ed25519(const tc::Pubkey& pubkey, const tc::Hash256& digest, const tc::Signature& sig) {
  const tc::gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return tc::gpu::verify_single(ref) == tc::gpu::Verdict::kAccept;
}

tc::KeyPair numbered_key(std::uint32_t n) {
  std::uint8_t words[8];
  tc::store_u32_le(words, 7);
  tc::store_u32_le(words + 4, n);
  return tc::KeyPair::from_seed(tc::sha256(tc::ByteSpan(words, 8)));
}

// Vote n: a precommit at height n with random-looking hash and signature.
tc::net::proto::VoteMessage vote_message(std::uint64_t n) {
  tc::consensus::Vote vote;
  vote.height = n;
  vote.type = tc::consensus::VoteType::kPrecommit;
  vote.validator_index = static_cast<std::uint32_t>(n % kValidators);
  std::uint8_t seed[8];
  tc::store_u64_le(seed, n);
  vote.block_hash = tc::sha256(tc::ByteSpan(seed, 8));
  const tc::Hash256 low = tc::sha256(vote.block_hash.span());
  const tc::Hash256 high = tc::sha256(low.span());
  std::copy(low.data(), low.data() + 32, vote.sig.bytes.begin());
  std::copy(high.data(), high.data() + 32, vote.sig.bytes.begin() + 32);
  Bytes bytes;
  tc::consensus::encode_vote(vote, bytes);
  tc::net::proto::VoteMessage message;
  message.set_vote(bytes.data(), bytes.size());
  return message;
}

// 127.0.0.1 as an IPv4-mapped IPv6 address, as PeerAddress carries it.
tc::net::PeerEndpoint loopback(std::uint16_t port) {
  tc::net::PeerEndpoint endpoint;
  endpoint.address.bytes[10] = 0xff;
  endpoint.address.bytes[11] = 0xff;
  endpoint.address.bytes[12] = 127;
  endpoint.address.bytes[15] = 1;
  endpoint.port = port;
  return endpoint;
}

tc::net::PeerManagerConfig manager_config() {
  tc::net::PeerManagerConfig config;
  config.connection.chain_id = tc::kChainIdDevnet;
  config.connection.consensus_codec = {&tc::consensus::check_vote_encoding,
                                       &tc::consensus::check_proposal_encoding};
  config.connection.verify_digest = &verify_ed25519;
  config.connection.linger = std::chrono::milliseconds(50);
  config.dial_interval = std::chrono::milliseconds(10);
  config.rate_limits = tc::net::RateLimits{};  // all unlimited
  config.rng_seed = 1;
  return config;
}

// One validator: a PeerManager on its own thread that relays every vote delivered to it.
class Validator final : public tc::net::PeerHandler {
 public:
  explicit Validator(std::uint32_t n)
      : key_(numbered_key(n)), work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {
    listen_port_ = on_io([this] {
      manager_ = std::make_unique<PeerManager>(io_, key_, manager_config(), this, nullptr);
      if (!manager_->start().is_ok()) std::abort();
      return manager_->listen_port();
    });
  }
  // shutdown() closes every connection; the io_context then runs out of work (each closes within
  // linger) and the thread ends before the manager goes.
  ~Validator() override {
    on_io([this] {
      manager_->shutdown();
      return 0;
    });
    work_.reset();
    thread_.join();
    manager_.reset();
  }

  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  const tc::Pubkey& pubkey() const { return key_.pubkey(); }
  std::uint16_t listen_port() const { return listen_port_; }
  PeerManager& manager() { return *manager_; }  // on the io thread only

  // Waits until `target` votes have been delivered here; false on timeout.
  bool wait_for_votes(std::uint64_t target) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeliveryTimeout, [&] { return votes_ >= target; });
  }
  bool wait_for_peers(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeliveryTimeout, [&] { return peers_ >= count; });
  }

  void on_peer_established(const tc::Pubkey&) override {
    std::lock_guard lock(mutex_);
    ++peers_;
    changed_.notify_all();
  }
  void on_peer_closed(const tc::Pubkey&, const tc::Status&) override {
    std::lock_guard lock(mutex_);
    --peers_;
  }
  void on_peer_tip(const tc::Pubkey&, const tc::net::PeerTip&) override {}  // not measured
  void on_message(const tc::Pubkey&, MessageType type,
                  const tc::net::InboundMessages& messages) override {
    if (type != MessageType::kVote) return;
    manager_->broadcast_to_validators(messages.vote);
    std::lock_guard lock(mutex_);
    ++votes_;
    changed_.notify_all();
  }

 private:
  tc::KeyPair key_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<PeerManager> manager_;
  std::uint16_t listen_port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t peers_ = 0;
  std::uint64_t votes_ = 0;
};

double duplicates_per_vote = -1;  // from the last gossip run, for main's summary

void bm_gossip(benchmark::State& state) {
  std::vector<std::unique_ptr<Validator>> validators;
  for (std::uint32_t n = 0; n < kValidators; ++n) {
    validators.push_back(std::make_unique<Validator>(n));
  }
  std::vector<tc::net::PeerAddressRecord> records;
  for (const auto& validator : validators) {
    records.push_back({validator->pubkey(), loopback(validator->listen_port())});
  }
  for (const auto& validator : validators) {
    validator->on_io([&] {
      validator->manager().set_validators(records);
      return 0;
    });
  }
  for (const auto& validator : validators) {
    if (!validator->wait_for_peers(kValidators - 1)) {
      state.SkipWithError("the validators did not connect in a full mesh");
      return;
    }
  }
  Validator& sender = *validators[0];
  std::uint64_t next_vote = 1;
  std::uint64_t target = 0;
  for (auto _ : state) {
    sender.on_io([&] {
      for (int i = 0; i < kBurst; ++i) {
        sender.manager().broadcast_to_validators(vote_message(next_vote++));
      }
      return 0;
    });
    target += kBurst;
    for (std::uint32_t n = 1; n < kValidators; ++n) {
      if (!validators[n]->wait_for_votes(target)) {
        state.SkipWithError("votes were not delivered within the timeout");
        return;
      }
    }
  }
  std::uint64_t duplicates = 0;
  for (const auto& validator : validators) {
    duplicates += validator->on_io(
        [&] { return validator->manager().counters().duplicates_of(MessageType::kVote); });
  }
  if (target > 0)
    duplicates_per_vote = static_cast<double>(duplicates) / static_cast<double>(target);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
}

void bm_raw_tcp_votes(benchmark::State& state) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  std::vector<tcp::socket> writers;
  std::vector<tcp::socket> readers;
  for (std::uint32_t n = 1; n < kValidators; ++n) {
    writers.emplace_back(io);
    writers.back().connect(acceptor.local_endpoint());
    writers.back().set_option(tcp::no_delay(true));
    readers.push_back(acceptor.accept());
  }
  tc::net::FrameEncoder encoder;
  Bytes burst;
  for (int i = 0; i < kBurst; ++i) {
    if (!encoder.encode(vote_message(static_cast<std::uint64_t>(i)), &burst).is_ok()) std::abort();
  }
  std::vector<std::atomic<std::uint64_t>> received(readers.size());
  std::vector<std::thread> reading;
  for (std::size_t r = 0; r < readers.size(); ++r) {
    reading.emplace_back([&, r] {
      std::vector<std::uint8_t> buffer(1 << 16);
      asio::error_code error;
      while (true) {
        const std::size_t n = readers[r].read_some(asio::buffer(buffer), error);
        if (error) return;
        received[r].fetch_add(n, std::memory_order_release);
      }
    });
  }
  std::uint64_t target = 0;
  for (auto _ : state) {
    for (tcp::socket& writer : writers) asio::write(writer, asio::buffer(burst));
    target += burst.size();
    for (const auto& count : received) {
      while (count.load(std::memory_order_acquire) < target) std::this_thread::yield();
    }
  }
  for (tcp::socket& writer : writers) writer.close();
  for (std::thread& thread : reading) thread.join();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
}

}  // namespace

int main(int argc, char** argv) {
  const char* names[] = {"baseline/raw_tcp_votes", "gossip/4-validators"};
  benchmark::RegisterBenchmark(names[0], bm_raw_tcp_votes)->UseRealTime()->MinTime(0.3);
  benchmark::RegisterBenchmark(names[1], bm_gossip)->UseRealTime()->MinTime(1.0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf(
      "\nVotes of 120 bytes from validator 0 to the 3 others, relayed by each; bursts of %d\n",
      kBurst);
  std::printf("| benchmark              | votes/s to all 3 | share of raw TCP |\n");
  std::printf("|------------------------|-----------------:|-----------------:|\n");
  for (const char* name : names) {
    const double rate = reporter.rate(name);
    if (rate <= 0) continue;
    // Four decimals: the gossip path's share is far below one hundredth.
    std::printf("| %-22s | %16.0f | %16.4f |\n", name, rate, reporter.ratio(name, names[0]));
  }
  if (duplicates_per_vote >= 0) {
    std::printf("Duplicates dropped by hash per vote, over the 4 validators: %.2f\n",
                duplicates_per_vote);
  }
  return 0;
}
