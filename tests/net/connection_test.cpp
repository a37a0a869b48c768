// Goal: net/connection.h authenticates peers by key, carries every message type both ways
// whichever side dialled, closes with a reason on a wrong chain, a bad or replayed handshake
// signature or a protocol violation, and keeps a peer that never reads from blocking another peer
// or growing the send queue past its bound.
//
// Method: real TCP sockets on 127.0.0.1. Connections live on one io_context run by a background
// thread; the test thread reaches them through post-and-wait (on_io) and watches what a recording
// handler saw. Hostile peers are RawPeer: a blocking socket on the test thread with its own
// FrameEncoder/FrameDecoder, so it can send exactly the frames a test needs (a replayed
// HelloAuth, a vote before the handshake, garbage) and read what the connection answers.
// Signatures are verified by gpu::verify_single (ZIP-215), as node/ wires it.
//
// Scenarios:
//   - handshake: both sides established, each knows the other's key and listen port; Hello and
//     HelloAuth are each decoded once per side;
//   - every message type (proposal .. pong) both ways, with the client dialling and with the other
//     side dialling; a Ping is answered with a Pong; a Disconnect's reason reaches the other side;
//   - wrong chain id: both sides close with DISCONNECT_WRONG_CHAIN, neither is established;
//   - a HelloAuth with a bad signature, and one replayed from an earlier connection by the same
//   key,
//     each close with DISCONNECT_BAD_HANDSHAKE, which the raw peer reads in a Disconnect frame;
//   - a message before the handshake ends, no handshake at all (timeout), garbage after it;
//   - a slow reader that never drains: its queue stays under send_queue_bytes_max, transaction
//     batches are dropped first (counted), consensus frames are still queued, and another peer's
//     traffic through the same io_context and node keeps flowing.
#include "net/connection.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gpu/verifier.h"
#include "tests/net/io_thread.h"
#include "tests/net/p2p_samples.h"

namespace tc::net {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using samples::every_message;
using samples::kConsensusCodec;
using samples::key;

constexpr std::uint32_t kChain = kChainIdTestnet;

bool verify_ed25519(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) {
  const gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return gpu::verify_single(ref) == gpu::Verdict::kAccept;
}

ConnectionConfig config(std::uint32_t chain_id = kChain) {
  ConnectionConfig c;
  c.chain_id = chain_id;
  c.listen_port = 9333;
  c.consensus_codec = kConsensusCodec;
  c.verify_digest = &verify_ed25519;
  c.handshake_timeout = 5s;
  return c;
}

// What one side's connection reported, readable from the test thread.
class RecordingHandler : public ConnectionHandler {
 public:
  void on_established(Connection& connection) override {
    std::lock_guard lock(mutex_);
    established_ = true;
    peer_key_ = connection.peer_key();
    peer_listen_port_ = connection.peer_listen_port();
    changed_.notify_all();
  }
  void on_message(Connection&, MessageType type, const InboundMessages& messages) override {
    std::lock_guard lock(mutex_);
    received_.emplace_back(type, messages.of(type).SerializeAsString());
    changed_.notify_all();
  }
  void on_closed(Connection&, const Status& why) override {
    std::lock_guard lock(mutex_);
    closed_ = why;
    changed_.notify_all();
  }

  // Waits up to `timeout` for `done` (called under the lock); returns its last value.
  bool wait_for(const std::function<bool(RecordingHandler&)>& done,
                std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(*this); });
  }
  bool wait_established() {
    return wait_for([](RecordingHandler& h) { return h.established_; });
  }
  bool wait_closed() {
    return wait_for([](RecordingHandler& h) { return h.closed_.has_value(); });
  }
  std::size_t count(MessageType type) {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [t, bytes] : received_) n += t == type;
    return n;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool established_ = false;
  Pubkey peer_key_;
  std::uint32_t peer_listen_port_ = 0;
  std::vector<std::pair<MessageType, std::string>> received_;
  std::optional<Status> closed_;
};

class ConnectionTest : public ::testing::Test {
 protected:
  // Handlers outlive every connection: the io thread stops before members go.
  ~ConnectionTest() override {
    io_thread_.stop([this] {
      for (auto& connection : connections_) {
        if (!connection->closed()) connection->close(proto::DISCONNECT_SHUTTING_DOWN, "test ends");
      }
      acceptor_.close();
    });
  }

  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    return io_thread_.on_io(std::move(f));
  }

  std::shared_ptr<Connection> start(tcp::socket socket, const KeyPair& node_key,
                                    const ConnectionConfig& c, RecordingHandler* handler) {
    Result<std::shared_ptr<Connection>> connection =
        Connection::start(std::move(socket), node_key, c, handler);
    EXPECT_TRUE(connection.is_ok()) << connection.status().to_string();
    connections_.push_back(*connection);
    return *connection;
  }

  // Accepts the next connection on the io thread into a Connection with `c` and `handler`;
  // `tune` may set socket options on the accepted socket first.
  std::future<std::shared_ptr<Connection>> accept_one(
      const KeyPair& node_key, const ConnectionConfig& c, RecordingHandler* handler,
      std::function<void(tcp::socket&)> tune = nullptr) {
    auto promise = std::make_shared<std::promise<std::shared_ptr<Connection>>>();
    auto future = promise->get_future();
    asio::post(io_, [=, this] {
      acceptor_.async_accept([=, this](const asio::error_code& error, tcp::socket socket) {
        ASSERT_FALSE(error) << error.message();
        if (tune) tune(socket);
        promise->set_value(start(std::move(socket), node_key, c, handler));
      });
    });
    return future;
  }

  // A Connection that dials the acceptor.
  std::shared_ptr<Connection> dial(const KeyPair& node_key, const ConnectionConfig& c,
                                   RecordingHandler* handler) {
    tcp::socket socket(io_);
    socket.connect(acceptor_.local_endpoint());
    return on_io([&] { return start(std::move(socket), node_key, c, handler); });
  }

  // Two connected, established Connections: a (key 1) and b (key 2); `a_dials` picks who dialled.
  std::pair<std::shared_ptr<Connection>, std::shared_ptr<Connection>> pair(
      bool a_dials, RecordingHandler* a_handler, RecordingHandler* b_handler) {
    std::shared_ptr<Connection> a;
    std::shared_ptr<Connection> b;
    if (a_dials) {
      auto accepted = accept_one(key(2), config(), b_handler);
      a = dial(key(1), config(), a_handler);
      b = accepted.get();
    } else {
      auto accepted = accept_one(key(1), config(), a_handler);
      b = dial(key(2), config(), b_handler);
      a = accepted.get();
    }
    EXPECT_TRUE(a_handler->wait_established());
    EXPECT_TRUE(b_handler->wait_established());
    return {a, b};
  }

  RecordingHandler& handler() { return handlers_.emplace_back(); }

  std::deque<RecordingHandler> handlers_;
  testing::IoThread io_thread_;
  asio::io_context& io_ = io_thread_.io();
  tcp::acceptor acceptor_{io_, {asio::ip::address_v4::loopback(), 0}};
  std::vector<std::shared_ptr<Connection>> connections_;  // touched on the io thread only
};

// A hand-driven peer on a blocking socket: sends chosen frames, reads frames back.
class RawPeer {
 public:
  RawPeer(asio::io_context& io, const tcp::endpoint& endpoint, std::size_t receive_buffer = 0)
      : socket_(io), decoder_(FrameLimits(), kConsensusCodec) {
    socket_.open(tcp::v4());
    if (receive_buffer != 0)
      socket_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect(endpoint);
  }

  void send_bytes(const Bytes& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  template <typename Message>
  void send(const Message& message) {
    Bytes frame;
    ASSERT_TRUE(encoder_.encode(message, &frame).is_ok());
    send_bytes(frame);
  }

  // Reads until a whole frame arrives; returns its type, or nothing when the socket closed first.
  std::optional<MessageType> receive() {
    while (true) {
      const DecodeOutcome outcome = decoder_.next();
      if (outcome == DecodeOutcome::kMessage) return decoder_.message_type();
      if (outcome == DecodeOutcome::kViolation) {
        ADD_FAILURE() << decoder_.violation_status().to_string();
        return std::nullopt;
      }
      // A failing test must not hang on a connection that never answers.
      pollfd ready{socket_.native_handle(), POLLIN, 0};
      if (::poll(&ready, 1, 5000) != 1) {
        ADD_FAILURE() << "no frame within 5 s";
        return std::nullopt;
      }
      const MutableByteSpan space = decoder_.write_space();
      asio::error_code error;
      const std::size_t n = socket_.read_some(asio::buffer(space.data(), space.size()), error);
      if (error) return std::nullopt;
      decoder_.commit(n);
    }
  }

  // Sends a Hello for `node_key` and returns the connection's nonce and key from its Hello.
  std::pair<Hash256, Pubkey> hello(const KeyPair& node_key, std::uint32_t chain_id = kChain) {
    EXPECT_EQ(receive(), MessageType::kHello);
    const proto::Hello& theirs = decoder_.messages().hello;
    const auto nonce = Hash256::from_span(
        ByteSpan(reinterpret_cast<const std::uint8_t*>(theirs.nonce().data()), 32));
    const auto pubkey = Pubkey::from_span(
        ByteSpan(reinterpret_cast<const std::uint8_t*>(theirs.node_pubkey().data()), 32));
    proto::Hello mine;
    mine.set_chain_id(chain_id);
    mine.set_protocol_version(kProtocolVersion);
    mine.set_node_pubkey(node_key.pubkey().data(), 32);
    mine.set_nonce(std::string(32, '\x5a'));
    send(mine);
    return {nonce, pubkey};
  }

  void hello_auth(const Signature& signature) {
    proto::HelloAuth auth;
    auth.set_signature(signature.data(), 64);
    send(auth);
  }

  // Reads frames until a Disconnect; returns its reason, or nothing when none came.
  std::optional<proto::DisconnectReason> disconnect_reason() {
    while (std::optional<MessageType> type = receive()) {
      if (*type == MessageType::kDisconnect) return decoder_.messages().disconnect.reason();
    }
    return std::nullopt;
  }

  const InboundMessages& messages() const { return decoder_.messages(); }

 private:
  tcp::socket socket_;
  FrameEncoder encoder_;
  FrameDecoder decoder_;
};

TEST_F(ConnectionTest, HandshakeEstablishesBothSidesWithTheProvenKeys) {
  RecordingHandler& a_handler = handler();
  RecordingHandler& b_handler = handler();
  auto [a, b] = pair(/*a_dials=*/true, &a_handler, &b_handler);
  EXPECT_EQ(a_handler.peer_key_, key(2).pubkey());
  EXPECT_EQ(b_handler.peer_key_, key(1).pubkey());
  EXPECT_EQ(a_handler.peer_listen_port_, 9333u);
  on_io([&] {
    for (const auto& c : {a, b}) {
      EXPECT_EQ(c->decoder_counters().messages(MessageType::kHello), 1u);
      EXPECT_EQ(c->decoder_counters().messages(MessageType::kHelloAuth), 1u);
    }
    return 0;
  });
}

TEST_F(ConnectionTest, EveryMessageTypeBothWaysWhenTheFirstSideDials) {
  RecordingHandler& a_handler = handler();
  RecordingHandler& b_handler = handler();
  auto [a, b] = pair(/*a_dials=*/true, &a_handler, &b_handler);
  const auto all = every_message();
  // Both sides send every type they may send, at the same time.
  const std::size_t sent = on_io([&] {
    std::size_t n = 0;
    for (const auto& [type, message] : all) {
      if (type == MessageType::kHello || type == MessageType::kHelloAuth ||
          type == MessageType::kDisconnect) {
        continue;
      }
      EXPECT_TRUE(a->send_message(type, *message)) << message_type_name(type);
      EXPECT_TRUE(b->send_message(type, *message)) << message_type_name(type);
      ++n;
    }
    return n;
  });
  // Each side also gets a Pong for the Ping it sent.
  for (RecordingHandler* handler : {&a_handler, &b_handler}) {
    ASSERT_TRUE(handler->wait_for([&](RecordingHandler& h) {
      return h.received_.size() == sent + 1;
    })) << handler->received_.size();
    std::lock_guard lock(handler->mutex_);
    for (const auto& [type, message] : all) {
      if (type == MessageType::kHello || type == MessageType::kHelloAuth ||
          type == MessageType::kDisconnect) {
        continue;
      }
      const std::string expected = message->SerializeAsString();
      std::size_t matches = 0;
      for (const auto& [t, bytes] : handler->received_) matches += t == type && bytes == expected;
      EXPECT_GE(matches, 1u) << message_type_name(type);
    }
    std::size_t pongs = 0;
    for (const auto& [t, bytes] : handler->received_) pongs += t == MessageType::kPong;
    EXPECT_EQ(pongs, 2u);
  }
  // A Disconnect carries its reason to the other side.
  on_io([&] {
    a->close(proto::DISCONNECT_SHUTTING_DOWN, "maintenance");
    return 0;
  });
  ASSERT_TRUE(b_handler.wait_closed());
  EXPECT_NE(
      b_handler.closed_->message().find("closed by peer: DISCONNECT_SHUTTING_DOWN: maintenance"),
      std::string_view::npos)
      << b_handler.closed_->to_string();
  ASSERT_TRUE(a_handler.wait_closed());
  EXPECT_NE(a_handler.closed_->message().find("closed here: DISCONNECT_SHUTTING_DOWN"),
            std::string_view::npos);
}

TEST_F(ConnectionTest, EveryMessageTypeBothWaysWhenTheOtherSideDials) {
  RecordingHandler& a_handler = handler();
  RecordingHandler& b_handler = handler();
  auto [a, b] = pair(/*a_dials=*/false, &a_handler, &b_handler);
  const auto all = every_message();
  std::size_t sent = 0;
  on_io([&] {
    for (const auto& [type, message] : all) {
      if (type == MessageType::kHello || type == MessageType::kHelloAuth ||
          type == MessageType::kDisconnect) {
        continue;
      }
      EXPECT_TRUE(a->send_message(type, *message));
      EXPECT_TRUE(b->send_message(type, *message));
      ++sent;
    }
    return 0;
  });
  for (RecordingHandler* handler : {&a_handler, &b_handler}) {
    ASSERT_TRUE(
        handler->wait_for([&](RecordingHandler& h) { return h.received_.size() == sent + 1; }));
    for (const auto& [type, message] : all) {
      if (type == MessageType::kHello || type == MessageType::kHelloAuth ||
          type == MessageType::kDisconnect) {
        continue;
      }
      EXPECT_GE(handler->count(type), 1u) << message_type_name(type);
    }
  }
}

TEST_F(ConnectionTest, AWrongChainIdClosesBothSidesWithTheReason) {
  RecordingHandler& a_handler = handler();
  RecordingHandler& b_handler = handler();
  auto accepted = accept_one(key(2), config(kChainIdMainnet), &b_handler);
  dial(key(1), config(kChainIdTestnet), &a_handler);
  accepted.get();
  for (RecordingHandler* handler : {&a_handler, &b_handler}) {
    ASSERT_TRUE(handler->wait_closed());
    EXPECT_FALSE(handler->established_);
    EXPECT_NE(handler->closed_->message().find("DISCONNECT_WRONG_CHAIN"), std::string_view::npos)
        << handler->closed_->to_string();
  }
}

TEST_F(ConnectionTest, AHelloAuthWithABadSignatureClosesWithBadHandshake) {
  RecordingHandler& handler = this->handler();
  auto accepted = accept_one(key(2), config(), &handler);
  RawPeer peer(io_, acceptor_.local_endpoint());
  accepted.get();
  const auto [nonce, server_key] = peer.hello(key(1));
  // Signed by another key than the one the Hello presents.
  peer.hello_auth(
      sign(key(3), handshake_digest(kChain, nonce, key(1).pubkey(), server_key).span()));
  EXPECT_EQ(peer.disconnect_reason(), proto::DISCONNECT_BAD_HANDSHAKE);
  ASSERT_TRUE(handler.wait_closed());
  EXPECT_FALSE(handler.established_);
  EXPECT_NE(handler.closed_->message().find("does not verify"), std::string_view::npos)
      << handler.closed_->to_string();
}

TEST_F(ConnectionTest, AHelloAuthReplayedFromAnEarlierConnectionClosesWithBadHandshake) {
  // First connection: key 1 signs the server's nonce correctly and is accepted.
  RecordingHandler& first = handler();
  auto accepted = accept_one(key(2), config(), &first);
  Signature recorded;
  {
    RawPeer peer(io_, acceptor_.local_endpoint());
    accepted.get();
    const auto [nonce, server_key] = peer.hello(key(1));
    EXPECT_EQ(server_key, key(2).pubkey());
    recorded = sign(key(1), handshake_digest(kChain, nonce, key(1).pubkey(), server_key).span());
    peer.hello_auth(recorded);
    ASSERT_TRUE(first.wait_established());
    EXPECT_EQ(first.peer_key_, key(1).pubkey());
  }
  // Second connection: someone replays that HelloAuth for key 1; the server's nonce is new.
  RecordingHandler& second = handler();
  accepted = accept_one(key(2), config(), &second);
  RawPeer replayer(io_, acceptor_.local_endpoint());
  accepted.get();
  replayer.hello(key(1));
  replayer.hello_auth(recorded);
  EXPECT_EQ(replayer.disconnect_reason(), proto::DISCONNECT_BAD_HANDSHAKE);
  ASSERT_TRUE(second.wait_closed());
  EXPECT_FALSE(second.established_);
}

TEST_F(ConnectionTest, AMessageBeforeTheHandshakeEndsClosesWithBadHandshake) {
  RecordingHandler& handler = this->handler();
  auto accepted = accept_one(key(2), config(), &handler);
  RawPeer peer(io_, acceptor_.local_endpoint());
  accepted.get();
  peer.hello(key(1));
  proto::VoteMessage vote;
  vote.set_vote(samples::as_string(samples::encoded_vote()));
  peer.send(vote);
  EXPECT_EQ(peer.disconnect_reason(), proto::DISCONNECT_BAD_HANDSHAKE);
  ASSERT_TRUE(handler.wait_closed());
  EXPECT_NE(handler.closed_->message().find("vote before the handshake ended"),
            std::string_view::npos);
  EXPECT_EQ(handler.count(MessageType::kVote), 0u);
}

TEST_F(ConnectionTest, NoHandshakeWithinTheTimeoutCloses) {
  RecordingHandler& handler = this->handler();
  ConnectionConfig c = config();
  c.handshake_timeout = 200ms;
  auto accepted = accept_one(key(2), c, &handler);
  RawPeer silent(io_, acceptor_.local_endpoint());
  accepted.get();
  EXPECT_EQ(silent.disconnect_reason(), proto::DISCONNECT_BAD_HANDSHAKE);
  ASSERT_TRUE(handler.wait_closed());
  EXPECT_NE(handler.closed_->message().find("no handshake within 200 ms"), std::string_view::npos);
}

TEST_F(ConnectionTest, GarbageAfterTheHandshakeClosesWithAProtocolViolation) {
  RecordingHandler& handler = this->handler();
  auto accepted = accept_one(key(2), config(), &handler);
  RawPeer peer(io_, acceptor_.local_endpoint());
  std::shared_ptr<Connection> server = accepted.get();
  const auto [nonce, server_key] = peer.hello(key(1));
  peer.hello_auth(
      sign(key(1), handshake_digest(kChain, nonce, key(1).pubkey(), server_key).span()));
  ASSERT_TRUE(handler.wait_established());
  peer.send_bytes(Bytes(64, 0xEE));
  EXPECT_EQ(peer.disconnect_reason(), proto::DISCONNECT_PROTOCOL_VIOLATION);
  ASSERT_TRUE(handler.wait_closed());
  EXPECT_NE(handler.closed_->message().find("bad_magic"), std::string_view::npos);
  EXPECT_EQ(on_io([&] { return server->decoder_counters().violation(FrameViolation::kBadMagic); }),
            1u);
}

TEST_F(ConnectionTest, ASlowReaderNeitherBlocksAnotherPeerNorGrowsItsQueuePastTheBound) {
  constexpr std::size_t kQueueMax = 1 << 20;
  ConnectionConfig server_config = config();
  server_config.send_queue_bytes_max = kQueueMax;

  // The slow reader: completes the handshake, then never reads. Small socket buffers on both ends
  // make the kernel's share of the backlog small, so the send queue fills.
  RecordingHandler& slow_handler = handler();
  auto accepted = accept_one(key(2), server_config, &slow_handler, [](tcp::socket& socket) {
    socket.set_option(asio::socket_base::send_buffer_size(4096));
  });
  RawPeer slow(io_, acceptor_.local_endpoint(), /*receive_buffer=*/4096);
  std::shared_ptr<Connection> to_slow = accepted.get();
  const auto [nonce, server_key] = slow.hello(key(1));
  slow.hello_auth(
      sign(key(1), handshake_digest(kChain, nonce, key(1).pubkey(), server_key).span()));
  ASSERT_TRUE(slow_handler.wait_established());

  // A healthy peer of the same node.
  RecordingHandler& fast_handler = handler();
  RecordingHandler& fast_peer_handler = handler();
  auto accepted_fast = accept_one(key(2), server_config, &fast_handler);
  dial(key(3), config(), &fast_peer_handler);
  std::shared_ptr<Connection> to_fast = accepted_fast.get();
  ASSERT_TRUE(fast_handler.wait_established());

  const auto all = every_message();
  const google::protobuf::MessageLite& batch = *all[5].second;  // ~4 KB of transfers
  const google::protobuf::MessageLite& range = *all[7].second;  // a block range response
  const google::protobuf::MessageLite& vote = *all[3].second;
  ASSERT_EQ(all[5].first, MessageType::kTransactionBatch);
  ASSERT_EQ(all[7].first, MessageType::kBlockRangeResponse);
  ASSERT_EQ(all[3].first, MessageType::kVote);

  constexpr int kRounds = 2000;
  for (int round = 0; round < kRounds; ++round) {
    on_io([&] {
      for (int i = 0; i < 4; ++i) to_slow->send_message(MessageType::kTransactionBatch, batch);
      to_slow->send_message(MessageType::kBlockRangeResponse, range);
      // Consensus frames always find room: lower priorities are evicted for them.
      EXPECT_TRUE(to_slow->send_message(MessageType::kVote, vote));
      EXPECT_LE(to_slow->queued_bytes(), kQueueMax);
      EXPECT_TRUE(to_fast->send_message(MessageType::kVote, vote));
      return 0;
    });
  }
  // The healthy peer got every vote while the slow one backed up.
  ASSERT_TRUE(fast_peer_handler.wait_for([&](RecordingHandler& h) {
    return h.received_.size() == static_cast<std::size_t>(kRounds);
  })) << fast_peer_handler.received_.size();
  const ConnectionCounters counters = on_io([&] { return to_slow->counters(); });
  EXPECT_LE(counters.queued_bytes_peak, kQueueMax);
  EXPECT_GT(counters.dropped(SendPriority::kTransactions), 0u);
  EXPECT_EQ(counters.dropped(SendPriority::kConsensus), 0u);
  EXPECT_FALSE(on_io([&] { return to_slow->closed(); }));
}

TEST_F(ConnectionTest, AFullQueueEvictsTheLowestPriorityFirstAndCountsIt) {
  constexpr std::size_t kQueueMax = 256 << 10;
  ConnectionConfig server_config = config();
  server_config.send_queue_bytes_max = kQueueMax;
  // The frame sizes the steps below rely on (a block-sync frame too large for what a queue full of
  // batches leaves over, and a batch too large for what a queue full of block-sync frames leaves)
  // are those of compressed batch and range frames: fixed here, not left to the default threshold.
  server_config.limits.compression_threshold_bytes = 512;
  RecordingHandler& slow_handler = handler();
  auto accepted = accept_one(key(2), server_config, &slow_handler, [](tcp::socket& socket) {
    socket.set_option(asio::socket_base::send_buffer_size(4096));
  });
  RawPeer slow(io_, acceptor_.local_endpoint(), /*receive_buffer=*/4096);
  std::shared_ptr<Connection> to_slow = accepted.get();
  const auto [nonce, server_key] = slow.hello(key(1));
  slow.hello_auth(
      sign(key(1), handshake_digest(kChain, nonce, key(1).pubkey(), server_key).span()));
  ASSERT_TRUE(slow_handler.wait_established());

  const auto all = every_message();
  const google::protobuf::MessageLite& batch = *all[5].second;
  const google::protobuf::MessageLite& range = *all[7].second;
  const google::protobuf::MessageLite& vote = *all[3].second;
  // One io-thread turn, so nothing drains in between.
  on_io([&] {
    int accepted_batches = 0;
    while (to_slow->send_message(MessageType::kTransactionBatch, batch)) ++accepted_batches;
    EXPECT_GT(accepted_batches, 10);
    ConnectionCounters before = to_slow->counters();
    EXPECT_EQ(before.dropped(SendPriority::kTransactions), 1u);  // the one that did not fit

    // A block-sync frame evicts the oldest transaction batches and is queued.
    EXPECT_TRUE(to_slow->send_message(MessageType::kBlockRangeResponse, range));
    ConnectionCounters after = to_slow->counters();
    EXPECT_GT(after.dropped(SendPriority::kTransactions),
              before.dropped(SendPriority::kTransactions));
    EXPECT_EQ(after.dropped(SendPriority::kBlockSync), 0u);
    EXPECT_LE(to_slow->queued_bytes(), kQueueMax);

    // Fill with block-sync frames until one does not fit: by then every transaction batch is gone.
    while (to_slow->send_message(MessageType::kBlockRangeResponse, range)) {
    }
    before = to_slow->counters();
    EXPECT_EQ(before.dropped(SendPriority::kBlockSync), 1u);
    EXPECT_EQ(before.dropped(SendPriority::kTransactions),
              static_cast<std::uint64_t>(accepted_batches));
    // A transaction batch cannot evict anything now; a vote still can.
    EXPECT_FALSE(to_slow->send_message(MessageType::kTransactionBatch, batch));
    EXPECT_TRUE(to_slow->send_message(MessageType::kVote, vote));
    after = to_slow->counters();
    EXPECT_EQ(after.dropped(SendPriority::kTransactions),
              before.dropped(SendPriority::kTransactions) + 1);
    EXPECT_EQ(after.dropped(SendPriority::kConsensus), 0u);
    EXPECT_LE(to_slow->queued_bytes(), kQueueMax);
    return 0;
  });
}

}  // namespace
}  // namespace tc::net
