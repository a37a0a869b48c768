// Test support for the peer-layer tests: a PeerStore in memory, a PeerHandler that records what it
// saw, and Node, one PeerManager on its own io_context and thread listening on 127.0.0.1.
// Header-only; included by tests/net/peer_manager_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gpu/verifier.h"
#include "net/peer_manager.h"
#include "tests/net/io_thread.h"
#include "tests/net/p2p_samples.h"

namespace tc::net::testing {

using namespace std::chrono_literals;

inline bool verify_ed25519(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) {
  const gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return gpu::verify_single(ref) == gpu::Verdict::kAccept;
}

// Fast timers so that each test takes well under a second of waiting.
inline PeerManagerConfig test_config() {
  PeerManagerConfig c;
  c.connection.chain_id = kChainIdTestnet;
  c.connection.consensus_codec = samples::kConsensusCodec;
  c.connection.verify_digest = &verify_ed25519;
  c.connection.handshake_timeout = 2s;
  c.connection.linger = 50ms;
  c.dial_interval = 10ms;
  c.book.backoff_initial = 40ms;
  c.book.backoff_max = 320ms;
  c.book.stable_after = 10s;
  c.rng_seed = 1;
  return c;
}

// 127.0.0.1 as an IPv4-mapped IPv6 address, as PeerAddress carries it.
inline PeerEndpoint loopback(std::uint16_t port) {
  PeerEndpoint endpoint;
  endpoint.address.bytes[10] = 0xff;
  endpoint.address.bytes[11] = 0xff;
  endpoint.address.bytes[12] = 127;
  endpoint.address.bytes[15] = 1;
  endpoint.port = port;
  return endpoint;
}

class MemoryPeerStore : public PeerStore {
 public:
  Result<std::vector<std::pair<Bytes, Bytes>>> load_all() override {
    std::lock_guard lock(mutex_);
    return std::vector<std::pair<Bytes, Bytes>>(records_.begin(), records_.end());
  }
  Status put(ByteSpan key, ByteSpan value) override {
    std::lock_guard lock(mutex_);
    records_[Bytes(key.begin(), key.end())] = Bytes(value.begin(), value.end());
    return Status::ok();
  }
  Status erase(ByteSpan key) override {
    std::lock_guard lock(mutex_);
    records_.erase(Bytes(key.begin(), key.end()));
    return Status::ok();
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return records_.size();
  }

 private:
  std::mutex mutex_;
  std::map<Bytes, Bytes> records_;
};

struct Received {
  Pubkey from;
  MessageType type;
  std::string bytes;  // the envelope, serialized
};

class RecordingPeerHandler : public PeerHandler {
 public:
  void on_peer_established(const Pubkey& key) override {
    std::lock_guard lock(mutex_);
    established_.push_back(key);
    changed_.notify_all();
  }
  void on_peer_closed(const Pubkey& key, const Status& why) override {
    std::lock_guard lock(mutex_);
    closed_.emplace_back(key, why.to_string());
    changed_.notify_all();
  }
  void on_peer_tip(const Pubkey& key, const PeerTip& tip) override {
    std::lock_guard lock(mutex_);
    tips_.emplace_back(key, tip);
    changed_.notify_all();
  }
  void on_message(const Pubkey& peer, MessageType type, const InboundMessages& messages) override {
    {
      std::lock_guard lock(mutex_);
      received_.push_back(Received{peer, type, messages.of(type).SerializeAsString()});
      changed_.notify_all();
    }
    if (delivered) delivered(peer, type, messages);
  }

  // Waits up to `timeout` for `done`, called under the lock.
  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, done);
  }
  std::size_t count(MessageType type) {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const Received& r : received_) n += r.type == type;
    return n;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::pair<Pubkey, std::string>> closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  std::vector<std::pair<Pubkey, PeerTip>> tips() {
    std::lock_guard lock(mutex_);
    return tips_;
  }

  // Called on the io thread after each message is recorded (a node's reaction, such as relaying a
  // vote); set it before the node connects.
  std::function<void(const Pubkey&, MessageType, const InboundMessages&)> delivered;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Pubkey> established_;
  std::vector<std::pair<Pubkey, std::string>> closed_;
  std::vector<Received> received_;
  std::vector<std::pair<Pubkey, PeerTip>> tips_;
};

// One node: a PeerManager started on 127.0.0.1 (port 0 picks one, or the port of an earlier run),
// its io_context run by its own thread. The test thread reaches the manager through on_io.
class Node {
 public:
  Node(std::uint8_t key_seed, PeerManagerConfig config, PeerStore* store = nullptr,
       std::uint16_t port = 0)
      : key_(samples::key(key_seed)) {
    config.listen_endpoint = asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port);
    manager_ = std::make_unique<PeerManager>(io_, key_, config, &handler_, store);
    const Status started = on_io([this] { return manager_->start(); });
    EXPECT_TRUE(started.is_ok()) << started.to_string();
  }
  ~Node() { stop(); }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    return io_thread_.on_io(std::move(f));
  }

  // Shuts the manager down and waits until every connection has closed.
  void stop() {
    io_thread_.stop([this] { manager_->shutdown(); });
  }

  // Polls `done` on the io thread every 5 ms for up to `timeout`.
  bool eventually(const std::function<bool(PeerManager&)>& done,
                  std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_io([&] { return done(*manager_); })) return true;
      std::this_thread::sleep_for(5ms);
    }
    return on_io([&] { return done(*manager_); });
  }

  const Pubkey& pubkey() const { return key_.pubkey(); }
  std::uint16_t port() const { return manager_->listen_port(); }
  PeerEndpoint endpoint() const { return loopback(port()); }
  PeerAddressRecord record() const { return PeerAddressRecord{pubkey(), endpoint()}; }
  PeerManagerCounters counters() {
    return on_io([this] { return manager_->counters(); });
  }
  bool connected(const Pubkey& key) {
    return on_io([&] { return manager_->connected(key); });
  }

  KeyPair key_;
  IoThread io_thread_;
  asio::io_context& io_ = io_thread_.io();
  RecordingPeerHandler handler_;
  std::unique_ptr<PeerManager> manager_;
};

}  // namespace tc::net::testing
