#include "net/connection.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/sha2.h"

namespace tc::net {
namespace {

constexpr char kHandshakeTag[] = "TIMECOIN/v1/p2p-auth";
constexpr std::size_t kHandshakeTagBytes = sizeof(kHandshakeTag) - 1;
constexpr std::size_t kSpareBuffersMax = 16;

std::string reason_name(proto::DisconnectReason reason) {
  return proto::DisconnectReason_Name(reason);
}

Status closed_here(proto::DisconnectReason reason, const std::string& detail) {
  return unavailable("closed here: " + reason_name(reason) + ": " + detail);
}

}  // namespace

Hash256 handshake_digest(std::uint32_t chain_id, const Hash256& nonce, const Pubkey& signer,
                         const Pubkey& verifier) {
  std::uint8_t bytes[kHandshakeTagBytes + 4 + 32 + 32 + 32];
  std::uint8_t* p = bytes;
  std::memcpy(p, kHandshakeTag, kHandshakeTagBytes);
  p += kHandshakeTagBytes;
  store_u32_le(p, chain_id);
  p += 4;
  std::memcpy(p, nonce.data(), 32);
  std::memcpy(p + 32, signer.data(), 32);
  std::memcpy(p + 64, verifier.data(), 32);
  return sha256(ByteSpan(bytes, sizeof bytes));
}

SendPriority send_priority_of(MessageType type) {
  switch (type) {
    case MessageType::kHello:
    case MessageType::kHelloAuth:
    case MessageType::kProposal:
    case MessageType::kVote:
    case MessageType::kCommitCertificate:
    case MessageType::kPing:
    case MessageType::kPong:
    case MessageType::kDisconnect:
      return SendPriority::kConsensus;
    case MessageType::kBlockRangeRequest:
    case MessageType::kBlockRangeResponse:
    case MessageType::kSnapshotChunkRequest:
    case MessageType::kSnapshotChunkResponse:
    case MessageType::kPeerExchange:
    case MessageType::kTipStatus:
      return SendPriority::kBlockSync;
    case MessageType::kTransactionBatch:
      return SendPriority::kTransactions;
  }
  return SendPriority::kTransactions;
}

std::string_view send_priority_name(SendPriority priority) {
  switch (priority) {
    case SendPriority::kConsensus:
      return "consensus";
    case SendPriority::kBlockSync:
      return "block_sync";
    case SendPriority::kTransactions:
      return "transactions";
    case SendPriority::kCount:
      break;
  }
  return "unknown";
}

Result<std::shared_ptr<Connection>> Connection::start(asio::ip::tcp::socket socket,
                                                      const KeyPair& key,
                                                      const ConnectionConfig& config,
                                                      ConnectionHandler* handler) {
  TC_CHECK(config.verify_digest != nullptr, "ConnectionConfig.verify_digest not set");
  TC_CHECK(handler != nullptr, "Connection needs a handler");
  Hash256 nonce;
  if (getrandom(nonce.data(), nonce.size(), 0) != static_cast<ssize_t>(nonce.size())) {
    const int error = errno;
    asio::error_code ignored;
    socket.close(ignored);
    return unavailable(std::string("getrandom for the handshake nonce: ") + std::strerror(error));
  }
  std::shared_ptr<Connection> connection(new Connection(std::move(socket), key, config, handler));
  connection->begin(nonce);
  return connection;
}

Connection::Connection(asio::ip::tcp::socket socket, const KeyPair& key,
                       const ConnectionConfig& config, ConnectionHandler* handler)
    : socket_(std::move(socket)),
      handshake_timer_(socket_.get_executor()),
      linger_timer_(socket_.get_executor()),
      key_(key),
      config_(config),
      handler_(handler),
      encoder_(config.limits),
      decoder_(config.limits, config.consensus_codec) {}

Connection::~Connection() = default;

void Connection::begin(const Hash256& nonce) {
  nonce_ = nonce;
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  proto::Hello hello;
  hello.set_chain_id(config_.chain_id);
  hello.set_protocol_version(kProtocolVersion);
  hello.set_node_pubkey(key_.pubkey().data(), key_.pubkey().size());
  hello.set_nonce(nonce_.data(), nonce_.size());
  hello.set_listen_port(config_.listen_port);
  enqueue(MessageType::kHello, hello);
  handshake_timer_.expires_after(config_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (error || self->established_ || self->closing_ || self->closed_) return;
    self->close(
        proto::DISCONNECT_BAD_HANDSHAKE,
        "no handshake within " + std::to_string(self->config_.handshake_timeout.count()) + " ms");
  });
  read_more();
}

void Connection::read_more() {
  const MutableByteSpan space = decoder_.write_space();
  TC_CHECK(!space.empty(), "read_more with a full or broken decoder");
  socket_.async_read_some(
      asio::buffer(space.data(), space.size()),
      [self = shared_from_this()](const asio::error_code& error, std::size_t bytes) {
        self->read_done(error, bytes);
      });
}

void Connection::read_done(const asio::error_code& error, std::size_t bytes) {
  if (closed_ || closing_) return;
  if (error) {
    finish(unavailable("peer closed the connection without a Disconnect: " + error.message()));
    return;
  }
  decoder_.commit(bytes);
  while (true) {
    const DecodeOutcome outcome = decoder_.next();
    if (outcome == DecodeOutcome::kNeedMore) break;
    if (outcome == DecodeOutcome::kViolation) {
      close(proto::DISCONNECT_PROTOCOL_VIOLATION,
            std::string(decoder_.violation_status().message()));
      return;
    }
    if (!handle_message(decoder_.message_type())) return;
  }
  read_more();
}

bool Connection::handle_message(MessageType type) {
  if (type == MessageType::kDisconnect) {
    const proto::Disconnect& disconnect = decoder_.messages().disconnect;
    finish(unavailable("closed by peer: " + reason_name(disconnect.reason()) + ": " +
                       disconnect.detail()));
    return false;
  }
  if (!established_) {
    if (type == MessageType::kHello) return handle_hello();
    if (type == MessageType::kHelloAuth) return handle_hello_auth();
    close(proto::DISCONNECT_BAD_HANDSHAKE,
          std::string(message_type_name(type)) + " before the handshake ended");
    return false;
  }
  if (type == MessageType::kHello || type == MessageType::kHelloAuth) {
    close(proto::DISCONNECT_PROTOCOL_VIOLATION,
          std::string(message_type_name(type)) + " after the handshake");
    return false;
  }
  if (type == MessageType::kPing) {
    proto::Pong pong;
    pong.set_nonce(decoder_.messages().ping.nonce());
    enqueue(MessageType::kPong, pong);
  }
  handler_->on_message(*this, type, decoder_.messages());
  return !closing_ && !closed_;
}

bool Connection::handle_hello() {
  const proto::Hello& hello = decoder_.messages().hello;
  if (peer_hello_received_) {
    close(proto::DISCONNECT_BAD_HANDSHAKE, "a second hello");
    return false;
  }
  if (hello.chain_id() != config_.chain_id) {
    close(proto::DISCONNECT_WRONG_CHAIN, "chain id " + std::to_string(hello.chain_id()) +
                                             ", expected " + std::to_string(config_.chain_id));
    return false;
  }
  if (hello.protocol_version() < kProtocolVersion) {
    close(proto::DISCONNECT_UNSUPPORTED_VERSION,
          "protocol version " + std::to_string(hello.protocol_version()) + ", this node needs " +
              std::to_string(kProtocolVersion));
    return false;
  }
  // The decoder checked both fields are 32 bytes.
  peer_key_ = Pubkey::from_span(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(hello.node_pubkey().data()), 32));
  if (peer_key_ == key_.pubkey()) {
    close(proto::DISCONNECT_BAD_HANDSHAKE, "the peer presents this node's own key");
    return false;
  }
  const Hash256 peer_nonce =
      Hash256::from_span(ByteSpan(reinterpret_cast<const std::uint8_t*>(hello.nonce().data()), 32));
  peer_listen_port_ = hello.listen_port();
  peer_hello_received_ = true;
  const Signature signature =
      sign(key_, handshake_digest(config_.chain_id, peer_nonce, key_.pubkey(), peer_key_).span());
  proto::HelloAuth auth;
  auth.set_signature(signature.data(), signature.size());
  enqueue(MessageType::kHelloAuth, auth);
  return true;
}

bool Connection::handle_hello_auth() {
  if (!peer_hello_received_) {
    close(proto::DISCONNECT_BAD_HANDSHAKE, "hello_auth before hello");
    return false;
  }
  const std::string& bytes = decoder_.messages().hello_auth.signature();
  const Signature signature =
      Signature::from_span(ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), 64));
  const Hash256 digest = handshake_digest(config_.chain_id, nonce_, peer_key_, key_.pubkey());
  if (!config_.verify_digest(peer_key_, digest, signature)) {
    close(proto::DISCONNECT_BAD_HANDSHAKE,
          "hello_auth signature does not verify for key " + to_hex(peer_key_));
    return false;
  }
  established_ = true;
  handshake_timer_.cancel();
  handler_->on_established(*this);
  return !closing_ && !closed_;
}

bool Connection::send_message(MessageType type, const google::protobuf::MessageLite& message) {
  TC_CHECK(type != MessageType::kHello && type != MessageType::kHelloAuth &&
               type != MessageType::kDisconnect,
           "the connection sends handshake and disconnect frames itself");
  if (!established_ || closing_ || closed_) return false;
  return enqueue(type, message);
}

bool Connection::enqueue(MessageType type, const google::protobuf::MessageLite& message) {
  const SendPriority priority = send_priority_of(type);
  const std::size_t index = static_cast<std::size_t>(priority);
  Bytes buffer;
  if (!spare_buffers_.empty()) {
    buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    buffer.clear();
  }
  auto recycle = [this](Bytes&& bytes) {
    if (spare_buffers_.size() < kSpareBuffersMax) spare_buffers_.push_back(std::move(bytes));
  };
  if (!encoder_.encode_message(type, message, &buffer).is_ok() ||
      buffer.size() > config_.send_queue_bytes_max) {
    ++counters_.frames_dropped[index];
    recycle(std::move(buffer));
    return false;
  }
  const std::size_t bytes = buffer.size();
  // Lower priorities make room first, oldest frame first.
  for (std::size_t lower = kSendPriorityCount - 1;
       lower > index && queued_bytes_ + bytes > config_.send_queue_bytes_max; --lower) {
    std::deque<QueuedFrame>& queue = queues_[lower];
    while (!queue.empty() && queued_bytes_ + bytes > config_.send_queue_bytes_max) {
      queued_bytes_ -= queue.front().bytes.size();
      recycle(std::move(queue.front().bytes));
      queue.pop_front();
      ++counters_.frames_dropped[lower];
    }
  }
  if (queued_bytes_ + bytes > config_.send_queue_bytes_max) {
    ++counters_.frames_dropped[index];
    recycle(std::move(buffer));
    return false;
  }
  queues_[index].push_back(QueuedFrame{std::move(buffer), priority});
  queued_bytes_ += bytes;
  counters_.queued_bytes_peak = std::max<std::uint64_t>(counters_.queued_bytes_peak, queued_bytes_);
  if (!writing_) write_next();
  return true;
}

void Connection::write_next() {
  for (std::deque<QueuedFrame>& queue : queues_) {
    if (queue.empty()) continue;
    in_flight_ = std::move(queue.front());
    queue.pop_front();
    queued_bytes_ -= in_flight_.bytes.size();
    writing_ = true;
    asio::async_write(
        socket_, asio::buffer(in_flight_.bytes),
        [self = shared_from_this()](const asio::error_code& error, std::size_t bytes) {
          self->write_done(error, bytes);
        });
    return;
  }
}

void Connection::write_done(const asio::error_code& error, std::size_t bytes) {
  writing_ = false;
  if (closed_) return;
  if (error) {
    finish(closing_ ? close_status_ : unavailable("write to the peer failed: " + error.message()));
    return;
  }
  ++counters_.frames_sent[static_cast<std::size_t>(in_flight_.priority)];
  counters_.bytes_sent += bytes;
  if (spare_buffers_.size() < kSpareBuffersMax)
    spare_buffers_.push_back(std::move(in_flight_.bytes));
  if (closing_ && queued_bytes_ == 0) {
    finish(close_status_);
    return;
  }
  write_next();
}

void Connection::close(proto::DisconnectReason reason, const std::string& detail) {
  if (closing_ || closed_) return;
  closing_ = true;
  close_status_ = closed_here(reason, detail);
  handshake_timer_.cancel();
  for (std::deque<QueuedFrame>& queue : queues_) queue.clear();
  queued_bytes_ = 0;
  proto::Disconnect disconnect;
  disconnect.set_reason(reason);
  disconnect.set_detail(detail.substr(0, kMaxDisconnectDetailBytes));
  enqueue(MessageType::kDisconnect, disconnect);
  linger_timer_.expires_after(config_.linger);
  linger_timer_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (!error) self->finish(self->close_status_);
  });
}

void Connection::finish(const Status& why) {
  if (closed_) return;
  closed_ = true;
  const Status reported = why;  // `why` may be close_status_, which stays as it is
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  handshake_timer_.cancel();
  linger_timer_.cancel();
  for (std::deque<QueuedFrame>& queue : queues_) queue.clear();
  queued_bytes_ = 0;
  handler_->on_closed(*this, reported);
}

}  // namespace tc::net
