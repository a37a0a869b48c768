// Connection: one TCP connection to one peer, over Asio. It runs the authenticated handshake,
// reads frames through a FrameDecoder and hands each message to a ConnectionHandler, and writes
// frames from a bounded send queue with three priorities.
//
// Handshake: each side sends a Hello (chain id, protocol version, its node key, a fresh 32-byte
// nonce from getrandom) and answers the other's Hello with a HelloAuth: its Ed25519 signature over
// handshake_digest() of the other side's nonce. The connection is established when the peer's
// HelloAuth verifies; the peer's identity is the key it proved, never its address. A mismatched
// chain id, an unsupported version, a bad or replayed signature, any other message before the
// handshake ends, or no handshake within handshake_timeout closes the connection with a
// Disconnect that says why. Both sides run the same code, whichever dialled.
//
// After that, any frame the decoder refuses closes the connection (DISCONNECT_PROTOCOL_VIOLATION;
// the decoder counts it by kind); a Ping is answered with a Pong; a Disconnect from the peer
// closes.
//
// Sending: send() encodes at once and queues the frame under its type's priority (consensus >
// block sync > transactions). The writer always takes the oldest frame of the highest non-empty
// priority, so consensus never waits behind sync or transactions. The queued bytes never exceed
// send_queue_bytes_max: a frame that does not fit evicts the oldest queued frames of lower
// priorities, and is itself dropped when that is not enough; every drop is counted by priority. A
// peer that never reads therefore costs at most send_queue_bytes_max plus one frame in flight.
//
// Threads: a Connection lives on one io_context that one thread runs; every public method must be
// called on that thread (post() to it from elsewhere). The handler is called on that thread too.
#pragma once

#include <array>
#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"
#include "net/frame.h"

namespace tc::net {

// The protocol version this build speaks in Hello.protocol_version.
inline constexpr std::uint32_t kProtocolVersion = 1;

// What a HelloAuth signs: SHA-256("TIMECOIN/v1/p2p-auth" ‖ chain_id u32 LE ‖ nonce [32] ‖
// signer [32] ‖ verifier [32]), where `nonce` is the verifier's nonce from its Hello. Binding both
// keys and the chain stops a signature made for one peer or network from being relayed to another;
// the verifier's fresh nonce stops a replay from an earlier connection.
Hash256 handshake_digest(std::uint32_t chain_id, const Hash256& nonce, const Pubkey& signer,
                         const Pubkey& verifier);

// Verifies one Ed25519 signature over a 32-byte digest. node/ passes the batch verifier's
// verify_single (gpu/, ZIP-215), which net/ cannot include.
using VerifyDigestFn = bool (*)(const Pubkey& pubkey, const Hash256& digest, const Signature& sig);

enum class SendPriority : std::uint8_t { kConsensus, kBlockSync, kTransactions, kCount };
inline constexpr std::size_t kSendPriorityCount = static_cast<std::size_t>(SendPriority::kCount);

// Consensus and control messages (handshake, proposals, votes, certificates, ping, disconnect),
// block sync (block and snapshot ranges, peer exchange, tip status), transactions (batches).
SendPriority send_priority_of(MessageType type);
// "consensus", "block_sync", "transactions".
std::string_view send_priority_name(SendPriority priority);

struct ConnectionConfig {
  std::uint32_t chain_id = 0;
  std::uint32_t listen_port = 0;  // sent in Hello; 0 = this node does not accept connections
  FrameLimits limits;
  ConsensusCodec consensus_codec;          // REQUIRED: both checks set
  VerifyDigestFn verify_digest = nullptr;  // REQUIRED
  // Bytes of queued frames at most (the frame being written is not counted). Must hold one frame
  // of the largest size this node sends.
  std::size_t send_queue_bytes_max = 96u << 20;
  std::chrono::milliseconds handshake_timeout{5000};
  // How long a closing connection waits for its Disconnect frame to leave before it drops the
  // socket anyway (a peer that does not read cannot hold it open).
  std::chrono::milliseconds linger{500};
};

struct ConnectionCounters {
  std::array<std::uint64_t, kSendPriorityCount> frames_sent{};
  std::array<std::uint64_t, kSendPriorityCount> frames_dropped{};  // evicted or refused
  std::uint64_t bytes_sent = 0;
  std::uint64_t queued_bytes_peak = 0;

  std::uint64_t sent(SendPriority p) const { return frames_sent[static_cast<std::size_t>(p)]; }
  std::uint64_t dropped(SendPriority p) const {
    return frames_dropped[static_cast<std::size_t>(p)];
  }
};

class Connection;

// What a Connection reports. Called on the io_context's thread; a handler may call send() and
// close() on the connection from inside any of these.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // The peer proved its key (Connection::peer_key()).
  virtual void on_established(Connection& connection) = 0;
  // A message of `type` (never Hello, HelloAuth or Disconnect; Ping and Pong included) is in
  // `messages`, valid until this call returns.
  virtual void on_message(Connection& connection, MessageType type,
                          const InboundMessages& messages) = 0;
  // Called once, when the socket is closed: `why` says who closed and for what reason (OK never).
  virtual void on_closed(Connection& connection, const Status& why) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Takes a connected socket, sends Hello and starts reading. The connection keeps itself alive
  // while its socket is open; `handler` must outlive it. Error, kUnavailable: getrandom gave no
  // nonce (the socket is closed). REQUIRES: config's consensus_codec and verify_digest set.
  static Result<std::shared_ptr<Connection>> start(asio::ip::tcp::socket socket, const KeyPair& key,
                                                   const ConnectionConfig& config,
                                                   ConnectionHandler* handler);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues `message` (see the file comment). Returns false when it was not queued: the connection
  // is not established or is closing, or the frame was dropped for room (counted), or it is above
  // the frame limits. REQUIRES: the type is not Hello, HelloAuth or Disconnect (the connection
  // sends those itself).
  template <typename Message>
  bool send(const Message& message) {
    return send_message(kMessageTypeOf<Message>, message);
  }
  bool send_message(MessageType type, const google::protobuf::MessageLite& message);

  // Sends Disconnect{reason, detail} after the frame in flight, drops everything queued, and
  // closes once it has left or after `linger`. on_closed reports `detail` as a local close.
  // Does nothing when already closing.
  void close(proto::DisconnectReason reason, const std::string& detail);

  bool established() const { return established_; }
  bool closed() const { return closed_; }
  // The key the peer proved. REQUIRES: established().
  const Pubkey& peer_key() const { return peer_key_; }
  std::uint32_t peer_listen_port() const { return peer_listen_port_; }
  // Bytes waiting in the send queue now (the frame in flight excluded).
  std::size_t queued_bytes() const { return queued_bytes_; }
  const ConnectionCounters& counters() const { return counters_; }
  const FrameDecoderCounters& decoder_counters() const { return decoder_.counters(); }

 private:
  struct QueuedFrame {
    Bytes bytes;
    SendPriority priority;
  };

  Connection(asio::ip::tcp::socket socket, const KeyPair& key, const ConnectionConfig& config,
             ConnectionHandler* handler);

  void begin(const Hash256& nonce);
  void read_more();
  void read_done(const asio::error_code& error, std::size_t bytes);
  // Handles one decoded message; returns false when it closed the connection.
  bool handle_message(MessageType type);
  bool handle_hello();
  bool handle_hello_auth();
  // Encodes and queues a frame; the return value as for send().
  bool enqueue(MessageType type, const google::protobuf::MessageLite& message);
  void write_next();
  void write_done(const asio::error_code& error, std::size_t bytes);
  // Ends the connection now: closes the socket, cancels the timers, reports `why` once.
  void finish(const Status& why);

  asio::ip::tcp::socket socket_;
  asio::steady_timer handshake_timer_;
  asio::steady_timer linger_timer_;
  KeyPair key_;
  ConnectionConfig config_;
  ConnectionHandler* handler_;
  FrameEncoder encoder_;
  FrameDecoder decoder_;

  Hash256 nonce_;  // ours, sent in Hello
  Pubkey peer_key_;
  std::uint32_t peer_listen_port_ = 0;
  bool peer_hello_received_ = false;
  bool established_ = false;
  bool closing_ = false;
  bool closed_ = false;
  Status close_status_;  // what on_closed will report once the socket is closed

  std::array<std::deque<QueuedFrame>, kSendPriorityCount> queues_;
  std::size_t queued_bytes_ = 0;
  QueuedFrame in_flight_;
  bool writing_ = false;
  std::vector<Bytes> spare_buffers_;  // frame buffers to reuse, so steady sending allocates little
  ConnectionCounters counters_;
};

}  // namespace tc::net
