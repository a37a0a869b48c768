#include "node/stages/consensus_stage.h"

#include <algorithm>
#include <chrono>

#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/masternode_tier.h"
#include "core/stage_loop.h"

namespace tc::node {
namespace {

// Votes handed to the engine in one on_votes call at most (one batch verification).
constexpr std::size_t kVoteBurstMax = 256;

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::chrono::steady_clock::time_point steady_time(std::uint64_t now_ns) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_ns));
}

}  // namespace

ConsensusStage::ConsensusStage(const ConsensusStageConfig& config, ledger::Ledger& ledger,
                               SigningStateFile& signing_state, const KeyPair& key,
                               InboundRing& inbound, OutboundRing& outbound)
    : config_(config),
      ledger_(ledger),
      signing_state_(signing_state),
      key_(key),
      inbound_(inbound),
      outbound_(outbound),
      signer_(key) {}

ConsensusStage::~ConsensusStage() = default;

Status ConsensusStage::init() {
  gpu::BatchVerifierCpuConfig verifier_config;
  verifier_config.batch_size_max = config_.verify_batch_max;
  TC_RETURN_IF_ERROR(verifier_.init(verifier_config).with_context("consensus verifier"));
  TC_ASSIGN_OR_RETURN(const consensus::SignedState persisted, signing_state_.load());
  votes_.reserve(kVoteBurstMax);
  app_ = std::make_unique<LedgerApplication>(
      ledger_, key_.pubkey(), &wall_clock_ms,
      [this](const CommittedBlockInfo& info) { on_commit(info); },
      config_.engine.blocks_per_height_max);
  engine_ = std::make_unique<consensus::Engine>(config_.engine, &signer_, verifier_, *app_, *this);
  const std::uint64_t tip = ledger_.tip()->height;
  committed_height_.store(tip, std::memory_order_relaxed);
  publish_validators(tip + 1);
  publish_next_proposers(tip + 1);
  engine_->start(tip + 1, persisted);
  if (engine_->stopped()) {
    return corruption("consensus engine could not start at height " + std::to_string(tip + 1) +
                      " (no validator set)");
  }
  TC_LOG_INFO("consensus started", {{"height", tip + 1},
                                    {"round", engine_->round()},
                                    {"validators", engine_->validator_set().size()},
                                    {"validator", engine_->self_index().has_value()}});
  return Status::ok();
}

Status ConsensusStage::failure() const {
  return failure_;
}

// ---- the loop -----------------------------------------------------------------------------------

std::uint32_t ConsensusStage::step(std::uint32_t burst_max) {
  if (failed()) return 0;
  std::uint32_t handled = 0;
  while (handled < burst_max) {
    InboundMessage* message = inbound_.take();
    if (message == nullptr) break;
    handle(*message);
    inbound_.release(message);
    ++handled;
  }
  flush_votes();
  const std::uint64_t now = steady_now_ns();
  while (!timers_.empty() && timers_.top().due_ns <= now) {
    const consensus::TimeoutEvent event = timers_.top().event;
    timers_.pop();
    engine_->on_timeout(event);
    count(ConsensusOutcome::kTimeout);
    ++handled;
  }
  check_failure();
  return handled;
}

void ConsensusStage::handle(const InboundMessage& message) {
  if (message.kind != InboundKind::kVote) flush_votes();
  switch (message.kind) {
    case InboundKind::kVote: {
      auto vote = consensus::decode_vote(message.bytes);
      if (!vote.is_ok()) {
        count(ConsensusOutcome::kUndecodable);
        return;
      }
      votes_.push_back(*vote);
      count(ConsensusOutcome::kVote);
      if (votes_.size() == kVoteBurstMax) flush_votes();
      return;
    }
    case InboundKind::kProposal: {
      auto proposal = consensus::decode_proposal(message.bytes);
      if (!proposal.is_ok()) {
        count(ConsensusOutcome::kUndecodable);
        return;
      }
      count(ConsensusOutcome::kProposal);
      note_proposal(proposal->height);
      engine_->on_proposal(*proposal);
      return;
    }
    case InboundKind::kBlockRangeResponse: {
      if (sync_ == nullptr) {
        count(ConsensusOutcome::kStalePage);
        return;
      }
      if (!page_.ParseFromArray(message.bytes.data(), static_cast<int>(message.bytes.size()))) {
        count(ConsensusOutcome::kUndecodable);
        return;
      }
      count(ConsensusOutcome::kBlockPage);
      sync_->on_response(message.peer, page_, steady_time(steady_now_ns()));
      return;
    }
    case InboundKind::kPeerTip: {
      if (message.bytes.size() != 8) {
        count(ConsensusOutcome::kUndecodable);
        return;
      }
      note_peer_height(message.peer, load_u64_le(message.bytes.data()));
      return;
    }
    case InboundKind::kPeerClosed:
      peer_heights_.erase(message.peer);
      if (sync_ != nullptr) sync_->remove_peer(message.peer);
      return;
  }
}

void ConsensusStage::flush_votes() {
  if (votes_.empty()) return;
  engine_->on_votes(votes_);
  votes_.clear();
}

void ConsensusStage::housekeeping(std::uint64_t now_ns) {
  if (failed()) return;
  if (config_.snapshot != nullptr &&
      (engine_->height() != published_height_ || engine_->round() != published_round_ ||
       engine_->step() != published_step_)) {
    publish_snapshot();
  }
  if (sync_ == nullptr) {
    maybe_start_sync(now_ns);
  } else {
    sync_->poll(steady_time(now_ns));
    if (!sync_->failure().is_ok()) {
      TC_LOG_WARN("block sync failed",
                  {{"height", engine_->height()}, {"error", sync_->failure().to_string()}});
      sync_.reset();
      behind_since_ns_ = 0;
    } else if (sync_->done()) {
      TC_LOG_INFO("block sync done", {{"height", engine_->height()},
                                      {"committed", sync_->counters().entries_committed}});
      sync_.reset();
      behind_since_ns_ = 0;
    }
  }
  check_failure();
}

void ConsensusStage::check_failure() {
  if (failed()) return;
  if (!app_->failure().is_ok()) {
    failure_ = app_->failure();
  } else if (engine_->stopped()) {
    failure_ =
        internal_error("consensus engine stopped at height " + std::to_string(engine_->height()));
  } else {
    return;
  }
  TC_LOG_ERROR("consensus failed", {{"error", failure_.to_string()}});
  failed_.store(true, std::memory_order_release);
}

// ---- block sync ---------------------------------------------------------------------------------

void ConsensusStage::note_peer_height(const Pubkey& peer, std::uint64_t height) {
  std::uint64_t& known = peer_heights_[peer];
  if (height > known) known = height;
  if (height >= engine_->height() && behind_since_ns_ == 0) behind_since_ns_ = steady_now_ns();
  if (sync_ != nullptr && height >= sync_->next_height()) sync_->set_peer_height(peer, height);
}

void ConsensusStage::maybe_start_sync(std::uint64_t now_ns) {
  if (behind_since_ns_ == 0) return;
  bool ahead = false;
  for (const auto& [peer, height] : peer_heights_) ahead = ahead || height >= engine_->height();
  if (!ahead) {
    behind_since_ns_ = 0;  // this node committed on its own meanwhile
    return;
  }
  if (now_ns - behind_since_ns_ < config_.sync_grace_ms * 1'000'000) return;
  sync_ = std::make_unique<net::BlockSync>(config_.block_sync, engine_->height(), this, this);
  std::uint64_t target = 0;
  for (const auto& [peer, height] : peer_heights_) {
    if (height < engine_->height()) continue;
    sync_->set_peer_height(peer, height);
    target = std::max(target, height);
  }
  count(ConsensusOutcome::kSyncStarted);
  TC_LOG_INFO("block sync started",
              {{"from", engine_->height()}, {"to", target}, {"peers", sync_->peer_count()}});
  sync_->poll(steady_time(now_ns));
}

Status ConsensusStage::check_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) {
  // Committed by consensus while the page was on its way: commit_entry skips it.
  if (height < engine_->height()) return Status::ok();
  TC_ASSIGN_OR_RETURN(const CommitCertificate decoded, decode_commit_certificate(certificate));
  TC_ASSIGN_OR_RETURN(const auto set, app_->validator_set(height));
  TC_RETURN_IF_ERROR(consensus::verify_certificate(decoded, config_.engine.chain_id, height,
                                                   decoded.block_hash, *set, verifier_));
  return ledger::check_block_binding(block, decoded.block_hash);
}

Status ConsensusStage::commit_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) {
  if (height < engine_->height()) return Status::ok();
  TC_ASSIGN_OR_RETURN(CommitCertificate decoded, decode_commit_certificate(certificate));
  consensus::CommittedBlock committed;
  committed.height = height;
  committed.hash = decoded.block_hash;
  committed.payload.assign(block.begin(), block.end());
  committed.certificate = std::move(decoded);
  engine_->on_committed_block(committed);
  check_failure();
  if (failed()) return failure_;
  if (ledger_.tip()->height != height) {
    return corruption("block sync: block " + std::to_string(height) +
                      " refused: " + app_->last_rejection().to_string());
  }
  count(ConsensusOutcome::kSyncCommitted);
  return Status::ok();
}

bool ConsensusStage::send_request(const Pubkey& peer,
                                  const net::proto::BlockRangeRequest& request) {
  OutboundMessage* slot = outbound_.acquire();
  if (slot == nullptr) {
    count(ConsensusOutcome::kOutboundFull);
    return false;
  }
  request.SerializeToString(&request_bytes_);
  slot->kind = OutboundKind::kBlockRangeRequest;
  slot->peer = peer;
  slot->bytes.assign(request_bytes_.begin(), request_bytes_.end());
  outbound_.publish(slot);
  return true;
}

void ConsensusStage::report_bad_peer(const Pubkey& peer, const Status& why) {
  TC_LOG_WARN("block sync: bad peer", {{"peer", to_hex(peer)}, {"error", why.to_string()}});
  const std::string detail = why.to_string();
  send(OutboundKind::kReportInvalid, peer,
       ByteSpan(reinterpret_cast<const std::uint8_t*>(detail.data()), detail.size()));
}

// ---- engine outputs -----------------------------------------------------------------------------

Status ConsensusStage::persist_signed_state(const consensus::SignedState& state) {
  Status status = signing_state_.store(state);
  if (!status.is_ok() && !failed()) {
    // The signing state refuses every later store: this validator cannot sign again until an
    // operator restarts it, so the node stops.
    failure_ = status.with_context("signing state");
    TC_LOG_ERROR("consensus failed", {{"error", failure_.to_string()}});
    failed_.store(true, std::memory_order_release);
  }
  return status;
}

void ConsensusStage::broadcast_proposal(const consensus::Proposal& proposal) {
  note_proposal(proposal.height);
  scratch_.clear();
  consensus::encode_proposal(proposal, scratch_);
  send(OutboundKind::kProposal, Pubkey{}, scratch_);
}

void ConsensusStage::broadcast_vote(const consensus::Vote& vote) {
  scratch_.clear();
  consensus::encode_vote(vote, scratch_);
  send(OutboundKind::kVote, Pubkey{}, scratch_);
}

void ConsensusStage::schedule_timeout(const consensus::TimeoutEvent& event,
                                      std::uint64_t delay_ms) {
  timers_.push(Timer{steady_now_ns() + delay_ms * 1'000'000, event});
}

void ConsensusStage::report_evidence(const consensus::Evidence& evidence) {
  app_->add_evidence(evidence);
  TC_LOG_WARN("equivocation evidence", {{"validator_index", evidence.validator_index},
                                        {"height", evidence.height},
                                        {"round", evidence.round}});
}

void ConsensusStage::send(OutboundKind kind, const Pubkey& peer, ByteSpan bytes) {
  OutboundMessage* slot = outbound_.acquire();
  if (slot == nullptr) {
    count(ConsensusOutcome::kOutboundFull);
    return;
  }
  slot->kind = kind;
  slot->peer = peer;
  slot->bytes.assign(bytes.begin(), bytes.end());
  outbound_.publish(slot);
}

void ConsensusStage::note_proposal(std::uint64_t height) {
  if (height <= proposal_seen_height_) return;
  proposal_seen_height_ = height;
  proposal_seen_ns_ = steady_now_ns();
}

void ConsensusStage::publish_snapshot() {
  published_height_ = engine_->height();
  published_round_ = engine_->round();
  published_step_ = engine_->step();
  rpc::ConsensusSnapshot snapshot;
  snapshot.height = published_height_;
  snapshot.round = published_round_;
  snapshot.step = published_step_;
  const auto validators = engine_->validator_set().validators();
  snapshot.validators.assign(validators.begin(), validators.end());
  snapshot.last_commit_latency = last_commit_latency_;
  config_.snapshot->publish(std::move(snapshot));
}

void ConsensusStage::on_commit(const CommittedBlockInfo& info) {
  const Block& block = info.executed.block;
  const std::uint64_t height = block.header.height;
  if (proposal_seen_height_ == height) {
    last_commit_latency_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::nanoseconds(steady_now_ns() - proposal_seen_ns_));
  }
  const std::uint64_t now = wall_clock_ms();
  const std::uint64_t stamp = block.header.timestamp_ms;
  // The coinbase and equivocation evidence are not user transactions.
  const std::size_t txs =
      block.transactions.size() - 1 - info.executed.registry_delta.slashed.size();
  TC_LOG_INFO("block committed", {{"height", height},
                                  {"txs", txs},
                                  {"round", info.certificate.round},
                                  {"latency_ms", now > stamp ? now - stamp : 0},
                                  {"hash", to_hex(info.executed.hash)},
                                  {"state", to_hex(block.header.utxo_digest)}});
  committed_height_.store(height, std::memory_order_relaxed);
  scratch_.assign(8, 0);
  store_u64_le(scratch_.data(), height);
  scratch_.insert(scratch_.end(), info.executed.hash.bytes.begin(), info.executed.hash.bytes.end());
  send(OutboundKind::kAnnounceTip, Pubkey{}, scratch_);
  publish_validators(height + 1);
  publish_next_proposers(height + 1);
}

void ConsensusStage::publish_next_proposers(std::uint64_t height) {
  const auto set = app_->validator_set(height);
  if (!set.is_ok() || (*set)->size() == 0) return;  // the engine reports a missing set itself
  scratch_.clear();
  for (std::uint32_t round = 0; round < 2; ++round) {
    const Pubkey& key = (*set)->validator(consensus::proposer_of(**set, height, round)).pubkey;
    if (round > 0 && std::equal(key.bytes.begin(), key.bytes.end(), scratch_.begin())) break;
    scratch_.insert(scratch_.end(), key.bytes.begin(), key.bytes.end());
  }
  send(OutboundKind::kNextProposers, Pubkey{}, scratch_);
}

void ConsensusStage::publish_validators(std::uint64_t height) {
  Bytes records;
  for (const ledger::MasternodeRecord& record : ledger_.registry().active_at(height)) {
    if (tier_rules(record.tier).voting_power == 0 || record.p2p_port == 0) continue;
    records.insert(records.end(), record.consensus_pubkey.bytes.begin(),
                   record.consensus_pubkey.bytes.end());
    records.insert(records.end(), record.p2p_address.bytes.begin(), record.p2p_address.bytes.end());
    records.push_back(static_cast<std::uint8_t>(record.p2p_port));
    records.push_back(static_cast<std::uint8_t>(record.p2p_port >> 8));
  }
  if (records == last_validators_) return;
  last_validators_ = records;
  send(OutboundKind::kValidators, Pubkey{}, records);
}

}  // namespace tc::node
