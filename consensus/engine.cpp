#include "consensus/engine.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <tuple>
#include <utility>

#include "consensus/certificate.h"

namespace tc::consensus {

bool may_sign(const SignedState& state, std::uint64_t height, std::uint32_t round, SignStep step,
              const Hash256& block_hash, std::uint32_t pol_round) {
  if (state.step == SignStep::kNone) return true;
  const auto next = std::make_tuple(height, round, static_cast<std::uint8_t>(step));
  const auto last =
      std::make_tuple(state.height, state.round, static_cast<std::uint8_t>(state.step));
  if (next > last) return true;
  if (next < last) return false;
  return block_hash == state.block_hash &&
         (step != SignStep::kProposal || pol_round == state.pol_round);
}

Engine::Engine(const EngineConfig& config, Signer* signer, SignatureVerifier& verifier,
               Application& application, EngineHost& host)
    : config_(config),
      signer_(signer),
      verifier_(verifier),
      app_(application),
      host_(host),
      next_height_per_validator_(kMaxValidators, 0) {}

bool Engine::load_validator_set() {
  Result<std::shared_ptr<const ValidatorSet>> set = app_.validator_set(height_);
  if (!set.is_ok()) {
    stopped_ = true;
    return false;
  }
  assert(*set != nullptr && "Application::validator_set returned no set");
  if (*set != set_) {
    set_ = std::move(set).value();
    self_.reset();
    if (signer_ != nullptr) self_ = set_->index_of(signer_->pubkey());
  }
  max_round_seen_.assign(set_->size(), 0);
  return true;
}

void Engine::start(std::uint64_t height, const SignedState& persisted) {
  height_ = height;
  if (!load_validator_set()) return;
  signed_ = persisted;
  rounds_.clear();
  blocks_.clear();
  clear_next_height();
  replay_.clear();
  future_power_ = 0;
  std::uint32_t first_round = 0;
  if (persisted.height == height) {
    // Resume the round this validator last signed in, with its locks, so that it neither stalls
    // in rounds the others have left nor forgets a lock (safety rests on honest locks).
    first_round = persisted.round;
    if (signed_.locked_round >= 0) {
      remember_block(signed_.locked_hash, signed_.locked_payload,
                     static_cast<std::uint32_t>(signed_.locked_round), false);
    }
    if (signed_.valid_round >= 0) {
      remember_block(signed_.valid_hash, signed_.valid_payload,
                     static_cast<std::uint32_t>(signed_.valid_round), false);
      for (const Vote& vote : signed_.valid_proof) {
        if (vote.height == height && vote.validator_index < set_->size()) add_verified_vote(vote);
      }
    }
    for (const Vote& vote : signed_.round_proof) {
      if (vote.height == height && vote.validator_index < set_->size()) add_verified_vote(vote);
    }
  } else {
    signed_.locked_round = -1;
    signed_.locked_hash = Hash256{};
    signed_.locked_payload.clear();
    signed_.valid_round = -1;
    signed_.valid_hash = Hash256{};
    signed_.valid_payload.clear();
    signed_.valid_proof.clear();
  }
  round_ = first_round;
  started_ = false;
  host_.schedule_timeout(TimeoutEvent{height, 0, TimeoutStep::kRetransmit},
                         config_.timeouts.retransmit_ms);
  enter_new_round(height, first_round);
  if (persisted.height == height && self_.has_value()) {
    // Resume the steps this validator had taken in its round, and re-send its votes.
    for (const std::optional<Vote>* own : {&persisted.prevote, &persisted.precommit}) {
      if (!own->has_value() || (*own)->round != round_ || (*own)->validator_index != *self_) {
        continue;
      }
      add_verified_vote(**own);
      step_ =
          (*own)->type == VoteType::kPrevote ? std::max(step_, Step::kPrevote) : Step::kPrecommit;
      host_.broadcast_vote(**own);
    }
  }
  run_rules();
}

// ---- step functions ----------------------------------------------------------------------------

void Engine::enter_new_round(std::uint64_t height, std::uint32_t round) {
  // Events: start(); the previous height committed (at once or after commit wait); timeoutPrecommit
  // of round - 1 (line 65); messages of > 1/3 of the power from a later round (line 55).
  if (height != height_ || round < round_ || (round == round_ && started_)) return;
  round_ = round;
  step_ = Step::kPropose;
  started_ = true;
  prevote_wait_ = false;
  precommit_wait_ = false;
  prevote_quorum_seen_ = false;
  future_power_ = 0;
  for (std::uint32_t i = 0; i < set_->size(); ++i)
    if (max_round_seen_[i] > round_) future_power_ += set_->power(i);
  // Entered on timeoutPrecommit (or skipping one round past a precommit quorum), this round is
  // justified by round - 1's precommits; after a longer skip it is by the later messages of > 1/3,
  // which their honest senders justify in turn (the first honest validator to sign in a round
  // entered it on a timeout).
  signed_.round_proof.clear();
  if (auto previous = rounds_.find(round - 1); round > 0 && previous != rounds_.end()) {
    const RoundVoteSet& precommits = previous->second.precommits;
    std::uint64_t power = 0;
    for (std::uint32_t i = 0; i < set_->size() && !quorum(power); ++i) {
      if (const Vote* vote = precommits.vote_of(i)) {
        signed_.round_proof.push_back(*vote);
        power += set_->power(i);
      }
    }
    if (!quorum(power)) signed_.round_proof.clear();
  }

  // Lines 11-21: the proposer proposes its valid value, or a new block; everyone else waits.
  std::optional<Proposal> own;
  if (self_.has_value() && proposer(round) == *self_) own = own_proposal(height, round);
  if (own.has_value()) {
    Proposal& proposal = *own;
    remember_block(proposal.block_hash, proposal.payload, round, true);
    if (!may_sign(signed_, height, round, SignStep::kProposal, proposal.block_hash,
                  proposal.pol_round)) {
      count(Counter::kSignRefused);
    } else {
      SignedState next = signed_;
      if (next.height != height || next.round != round) {
        next.prevote.reset();
        next.precommit.reset();
      }
      next.height = height;
      next.round = round;
      next.step = SignStep::kProposal;
      next.block_hash = proposal.block_hash;
      next.pol_round = proposal.pol_round;
      proposal.sig = signer_->sign(proposal_digest(config_.chain_id, proposal));
      count(Counter::kSigned);
      if (!host_.persist_signed_state(next).is_ok()) {
        count(Counter::kPersistFailed);
      } else {
        signed_ = std::move(next);
        host_.broadcast_proposal(proposal);
        proposal.payload.clear();
        round_data(round).proposal = std::move(proposal);
        send_proof_of_lock(round);
      }
    }
  }
  host_.schedule_timeout(TimeoutEvent{height, round, TimeoutStep::kPropose},
                         config_.timeouts.propose_ms(round));
}

std::optional<Proposal> Engine::own_proposal(std::uint64_t height, std::uint32_t round) {
  Proposal proposal;
  proposal.height = height;
  proposal.round = round;
  proposal.proposer_index = *self_;
  if (signed_.valid_round >= 0) {
    proposal.block_hash = signed_.valid_hash;
    proposal.pol_round = static_cast<std::uint32_t>(signed_.valid_round);
    proposal.payload = signed_.valid_payload;
    return proposal;
  }
  std::optional<BlockCandidate> candidate = app_.build_block(height, round);
  if (!candidate.has_value()) return std::nullopt;
  proposal.block_hash = candidate->hash;
  proposal.payload = std::move(candidate->payload);
  return proposal;
}

void Engine::enter_prevote(std::uint64_t height, std::uint32_t round, const Hash256& block_hash) {
  // Events: the round's proposal without a proof-of-lock round (line 22) or with one whose prevote
  // quorum is here (line 28); timeoutPropose (line 57, block_hash = nil).
  if (height != height_ || round != round_ || !started_ || step_ != Step::kPropose) return;
  step_ = Step::kPrevote;
  sign_and_send_vote(VoteType::kPrevote, block_hash);
}

void Engine::enter_precommit(std::uint64_t height, std::uint32_t round, const Hash256& block_hash) {
  // Events: a prevote quorum for a known valid block (line 36, after locking on it); a prevote
  // quorum for nil (line 44); timeoutPrevote (line 61, block_hash = nil).
  if (height != height_ || round != round_ || !started_ || step_ != Step::kPrevote) return;
  step_ = Step::kPrecommit;
  sign_and_send_vote(VoteType::kPrecommit, block_hash);
}

void Engine::finalize_commit(std::uint64_t height, std::uint32_t round, const Hash256& block_hash,
                             const CommitCertificate* certificate) {
  // Events: precommits of > 2/3 for a known valid block in any round of this height (line 49); a
  // certified block from block sync (on_committed_block).
  if (height != height_) return;
  const KnownBlock* block = known_block(block_hash);
  assert(block != nullptr && "commit of a block that is not known valid");
  Status committed;
  if (certificate != nullptr) {
    committed = app_.commit_block(height, block_hash, block->payload, *certificate);
  } else {
    const std::vector<Vote> precommits = rounds_.at(round).precommits.votes_for(block_hash);
    const CommitCertificate made = make_certificate(height, round, block_hash, precommits, *set_);
    committed = app_.commit_block(height, block_hash, block->payload, made);
  }
  if (!committed.is_ok()) {
    // The application's state no longer follows the decided chain: anything signed from here on
    // would rest on state this node does not have.
    count(Counter::kCommitFailed);
    stopped_ = true;
    return;
  }
  count(Counter::kCommit);

  // Line 54: the next height starts with no locks. Everything kept for this height is pruned.
  rounds_.clear();
  blocks_.clear();
  future_power_ = 0;
  height_ = height + 1;
  // The next height may start a new epoch: its buffered messages are checked against its set.
  if (!load_validator_set()) return;
  round_ = 0;
  step_ = Step::kPropose;
  started_ = false;
  signed_.locked_round = -1;
  signed_.locked_hash = Hash256{};
  signed_.locked_payload.clear();
  signed_.valid_round = -1;
  signed_.valid_hash = Hash256{};
  signed_.valid_payload.clear();
  signed_.valid_proof.clear();
  replay_ = std::move(next_height_);
  clear_next_height();
  // Round 0 starts from the timer even without a commit wait: a validator holding > 2/3 of the
  // power alone would otherwise decide height after height inside this one call, never returning
  // to its host.
  host_.schedule_timeout(TimeoutEvent{height_, 0, TimeoutStep::kCommitWait},
                         config_.timeouts.commit_wait_ms);
}

// ---- rules -------------------------------------------------------------------------------------

void Engine::run_rules() {
  for (;;) {
    if (stopped_) return;
    while (apply_one_rule()) {
    }
    if (replay_.empty()) break;
    std::vector<Buffered> batch = std::move(replay_);
    replay_.clear();
    std::vector<Vote> votes;
    for (const Buffered& message : batch) {
      if (message.is_vote) {
        votes.push_back(message.vote);
      } else {
        accept_proposal(message.proposal);
      }
    }
    accept_votes(votes);
  }
  prune_past_rounds();
}

void Engine::prune_past_rounds() {
  // Kept whatever their age: the rounds whose prevotes a lock, a valid value or a held proposal's
  // proof-of-lock refers to (lines 28-29 and send_proof_of_lock read them).
  const auto pinned = [this](std::uint32_t round) {
    if (std::int64_t{round} == signed_.locked_round || std::int64_t{round} == signed_.valid_round) {
      return true;
    }
    for (auto it = rounds_.lower_bound(round_); it != rounds_.end(); ++it)
      if (it->second.proposal.has_value() && it->second.proposal->pol_round == round) return true;
    return false;
  };
  std::size_t latest = 0;
  for (auto it = std::make_reverse_iterator(rounds_.lower_bound(round_)); it != rounds_.rend();) {
    if (pinned(it->first) || latest++ < config_.past_rounds_max) {
      ++it;
    } else {
      it = std::make_reverse_iterator(rounds_.erase(std::next(it).base()));
    }
  }
}

bool Engine::apply_one_rule() {
  if (!started_ || stopped_) return false;
  const std::uint64_t total = set_->total_power();

  // Line 49: precommits of > 2/3 for a known valid block, in any round, decide the height.
  for (auto& [round, data] : rounds_) {
    const std::optional<Hash256> hash = data.precommits.quorum_block(total, config_.quorum_rule);
    if (hash.has_value() && known_block(*hash) != nullptr) {
      finalize_commit(height_, round, *hash, nullptr);
      return true;
    }
  }

  // Line 55: messages from > 1/3 of the power in later rounds move this validator forward.
  const std::uint32_t skip_to = skip_target_round();
  if (skip_to > round_) {
    count(Counter::kRoundSkip);
    enter_new_round(height_, skip_to);
    return true;
  }

  RoundData& data = round_data(round_);
  if (step_ == Step::kPropose && data.proposal.has_value()) {
    const Proposal& proposal = *data.proposal;
    const bool valid = known_block(proposal.block_hash) != nullptr;
    if (proposal.pol_round == kNoPolRound) {
      // Line 22.
      const bool accept =
          valid && (signed_.locked_round == -1 || signed_.locked_hash == proposal.block_hash ||
                    config_.mutation == EngineMutation::kIgnoreLock);
      enter_prevote(height_, round_, accept ? proposal.block_hash : Hash256{});
      return true;
    }
    auto pol = rounds_.find(proposal.pol_round);
    if (proposal.pol_round < round_ && pol != rounds_.end() &&
        quorum(pol->second.prevotes.power_for(proposal.block_hash))) {
      // Line 28: a proof-of-lock from round vr unlocks a validator locked in a round <= vr.
      const bool accept =
          valid && (signed_.locked_round <= static_cast<std::int64_t>(proposal.pol_round) ||
                    signed_.locked_hash == proposal.block_hash);
      enter_prevote(height_, round_, accept ? proposal.block_hash : Hash256{});
      return true;
    }
  }

  if (step_ == Step::kPrevote && !prevote_wait_ && quorum(data.prevotes.power_any())) {
    // Line 34.
    prevote_wait_ = true;
    host_.schedule_timeout(TimeoutEvent{height_, round_, TimeoutStep::kPrevote},
                           config_.timeouts.prevote_ms(round_));
    return true;
  }

  if (step_ != Step::kPropose && !prevote_quorum_seen_) {
    const std::optional<Hash256> hash = data.prevotes.quorum_block(total, config_.quorum_rule);
    const KnownBlock* block = hash.has_value() ? known_block(*hash) : nullptr;
    if (block != nullptr) {
      // Line 36: lock (if still prevoting) and remember the valid value.
      prevote_quorum_seen_ = true;
      if (step_ == Step::kPrevote) {
        signed_.locked_round = round_;
        signed_.locked_hash = *hash;
        signed_.locked_payload = block->payload;
      }
      signed_.valid_round = round_;
      signed_.valid_hash = *hash;
      signed_.valid_payload = block->payload;
      signed_.valid_proof = data.prevotes.votes_for(*hash);
      enter_precommit(height_, round_, *hash);
      return true;
    }
  }

  if (step_ == Step::kPrevote && quorum(data.prevotes.power_for(Hash256{}))) {
    // Line 44.
    enter_precommit(height_, round_, Hash256{});
    return true;
  }

  if (!precommit_wait_ && quorum(data.precommits.power_any())) {
    // Line 47.
    precommit_wait_ = true;
    host_.schedule_timeout(TimeoutEvent{height_, round_, TimeoutStep::kPrecommit},
                           config_.timeouts.precommit_ms(round_));
    return true;
  }
  return false;
}

std::uint32_t Engine::skip_target_round() const {
  if (!exceeds_one_third(future_power_, set_->total_power())) return round_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ahead;
  for (std::uint32_t i = 0; i < set_->size(); ++i)
    if (max_round_seen_[i] > round_) ahead.emplace_back(max_round_seen_[i], set_->power(i));
  std::sort(ahead.begin(), ahead.end(), std::greater<>());
  std::uint64_t power = 0;
  for (const auto& [round, validator_power] : ahead) {
    power += validator_power;
    // Validators holding > 1/3 of the power have sent messages from `round` or later.
    if (exceeds_one_third(power, set_->total_power())) return round;
  }
  return round_;
}

// ---- inputs ------------------------------------------------------------------------------------

void Engine::on_proposal(const Proposal& proposal) {
  if (stopped_) return;
  accept_proposal(proposal);
  run_rules();
}

void Engine::on_votes(std::span<const Vote> votes) {
  if (stopped_) return;
  accept_votes(votes);
  run_rules();
}

void Engine::on_timeout(const TimeoutEvent& event) {
  if (stopped_) return;
  switch (event.step) {
    case TimeoutStep::kRetransmit:
      retransmit();
      host_.schedule_timeout(event, config_.timeouts.retransmit_ms);
      return;
    case TimeoutStep::kCommitWait:
      enter_new_round(event.height, 0);
      break;
    case TimeoutStep::kPropose:  // line 57
      enter_prevote(event.height, event.round, Hash256{});
      break;
    case TimeoutStep::kPrevote:  // line 61
      enter_precommit(event.height, event.round, Hash256{});
      break;
    case TimeoutStep::kPrecommit:  // line 65
      if (event.height == height_ && event.round == round_) {
        enter_new_round(event.height, event.round + 1);
      }
      break;
  }
  run_rules();
}

void Engine::on_committed_block(const CommittedBlock& block) {
  if (stopped_ || block.height != height_) return;
  count(Counter::kSignatureVerified, block.certificate.signatures.size());
  const Status status = verify_certificate(block.certificate, config_.chain_id, height_, block.hash,
                                           *set_, verifier_, config_.quorum_rule);
  if (!status.is_ok()) {
    count(Counter::kCatchUpRejected);
    return;
  }
  if (known_block(block.hash) == nullptr) {
    if (!app_.payload_binds(block.hash, block.payload) ||
        !app_.validate_block(height_, block.hash, block.payload, BlockOrigin::kCertified)) {
      count(Counter::kCatchUpRejected);
      return;
    }
    blocks_.push_back(KnownBlock{block.hash, block.payload, block.certificate.round});
  }
  count(Counter::kCatchUpCommit);
  finalize_commit(height_, block.certificate.round, block.hash, &block.certificate);
  run_rules();
}

void Engine::accept_proposal(const Proposal& proposal) {
  if (!for_current_height(proposal)) return;
  if (proposal.proposer_index >= set_->size()) {
    count(Counter::kProposalWrongProposer);
    return;
  }
  if (proposal.round > round_ + config_.future_round_window) {
    count(Counter::kMessageFuture);
    return;
  }
  if (proposal.pol_round != kNoPolRound && proposal.pol_round >= proposal.round) {
    count(Counter::kProposalMalformed);
    return;
  }
  if (proposer(proposal.round) != proposal.proposer_index) {
    count(Counter::kProposalWrongProposer);
    return;
  }
  RoundData& data = round_data(proposal.round);
  if (data.proposal.has_value() && data.proposal->block_hash == proposal.block_hash &&
      data.proposal->pol_round == proposal.pol_round) {
    count(Counter::kProposalDuplicate);
    // The signed fields were verified before; a block refused or evicted for room is taken from
    // the retransmission, if its payload is the block.
    if (!data.proposal_invalid && known_block(proposal.block_hash) == nullptr) {
      if (!app_.payload_binds(proposal.block_hash, proposal.payload)) {
        count(Counter::kProposalUnbound);
        return;
      }
      remember_block(proposal.block_hash, proposal.payload, proposal.round, false);
    }
    return;
  }
  const SignedDigest item{set_->validator(proposal.proposer_index).pubkey,
                          proposal_digest(config_.chain_id, proposal), proposal.sig};
  std::uint8_t valid = 0;
  verifier_.verify_batch(std::span<const SignedDigest>(&item, 1),
                         std::span<std::uint8_t>(&valid, 1));
  count(Counter::kSignatureVerified);
  if (valid == 0) {
    count(Counter::kProposalBadSignature);
    return;
  }
  note_round_seen(proposal.proposer_index, proposal.round);
  // When the proposer signed this hash but someone altered the payload, nothing about the block is
  // recorded, so that the genuine copy is accepted in full when it arrives.
  const bool binds = app_.payload_binds(proposal.block_hash, proposal.payload);
  if (!binds) count(Counter::kProposalUnbound);
  if (data.proposal.has_value()) {
    // The proposer signed two proposals for one round (evidence needs no payload). The first stays
    // the round's proposal; the second block is kept so that a commit for it can still be applied.
    if (binds) remember_block(proposal.block_hash, proposal.payload, proposal.round, false);
    count(Counter::kProposalConflict);
    if (!data.proposal_evidence_reported) {
      data.proposal_evidence_reported = true;
      host_.report_evidence(Evidence{proposal.proposer_index, proposal.height, proposal.round,
                                     SignStep::kProposal, data.proposal->block_hash,
                                     data.proposal->pol_round, data.proposal->sig,
                                     proposal.block_hash, proposal.pol_round, proposal.sig});
    }
    return;
  }
  if (!binds) return;
  const bool block_valid =
      remember_block(proposal.block_hash, proposal.payload, proposal.round, false);
  count(Counter::kProposalAccepted);
  data.proposal_invalid = !block_valid;
  Proposal stored = proposal;
  stored.payload.clear();
  data.proposal = std::move(stored);
}

void Engine::accept_votes(std::span<const Vote> votes) {
  std::vector<Vote> pending;
  std::vector<SignedDigest> items;
  pending.reserve(votes.size());
  items.reserve(votes.size());
  for (const Vote& vote : votes) {
    // Cheap checks first: type, height, range, round window, duplicates. Only survivors are
    // verified. The range is that of the vote's height's set, so it follows the height check.
    if (vote.type != VoteType::kPrevote && vote.type != VoteType::kPrecommit) {
      count(Counter::kVoteUnknownValidator);
      continue;
    }
    if (!for_current_height(vote)) continue;
    if (vote.validator_index >= set_->size()) {
      count(Counter::kVoteUnknownValidator);
      continue;
    }
    if (vote.round > round_ + config_.future_round_window) {
      if (vote.round <= max_round_seen_[vote.validator_index]) {
        count(Counter::kMessageFuture);
        continue;
      }
    } else if (auto it = rounds_.find(vote.round); it != rounds_.end()) {
      const RoundVoteSet& set =
          vote.type == VoteType::kPrevote ? it->second.prevotes : it->second.precommits;
      const Vote* existing = set.vote_of(vote.validator_index);
      if (existing != nullptr && existing->block_hash == vote.block_hash) {
        count(Counter::kVoteDuplicate);
        continue;
      }
    }
    pending.push_back(vote);
    items.push_back(SignedDigest{set_->validator(vote.validator_index).pubkey,
                                 vote_digest(config_.chain_id, vote), vote.sig});
  }
  if (items.empty()) return;
  std::vector<std::uint8_t> valid(items.size(), 0);
  verifier_.verify_batch(items, valid);
  count(Counter::kSignatureVerified, items.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const Vote& vote = pending[i];
    if (valid[i] == 0) {
      count(Counter::kVoteBadSignature);
      continue;
    }
    note_round_seen(vote.validator_index, vote.round);
    if (vote.round > round_ + config_.future_round_window) {
      count(Counter::kMessageFuture);
      continue;
    }
    add_verified_vote(vote);
  }
}

bool Engine::add_verified_vote(const Vote& vote) {
  RoundData& data = round_data(vote.round);
  RoundVoteSet& set = vote.type == VoteType::kPrevote ? data.prevotes : data.precommits;
  const Vote* first = nullptr;
  // Conflicting votes count only for nil and blocks known at the time: that bounds what an
  // equivocator can make this engine store per round by the block bounds.
  const bool count_conflicting = vote.is_nil() || known_block(vote.block_hash) != nullptr;
  switch (set.add(vote, set_->power(vote.validator_index), count_conflicting, &first)) {
    case RoundVoteSet::AddResult::kAdded:
      count(Counter::kVoteAccepted);
      return true;
    case RoundVoteSet::AddResult::kDuplicate:
      count(Counter::kVoteDuplicate);
      return false;
    case RoundVoteSet::AddResult::kConflict:
      count(Counter::kVoteConflict);
      if (set.mark_evidence_reported(vote.validator_index)) {
        host_.report_evidence(Evidence{vote.validator_index, vote.height, vote.round,
                                       sign_step_of(vote.type), first->block_hash, kNoPolRound,
                                       first->sig, vote.block_hash, kNoPolRound, vote.sig});
      }
      return false;
  }
  return false;
}

void Engine::note_round_seen(std::uint32_t validator_index, std::uint32_t round) {
  std::uint32_t& seen = max_round_seen_[validator_index];
  if (round <= seen) return;
  if (seen <= round_ && round > round_) future_power_ += set_->power(validator_index);
  seen = round;
}

template <typename Message>
bool Engine::for_current_height(const Message& message) {
  if (message.height < height_) {
    count(Counter::kMessageStale);
    return false;
  }
  if (message.height == height_ + 1) {
    buffer_next_height(message);
    return false;
  }
  if (message.height > height_ + 1) {
    count(Counter::kMessageFuture);
    return false;
  }
  return true;
}

void Engine::buffer_next_height(const Vote& vote) {
  buffer_next_height(Buffered{true, vote, Proposal{}}, vote.validator_index, sizeof(Buffered));
}

void Engine::buffer_next_height(const Proposal& proposal) {
  // An altered payload must not take the one slot of its (proposer, round) from the genuine one.
  if (!app_.payload_binds(proposal.block_hash, proposal.payload)) {
    count(Counter::kProposalUnbound);
    return;
  }
  // One proposal per (proposer, round): an equivocator's variants wait for the height itself.
  if (!next_height_proposals_.emplace(proposal.proposer_index, proposal.round).second) {
    count(Counter::kNextHeightDropped);
    return;
  }
  if (!buffer_next_height(Buffered{false, Vote{}, proposal}, proposal.proposer_index,
                          sizeof(Buffered) + proposal.payload.size())) {
    next_height_proposals_.erase({proposal.proposer_index, proposal.round});  // a resend may fit
  }
}

bool Engine::buffer_next_height(Buffered message, std::uint32_t signer, std::size_t bytes) {
  // The signature is not checked yet, so a forger can fill a victim's per-index quota; the
  // victim's retransmissions after the commit recover its messages.
  if (signer >= next_height_per_validator_.size() ||
      next_height_.size() >= config_.next_height_buffer_max ||
      next_height_bytes_ + bytes > config_.next_height_buffer_bytes_max ||
      next_height_per_validator_[signer] >= config_.next_height_per_validator_max) {
    count(Counter::kNextHeightDropped);
    return false;
  }
  count(Counter::kNextHeightBuffered);
  next_height_bytes_ += bytes;
  ++next_height_per_validator_[signer];
  next_height_.push_back(std::move(message));
  return true;
}

void Engine::clear_next_height() {
  next_height_.clear();
  next_height_bytes_ = 0;
  std::fill(next_height_per_validator_.begin(), next_height_per_validator_.end(), 0);
  next_height_proposals_.clear();
}

Engine::RoundData& Engine::round_data(std::uint32_t round) {
  return rounds_.try_emplace(round, height_, round, set_->size()).first->second;
}

const Engine::KnownBlock* Engine::known_block(const Hash256& hash) const {
  for (const KnownBlock& block : blocks_)
    if (block.hash == hash) return &block;
  return nullptr;
}

bool Engine::remember_block(const Hash256& hash, ByteSpan payload, std::uint32_t round,
                            bool trusted) {
  for (KnownBlock& block : blocks_) {
    if (block.hash == hash) {
      block.round = std::max(block.round, round);
      return true;
    }
  }
  // Bounds first, so that a block refused for room costs no validation.
  std::size_t in_round = 0;
  for (const KnownBlock& block : blocks_) in_round += block.round == round ? 1 : 0;
  if (!trusted && in_round >= config_.blocks_per_round_max) {
    count(Counter::kBlockRefused);
    return true;
  }
  const bool full = blocks_.size() >= config_.blocks_per_height_max;
  const std::size_t victim = full ? eviction_victim(round) : blocks_.size();
  if (full && victim == blocks_.size() && !trusted) {
    count(Counter::kBlockRefused);
    return true;
  }
  if (!trusted && config_.mutation != EngineMutation::kSkipValidation &&
      !app_.validate_block(height_, hash, payload, BlockOrigin::kProposal)) {
    count(Counter::kProposalInvalidBlock);
    return false;
  }
  if (victim != blocks_.size()) {
    count(Counter::kBlockEvicted);
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(victim));
  }
  blocks_.push_back(KnownBlock{hash, Bytes(payload.begin(), payload.end()), round});
  return true;
}

std::size_t Engine::eviction_victim(std::uint32_t round) const {
  // Rank by how soon a block can matter: the current round first, then later rounds (nearest
  // first), then earlier rounds (latest first). The locked and valid blocks are never evicted;
  // neither is anything ranked at or above the incoming block.
  const auto rank = [this](std::uint32_t r) -> std::uint64_t {
    return r >= round_ ? r - round_ : (std::uint64_t{1} << 32) + (round_ - r);
  };
  std::size_t victim = blocks_.size();
  std::uint64_t worst = rank(round);
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    const KnownBlock& block = blocks_[i];
    if ((signed_.locked_round >= 0 && block.hash == signed_.locked_hash) ||
        (signed_.valid_round >= 0 && block.hash == signed_.valid_hash)) {
      continue;
    }
    if (rank(block.round) > worst) {
      worst = rank(block.round);
      victim = i;
    }
  }
  return victim;
}

void Engine::sign_and_send_vote(VoteType type, const Hash256& block_hash) {
  if (!self_.has_value()) return;
  const SignStep step = sign_step_of(type);
  if (!may_sign(signed_, height_, round_, step, block_hash)) {
    count(Counter::kSignRefused);
    return;
  }
  Vote vote{height_, round_, type, *self_, block_hash, Signature{}};
  vote.sig = signer_->sign(vote_digest(config_.chain_id, vote));
  count(Counter::kSigned);
  SignedState next = signed_;
  if (next.height != height_ || next.round != round_) {
    next.prevote.reset();
    next.precommit.reset();
  }
  next.height = height_;
  next.round = round_;
  next.step = step;
  next.block_hash = block_hash;
  next.pol_round = kNoPolRound;
  (type == VoteType::kPrevote ? next.prevote : next.precommit) = vote;
  if (!host_.persist_signed_state(next).is_ok()) {
    count(Counter::kPersistFailed);
    return;
  }
  signed_ = std::move(next);
  add_verified_vote(vote);
  host_.broadcast_vote(vote);
}

void Engine::retransmit() {
  // When the round state has not moved for a whole period, also relay every vote held for this
  // round and the precommits of the previous one: the gossip property the protocol assumes (what
  // one honest validator received, all eventually receive), limited to the messages that justify
  // this validator's round, so validators left behind can follow it.
  const auto position = std::make_tuple(height_, round_, step_);
  const bool stalled = retransmit_position_ == position;
  retransmit_position_ = position;
  if (!started_) return;
  if (stalled) {
    // The previous round is the nearest earlier one held: after a round skip or a restart in a
    // later round, round - 1 may have no state at all.
    auto relay = rounds_.lower_bound(round_);
    if (relay != rounds_.begin()) --relay;
    for (; relay != rounds_.end() && relay->first <= round_; ++relay) {
      for (std::uint32_t i = 0; i < set_->size(); ++i) {
        if (relay->first == round_) {
          if (self_ == i) continue;  // sent below
          if (const Vote* vote = relay->second.prevotes.vote_of(i)) host_.broadcast_vote(*vote);
        }
        if (const Vote* vote = relay->second.precommits.vote_of(i)) host_.broadcast_vote(*vote);
      }
    }
  }
  if (!self_.has_value()) return;
  auto it = rounds_.find(round_);
  if (it == rounds_.end()) return;
  const RoundData& data = it->second;
  if (data.proposal.has_value() && data.proposal->proposer_index == *self_) {
    if (const KnownBlock* block = known_block(data.proposal->block_hash)) {
      Proposal proposal = *data.proposal;
      proposal.payload = block->payload;
      host_.broadcast_proposal(proposal);
    }
  }
  send_proof_of_lock(round_);
  if (const Vote* prevote = data.prevotes.vote_of(*self_)) host_.broadcast_vote(*prevote);
  if (const Vote* precommit = data.precommits.vote_of(*self_)) host_.broadcast_vote(*precommit);
}

void Engine::send_proof_of_lock(std::uint32_t round) {
  auto it = rounds_.find(round);
  if (it == rounds_.end() || !it->second.proposal.has_value()) return;
  const Proposal& proposal = *it->second.proposal;
  if (proposal.proposer_index != self_ || proposal.pol_round == kNoPolRound) return;
  auto pol = rounds_.find(proposal.pol_round);
  if (pol == rounds_.end()) return;
  for (const Vote& vote : pol->second.prevotes.votes_for(proposal.block_hash)) {
    host_.broadcast_vote(vote);
  }
}

}  // namespace tc::consensus
