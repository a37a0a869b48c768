// The BFT consensus engine: Tendermint's propose / prevote / precommit with locking ("The latest
// gossip on BFT consensus", Buchman, Kwon, Milosevic 2018, Algorithm 1), as a deterministic state
// machine.
//
// Inputs are proposals, vote bursts, timer expiries and committed blocks from block sync; outputs
// go through an EngineHost it is given (broadcast, schedule a timeout, persist signed state, report
// evidence) and an Application (build, validate and commit blocks). There
// are no threads, clocks or sockets inside, so the node's consensus stage and the simulator
// (consensus/sim/) run the same code. One owner thread calls every method; the engine never calls
// back into itself from a host or application callback, and callbacks must not call into the
// engine. Protocol, quorum and persistence rules: docs/consensus.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "consensus/crypto.h"
#include "consensus/messages.h"
#include "consensus/validator_set.h"
#include "consensus/vote_set.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::consensus {

// Round timeouts grow linearly with the round (view change): step(r) = base + r * delta.
struct TimeoutConfig {
  std::uint64_t propose_base_ms = 1000;
  std::uint64_t propose_delta_ms = 500;
  std::uint64_t prevote_base_ms = 500;
  std::uint64_t prevote_delta_ms = 250;
  std::uint64_t precommit_base_ms = 500;
  std::uint64_t precommit_delta_ms = 250;
  // Pause between a commit and round 0 of the next height (the block interval); 0 starts it as soon
  // as the host hands the timer back.
  std::uint64_t commit_wait_ms = 0;
  // Period of re-sending this validator's own signed messages of the current round (and, when its
  // round state has not moved for a period, relaying the votes that justify it), which recovers
  // messages lost before the network stabilised.
  std::uint64_t retransmit_ms = 1000;

  std::uint64_t propose_ms(std::uint32_t round) const {
    return propose_base_ms + round * propose_delta_ms;
  }
  std::uint64_t prevote_ms(std::uint32_t round) const {
    return prevote_base_ms + round * prevote_delta_ms;
  }
  std::uint64_t precommit_ms(std::uint32_t round) const {
    return precommit_base_ms + round * precommit_delta_ms;
  }
};

// A deliberately broken rule for mutation tests (EngineConfig::mutation).
enum class EngineMutation : std::uint8_t {
  kNone,
  kIgnoreLock,      // line 22 accepts any valid block: a locked validator prevotes another
  kSkipValidation,  // every bound block counts as valid without asking the application
};

struct EngineConfig {
  std::uint32_t chain_id = 0;
  TimeoutConfig timeouts;
  // Votes and proposals are stored for rounds up to round + this; later ones only count for the
  // round-skip rule (their sender's highest round), which bounds memory against Byzantine rounds.
  std::uint32_t future_round_window = 16;
  // Messages for height + 1 are held (unverified) until this height commits, within these bounds:
  // messages, bytes (payloads included), messages per signing validator index, and one proposal
  // per (proposer, round). The rest is dropped and counted; retransmission recovers it.
  std::size_t next_height_buffer_max = 8192;
  std::size_t next_height_buffer_bytes_max = 2 * std::size_t{kMaxProposalPayloadBytes};
  std::size_t next_height_per_validator_max = 8;
  // Distinct valid blocks (payloads) held for the current height, and per round (the round's
  // proposal plus one equivocating variant, so that a commit for the other block of an equivocator
  // can still be applied). When the height's bound is reached, blocks of rounds below the current
  // one that are neither the locked nor the valid block are evicted, oldest round first, then
  // those of the furthest future rounds. The current round's blocks and the locked and valid
  // blocks are never evicted; this validator's own proposal is never refused.
  std::size_t blocks_per_height_max = 16;
  std::size_t blocks_per_round_max = 2;
  // Vote sets kept for rounds below the current one, after each input: the latest this many held,
  // and those of the locked and valid rounds and of the proof-of-lock rounds of the proposals held.
  // The others are dropped, so that rounds at one height cannot grow memory without bound; a quorum
  // in a dropped round can then only form from votes that arrive together, and liveness rests on
  // the later rounds (a decided block's precommitters are locked on it) and on block sync.
  std::size_t past_rounds_max = 4;
  // The "> 2/3" rule. Only tests change it (tests/consensus/simulation_test.cpp injects a broken
  // rule to prove the simulator finds the resulting safety violation).
  QuorumRule quorum_rule = is_quorum;
  // Tests only: one rule broken on purpose, so that tests/consensus/simulation_test.cpp can prove
  // the simulator's checkers catch it. Never set outside tests.
  EngineMutation mutation = EngineMutation::kNone;
};

enum class TimeoutStep : std::uint8_t { kPropose, kPrevote, kPrecommit, kCommitWait, kRetransmit };

// A timer the engine asked for; the host hands it back through on_timeout when it expires. Timers
// are never cancelled: a stale one is recognised and ignored.
struct TimeoutEvent {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  TimeoutStep step = TimeoutStep::kPropose;
  friend bool operator==(const TimeoutEvent&, const TimeoutEvent&) = default;
};

// What this validator signed last, its own votes of that round, what justifies that round, and its
// locks. The engine hands it to the host after making a signature and before sending it, and sends
// only if the host persisted it; at restart it is handed back to start(). With it a restarted
// validator never signs two conflicting messages, keeps its lock, and can re-send the votes it had
// cast (without them a restarted validator could leave a round one vote short of every quorum for
// good).
struct SignedState {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  SignStep step = SignStep::kNone;
  Hash256 block_hash;
  std::uint32_t pol_round = kNoPolRound;  // of the last signed proposal
  std::optional<Vote> prevote;            // this validator's votes of (height, round), if cast
  std::optional<Vote> precommit;
  std::int64_t locked_round = -1;
  Hash256 locked_hash;
  Bytes locked_payload;
  std::int64_t valid_round = -1;
  Hash256 valid_hash;
  Bytes valid_payload;
  // The prevote quorum for valid_hash in valid_round: the proof-of-lock a re-proposal carries.
  std::vector<Vote> valid_proof;
  // Precommits (any values) of > 2/3 of the power from round - 1, when this validator holds them:
  // what justifies its round. Relayed when it stalls, they move validators still in an earlier
  // round to `round` (lines 47 and 65). Tendermint's liveness assumes that every honest message is
  // eventually delivered; without these a validator that crashed after entering `round` could
  // leave the others waiting in round - 1 for precommits lost in a partition that nobody re-sends.
  std::vector<Vote> round_proof;
};

// Whether signing (height, round, step, block_hash[, pol_round]) after `state` can never conflict:
// it is later than the last signed (height, round, step), or is that very message again.
bool may_sign(const SignedState& state, std::uint64_t height, std::uint32_t round, SignStep step,
              const Hash256& block_hash, std::uint32_t pol_round = kNoPolRound);

struct BlockCandidate {
  Hash256 hash;
  Bytes payload;
};

// Where a block handed to Application::validate_block comes from.
enum class BlockOrigin : std::uint8_t {
  // A proposal for the current height: every rule applies, those that read this node's clock too.
  kProposal,
  // From block sync, with a verified > 2/3 certificate: the network has decided it, so a rule that
  // depends on this node's clock (a lagging node's clock says nothing about the block) must not
  // refuse it.
  kCertified,
};

// What the ledger implements. Calls are synchronous, from the engine's thread.
class Application {
 public:
  virtual ~Application() = default;
  // The validator set whose votes decide `height`: the engine asks when it enters a height (start,
  // and after each commit, before replaying messages buffered for the new height), for at most the
  // last committed height + 1. Sets change only at epoch boundaries, so the application may return
  // the same object for every height of an epoch. An error (the application cannot name the set,
  // so its state is broken) stops the engine (Engine::stopped()).
  virtual Result<std::shared_ptr<const ValidatorSet>> validator_set(std::uint64_t height) = 0;
  // A new block for (height, round) that this validator proposes, or nullopt when there is nothing
  // to propose (the application cannot build a block now). Then the engine proposes nothing in
  // this round and, like every other validator, prevotes nil at timeoutPropose.
  virtual std::optional<BlockCandidate> build_block(std::uint64_t height, std::uint32_t round) = 0;
  // Whether `payload` is exactly the block that `hash` names: a stateless check of the bytes alone
  // (for the ledger, the header hashes to `hash` and its roots cover every transaction byte,
  // signatures included). A proposal is signed over the hash, not the payload, so anyone relaying
  // it can swap the payload; a payload that does not bind says nothing about the block named by
  // the hash, and the engine drops the message that carried it without recording anything, so the
  // genuine payload is still accepted when it arrives. Called before validate_block and before a
  // next-height proposal is buffered.
  virtual bool payload_binds(const Hash256& hash, ByteSpan payload) = 0;
  // Whether the block `hash`, whose payload binds, is valid at `height`. Since the hash fixes every
  // byte, validity is a property of the hash: the engine asks once per distinct hash per height,
  // again only for a block it evicted under its memory bound (EngineConfig::blocks_per_height_max)
  // and is sent once more, and a proposal whose block is invalid makes the round's proposal
  // invalid for good.
  virtual bool validate_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                              BlockOrigin origin) = 0;
  // The block is final. Called once per height, in height order, with its > 2/3 certificate. An
  // error (the block could not be made durable, or the application's state no longer follows
  // consensus) stops the engine (Engine::stopped()): it signs nothing more, and the node must stop.
  virtual Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                              const CommitCertificate& certificate) = 0;
};

// The engine's outputs.
class EngineHost {
 public:
  virtual ~EngineHost() = default;
  // Makes `state` durable. Called after every signature and before the message leaves; on error
  // the engine drops the message (a signature never sent cannot conflict with anything).
  virtual Status persist_signed_state(const SignedState& state) = 0;
  virtual void broadcast_proposal(const Proposal& proposal) = 0;
  // Sends a vote to every validator: this validator's own, or another's that it relays (the
  // prevotes justifying its proposal's pol_round).
  virtual void broadcast_vote(const Vote& vote) = 0;
  virtual void schedule_timeout(const TimeoutEvent& event, std::uint64_t delay_ms) = 0;
  virtual void report_evidence(const Evidence& evidence) = 0;
};

// A block with its certificate, from block sync, for a height this engine has not yet decided.
// Block sync (net/ in the node, the simulator's network) finds lagging peers from the height every
// message's sender reports, and sends them the blocks they lack; the engine only checks them.
struct CommittedBlock {
  std::uint64_t height = 0;
  Hash256 hash;
  Bytes payload;
  CommitCertificate certificate;
};

enum class Counter : std::uint8_t {
  kProposalAccepted,
  kProposalDuplicate,
  kProposalWrongProposer,
  kProposalBadSignature,
  kProposalMalformed,  // pol_round >= round
  kProposalUnbound,    // its payload is not the block its hash names (altered in transit)
  kProposalInvalidBlock,
  kProposalConflict,  // proposer equivocation: evidence reported
  kVoteAccepted,
  kVoteDuplicate,
  kVoteConflict,  // double vote: evidence reported
  kVoteBadSignature,
  kVoteUnknownValidator,
  kMessageStale,   // for a height already decided
  kMessageFuture,  // beyond height + 1 or beyond the round window
  kNextHeightBuffered,
  kNextHeightDropped,  // beyond a next-height buffer bound (count, bytes, per validator, proposal)
  kBlockRefused,       // a valid-looking block not stored: its round or the height is full
  kBlockEvicted,       // a stored block dropped to make room (an old or far-future round)
  kSignatureVerified,  // signatures checked through the verifier
  kSigned,
  kSignRefused,  // the restart guard refused a signature
  kPersistFailed,
  kRoundSkip,
  kCommit,
  kCommitFailed,  // the application refused a decided block: the engine stopped
  kCatchUpCommit,
  kCatchUpRejected,
  kCount
};

struct EngineMetrics {
  std::array<std::uint64_t, static_cast<std::size_t>(Counter::kCount)> counters{};
  std::uint64_t get(Counter c) const { return counters[static_cast<std::size_t>(c)]; }
};

// Tendermint's step_p.
enum class Step : std::uint8_t { kPropose, kPrevote, kPrecommit };

class Engine {
 public:
  // The validator set of each height comes from Application::validator_set. `signer` may be null
  // for a non-validator; a signer whose key is not in a height's set follows and commits that
  // height but signs nothing in it, and signs from the first height whose set holds its key. The
  // references must outlive the engine.
  Engine(const EngineConfig& config, Signer* signer, SignatureVerifier& verifier,
         Application& application, EngineHost& host);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Begins deciding `height` (the application's last committed height + 1) with that height's
  // validator set. `persisted` is what persist_signed_state last stored (default-constructed on
  // first start): if it is for `height`, the engine resumes at its round with its locks, and never
  // signs anything it forbids.
  void start(std::uint64_t height, const SignedState& persisted);

  void on_proposal(const Proposal& proposal);
  // A burst of votes; their signatures are checked in one verify_batch call after the cheap checks
  // (range, staleness, duplicates).
  // Votes and proposals are checked against the set of their height: those for the next height are
  // buffered unverified and checked against its set once this height commits.
  void on_votes(std::span<const Vote> votes);
  void on_timeout(const TimeoutEvent& event);
  // A decided block from block sync; committed if it is for the current height and its certificate
  // verifies against that height's set. Blocks for other heights are ignored.
  void on_committed_block(const CommittedBlock& block);

  std::uint64_t height() const { return height_; }
  std::uint32_t round() const { return round_; }
  Step step() const { return step_; }
  std::int64_t locked_round() const { return signed_.locked_round; }
  const Hash256& locked_hash() const { return signed_.locked_hash; }
  std::int64_t valid_round() const { return signed_.valid_round; }
  const SignedState& signed_state() const { return signed_; }
  std::optional<std::uint32_t> self_index() const { return self_; }
  // The set of height(). REQUIRES: start() was called and the engine is not stopped before it.
  const ValidatorSet& validator_set() const { return *set_; }
  // The application could not name a height's validator set or failed to commit a block: the
  // engine ignores every input from then on and signs nothing. The node must stop.
  bool stopped() const { return stopped_; }
  const EngineMetrics& metrics() const { return metrics_; }
  // Rounds of the current height with stored votes (pruning is observable in tests).
  std::size_t stored_rounds() const { return rounds_.size(); }
  // The proposer of (height(), round).
  std::uint32_t proposer(std::uint32_t round) const { return proposer_of(*set_, height_, round); }

 private:
  struct RoundData {
    RoundData(std::uint64_t height, std::uint32_t round, std::size_t n)
        : prevotes(height, round, VoteType::kPrevote, n),
          precommits(height, round, VoteType::kPrecommit, n) {}
    std::optional<Proposal> proposal;  // the first proposal from the round's proposer (no payload)
    bool proposal_evidence_reported = false;
    bool proposal_invalid = false;  // the application rejected the proposal's block
    RoundVoteSet prevotes;
    RoundVoteSet precommits;
  };
  struct KnownBlock {  // a block the application judged valid for height_
    Hash256 hash;
    Bytes payload;
    std::uint32_t round = 0;  // the latest round that proposed it
  };
  struct Buffered {
    bool is_vote = false;
    Vote vote;
    Proposal proposal;
  };

  // Step functions (Algorithm 1). Each lists the events that lead into it and returns at once when
  // (height, round, step) says the event is stale.
  void enter_new_round(std::uint64_t height, std::uint32_t round);
  void enter_prevote(std::uint64_t height, std::uint32_t round, const Hash256& block_hash);
  void enter_precommit(std::uint64_t height, std::uint32_t round, const Hash256& block_hash);
  void finalize_commit(std::uint64_t height, std::uint32_t round, const Hash256& block_hash,
                       const CommitCertificate* certificate);
  // This validator's proposal for (height, round), unsigned: its valid value, else a new block
  // from the application; nullopt when the application has nothing to propose.
  std::optional<Proposal> own_proposal(std::uint64_t height, std::uint32_t round);
  // Takes height_'s validator set from the application and sizes the per-validator state for it;
  // on an error stops the engine and returns false.
  bool load_validator_set();

  // Applies every upon-rule whose condition holds until none does, then replays the next-height
  // buffer if the height advanced, and prunes past rounds.
  void run_rules();
  bool apply_one_rule();
  void accept_votes(std::span<const Vote> votes);
  void accept_proposal(const Proposal& proposal);
  bool add_verified_vote(const Vote& vote);
  // Sorts a message by height: counts one for a decided height (stale) or beyond height + 1
  // (future), buffers one for height + 1, and returns true only for the current height.
  template <typename Message>
  bool for_current_height(const Message& message);
  void buffer_next_height(const Vote& vote);
  void buffer_next_height(const Proposal& proposal);
  // Appends to next_height_ within its bounds (else counts a drop and returns false); `signer` is
  // the message's validator index, `bytes` what it holds.
  bool buffer_next_height(Buffered message, std::uint32_t signer, std::size_t bytes);
  void clear_next_height();
  RoundData& round_data(std::uint32_t round);
  const KnownBlock* known_block(const Hash256& hash) const;
  // Stores a block proposed in `round` if the application validates it (or `trusted`, for this
  // validator's own block), within the bounds of EngineConfig::blocks_per_height_max; invalid
  // blocks are counted, never stored, so a known block is a valid block. Returns false when the
  // application judged the block invalid.
  bool remember_block(const Hash256& hash, ByteSpan payload, std::uint32_t round, bool trusted);
  // The index of the block to evict to make room for one of `round`, or blocks_.size() for none.
  std::size_t eviction_victim(std::uint32_t round) const;
  // Drops the vote sets of past rounds beyond EngineConfig::past_rounds_max.
  void prune_past_rounds();
  void note_round_seen(std::uint32_t validator_index, std::uint32_t round);
  std::uint32_t skip_target_round() const;
  void sign_and_send_vote(VoteType type, const Hash256& block_hash);
  void retransmit();
  // Re-sends the prevotes that justify this validator's proposal of `round` when it carries a
  // pol_round (lines 28-29 need them at every receiver, also those that missed them).
  void send_proof_of_lock(std::uint32_t round);
  void count(Counter c, std::uint64_t n = 1) {
    metrics_.counters[static_cast<std::size_t>(c)] += n;
  }
  bool quorum(std::uint64_t power) const { return config_.quorum_rule(power, set_->total_power()); }

  EngineConfig config_;
  std::shared_ptr<const ValidatorSet> set_;  // of height_
  Signer* signer_;
  SignatureVerifier& verifier_;
  Application& app_;
  EngineHost& host_;
  std::optional<std::uint32_t> self_;  // in set_
  bool stopped_ = false;

  // Round state (h_p, round_p, step_p, locks inside signed_). Only the step functions change it.
  std::uint64_t height_ = 0;
  std::uint32_t round_ = 0;
  Step step_ = Step::kPropose;
  bool started_ = false;              // round_ of height_ has been entered
  bool prevote_wait_ = false;         // line 34 fired in round_
  bool precommit_wait_ = false;       // line 47 fired in round_
  bool prevote_quorum_seen_ = false;  // line 36 fired in round_
  SignedState signed_;
  std::tuple<std::uint64_t, std::uint32_t, Step> retransmit_position_{~std::uint64_t{0}, 0,
                                                                      Step::kPropose};

  std::map<std::uint32_t, RoundData> rounds_;  // current height only; bounded; dropped at commit
  std::vector<KnownBlock> blocks_;             // current height only
  std::vector<std::uint32_t> max_round_seen_;  // per validator, current height (round skip)
  std::uint64_t future_power_ = 0;             // power of validators seen beyond round_
  std::vector<Buffered> next_height_;
  std::size_t next_height_bytes_ = 0;
  // Entries per signing index; the next height's set is not known yet, so sized kMaxValidators.
  std::vector<std::uint32_t> next_height_per_validator_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> next_height_proposals_;  // (proposer, round)
  std::vector<Buffered> replay_;  // next_height_ after a commit, awaiting replay
  EngineMetrics metrics_;
};

}  // namespace tc::consensus
