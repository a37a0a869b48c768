// PeerManager: the peer set of one node over net/connection.h. It listens, dials the addresses of
// its PeerBook (seeds, masternode registrations, validators, peer exchange) with backoff, keeps one
// connection per peer key, limits each peer's message rate, scores misbehaviour into timed bans
// kept in a PeerStore, answers and uses peer exchange, announces this node's tip and keeps each
// peer's, and gossips consensus messages and transaction batches with duplicate suppression. The
// caller (node/) gets each new message once through a PeerHandler and decides what is valid; it
// reports invalid ones back.
//
// Rules (docs/formats/p2p.md, "Peers", says the same with the numbers):
//   - every peer has a role from the sets the caller passes: validator (set_validators),
//     masternode (set_registrations, not a validator) or relay (neither: a node that proved a key
//     no registration names). The role follows the sets as they change;
//   - inbound connections at most max_inbound, of which relays at most max_inbound_relays;
//     outbound at most max_outbound; handshakes under way from inbound sockets at most
//     max_pending_inbound. Members of the current validator set are always dialled and never
//     refused for room. When inbound is full, an arriving validator evicts the inbound relay, then
//     the inbound masternode, with the highest score (ties: the most recently connected), and an
//     arriving masternode evicts such a relay; a peer is never evicted for one of its own role;
//   - a failed accept (out of file descriptors...) is retried after accept_retry_initial, doubling
//     to accept_retry_max while it keeps failing;
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
//     restart through the PeerStore). The score of a peer that disconnects is kept by key
//     (PeerScores, at most score_memory_max keys) and taken back when it reconnects;
//   - tips: each side sends TipStatus right after the handshake (once the caller has announced a
//     tip) and announce_tip sends it to every peer, at most once per tip_announce_interval (a
//     later one waits and sends the latest). A peer's TipStatus goes to the caller
//     (on_peer_tip) and is kept for peer_infos(); it is never passed on;
//   - gossip: a proposal, vote, certificate or transaction batch is identified by SHA-256 of its
//     type byte and envelope; one seen lately (RecentHashes) is not delivered again, and one this
//     node has already gossiped is not sent again. Proposals, votes and certificates go to
//     validators only, never to relays or masternodes.
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
#include "net/peer_scores.h"
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
  std::size_t max_inbound_relays = 8;  // counted within max_inbound
  std::size_t max_outbound = 16;
  std::size_t max_pending_inbound = 16;
  // After a failed accept (EMFILE, ENFILE, ENOBUFS...), the wait before the next; it doubles while
  // accepts keep failing, up to accept_retry_max, and starts over after one succeeds.
  std::chrono::milliseconds accept_retry_initial{10};
  std::chrono::milliseconds accept_retry_max{1000};
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
  std::size_t score_memory_max = 4096;  // keys whose score is kept while they are disconnected

  // announce_tip sends at most one TipStatus per this interval (a syncing node commits faster).
  std::chrono::milliseconds tip_announce_interval{100};

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
  std::uint64_t refused_relays = 0;         // relays over max_inbound_relays, after the handshake
  std::uint64_t evictions = 0;              // inbound peers closed to make room (see the rules)
  std::uint64_t accept_errors = 0;          // failed accepts, each followed by a wait
  std::uint64_t duplicate_connections = 0;  // closed by the one-connection-per-key rule
  std::uint64_t wrong_key = 0;              // a dialled peer proved another key than its record
  std::uint64_t bans = 0;
  std::uint64_t ban_store_errors = 0;  // bans the PeerStore did not take (they still hold)
  std::uint64_t invalid_reported = 0;
  std::uint64_t exchange_answered = 0;
  std::uint64_t exchange_taken = 0;     // new addresses taken from answers
  std::uint64_t tip_announcements = 0;  // TipStatus frames queued to peers

  std::uint64_t delivered_of(MessageType t) const { return delivered[static_cast<int>(t)]; }
  std::uint64_t rate_limited_of(MessageType t) const { return rate_limited[static_cast<int>(t)]; }
  std::uint64_t duplicates_of(MessageType t) const { return duplicates[static_cast<int>(t)]; }
};

// What a peer is to this node, from the sets the caller passes (see the rules above).
enum class PeerRole : std::uint8_t { kValidator, kMasternode, kRelay };
// "validator", "masternode", "relay"; stable, for the RPC and logs.
std::string_view peer_role_name(PeerRole role);

// The last block a peer said it committed (TipStatus).
struct PeerTip {
  std::uint64_t height = 0;
  Hash256 block_hash;
  friend bool operator==(const PeerTip&, const PeerTip&) = default;
};

// One established peer, for the daemon's getpeerinfo.
struct PeerInfo {
  Pubkey key;
  PeerEndpoint remote;  // the socket's remote address and port
  bool inbound = false;
  PeerRole role = PeerRole::kRelay;
  std::uint64_t connected_since_ms = 0;  // PeerManagerConfig::now_ms at the handshake
  double score = 0;                      // misbehaviour score now, decayed
  std::optional<PeerTip> tip;            // none until the peer announces one
  // This connection's traffic: frames and stream bytes received (handshake included) and sent.
  std::uint64_t messages_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t bytes_out = 0;
};

// What the manager reports to its caller, on the io thread.
class PeerHandler {
 public:
  virtual ~PeerHandler() = default;
  // A peer with this key is connected (once per key while it stays connected).
  virtual void on_peer_established(const Pubkey& key) = 0;
  // That peer's connection ended; `why` as in ConnectionHandler::on_closed.
  virtual void on_peer_closed(const Pubkey& key, const Status& why) = 0;
  // That peer announced its tip (after the handshake and then as it commits), within its rate
  // limit. Nothing checks the claim: block sync finds out when it asks
  // (BlockSync::set_peer_height).
  virtual void on_peer_tip(const Pubkey& key, const PeerTip& tip) = 0;
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

  // The peer set's sources (see PeerBook). set_validators also names the keys gossip goes to; both
  // sets give the peers' roles.
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

  // This node committed `height` with `block_hash`: tells every connected peer (see the rules) and
  // every later one at its handshake. Call it once before start() with the stored tip.
  void announce_tip(std::uint64_t height, const Hash256& block_hash);

  std::uint16_t listen_port() const { return listen_port_; }
  bool connected(const Pubkey& peer) const { return by_key_.contains(peer); }
  std::vector<Pubkey> connected_keys() const;
  PeerRole role_of(const Pubkey& peer) const;
  // Every established peer, by key. Allocates; for the RPC, not for a hot path.
  std::vector<PeerInfo> peer_infos() const;
  // Connections open, opening or closing, whether their handshake is done or not (more than
  // connected_keys() while a dial, a refusal or a duplicate's close is under way).
  std::size_t connection_count() const { return peers_.size(); }
  const PeerBook& book() const { return book_; }
  // Keys and addresses under a ban; an expired ban counts until it is next looked up.
  std::size_t ban_count() const { return bans_.size(); }
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
    bool admitted = false;     // was established once: its score is this key's (see on_closed)
    Clock::time_point established_at;
    std::uint64_t established_at_ms = 0;  // config_.now_ms() at the same moment
    TokenBucket all;
    std::vector<TokenBucket> by_type;
    double score = 0;
    Clock::time_point scored_at;
    std::optional<PeerTip> tip;
  };

  void accept_next();
  void accepted(asio::ip::tcp::socket socket);
  void dial_tick();
  void dial(const PeerEndpoint& endpoint);
  Peer& add_connection(std::shared_ptr<Connection> connection, bool inbound,
                       const PeerEndpoint& remote, std::optional<PeerEndpoint> dialled);
  // Applies the one-connection-per-key rule to `fresh`; returns false when `fresh` lost.
  bool resolve_duplicate(Peer& fresh, const Pubkey& key);
  // Applies the inbound limits to `peer`, which proved `key`, evicting another peer where the rules
  // allow it; returns false when `peer` was refused.
  bool admit_inbound(Peer& peer, const Pubkey& key);
  void send_tip(Connection& connection);
  void send_tip_to_all();
  double score_now(const Peer& peer, Clock::time_point now) const;
  void handle_exchange(Peer& peer, const proto::PeerExchange& exchange);
  // Adds `points` to the peer's score and bans it at ban_score.
  void score(Peer& peer, double points, BanCause cause, const std::string& detail);
  std::size_t broadcast(MessageType type, const google::protobuf::MessageLite& message,
                        std::span<const Pubkey> first);
  std::size_t outbound_count() const;

  asio::io_context& io_;
  KeyPair key_;
  PeerManagerConfig config_;
  PeerHandler* handler_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer dial_timer_;
  asio::steady_timer accept_timer_;
  asio::steady_timer tip_timer_;
  std::uint16_t listen_port_ = 0;
  bool stopped_ = false;
  std::chrono::milliseconds accept_delay_{
      0};  // the wait after the last failed accept; 0 after a success

  std::optional<PeerTip> own_tip_;
  std::optional<Clock::time_point> tip_sent_at_;  // when announce_tip last sent to every peer
  bool tip_timer_armed_ = false;

  PeerBook book_;
  BanList bans_;
  RecentHashes recent_;
  std::set<Pubkey> validator_keys_;
  std::set<Pubkey> registration_keys_;
  PeerScores scores_;  // of peers not connected now
  std::map<Connection*, Peer> peers_;
  std::map<Pubkey, Connection*> by_key_;  // established connections, one per key
  std::set<PeerEndpoint> dialling_;       // endpoints with an outbound connection open or opening
  PeerManagerCounters counters_;
};

}  // namespace tc::net
