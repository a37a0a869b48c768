#include "net/peer_manager.h"

#include <algorithm>
#include <random>

#include "core/sha2.h"

namespace tc::net {
namespace {

IpAddress16 to_address16(const asio::ip::address& address) {
  const asio::ip::address_v6 v6 =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                      : address.to_v6();
  const auto bytes = v6.to_bytes();
  return IpAddress16::from_span(ByteSpan(bytes.data(), bytes.size()));
}

asio::ip::tcp::endpoint to_asio(const PeerEndpoint& endpoint) {
  asio::ip::address_v6::bytes_type bytes;
  std::copy(endpoint.address.bytes.begin(), endpoint.address.bytes.end(), bytes.begin());
  const asio::ip::address_v6 v6(bytes);
  const asio::ip::address address =
      v6.is_v4_mapped() ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, v6))
                        : asio::ip::address(v6);
  return asio::ip::tcp::endpoint(address, endpoint.port);
}

PeerEndpoint endpoint_of(const asio::ip::address& address, std::uint16_t port) {
  return PeerEndpoint{to_address16(address), port};
}

PeerAddressRecord record_of(const proto::PeerAddress& peer) {
  // The decoder checked the key and address sizes and the port range.
  PeerAddressRecord record;
  record.key = Pubkey::from_span(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(peer.node_pubkey().data()), 32));
  record.endpoint.address = IpAddress16::from_span(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(peer.address().data()), 16));
  record.endpoint.port = static_cast<std::uint16_t>(peer.port());
  return record;
}

bool is_gossip(MessageType type) {
  return type == MessageType::kProposal || type == MessageType::kVote ||
         type == MessageType::kCommitCertificate || type == MessageType::kTransactionBatch;
}

Hash256 gossip_hash(MessageType type, const google::protobuf::MessageLite& message) {
  std::string bytes(1, static_cast<char>(type));
  message.AppendToString(&bytes);
  return sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::uint64_t violations(const FrameDecoderCounters& counters) {
  std::uint64_t total = 0;
  for (std::size_t v = 0; v < kFrameViolationCount; ++v) {
    total += counters.violation(static_cast<FrameViolation>(v));
  }
  return total;
}

Hash256 hash_of(const std::string& bytes) {
  // The decoder checked the size.
  return Hash256::from_span(ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), 32));
}

template <typename Counts>
std::uint64_t sum(const Counts& counts) {
  std::uint64_t total = 0;
  for (const std::uint64_t count : counts) total += count;
  return total;
}

// How readily an inbound peer of `role` is evicted for room: relays first, validators never.
int eviction_rank(PeerRole role) {
  switch (role) {
    case PeerRole::kRelay:
      return 2;
    case PeerRole::kMasternode:
      return 1;
    case PeerRole::kValidator:
      break;
  }
  return 0;
}

std::uint64_t seed_or_random(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

}  // namespace

std::uint64_t system_now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

PeerManager::PeerManager(asio::io_context& io, const KeyPair& key, const PeerManagerConfig& config,
                         PeerHandler* handler, PeerStore* store)
    : io_(io),
      key_(key),
      config_(config),
      handler_(handler),
      acceptor_(io),
      dial_timer_(io),
      accept_timer_(io),
      tip_timer_(io),
      book_(config.book, seed_or_random(config.rng_seed)),
      bans_(store),
      recent_(config.recent_hashes_max),
      scores_(config.score_memory_max, config.score_decay_per_second) {
  TC_CHECK(handler != nullptr, "PeerManager needs a handler");
  TC_CHECK(config.connection.verify_digest != nullptr, "ConnectionConfig.verify_digest not set");
}

PeerManager::~PeerManager() = default;

Status PeerManager::start() {
  TC_RETURN_IF_ERROR(bans_.load(config_.now_ms()));
  if (config_.listen) {
    asio::error_code error;
    acceptor_.open(config_.listen_endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(config_.listen_endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return config_error("p2p listen endpoint " + config_.listen_endpoint.address().to_string() +
                          ":" + std::to_string(config_.listen_endpoint.port()) + ": " +
                          error.message());
    }
    listen_port_ = acceptor_.local_endpoint().port();
    config_.connection.listen_port = listen_port_;
    accept_next();
  }
  dial_tick();
  return Status::ok();
}

void PeerManager::shutdown() {
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  dial_timer_.cancel();
  accept_timer_.cancel();
  tip_timer_.cancel();
  for (auto& [raw, peer] : peers_) {
    peer.connection->close(proto::DISCONNECT_SHUTTING_DOWN, "node shutting down");
  }
}

void PeerManager::add_seed(const PeerEndpoint& endpoint) {
  book_.add_seed(endpoint);
}

void PeerManager::set_registrations(std::span<const PeerAddressRecord> records) {
  registration_keys_.clear();
  for (const PeerAddressRecord& record : records) registration_keys_.insert(record.key);
  book_.set_registrations(records);
}

void PeerManager::set_validators(std::span<const PeerAddressRecord> records) {
  validator_keys_.clear();
  for (const PeerAddressRecord& record : records) validator_keys_.insert(record.key);
  book_.set_validators(records);
}

std::vector<Pubkey> PeerManager::connected_keys() const {
  std::vector<Pubkey> keys;
  for (const auto& [key, connection] : by_key_) keys.push_back(key);
  return keys;
}

std::string_view peer_role_name(PeerRole role) {
  switch (role) {
    case PeerRole::kValidator:
      return "validator";
    case PeerRole::kMasternode:
      return "masternode";
    case PeerRole::kRelay:
      return "relay";
  }
  return "unknown";
}

PeerRole PeerManager::role_of(const Pubkey& peer) const {
  if (validator_keys_.contains(peer)) return PeerRole::kValidator;
  if (registration_keys_.contains(peer)) return PeerRole::kMasternode;
  return PeerRole::kRelay;
}

double PeerManager::score_now(const Peer& peer, Clock::time_point now) const {
  return decayed_score(peer.score, std::chrono::duration<double>(now - peer.scored_at).count(),
                       config_.score_decay_per_second);
}

std::vector<PeerInfo> PeerManager::peer_infos() const {
  const Clock::time_point now = Clock::now();
  std::vector<PeerInfo> infos;
  infos.reserve(by_key_.size());
  for (const auto& [key, connection] : by_key_) {
    const Peer& peer = peers_.at(connection);
    PeerInfo info;
    info.key = key;
    info.remote = peer.remote;
    info.inbound = peer.inbound;
    info.role = role_of(key);
    info.connected_since_ms = peer.established_at_ms;
    info.score = score_now(peer, now);
    info.tip = peer.tip;
    info.messages_in = sum(connection->decoder_counters().messages_by_type);
    info.bytes_in = connection->decoder_counters().bytes;
    info.messages_out = sum(connection->counters().frames_sent);
    info.bytes_out = connection->counters().bytes_sent;
    infos.push_back(info);
  }
  return infos;
}

std::size_t PeerManager::outbound_count() const {
  std::size_t count = 0;
  for (const PeerEndpoint& endpoint : dialling_) {
    const PeerBook::Entry* entry = book_.find(endpoint);
    if (entry == nullptr || !entry->validator) ++count;
  }
  return count;
}

// ---- Accepting and dialling
// ----------------------------------------------------------------------

void PeerManager::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (stopped_ || error == asio::error::operation_aborted) return;
    if (error) {
      // The listening socket stays readable while the pending connection cannot be taken (no file
      // descriptor left), so accepting again at once would fail again at once, in a loop.
      ++counters_.accept_errors;
      accept_delay_ = accept_delay_.count() == 0 ? config_.accept_retry_initial
                                                 : std::min<std::chrono::milliseconds>(
                                                       accept_delay_ * 2, config_.accept_retry_max);
      accept_timer_.expires_after(accept_delay_);
      accept_timer_.async_wait([this](const asio::error_code& wait_error) {
        if (!wait_error && !stopped_) accept_next();
      });
      return;
    }
    accept_delay_ = std::chrono::milliseconds(0);
    accepted(std::move(socket));
    accept_next();
  });
}

void PeerManager::accepted(asio::ip::tcp::socket socket) {
  asio::error_code remote_error;
  const asio::ip::tcp::endpoint remote = socket.remote_endpoint(remote_error);
  std::size_t pending = 0;
  for (const auto& [raw, peer] : peers_) pending += peer.inbound && !peer.established;
  if (remote_error || pending >= config_.max_pending_inbound) {
    ++counters_.refused_pending;
    socket.close(remote_error);
    return;
  }
  const PeerEndpoint endpoint = endpoint_of(remote.address(), remote.port());
  Result<std::shared_ptr<Connection>> connection =
      Connection::start(std::move(socket), key_, config_.connection, this);
  if (!connection.is_ok()) return;
  Peer& peer = add_connection(std::move(connection).value(), true, endpoint, std::nullopt);
  if (const auto ban = bans_.address_ban(endpoint.address, config_.now_ms())) {
    ++counters_.refused_banned;
    peer.connection->close(proto::DISCONNECT_BANNED,
                           "address banned for " + std::string(ban_cause_name(ban->cause)));
  }
}

void PeerManager::dial_tick() {
  if (stopped_) return;
  const Clock::time_point now = Clock::now();
  const std::uint64_t now_ms = config_.now_ms();
  std::vector<PeerEndpoint> due;
  for (const auto& [endpoint, entry] : book_.entries()) {
    if (entry.next_dial > now || dialling_.contains(endpoint)) continue;
    if (entry.key && (*entry.key == key_.pubkey() || by_key_.contains(*entry.key))) continue;
    if (entry.key && bans_.key_ban(*entry.key, now_ms)) continue;
    if (bans_.address_ban(endpoint.address, now_ms)) continue;
    due.push_back(endpoint);
  }
  for (const PeerEndpoint& endpoint : due) {
    const bool validator = book_.find(endpoint)->validator;
    if (!validator && outbound_count() >= config_.max_outbound) continue;
    dial(endpoint);
  }
  dial_timer_.expires_after(config_.dial_interval);
  dial_timer_.async_wait([this](const asio::error_code& error) {
    if (!error) dial_tick();
  });
}

void PeerManager::dial(const PeerEndpoint& endpoint) {
  dialling_.insert(endpoint);
  book_.dial_started(endpoint);
  ++counters_.dials;
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  socket->async_connect(to_asio(endpoint), [this, socket, endpoint](const asio::error_code& error) {
    if (stopped_) {
      dialling_.erase(endpoint);
      return;
    }
    if (error) {
      dialling_.erase(endpoint);
      ++counters_.dial_failures;
      book_.dial_failed(endpoint, Clock::now(), "connect: " + error.message());
      return;
    }
    Result<std::shared_ptr<Connection>> connection =
        Connection::start(std::move(*socket), key_, config_.connection, this);
    if (!connection.is_ok()) {
      dialling_.erase(endpoint);
      ++counters_.dial_failures;
      book_.dial_failed(endpoint, Clock::now(), std::string(connection.status().message()));
      return;
    }
    add_connection(std::move(connection).value(), false, endpoint, endpoint);
  });
}

PeerManager::Peer& PeerManager::add_connection(std::shared_ptr<Connection> connection, bool inbound,
                                               const PeerEndpoint& remote,
                                               std::optional<PeerEndpoint> dialled) {
  const Clock::time_point now = Clock::now();
  Connection* raw = connection.get();
  Peer peer{std::move(connection),
            inbound,
            remote,
            dialled,
            false,
            false,
            now,
            0,
            TokenBucket(config_.rate_limits.per_peer, now),
            {},
            0,
            now,
            std::nullopt};
  peer.by_type.reserve(config_.rate_limits.per_type.size());
  for (const TokenBucketConfig& limit : config_.rate_limits.per_type) {
    peer.by_type.emplace_back(limit, now);
  }
  return peers_.emplace(raw, std::move(peer)).first->second;
}

// ---- Connection events
// ---------------------------------------------------------------------------

void PeerManager::on_established(Connection& connection) {
  const auto it = peers_.find(&connection);
  TC_CHECK(it != peers_.end(), "established connection unknown to its peer manager");
  Peer& peer = it->second;
  const Pubkey& key = connection.peer_key();
  if (const auto ban = bans_.key_ban(key, config_.now_ms())) {
    ++counters_.refused_banned;
    connection.close(proto::DISCONNECT_BANNED,
                     "key banned for " + std::string(ban_cause_name(ban->cause)));
    return;
  }
  if (peer.dialled) {
    const PeerBook::Entry* entry = book_.find(*peer.dialled);
    if (entry != nullptr && entry->key && *entry->key != key) {
      ++counters_.wrong_key;
      connection.close(proto::DISCONNECT_BAD_HANDSHAKE, "dialled " + endpoint_name(*peer.dialled) +
                                                            " for key " + to_hex(*entry->key) +
                                                            ", the peer proved " + to_hex(key));
      return;
    }
  }
  // A second connection with a key that is connected, and not on its way out, does not add a peer:
  // the duplicate rule closes one of the two.
  const auto existing = by_key_.find(key);
  const bool duplicate = existing != by_key_.end() && peers_.at(existing->second).established;
  if (peer.inbound && !duplicate && !admit_inbound(peer, key)) return;
  if (!resolve_duplicate(peer, key)) return;
  peer.established = true;
  peer.admitted = true;
  by_key_[key] = &connection;
  peer.established_at = Clock::now();
  peer.established_at_ms = config_.now_ms();
  // What this key earned before it reconnected (the duplicate rule may have handed over some).
  peer.score = score_now(peer, peer.established_at) + scores_.take(key, peer.established_at);
  peer.scored_at = peer.established_at;
  if (peer.dialled) book_.dial_succeeded(*peer.dialled, key);
  if (peer.inbound && connection.peer_listen_port() != 0) {
    // What the peer says it listens on, at the address it came from: worth passing on.
    const PeerAddressRecord advertised{
        key, PeerEndpoint{peer.remote.address,
                          static_cast<std::uint16_t>(connection.peer_listen_port())}};
    book_.add_exchanged(std::span(&advertised, 1), 1);
  }
  proto::PeerExchange request;
  request.set_request(true);
  connection.send(request);
  if (own_tip_) send_tip(connection);
  handler_->on_peer_established(key);
}

bool PeerManager::admit_inbound(Peer& peer, const Pubkey& key) {
  const PeerRole role = role_of(key);
  std::size_t inbound = 0;
  std::size_t relays = 0;
  for (const auto& [raw, other] : peers_) {
    if (!other.inbound || !other.established) continue;
    ++inbound;
    relays += role_of(other.connection->peer_key()) == PeerRole::kRelay;
  }
  if (role == PeerRole::kRelay && relays >= config_.max_inbound_relays) {
    ++counters_.refused_relays;
    peer.connection->close(
        proto::DISCONNECT_TOO_MANY_PEERS,
        "at most " + std::to_string(config_.max_inbound_relays) + " inbound relays");
    return false;
  }
  if (inbound < config_.max_inbound) return true;
  // Full: the inbound peer of the lowest role below the arriving one, with the highest score,
  // connected most recently, makes room.
  const Clock::time_point now = Clock::now();
  Peer* victim = nullptr;
  auto worse = [&](const Peer& a, const Peer& b) {
    const int rank_a = eviction_rank(role_of(a.connection->peer_key()));
    const int rank_b = eviction_rank(role_of(b.connection->peer_key()));
    if (rank_a != rank_b) return rank_a > rank_b;
    const double score_a = score_now(a, now);
    const double score_b = score_now(b, now);
    if (score_a != score_b) return score_a > score_b;
    return a.established_at > b.established_at;
  };
  for (auto& [raw, other] : peers_) {
    if (!other.inbound || !other.established) continue;
    if (eviction_rank(role_of(other.connection->peer_key())) <= eviction_rank(role)) continue;
    if (victim == nullptr || worse(other, *victim)) victim = &other;
  }
  if (victim != nullptr) {
    ++counters_.evictions;
    victim->established = false;  // no longer counted, no longer heard; on_closed reports it
    victim->connection->close(proto::DISCONNECT_TOO_MANY_PEERS,
                              "evicted for an arriving " + std::string(peer_role_name(role)));
    return true;
  }
  if (role == PeerRole::kValidator) return true;  // never refused for room
  ++counters_.refused_too_many;
  peer.connection->close(proto::DISCONNECT_TOO_MANY_PEERS,
                         "at most " + std::to_string(config_.max_inbound) + " inbound peers");
  return false;
}

bool PeerManager::resolve_duplicate(Peer& fresh, const Pubkey& key) {
  const auto existing = by_key_.find(key);
  if (existing == by_key_.end()) return true;
  Peer& old = peers_.at(existing->second);
  // Who dialled each: this node for an outbound connection, the peer for an inbound one.
  const Pubkey& fresh_dialler = fresh.inbound ? key : key_.pubkey();
  const Pubkey& old_dialler = old.inbound ? key : key_.pubkey();
  const bool keep_fresh = fresh_dialler == old_dialler ? true : fresh_dialler < old_dialler;
  ++counters_.duplicate_connections;
  if (!keep_fresh) {
    fresh.connection->close(proto::DISCONNECT_DUPLICATE_CONNECTION,
                            "already connected to key " + to_hex(key));
    return false;
  }
  // The old one leaves by_key_ now, so its on_closed neither reports the key as gone nor keeps
  // its score: the fresh one carries both on.
  by_key_.erase(existing);
  const Clock::time_point now = Clock::now();
  fresh.score = score_now(old, now);
  fresh.scored_at = now;
  fresh.tip = old.tip;
  old.established = false;
  old.connection->close(proto::DISCONNECT_DUPLICATE_CONNECTION,
                        "replaced by another connection to key " + to_hex(key));
  return true;
}

void PeerManager::on_message(Connection& connection, MessageType type,
                             const InboundMessages& messages) {
  const auto it = peers_.find(&connection);
  TC_CHECK(it != peers_.end(), "message from a connection unknown to its peer manager");
  Peer& peer = it->second;
  if (!peer.established) return;  // a connection this manager is closing
  const Clock::time_point now = Clock::now();
  const auto index = static_cast<std::uint8_t>(type);
  if (!peer.all.take(now) || !peer.by_type[index].take(now)) {
    ++counters_.rate_limited[index];
    score(peer, config_.rate_limit_score, BanCause::kRateLimit,
          std::string(message_type_name(type)) + " past its rate limit");
    return;
  }
  const Pubkey key = connection.peer_key();
  switch (type) {
    case MessageType::kPing:
    case MessageType::kPong:
      return;
    case MessageType::kPeerExchange:
      handle_exchange(peer, messages.peer_exchange);
      return;
    case MessageType::kTipStatus:
      peer.tip = PeerTip{messages.tip_status.height(), hash_of(messages.tip_status.block_hash())};
      ++counters_.delivered[index];
      handler_->on_peer_tip(key, *peer.tip);
      return;
    default:
      break;
  }
  if (is_gossip(type)) {
    const Hash256 hash = gossip_hash(type, messages.of(type));
    if (recent_.find(hash) != nullptr) {
      ++counters_.duplicates[index];
      return;
    }
    recent_.insert(hash, RecentHashes::Seen{key, false});
  }
  ++counters_.delivered[index];
  handler_->on_message(key, type, messages);
}

void PeerManager::handle_exchange(Peer& peer, const proto::PeerExchange& exchange) {
  const Pubkey requester = peer.connection->peer_key();
  if (exchange.request()) {
    proto::PeerExchange answer;
    // One more than the bound, in case the requester itself is drawn.
    for (const PeerAddressRecord& record : book_.sample(config_.exchange_sample_max + 1)) {
      if (answer.peers_size() == static_cast<int>(config_.exchange_sample_max)) break;
      if (record.key == requester) continue;
      proto::PeerAddress* out = answer.add_peers();
      out->set_node_pubkey(record.key.data(), record.key.size());
      out->set_address(record.endpoint.address.data(), record.endpoint.address.size());
      out->set_port(record.endpoint.port);
    }
    ++counters_.exchange_answered;
    if (answer.peers_size() > 0) peer.connection->send(answer);
    return;
  }
  std::vector<PeerAddressRecord> records;
  for (const proto::PeerAddress& address : exchange.peers()) {
    const PeerAddressRecord record = record_of(address);
    if (record.key != key_.pubkey()) records.push_back(record);
  }
  counters_.exchange_taken += book_.add_exchanged(records, config_.exchange_take_max);
}

void PeerManager::score(Peer& peer, double points, BanCause cause, const std::string& detail) {
  const Clock::time_point now = Clock::now();
  peer.score = score_now(peer, now) + points;
  peer.scored_at = now;
  if (peer.score < config_.ban_score || !peer.connection->established()) return;
  const Pubkey key = peer.connection->peer_key();
  const auto score = static_cast<std::uint32_t>(peer.score);
  ++counters_.bans;
  if (!bans_
           .ban(key, peer.remote.address, config_.now_ms(),
                static_cast<std::uint64_t>(config_.ban_duration.count()), cause, score)
           .is_ok()) {
    ++counters_.ban_store_errors;
  }
  peer.established = false;
  peer.connection->close(proto::DISCONNECT_BANNED, std::string(ban_cause_name(cause)) + ", score " +
                                                       std::to_string(score) + ": " + detail);
}

void PeerManager::report_invalid(const Pubkey& peer, const std::string& detail) {
  const auto it = by_key_.find(peer);
  if (it == by_key_.end()) return;
  ++counters_.invalid_reported;
  score(peers_.at(it->second), config_.invalid_message_score, BanCause::kInvalidMessage, detail);
}

void PeerManager::on_closed(Connection& connection, const Status& why) {
  const auto it = peers_.find(&connection);
  TC_CHECK(it != peers_.end(), "closed connection unknown to its peer manager");
  Peer& peer = it->second;
  const std::string reason(why.message());
  if (connection.established() && violations(connection.decoder_counters()) > 0) {
    score(peer, config_.protocol_violation_score, BanCause::kProtocolViolation, reason);
  }
  if (peer.dialled) {
    dialling_.erase(*peer.dialled);
    if (!stopped_) {
      if (connection.established()) {
        const Clock::time_point now = Clock::now();
        book_.connection_lost(*peer.dialled, now, reason,
                              now - peer.established_at >= config_.book.stable_after);
      } else {
        ++counters_.dial_failures;
        book_.dial_failed(*peer.dialled, Clock::now(), reason);
      }
    }
  }
  std::optional<Pubkey> gone;
  if (connection.established()) {
    const auto by_key = by_key_.find(connection.peer_key());
    if (by_key != by_key_.end() && by_key->second == &connection) {
      gone = by_key->first;
      by_key_.erase(by_key);
    }
  }
  // A peer this manager took keeps its score by key while it is away (a duplicate that lost its
  // key to another connection handed it over instead; one never taken holds none).
  if (gone && peer.admitted) scores_.keep(*gone, score_now(peer, Clock::now()), Clock::now());
  peers_.erase(it);
  if (gone) handler_->on_peer_closed(*gone, why);
}

// ---- Gossip
// ----------------------------------------------------------------------------------------

std::size_t PeerManager::broadcast(MessageType type, const google::protobuf::MessageLite& message,
                                   std::span<const Pubkey> first) {
  const Hash256 hash = gossip_hash(type, message);
  RecentHashes::Seen* seen = recent_.find(hash);
  if (seen == nullptr) seen = &recent_.insert(hash, RecentHashes::Seen{});
  if (seen->sent) {
    ++counters_.gossip_suppressed;
    return 0;
  }
  seen->sent = true;
  const std::optional<Pubkey> from = seen->from;
  std::set<Pubkey> done;
  if (from) done.insert(*from);
  std::size_t sent = 0;
  auto send = [&](const Pubkey& key) {
    if (!done.insert(key).second) return;
    const auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second->send_message(type, message)) ++sent;
  };
  for (const Pubkey& key : first) send(key);
  if (type == MessageType::kTransactionBatch) {
    for (const auto& [key, connection] : by_key_) send(key);
  } else {
    for (const Pubkey& key : validator_keys_) send(key);
  }
  return sent;
}

std::size_t PeerManager::forward_transactions(const proto::TransactionBatch& batch,
                                              std::span<const Pubkey> next_proposers) {
  return broadcast(MessageType::kTransactionBatch, batch, next_proposers);
}

void PeerManager::announce_tip(std::uint64_t height, const Hash256& block_hash) {
  own_tip_ = PeerTip{height, block_hash};
  if (tip_timer_armed_) return;  // it sends the latest tip when it fires
  const Clock::time_point now = Clock::now();
  if (tip_sent_at_ && now - *tip_sent_at_ < config_.tip_announce_interval) {
    tip_timer_armed_ = true;
    tip_timer_.expires_at(*tip_sent_at_ + config_.tip_announce_interval);
    tip_timer_.async_wait([this](const asio::error_code& error) {
      tip_timer_armed_ = false;
      if (!error && !stopped_) send_tip_to_all();
    });
    return;
  }
  send_tip_to_all();
}

void PeerManager::send_tip_to_all() {
  tip_sent_at_ = Clock::now();
  for (const auto& [key, connection] : by_key_) send_tip(*connection);
}

void PeerManager::send_tip(Connection& connection) {
  proto::TipStatus status;
  status.set_height(own_tip_->height);
  status.set_block_hash(own_tip_->block_hash.data(), own_tip_->block_hash.size());
  if (connection.send(status)) ++counters_.tip_announcements;
}

bool PeerManager::send_message_to(const Pubkey& peer, MessageType type,
                                  const google::protobuf::MessageLite& message) {
  const auto it = by_key_.find(peer);
  return it != by_key_.end() && it->second->send_message(type, message);
}

}  // namespace tc::net
