// PeerManager: the peer set of one node over net/connection.h. It listens, dials the addresses of
// its PeerBook (seeds, masternode registrations, validators, peer exchange) with backoff, keeps one
// connection per peer key, limits each peer's message rate, scores misbehaviour into timed bans
// kept in a PeerStore, answers and uses peer exchange, and gossips consensus messages and
// transaction batches with duplicate suppression. The caller (node/) gets each new message once
// through a PeerHandler and decides what is valid; it reports invalid ones back.
//
// Rules (docs/formats/p2p.md, "Peers", says the same with the numbers):
//   - inbound connections at most max_inbound, outbound at most max_outbound, handshakes under way
//     from inbound sockets at most max_pending_inbound; members of the current validator set
//     (set_validators) are always dialled and never refused for room;
//   - one connection per key: when a second one with the same key is established, both sides keep
//     the one dialled by the smaller key (so they agree without talking about it), and when both
//     were dialled by the same side the newer replaces the older (that side dials again only when
//     it believes the old one dead). The loser closes with DISCONNECT_DUPLICATE_CONNECTION;
//   - a failed dial waits PeerBookConfig's backoff (doubling, with jitter) before the next;
//   - every inbound message takes a token from the peer's bucket and from its type's bucket; one
//     that finds either empty is dropped, counted and scores rate_limit_score;
//   - the score (decaying by score_decay_per_second) also takes protocol_violation_score when the
//     frame decoder refused the peer's bytes and invalid_message_score per report_invalid; at
//     ban_score the peer is banned for ban_duration by key and address, closed with
//     DISCONNECT_BANNED, and neither accepted nor dialled until the ban expires (bans survive a
//     restart through the PeerStore);
//   - gossip: a proposal, vote, certificate or transaction batch is identified by SHA-256 of its
//     type byte and envelope; one seen lately (RecentHashes) is not delivered again, and one this
//     node has already gossiped is not sent again.
//
// Threads: everything runs on the io_context the manager is given, which one thread runs; every
// public method must be called on that thread (post() to it from elsewhere), and the handler is
// called on it. The manager must outlive its connections: call shutdown() and let the io_context
// run until it has no work (each connection closes within ConnectionConfig::linger) before
// destroying it.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"
#include "net/ban_list.h"
#include "net/connection.h"
#include "net/peer_book.h"
#include "net/peer_store.h"
#include "net/rate_limiter.h"
#include "net/recent_hashes.h"

namespace tc::net {

// Milliseconds since the Unix epoch from the system clock: the default clock of ban expiry.
std::uint64_t system_now_ms();

struct PeerManagerConfig {
  // Chain id, frame limits, the consensus checks and the signature verifier (all REQUIRED as for
  // Connection); listen_port is set by start() to the port actually bound.
  ConnectionConfig connection;
  // Where to accept connections (port 0 picks a free one); with listen false this node only dials
  // and its Hello says listen_port 0.
  asio::ip::tcp::endpoint listen_endpoint{asio::ip::address_v4::loopback(), 0};
  bool listen = true;

  std::size_t max_inbound = 32;
  std::size_t max_outbound = 16;
  std::size_t max_pending_inbound = 16;
  // How often the dialler looks for book entries that are due.
  std::chrono::milliseconds dial_interval{250};
  PeerBookConfig book;

  RateLimits rate_limits = default_rate_limits();
  std::uint32_t ban_score = 100;
  std::uint32_t protocol_violation_score = 100;
  std::uint32_t rate_limit_score = 1;
  std::uint32_t invalid_message_score = 25;
  double score_decay_per_second = 1.0;
  std::chrono::milliseconds ban_duration = std::chrono::hours(24);

  std::size_t exchange_sample_max = 32;  // addresses in one answer to a request, at most
  std::size_t exchange_take_max = 8;     // new addresses taken from one answer, at most

  std::size_t recent_hashes_max = 1u << 16;
  // Wall clock of ban expiry, and the seed of the backoff jitter and exchange samples (0: from
  // std::random_device). Tests set both.
  std::uint64_t (*now_ms)() = &system_now_ms;
  std::uint64_t rng_seed = 0;
};

struct PeerManagerCounters {
  using PerType = std::array<std::uint64_t, kMaxMessageType + 1>;  // indexed by the type byte
  PerType delivered{};                  // handed to PeerHandler::on_message
  PerType rate_limited{};               // dropped past a rate limit
  PerType duplicates{};                 // dropped as seen lately
  std::uint64_t gossip_suppressed = 0;  // broadcasts of a message already gossiped
  std::uint64_t dials = 0;
  std::uint64_t dial_failures = 0;  // no TCP connection, or closed before the handshake ended
  std::uint64_t refused_banned = 0;
  std::uint64_t refused_too_many = 0;       // over max_inbound, after the handshake
  std::uint64_t refused_pending = 0;        // over max_pending_inbound, at accept
  std::uint64_t duplicate_connections = 0;  // closed by the one-connection-per-key rule
  std::uint64_t wrong_key = 0;              // a dialled peer proved another key than its record
  std::uint64_t bans = 0;
  std::uint64_t ban_store_errors = 0;  // bans the PeerStore did not take (they still hold)
  std::uint64_t invalid_reported = 0;
  std::uint64_t exchange_answered = 0;
  std::uint64_t exchange_taken = 0;  // new addresses taken from answers

  std::uint64_t delivered_of(MessageType t) const { return delivered[static_cast<int>(t)]; }
  std::uint64_t rate_limited_of(MessageType t) const { return rate_limited[static_cast<int>(t)]; }
  std::uint64_t duplicates_of(MessageType t) const { return duplicates[static_cast<int>(t)]; }
};

// What the manager reports to its caller, on the io thread.
class PeerHandler {
 public:
  virtual ~PeerHandler() = default;
  // A peer with this key is connected (once per key while it stays connected).
  virtual void on_peer_established(const Pubkey& key) = 0;
  // That peer's connection ended; `why` as in ConnectionHandler::on_closed.
  virtual void on_peer_closed(const Pubkey& key, const Status& why) = 0;
  // A proposal, vote, certificate or transaction batch not seen lately, or a block or snapshot
  // request or response, from `peer` within its rate limits. Peer exchange, Ping and Pong stay
  // inside the manager. `messages` is valid until this call returns.
  virtual void on_message(const Pubkey& peer, MessageType type,
                          const InboundMessages& messages) = 0;
};

class PeerManager : public ConnectionHandler {
 public:
  using Clock = std::chrono::steady_clock;

  // `handler` and `store` (which may be null: bans then do not survive a restart) must outlive
  // the manager. REQUIRES: config.connection's consensus codec and verifier set.
  PeerManager(asio::io_context& io, const KeyPair& key, const PeerManagerConfig& config,
              PeerHandler* handler, PeerStore* store);
  ~PeerManager() override;
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;

  // Loads the bans, binds the listening socket and starts accepting and dialling.
  // Error, kConfig: the listen endpoint cannot be bound (named). Error from the store: the bans
  // could not be loaded (nothing started).
  Status start();
  // Stops accepting and dialling and closes every connection with DISCONNECT_SHUTTING_DOWN.
  void shutdown();

  // The peer set's sources (see PeerBook). set_validators also names the keys gossip goes to.
  void add_seed(const PeerEndpoint& endpoint);
  void set_registrations(std::span<const PeerAddressRecord> records);
  void set_validators(std::span<const PeerAddressRecord> records);

  // Sends a proposal, vote or commit certificate to every connected validator except the peer it
  // came from. Returns how many it was queued for; 0 when this node has gossiped it before.
  template <typename Message>
  std::size_t broadcast_to_validators(const Message& message) {
    return broadcast(kMessageTypeOf<Message>, message, {});
  }
  // Forwards a verified transaction batch to the connected peers among `next_proposers` first, in
  // their order, then to every other connected peer, never back to the peer it came from. Returns
  // as above.
  std::size_t forward_transactions(const proto::TransactionBatch& batch,
                                   std::span<const Pubkey> next_proposers);
  // Sends `message` to one connected peer (block and snapshot sync). False when not connected or
  // not queued (Connection::send).
  template <typename Message>
  bool send_to(const Pubkey& peer, const Message& message) {
    return send_message_to(peer, kMessageTypeOf<Message>, message);
  }
  bool send_message_to(const Pubkey& peer, MessageType type,
                       const google::protobuf::MessageLite& message);
  // The caller found a message from `peer` invalid (bad signature, bad block...): scores it.
  void report_invalid(const Pubkey& peer, const std::string& detail);

  std::uint16_t listen_port() const { return listen_port_; }
  bool connected(const Pubkey& peer) const { return by_key_.contains(peer); }
  std::vector<Pubkey> connected_keys() const;
  // Connections open, opening or closing, whether their handshake is done or not (more than
  // connected_keys() while a dial, a refusal or a duplicate's close is under way).
  std::size_t connection_count() const { return peers_.size(); }
  const PeerBook& book() const { return book_; }
  const PeerManagerCounters& counters() const { return counters_; }

  // ConnectionHandler (called by the connections; not for the caller).
  void on_established(Connection& connection) override;
  void on_message(Connection& connection, MessageType type,
                  const InboundMessages& messages) override;
  void on_closed(Connection& connection, const Status& why) override;

 private:
  struct Peer {
    std::shared_ptr<Connection> connection;
    bool inbound = false;
    PeerEndpoint remote;                  // the socket's remote address and port
    std::optional<PeerEndpoint> dialled;  // the book entry an outbound connection was dialled for
    bool established = false;  // accepted by this manager (the handshake alone is not enough)
    Clock::time_point established_at;
    TokenBucket all;
    std::vector<TokenBucket> by_type;
    double score = 0;
    Clock::time_point scored_at;
  };

  void accept_next();
  void dial_tick();
  void dial(const PeerEndpoint& endpoint);
  Peer& add_connection(std::shared_ptr<Connection> connection, bool inbound,
                       const PeerEndpoint& remote, std::optional<PeerEndpoint> dialled);
  // Applies the one-connection-per-key rule to `fresh`; returns false when `fresh` lost.
  bool resolve_duplicate(Peer& fresh, const Pubkey& key);
  void handle_exchange(Peer& peer, const proto::PeerExchange& exchange);
  // Adds `points` to the peer's score and bans it at ban_score.
  void score(Peer& peer, double points, BanCause cause, const std::string& detail);
  std::size_t broadcast(MessageType type, const google::protobuf::MessageLite& message,
                        std::span<const Pubkey> first);
  bool is_validator(const Pubkey& key) const { return validator_keys_.contains(key); }
  std::size_t outbound_count() const;

  asio::io_context& io_;
  KeyPair key_;
  PeerManagerConfig config_;
  PeerHandler* handler_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer dial_timer_;
  std::uint16_t listen_port_ = 0;
  bool stopped_ = false;

  PeerBook book_;
  BanList bans_;
  RecentHashes recent_;
  std::set<Pubkey> validator_keys_;
  std::map<Connection*, Peer> peers_;
  std::map<Pubkey, Connection*> by_key_;  // established connections, one per key
  std::set<PeerEndpoint> dialling_;       // endpoints with an outbound connection open or opening
  PeerManagerCounters counters_;
};

}  // namespace tc::net
