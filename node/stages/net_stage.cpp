#include "node/stages/net_stage.h"

#include <chrono>

#include "core/codec.h"
#include "core/log.h"

namespace tc::node {
namespace {

net::PeerEndpoint peer_endpoint(const asio::ip::tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  const asio::ip::address_v6 v6 =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                      : address.to_v6();
  const auto bytes = v6.to_bytes();
  net::PeerEndpoint out;
  out.address = net::IpAddress16::from_span(ByteSpan(bytes.data(), bytes.size()));
  out.port = endpoint.port();
  return out;
}

}  // namespace

Result<std::vector<net::PeerEndpoint>> resolve_seed_peers(const std::vector<std::string>& seeds) {
  std::vector<net::PeerEndpoint> out;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  for (const std::string& seed : seeds) {
    const std::string where = "net.seed_peers entry \"" + seed + "\"";
    const std::size_t colon = seed.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == seed.size()) {
      return config_error(where + ": expected host:port or [ipv6]:port");
    }
    std::string host = seed.substr(0, colon);
    const std::string port = seed.substr(colon + 1);
    if (host.front() == '[') {
      if (host.back() != ']') return config_error(where + ": unbalanced [ in the address");
      host = host.substr(1, host.size() - 2);
    }
    std::uint32_t port_number = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || port_number > 65'535) {
        return config_error(where + ": port is not a number in 1..65535");
      }
      port_number = port_number * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port_number == 0 || port_number > 65'535) {
      return config_error(where + ": port is not a number in 1..65535");
    }
    asio::error_code error;
    const auto results = resolver.resolve(host, port, error);
    if (error || results.empty()) {
      return config_error(where + ": cannot resolve \"" + host + "\": " + error.message());
    }
    out.push_back(peer_endpoint(results.begin()->endpoint()));
  }
  return out;
}

// Committed blocks and certificates from the store, for peers' block-range requests.
class NetStage::StoreBlockSource final : public net::BlockSource {
 public:
  explicit StoreBlockSource(storage::ChainStore& store) : store_(store) {}
  std::uint64_t tip_height() const override {
    const auto tip = store_.tip();
    return tip ? tip->height : 0;
  }
  Status read_entry(std::uint64_t height, Bytes* block, Bytes* certificate) const override {
    if (height > tip_height()) return not_found("height " + std::to_string(height) + " above tip");
    TC_ASSIGN_OR_RETURN(const Hash256 hash, store_.block_hash_at(height));
    TC_ASSIGN_OR_RETURN(const Block body, store_.block(hash));
    TC_ASSIGN_OR_RETURN(const CommitCertificate cert, store_.certificate_at(height));
    encode(body, block);
    encode(cert, certificate);
    return Status::ok();
  }

 private:
  storage::ChainStore& store_;
};

NetStage::NetStage(const KeyPair& key, const NetStageConfig& config, storage::ChainStore& store,
                   InboundRing& inbound, OutboundRing& outbound, TxRing& to_verify,
                   VerifyResultRing& verify_results, TxRing& forward)
    : key_(key),
      config_(config),
      store_(store),
      inbound_(inbound),
      outbound_(outbound),
      to_verify_(to_verify),
      verify_results_(verify_results),
      forward_(forward),
      peer_store_(&store) {}

NetStage::~NetStage() {
  // Connections still queued in the io_context hold a pointer to the manager: they go first.
  manager_.reset();
}

Status NetStage::init() {
  source_ = std::make_unique<StoreBlockSource>(store_);
  manager_ = std::make_unique<net::PeerManager>(io_, key_, config_.peers, this, &peer_store_);
  if (const auto tip = store_.tip()) manager_->announce_tip(tip->height, tip->hash);
  TC_RETURN_IF_ERROR(manager_->start());
  listen_port_ = manager_->listen_port();
  for (const net::PeerEndpoint& seed : config_.seeds) manager_->add_seed(seed);
  TC_LOG_INFO("p2p listening", {{"address", config_.peers.listen_endpoint.address().to_string()},
                                {"port", listen_port_},
                                {"seeds", config_.seeds.size()}});
  return Status::ok();
}

std::uint32_t NetStage::step(std::uint32_t burst_max) {
  if (io_.stopped()) io_.restart();
  std::uint32_t handled = static_cast<std::uint32_t>(io_.poll());
  for (std::uint32_t i = 0; i < burst_max; ++i) {
    OutboundMessage* message = outbound_.take();
    if (message == nullptr) break;
    send(*message);
    outbound_.release(message);
    ++handled;
  }
  handled += report_rejected_transactions(burst_max);
  handled += forward_admitted_transactions(burst_max);
  return handled;
}

std::uint32_t NetStage::report_rejected_transactions(std::uint32_t burst_max) {
  std::uint32_t handled = 0;
  for (; handled < burst_max && verify_results_.pop(&result_); ++handled) {
    const bool invalid = result_.outcome == VerifyOutcome::kMalformed ||
                         result_.outcome == VerifyOutcome::kBadSignature;
    const BatchOrigin& origin = batch_origins_[result_.origin % kBatchOrigins];
    if (invalid && origin.batch == result_.origin) {
      count(NetOutcome::kTxReported);
      manager_->report_invalid(origin.peer,
                               "transaction: " + std::string(verify_outcome_name(result_.outcome)));
    }
  }
  return handled;
}

std::uint32_t NetStage::forward_admitted_transactions(std::uint32_t burst_max) {
  batch_.clear_transactions();
  std::uint32_t handled = 0;
  for (; handled < burst_max; ++handled) {
    const TxRecord* record = forward_.next();
    if (record == nullptr) break;
    if (record->source != VerifySource::kPeer) {
      const ByteSpan tx = record->transaction();
      batch_.add_transactions(tx.data(), tx.size());
    }
    forward_.release_oldest();
  }
  if (batch_.transactions_size() > 0) {
    manager_->forward_transactions(batch_, next_proposers_);
    outcomes_[static_cast<std::size_t>(NetOutcome::kTxForwarded)] +=
        static_cast<std::uint64_t>(batch_.transactions_size());
  }
  return handled;
}

// The peer manager keeps its own timers on the io_context; only the snapshot is due here.
void NetStage::housekeeping(std::uint64_t now_ns) {
  if (config_.snapshot == nullptr || now_ns < next_snapshot_ns_) return;
  next_snapshot_ns_ = now_ns + kNetworkSnapshotIntervalNs;
  publish_snapshot();
}

void NetStage::publish_snapshot() {
  rpc::NetworkSnapshot snapshot;
  snapshot.p2p_listen_address = config_.peers.listen_endpoint.address().to_string();
  snapshot.p2p_port = listen_port_;
  snapshot.known_peers = manager_->book().entries().size();
  snapshot.banned_peers = manager_->ban_count();
  for (const net::PeerInfo& info : manager_->peer_infos()) {
    rpc::PeerSnapshot& peer = snapshot.peers.emplace_back();
    peer.key = info.key;
    peer.address = net::endpoint_name(info.remote);
    peer.inbound = info.inbound;
    peer.connected_unix_ms = info.connected_since_ms;
    peer.tip_height = info.tip ? info.tip->height : 0;
    peer.bytes_sent = info.bytes_out;
    peer.bytes_received = info.bytes_in;
    peer.misbehaviour_score = static_cast<std::int64_t>(info.score);
  }
  config_.snapshot->publish(std::move(snapshot));
}

void NetStage::fini() {
  manager_->shutdown();
  // Each connection closes within ConnectionConfig::linger; the margin covers the last writes.
  io_.restart();
  io_.run_for(config_.peers.connection.linger + std::chrono::milliseconds(500));
  TC_LOG_INFO("p2p stopped", {{"served", outcome(NetOutcome::kBlocksServed)},
                              {"inbound_full", outcome(NetOutcome::kInboundFull)},
                              {"sent", outcome(NetOutcome::kBroadcast)}});
}

void NetStage::send(const OutboundMessage& message) {
  const auto* data = reinterpret_cast<const char*>(message.bytes.data());
  const std::size_t size = message.bytes.size();
  switch (message.kind) {
    case OutboundKind::kProposal:
      proposal_.set_proposal(data, size);
      send_to_validators(proposal_);
      return;
    case OutboundKind::kVote:
      vote_.set_vote(data, size);
      send_to_validators(vote_);
      return;
    case OutboundKind::kAnnounceTip:
      if (size == 8 + 32) {
        manager_->announce_tip(load_u64_le(message.bytes.data()),
                               Hash256::from_span(ByteSpan(message.bytes.data() + 8, 32)));
      }
      return;
    case OutboundKind::kBlockRangeRequest:
      if (request_.ParseFromArray(data, static_cast<int>(size))) {
        manager_->send_to(message.peer, request_);
      }
      return;
    case OutboundKind::kReportInvalid:
      manager_->report_invalid(message.peer, std::string(data, size));
      return;
    case OutboundKind::kValidators: {
      validators_.clear();
      for (std::size_t at = 0; at + kValidatorRecordBytes <= size; at += kValidatorRecordBytes) {
        const std::uint8_t* record = message.bytes.data() + at;
        net::PeerAddressRecord peer;
        peer.key = Pubkey::from_span(ByteSpan(record, 32));
        peer.endpoint.address = net::IpAddress16::from_span(ByteSpan(record + 32, 16));
        peer.endpoint.port = static_cast<std::uint16_t>(record[48] | (record[49] << 8));
        if (peer.key != key_.pubkey()) validators_.push_back(peer);
      }
      manager_->set_registrations(validators_);
      manager_->set_validators(validators_);
      TC_LOG_INFO("validator set", {{"peers", validators_.size()}});
      return;
    }
    case OutboundKind::kNextProposers:
      next_proposers_.clear();
      for (std::size_t at = 0; at + 32 <= size; at += 32) {
        const Pubkey proposer = Pubkey::from_span(ByteSpan(message.bytes.data() + at, 32));
        if (proposer != key_.pubkey()) next_proposers_.push_back(proposer);
      }
      return;
  }
}

template <typename Message>
void NetStage::send_to_validators(const Message& message) {
  // Not PeerManager::broadcast_to_validators: it sends a message only the first time (gossip
  // suppression), so the engine's retransmission of its own messages, which is what recovers
  // messages sent before a peer connected, would never leave. The engine decides when to re-send.
  for (const net::PeerAddressRecord& validator : validators_) {
    manager_->send_to(validator.key, message);
  }
  count(NetOutcome::kBroadcast);
}

// ---- from peers (io thread) ---------------------------------------------------------------------

void NetStage::on_peer_established(const Pubkey& key) {
  TC_LOG_DEBUG("peer connected", {{"peer", to_hex(key)}});
}

void NetStage::on_peer_closed(const Pubkey& key, const Status& why) {
  TC_LOG_DEBUG("peer closed", {{"peer", to_hex(key)}, {"why", why.to_string()}});
  pass(InboundKind::kPeerClosed, key, std::string());
}

void NetStage::on_peer_tip(const Pubkey& key, const net::PeerTip& tip) {
  std::string height(8, '\0');
  store_u64_le(reinterpret_cast<std::uint8_t*>(height.data()), tip.height);
  pass(InboundKind::kPeerTip, key, height);
}

void NetStage::on_message(const Pubkey& peer, net::MessageType type,
                          const net::InboundMessages& messages) {
  switch (type) {
    case net::MessageType::kProposal:
      if (pass(InboundKind::kProposal, peer, messages.proposal.proposal())) {
        count(NetOutcome::kProposal);
      }
      return;
    case net::MessageType::kVote:
      if (pass(InboundKind::kVote, peer, messages.vote.vote())) count(NetOutcome::kVote);
      return;
    case net::MessageType::kTransactionBatch:
      pass_transactions(peer, messages.transaction_batch);
      return;
    case net::MessageType::kBlockRangeRequest:
      serve_blocks(peer, messages.block_range_request);
      return;
    case net::MessageType::kBlockRangeResponse:
      messages.block_range_response.SerializeToString(&response_bytes_);
      if (pass(InboundKind::kBlockRangeResponse, peer, response_bytes_)) {
        count(NetOutcome::kBlockPage);
      }
      return;
    default:
      count(NetOutcome::kIgnored);
      return;
  }
}

void NetStage::serve_blocks(const Pubkey& peer, const net::proto::BlockRangeRequest& request) {
  response_.Clear();
  const Status status = net::answer_block_range(request, *source_, config_.pages, &response_);
  if (!status.is_ok()) {
    count(NetOutcome::kServeFailed);
    TC_LOG_WARN("block range not served", {{"peer", to_hex(peer)}, {"error", status.to_string()}});
  }
  manager_->send_to(peer, response_);
  count(NetOutcome::kBlocksServed);
}

void NetStage::pass_transactions(const Pubkey& peer, const net::proto::TransactionBatch& batch) {
  if (intake_closed_.load(std::memory_order_acquire)) {
    count(NetOutcome::kIntakeClosed);
    return;
  }
  const std::uint32_t number = next_batch_++;
  batch_origins_[number % kBatchOrigins] = BatchOrigin{number, peer};
  TxRecord header;
  header.source = VerifySource::kPeer;
  header.origin = number;
  for (const std::string& tx : batch.transactions()) {
    if (!to_verify_.push(ByteSpan(reinterpret_cast<const std::uint8_t*>(tx.data()), tx.size()),
                         header)) {
      count(NetOutcome::kTxVerifyFull);
    }
  }
  count(NetOutcome::kTxBatch);
}

bool NetStage::pass(InboundKind kind, const Pubkey& peer, const std::string& bytes) {
  if (intake_closed_.load(std::memory_order_acquire)) {
    count(NetOutcome::kIntakeClosed);
    return false;
  }
  InboundMessage* slot = inbound_.acquire();
  if (slot == nullptr) {
    count(NetOutcome::kInboundFull);
    return false;
  }
  slot->kind = kind;
  slot->peer = peer;
  slot->bytes.assign(bytes.begin(), bytes.end());
  inbound_.publish(slot);
  return true;
}

}  // namespace tc::node
