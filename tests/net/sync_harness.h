// Test support for the sync tests of tests/net: serving nodes that answer block range and snapshot
// chunk requests over real connections on 127.0.0.1, a syncing node whose callbacks a test sets,
// and a fixture that runs them all on one io_context thread. Header-only; included by
// block_sync_test.cpp and snapshot_sync_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/keys.h"
#include "gpu/verifier.h"
#include "net/block_sync.h"
#include "net/connection.h"
#include "net/snapshot_sync.h"
#include "tests/net/io_thread.h"
#include "tests/net/p2p_samples.h"

namespace tc::net::sync_testing {

using namespace std::chrono_literals;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline constexpr std::uint32_t kChain = kChainIdDevnet;

// The handshake's signature check, as node/ wires it (the batch verifier's verify_single).
inline bool verify_ed25519(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) {
  const gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return gpu::verify_single(ref) == gpu::Verdict::kAccept;
}

inline ConnectionConfig connection_config() {
  ConnectionConfig c;
  c.chain_id = kChain;
  c.consensus_codec = samples::kConsensusCodec;
  c.verify_digest = &verify_ed25519;
  return c;
}

// A node that answers block range and snapshot chunk requests on every connection it accepts.
class ServingNode final : public ConnectionHandler {
 public:
  ServingNode(asio::io_context& io, const KeyPair& key, const BlockSource* blocks,
              const SnapshotFileServer* snapshot)
      : key_(key),
        blocks_(blocks),
        snapshot_(snapshot),
        acceptor_(io, {asio::ip::address_v4::loopback(), 0}) {
    accept_next();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  const Pubkey& pubkey() const { return key_.pubkey(); }
  std::uint64_t requests_answered() const { return requests_answered_; }
  void stop() {
    acceptor_.close();
    for (auto& connection : connections_) {
      if (!connection->closed()) connection->close(proto::DISCONNECT_SHUTTING_DOWN, "test ends");
    }
  }

  void on_established(Connection&) override {}
  void on_message(Connection& connection, MessageType type,
                  const InboundMessages& messages) override {
    if (type == MessageType::kBlockRangeRequest && blocks_ != nullptr) {
      proto::BlockRangeRequest request = messages.block_range_request;
      if (ignore_bytes_max) request.set_bytes_max(~std::uint64_t{0});
      proto::BlockRangeResponse response;
      ASSERT_TRUE(answer_block_range(request, *blocks_, BlockPageLimits{}, &response).is_ok());
      ++requests_answered_;
      connection.send(response);
    }
    if (type == MessageType::kSnapshotChunkRequest && snapshot_ != nullptr) {
      proto::SnapshotChunkResponse response;
      if (snapshot_->answer(messages.snapshot_chunk_request, &response).is_ok()) {
        if (corrupt_chunks) response.mutable_data()->pop_back();
        ++requests_answered_;
        connection.send(response);
      }
    }
  }
  void on_closed(Connection&, const Status&) override {}

  bool corrupt_chunks = false;    // serve every chunk one byte short
  bool ignore_bytes_max = false;  // fill block pages to this server's own bound, not the asker's

 private:
  void accept_next() {
    acceptor_.async_accept([this](const asio::error_code& error, tcp::socket socket) {
      if (error) return;
      auto connection = Connection::start(std::move(socket), key_, connection_config(), this);
      if (connection.is_ok()) connections_.push_back(*connection);
      accept_next();
    });
  }

  KeyPair key_;
  const BlockSource* blocks_;
  const SnapshotFileServer* snapshot_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::atomic<std::uint64_t> requests_answered_{0};
};

// The syncing node's connections: dials peers and routes what arrives to a sync driver.
class SyncingNode : public ConnectionHandler {
 public:
  SyncingNode(asio::io_context& io, const KeyPair& key) : io_(io), key_(key), timer_(io) {}

  void dial(const tcp::endpoint& endpoint) {
    tcp::socket socket(io_);
    socket.connect(endpoint);
    auto connection = Connection::start(std::move(socket), key_, connection_config(), this);
    ASSERT_TRUE(connection.is_ok());
    connections_.push_back(*connection);
  }
  void stop() {
    timer_.cancel();
    for (auto& connection : connections_) {
      if (!connection->closed()) connection->close(proto::DISCONNECT_SHUTTING_DOWN, "test ends");
    }
  }
  Connection* connection_to(const Pubkey& peer) {
    for (auto& connection : connections_) {
      if (connection->established() && !connection->closed() && connection->peer_key() == peer) {
        return connection.get();
      }
    }
    return nullptr;
  }
  // Calls tick() every 20 ms until it returns false.
  void every_tick(std::function<bool()> tick) {
    tick_ = std::move(tick);
    arm();
  }

  std::function<void(Connection&)> established;
  std::function<void(Connection&, MessageType, const InboundMessages&)> message;
  std::function<void(const Pubkey&)> closed;

  void on_established(Connection& connection) override {
    if (established) established(connection);
  }
  void on_message(Connection& connection, MessageType type,
                  const InboundMessages& messages) override {
    if (message) message(connection, type, messages);
  }
  void on_closed(Connection& connection, const Status&) override {
    if (closed && connection.established()) closed(connection.peer_key());
  }

 private:
  void arm() {
    timer_.expires_after(20ms);
    timer_.async_wait([this](const asio::error_code& error) {
      if (!error && tick_()) arm();
    });
  }

  asio::io_context& io_;
  KeyPair key_;
  asio::steady_timer timer_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::function<bool()> tick_;
};

// What a sync reported through report_bad_peer.
struct BadPeerReport {
  Pubkey peer;
  Status why;
};

// Runs serving nodes and one syncing node on one io_context thread; the test thread reaches them
// through on_io (post and wait).
class LoopbackSyncTest : public ::testing::Test {
 protected:
  ~LoopbackSyncTest() override { shut_down(); }

  // Closes every connection and joins the io thread, after which no callback runs. A derived
  // fixture calls it first, so that nothing reaches its members once they are destroyed.
  void shut_down() {
    io_thread_.stop([this] {
      for (auto& node : servers_) node->stop();
      if (syncing_) syncing_->stop();
    });
  }

  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    return io_thread_.on_io(std::move(f));
  }

  ServingNode* add_server(std::uint8_t key_seed, const BlockSource* blocks,
                          const SnapshotFileServer* snapshot = nullptr) {
    return on_io([&] {
      servers_.push_back(
          std::make_unique<ServingNode>(io_, samples::key(key_seed), blocks, snapshot));
      return servers_.back().get();
    });
  }

  testing::IoThread io_thread_;
  asio::io_context& io_ = io_thread_.io();
  std::vector<std::unique_ptr<ServingNode>> servers_;
  std::unique_ptr<SyncingNode> syncing_;
};

}  // namespace tc::net::sync_testing
