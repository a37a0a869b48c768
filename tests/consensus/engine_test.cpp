// Goal: the engine follows Tendermint's Algorithm 1 step by step: proposing, prevoting, locking,
// unlocking only on a later proof-of-lock, growing timeouts, committing with a certificate,
// pruning, reporting equivocation, and never signing a conflicting message across a restart.
// Method: one engine (validator 3 of four equal validators, keys from the simulator's key table)
// driven by hand-made signed messages; its outputs are recorded by a fake host and application.
// Scenarios: the round-0 proposer proposes; timeouts grow per round and drive a nil round; a
// prevote quorum locks and precommits; a locked validator prevotes nil for another block; a
// proof-of-lock from a later round unlocks; precommits commit with a checkable certificate and
// prune the height; bad signatures are dropped; double votes and double proposals become verifiable
// evidence; the restart guard's ordering; a restarted engine resumes its round, lock and votes and
// never signs a conflicting vote; a failed persist sends nothing; block sync commits a certified
// block and refuses a forged certificate; a Byzantine proposer flooding signed block variants, and
// more rounds at one height than the block bound holds, still let a later honest round commit;
// the next-height buffer keeps its per-validator, per-(proposer, round) and byte bounds; a payload
// altered in transit (one bit, the proposer's signature intact) delivered before or after the
// genuine one, at the current height or buffered for the next, never hides the genuine block; a
// single validator with no commit wait decides one height per call and returns, and a stalled
// validator relays what justifies its round also after a round skip and after a restart in a later
// round (the persisted precommit quorum that moved it); past rounds' vote sets are bounded but the
// locked round's stay; the validator set is that of each height: after a set change (a join, a
// leave, a power change) votes count against the new set, also those buffered before the change,
// a restarted engine takes its height's set without replaying earlier heights, a certificate of
// the old set is refused for a new-set height, and a height without a set stops the engine; a
// failed commit stops the engine before it signs anything more; a proposer whose application has
// nothing to propose proposes nothing and prevotes nil at timeoutPropose; a block the application
// refuses as a proposal (ahead of its clock) is accepted from block sync with its certificate.
#include "consensus/engine.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "consensus/certificate.h"
#include "consensus/sim/sim_crypto.h"
#include "core/sha2.h"

namespace tc::consensus {
namespace {

constexpr std::uint32_t kChain = 77;
constexpr std::uint32_t kSelf = 3;
constexpr std::uint64_t kKeySeed = 5;

// Four validators of power 1: keys 0-3 of the key table with kKeySeed.
std::shared_ptr<const ValidatorSet> four_equal() {
  static const sim::SimKeyTable keys(kKeySeed, 4);
  std::vector<Validator> validators;
  for (std::uint32_t i = 0; i < 4; ++i) validators.push_back({keys.pubkey(i), 1});
  return std::make_shared<const ValidatorSet>(std::move(ValidatorSet::create(validators)).value());
}

class RecordingHost final : public EngineHost {
 public:
  Status persist_signed_state(const SignedState& state) override {
    if (fail_persist) return io_error("disk full");
    persisted = state;
    ++persist_count;
    return Status::ok();
  }
  void broadcast_proposal(const Proposal& proposal) override { proposals.push_back(proposal); }
  void broadcast_vote(const Vote& vote) override { votes.push_back(vote); }
  void schedule_timeout(const TimeoutEvent& event, std::uint64_t delay_ms) override {
    timeouts.emplace_back(event, delay_ms);
  }
  void report_evidence(const Evidence& evidence) override { evidence_.push_back(evidence); }

  bool fail_persist = false;
  SignedState persisted;
  int persist_count = 0;
  std::vector<Proposal> proposals;
  std::vector<Vote> votes;
  std::vector<std::pair<TimeoutEvent, std::uint64_t>> timeouts;
  std::vector<Evidence> evidence_;

  std::uint64_t delay_of(TimeoutStep step, std::uint32_t round) const {
    for (const auto& [event, delay] : timeouts)
      if (event.step == step && event.round == round) return delay;
    return 0;
  }
};

class TestApp final : public Application {
 public:
  // The set of a height is that of the greatest key <= height in `sets`; four_equal() when empty.
  Result<std::shared_ptr<const ValidatorSet>> validator_set(std::uint64_t height) override {
    ++set_requests;
    if (sets.empty()) return four_equal();
    auto it = sets.upper_bound(height);
    if (it == sets.begin()) return not_found("no set for height " + std::to_string(height));
    return std::prev(it)->second;
  }
  std::optional<BlockCandidate> build_block(std::uint64_t height, std::uint32_t round) override {
    if (nothing_to_propose) return std::nullopt;
    return make(height, round, 0xEE);
  }
  static BlockCandidate make(std::uint64_t height, std::uint32_t round, std::uint8_t tag) {
    BlockCandidate c;
    c.payload.resize(13);
    store_u64_le(c.payload.data(), height);
    store_u32_le(c.payload.data() + 8, round);
    c.payload[12] = tag;
    c.hash = sha256(c.payload);
    return c;
  }
  bool payload_binds(const Hash256& hash, ByteSpan payload) override {
    return sha256(payload) == hash;
  }
  // Tag 0xBA is invalid; tag 0xFA stands for a block ahead of this node's clock, refused only as a
  // proposal.
  bool validate_block(std::uint64_t, const Hash256&, ByteSpan payload,
                      BlockOrigin origin) override {
    if (payload.size() == 13 && payload[12] == 0xFA) return origin == BlockOrigin::kCertified;
    return payload.size() == 13 && payload[12] != 0xBA;
  }
  Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan,
                      const CommitCertificate& certificate) override {
    if (fail_commit) return io_error("block " + std::to_string(height) + ": disk full");
    commits.push_back({height, hash, {}, certificate});
    return Status::ok();
  }
  std::vector<CommittedBlock> commits;
  std::map<std::uint64_t, std::shared_ptr<const ValidatorSet>> sets;
  int set_requests = 0;
  bool nothing_to_propose = false;
  bool fail_commit = false;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : keys_(kKeySeed, 5), verifier_(keys_), signer_(keys_, kSelf) {
    std::vector<Validator> validators;
    for (std::uint32_t i = 0; i < 4; ++i) validators.push_back({keys_.pubkey(i), 1});
    set_ = std::move(ValidatorSet::create(validators)).value();
    config_.chain_id = kChain;
    config_.timeouts = TimeoutConfig{100, 50, 40, 20, 40, 20, 0, 1000};
  }

  std::unique_ptr<Engine> make_engine(Application& app, RecordingHost& host) {
    return std::make_unique<Engine>(config_, &signer_, verifier_, app, host);
  }

  Vote vote(std::uint32_t from, std::uint32_t round, VoteType type, const Hash256& hash,
            std::uint64_t height = 1) {
    Vote v{height, round, type, from, hash, Signature{}};
    v.sig = keys_.sign(from, vote_digest(kChain, v));
    return v;
  }
  Proposal proposal(std::uint32_t from, std::uint32_t round, const BlockCandidate& block,
                    std::uint32_t pol_round = kNoPolRound, std::uint64_t height = 1) {
    Proposal p;
    p.height = height;
    p.round = round;
    p.pol_round = pol_round;
    p.proposer_index = from;
    p.block_hash = block.hash;
    p.payload = block.payload;
    p.sig = keys_.sign(from, proposal_digest(kChain, p));
    return p;
  }
  void votes_from(Engine& engine, std::vector<std::uint32_t> from, std::uint32_t round,
                  VoteType type, const Hash256& hash) {
    std::vector<Vote> batch;
    for (std::uint32_t i : from) batch.push_back(vote(i, round, type, hash));
    engine.on_votes(batch);
  }
  static const Vote* last_own(const RecordingHost& host, VoteType type) {
    for (auto it = host.votes.rbegin(); it != host.votes.rend(); ++it)
      if (it->validator_index == kSelf && it->type == type) return &*it;
    return nullptr;
  }
  // Drives `engine` from round `round` (step propose) to round + 1 through nil votes and timeouts.
  void nil_round(Engine& engine, std::uint32_t round) {
    engine.on_timeout({1, round, TimeoutStep::kPropose});
    votes_from(engine, {0, 1}, round, VoteType::kPrevote, Hash256{});
    engine.on_timeout({1, round, TimeoutStep::kPrevote});
    votes_from(engine, {0, 1}, round, VoteType::kPrecommit, Hash256{});
    engine.on_timeout({1, round, TimeoutStep::kPrecommit});
  }

  sim::SimKeyTable keys_;
  sim::SimVerifier verifier_;
  sim::SimSigner signer_;
  std::optional<ValidatorSet> set_;
  EngineConfig config_;
};

TEST_F(EngineTest, RoundZeroProposerProposes) {
  TestApp app;
  RecordingHost host;
  sim::SimSigner proposer_signer(keys_, 0);
  Engine engine(config_, &proposer_signer, verifier_, app, host);
  engine.start(1, SignedState{});
  ASSERT_EQ(host.proposals.size(), 1u);
  EXPECT_EQ(host.proposals[0].proposer_index, 0u);
  EXPECT_EQ(host.proposals[0].pol_round, kNoPolRound);
  // It receives its own proposal and prevotes for it; each signature was persisted first.
  EXPECT_EQ(host.persist_count, 2);
  EXPECT_EQ(host.persisted.step, SignStep::kPrevote);
  ASSERT_EQ(host.votes.size(), 1u);
  EXPECT_EQ(host.votes[0].block_hash, host.proposals[0].block_hash);
}

TEST_F(EngineTest, TimeoutsGrowPerRoundAndDriveNilRounds) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  EXPECT_TRUE(host.proposals.empty());
  EXPECT_EQ(host.delay_of(TimeoutStep::kPropose, 0), 100u);
  nil_round(*engine, 0);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPrevote, 0), 40u);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPrecommit, 0), 40u);
  ASSERT_NE(last_own(host, VoteType::kPrecommit), nullptr);
  EXPECT_TRUE(last_own(host, VoteType::kPrecommit)->is_nil());
  EXPECT_EQ(engine->round(), 1u);
  nil_round(*engine, 1);
  nil_round(*engine, 2);
  EXPECT_EQ(engine->round(), 3u);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPropose, 1), 150u);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPrevote, 2), 80u);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPrecommit, 2), 80u);
  // Round 3 is validator 3's own: it proposes.
  ASSERT_EQ(host.proposals.size(), 1u);
  EXPECT_EQ(host.proposals[0].round, 3u);
  // A stale timeout changes nothing.
  engine->on_timeout({1, 0, TimeoutStep::kPrecommit});
  EXPECT_EQ(engine->round(), 3u);
}

TEST_F(EngineTest, PrevoteQuorumLocksAndPrecommits) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  ASSERT_NE(last_own(host, VoteType::kPrevote), nullptr);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, a.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  ASSERT_NE(last_own(host, VoteType::kPrecommit), nullptr);
  EXPECT_EQ(last_own(host, VoteType::kPrecommit)->block_hash, a.hash);
  EXPECT_EQ(engine->locked_round(), 0);
  EXPECT_EQ(engine->locked_hash(), a.hash);
  EXPECT_EQ(engine->valid_round(), 0);
  // The lock was persisted together with the precommit, before it was sent.
  EXPECT_EQ(host.persisted.locked_round, 0);
  EXPECT_EQ(host.persisted.step, SignStep::kPrecommit);
  ASSERT_TRUE(host.persisted.precommit.has_value());
}

TEST_F(EngineTest, LockedValidatorPrevotesNilForAnotherBlockThenUnlocksOnLaterProofOfLock) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  ASSERT_EQ(engine->locked_hash(), a.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, Hash256{});
  engine->on_timeout({1, 0, TimeoutStep::kPrecommit});
  ASSERT_EQ(engine->round(), 1u);

  // Round 1: validator 1 proposes a different block; locked on A, validator 3 prevotes nil.
  const BlockCandidate b = TestApp::make(1, 1, 0xB1);
  engine->on_proposal(proposal(1, 1, b));
  EXPECT_TRUE(last_own(host, VoteType::kPrevote)->is_nil());
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->round, 1u);
  votes_from(*engine, {0, 1, 2}, 1, VoteType::kPrecommit, Hash256{});
  engine->on_timeout({1, 1, TimeoutStep::kPrecommit});
  ASSERT_EQ(engine->round(), 2u);

  // Round 2: validator 2 re-proposes B with pol_round 1; once the round-1 prevote quorum for B is
  // known (line 28, lockedRound 0 <= 1), validator 3 prevotes B despite its lock on A.
  engine->on_proposal(proposal(2, 2, b, 1));
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->round, 1u) << "no prevote without the proof";
  votes_from(*engine, {0, 1, 2}, 1, VoteType::kPrevote, b.hash);
  ASSERT_EQ(last_own(host, VoteType::kPrevote)->round, 2u);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, b.hash);
}

TEST_F(EngineTest, PrecommitQuorumCommitsWithCertificateAndPrunes) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  votes_from(*engine, {0}, 0, VoteType::kPrecommit, a.hash);
  EXPECT_TRUE(app.commits.empty()) << "2 of 4 precommits are not a quorum";
  votes_from(*engine, {1}, 0, VoteType::kPrecommit, a.hash);
  ASSERT_EQ(app.commits.size(), 1u);
  const CommitCertificate& certificate = app.commits[0].certificate;
  EXPECT_EQ(certificate.signatures.size(), 3u);
  EXPECT_TRUE(verify_certificate(certificate, kChain, 1, a.hash, *set_, verifier_).is_ok());
  EXPECT_EQ(engine->height(), 2u);
  EXPECT_EQ(engine->round(), 0u);
  EXPECT_EQ(engine->locked_round(), -1);
  EXPECT_LE(engine->stored_rounds(), 1u);
  // Dropping a signature below the quorum, or changing the hash, breaks the certificate.
  CommitCertificate short_cert = certificate;
  short_cert.signatures.pop_back();
  EXPECT_FALSE(verify_certificate(short_cert, kChain, 1, a.hash, *set_, verifier_).is_ok());
  CommitCertificate wrong = certificate;
  wrong.signatures[0].sig.bytes[0] ^= 1;
  EXPECT_EQ(verify_certificate(wrong, kChain, 1, a.hash, *set_, verifier_).code(),
            StatusCode::kCorruption);
  // Late votes for the committed height are counted as stale and change nothing.
  votes_from(*engine, {2}, 0, VoteType::kPrecommit, a.hash);
  EXPECT_EQ(engine->metrics().get(Counter::kMessageStale), 1u);
}

TEST_F(EngineTest, BadSignaturesAreDroppedAndCounted) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  Vote forged = vote(0, 0, VoteType::kPrevote, Hash256{});
  forged.sig.bytes[3] ^= 0x10;
  Vote misattributed = vote(1, 0, VoteType::kPrevote, Hash256{});
  misattributed.validator_index = 2;
  const Vote batch[] = {forged, misattributed};
  engine->on_votes(batch);
  EXPECT_EQ(engine->metrics().get(Counter::kVoteBadSignature), 2u);
  EXPECT_EQ(engine->metrics().get(Counter::kVoteAccepted), 0u);
  Proposal bad = proposal(0, 0, TestApp::make(1, 0, 0xA1));
  bad.sig.bytes[0] ^= 1;
  engine->on_proposal(bad);
  EXPECT_EQ(engine->metrics().get(Counter::kProposalBadSignature), 1u);
  engine->on_proposal(proposal(1, 0, TestApp::make(1, 0, 0xA1)));  // not round 0's proposer
  EXPECT_EQ(engine->metrics().get(Counter::kProposalWrongProposer), 1u);
}

TEST_F(EngineTest, DoubleVotesAndDoubleProposalsBecomeEvidence) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  votes_from(*engine, {1}, 0, VoteType::kPrevote, TestApp::make(1, 0, 1).hash);
  votes_from(*engine, {1}, 0, VoteType::kPrevote, TestApp::make(1, 0, 2).hash);
  votes_from(*engine, {1}, 0, VoteType::kPrevote, TestApp::make(1, 0, 3).hash);
  ASSERT_EQ(host.evidence_.size(), 1u) << "one report per validator and round";
  EXPECT_EQ(host.evidence_[0].validator_index, 1u);
  EXPECT_EQ(host.evidence_[0].step, SignStep::kPrevote);
  EXPECT_TRUE(verify_evidence(host.evidence_[0], kChain, *set_, verifier_).is_ok());
  Evidence tampered = host.evidence_[0];
  tampered.hash_b = tampered.hash_a;
  EXPECT_FALSE(verify_evidence(tampered, kChain, *set_, verifier_).is_ok());

  engine->on_proposal(proposal(0, 0, TestApp::make(1, 0, 0xA1)));
  engine->on_proposal(proposal(0, 0, TestApp::make(1, 0, 0xA2)));
  ASSERT_EQ(host.evidence_.size(), 2u);
  EXPECT_EQ(host.evidence_[1].step, SignStep::kProposal);
  EXPECT_TRUE(verify_evidence(host.evidence_[1], kChain, *set_, verifier_).is_ok());
  // The first proposal stays the round's proposal: validator 3 prevoted A1.
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, TestApp::make(1, 0, 0xA1).hash);
}

TEST(MaySignTest, OrdersHeightRoundStep) {
  SignedState state;
  EXPECT_TRUE(may_sign(state, 1, 0, SignStep::kPrevote, Hash256{}));
  state.height = 5;
  state.round = 2;
  state.step = SignStep::kPrevote;
  state.block_hash.bytes[0] = 7;
  EXPECT_TRUE(may_sign(state, 5, 2, SignStep::kPrevote, state.block_hash));  // the same vote again
  EXPECT_FALSE(may_sign(state, 5, 2, SignStep::kPrevote, Hash256{}));        // a conflicting one
  EXPECT_FALSE(may_sign(state, 5, 2, SignStep::kProposal, state.block_hash));
  EXPECT_FALSE(may_sign(state, 5, 1, SignStep::kPrecommit, Hash256{}));
  EXPECT_FALSE(may_sign(state, 4, 9, SignStep::kPrecommit, Hash256{}));
  EXPECT_TRUE(may_sign(state, 5, 2, SignStep::kPrecommit, Hash256{}));
  EXPECT_TRUE(may_sign(state, 5, 3, SignStep::kProposal, Hash256{}));
  EXPECT_TRUE(may_sign(state, 6, 0, SignStep::kPrevote, Hash256{}));
}

TEST_F(EngineTest, RestartResumesRoundLockAndVotesAndNeverSignsAConflict) {
  TestApp app;
  RecordingHost host;
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  {
    auto engine = make_engine(app, host);
    engine->start(1, SignedState{});
    engine->on_proposal(proposal(0, 0, a));
    votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
    ASSERT_EQ(last_own(host, VoteType::kPrecommit)->block_hash, a.hash);
  }  // crash
  const SignedState disk = host.persisted;
  RecordingHost after;
  auto engine = make_engine(app, after);
  engine->start(1, disk);
  EXPECT_EQ(engine->round(), 0u);
  EXPECT_EQ(engine->step(), Step::kPrecommit);
  EXPECT_EQ(engine->locked_hash(), a.hash);
  // It re-sends exactly the votes it had cast, nothing else.
  ASSERT_EQ(after.votes.size(), 2u);
  EXPECT_EQ(after.votes[0].block_hash, a.hash);
  EXPECT_EQ(after.votes[1].block_hash, a.hash);
  // A different round-0 proposal, or a timeout, cannot make it sign anything else at round 0.
  engine->on_timeout({1, 0, TimeoutStep::kPropose});
  engine->on_timeout({1, 0, TimeoutStep::kPrevote});
  EXPECT_EQ(after.votes.size(), 2u);
  // In round 1 a new block from validator 1 gets a nil prevote: the lock survived the restart.
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, Hash256{});
  engine->on_timeout({1, 0, TimeoutStep::kPrecommit});
  engine->on_proposal(proposal(1, 1, TestApp::make(1, 1, 0xB1)));
  ASSERT_EQ(last_own(after, VoteType::kPrevote)->round, 1u);
  EXPECT_TRUE(last_own(after, VoteType::kPrevote)->is_nil());
}

TEST_F(EngineTest, FailedPersistSendsNothing) {
  TestApp app;
  RecordingHost host;
  host.fail_persist = true;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  engine->on_timeout({1, 0, TimeoutStep::kPropose});
  EXPECT_TRUE(host.votes.empty());
  EXPECT_EQ(engine->metrics().get(Counter::kPersistFailed), 1u);
}

TEST_F(EngineTest, BlockSyncCommitsCertifiedBlocksOnly) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  std::vector<Vote> precommits = {vote(0, 0, VoteType::kPrecommit, a.hash),
                                  vote(1, 0, VoteType::kPrecommit, a.hash)};
  CommittedBlock block{1, a.hash, a.payload, make_certificate(1, 0, a.hash, precommits, *set_)};
  engine->on_committed_block(block);  // 2 of 4: not a quorum
  EXPECT_TRUE(app.commits.empty());
  EXPECT_EQ(engine->metrics().get(Counter::kCatchUpRejected), 1u);
  precommits.push_back(vote(2, 0, VoteType::kPrecommit, a.hash));
  block.certificate = make_certificate(1, 0, a.hash, precommits, *set_);
  block.certificate.signatures[2].sig.bytes[1] ^= 1;  // forged
  engine->on_committed_block(block);
  EXPECT_TRUE(app.commits.empty());
  block.certificate = make_certificate(1, 0, a.hash, precommits, *set_);
  engine->on_committed_block(block);
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(engine->height(), 2u);
}

TEST_F(EngineTest, FloodOfProposalVariantsDoesNotStopAnHonestRound) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  // Validator 0, round 0's proposer, signs 20 valid variants: the round keeps two of them.
  for (std::uint8_t tag = 0; tag < 20; ++tag) {
    engine->on_proposal(proposal(0, 0, TestApp::make(1, 0, static_cast<std::uint8_t>(0x10 + tag))));
  }
  EXPECT_EQ(engine->metrics().get(Counter::kBlockRefused), 18u);
  nil_round(*engine, 0);
  ASSERT_EQ(engine->round(), 1u);
  // Round 1's honest proposer is still heard: validator 3 prevotes its block, and it commits.
  const BlockCandidate b = TestApp::make(1, 1, 0xB1);
  engine->on_proposal(proposal(1, 1, b));
  ASSERT_EQ(last_own(host, VoteType::kPrevote)->round, 1u);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, b.hash);
  votes_from(*engine, {0, 1}, 1, VoteType::kPrevote, b.hash);
  votes_from(*engine, {0, 1}, 1, VoteType::kPrecommit, b.hash);
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, b.hash);
}

TEST_F(EngineTest, ManyRoundsAtOneHeightEvictOldBlocksAndStillCommit) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  // A long partition: 24 rounds, each with a new block from its proposer (validator 3's own in its
  // rounds), none reaching a quorum.
  constexpr std::uint32_t kRounds = 24;
  for (std::uint32_t r = 0; r < kRounds; ++r) {
    if (engine->proposer(r) != kSelf) {
      engine->on_proposal(proposal(engine->proposer(r), r, TestApp::make(1, r, 0xC0)));
    }
    nil_round(*engine, r);
  }
  ASSERT_EQ(engine->round(), kRounds);
  EXPECT_GT(engine->metrics().get(Counter::kBlockEvicted), 0u);
  EXPECT_EQ(engine->metrics().get(Counter::kBlockRefused), 0u);
  const std::uint32_t proposer = engine->proposer(kRounds);
  BlockCandidate block =
      app.build_block(1, kRounds).value();  // validator 3's own block in its round
  if (proposer != kSelf) {
    block = TestApp::make(1, kRounds, 0xD0);
    engine->on_proposal(proposal(proposer, kRounds, block));
  }
  ASSERT_EQ(last_own(host, VoteType::kPrevote)->round, kRounds);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, block.hash);
  votes_from(*engine, {0, 1}, kRounds, VoteType::kPrevote, block.hash);
  votes_from(*engine, {0, 1}, kRounds, VoteType::kPrecommit, block.hash);
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, block.hash);
}

TEST_F(EngineTest, NextHeightBufferIsBoundedPerValidatorProposalAndBytes) {
  config_.next_height_per_validator_max = 3;
  config_.next_height_buffer_bytes_max = 32 << 10;
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  // One proposal per (proposer, round) for height 2: the second variant of each is dropped.
  for (std::uint32_t p = 0; p < 3; ++p) {
    engine->on_proposal(
        proposal(p, 0, TestApp::make(2, 0, static_cast<std::uint8_t>(0xA0 + p)), kNoPolRound, 2));
    engine->on_proposal(
        proposal(p, 0, TestApp::make(2, 0, static_cast<std::uint8_t>(0xB0 + p)), kNoPolRound, 2));
  }
  // A proposal over the byte bound is dropped.
  BlockCandidate big;
  big.payload.assign(64 << 10, 0x5A);
  big.hash = sha256(big.payload);
  engine->on_proposal(proposal(0, 1, big, kNoPolRound, 2));
  // Validator 1 already holds one entry (its proposal): two of its five votes fit.
  std::vector<Vote> burst;
  for (std::uint32_t r = 0; r < 5; ++r)
    burst.push_back(vote(1, r, VoteType::kPrevote, Hash256{}, 2));
  engine->on_votes(burst);
  EXPECT_EQ(engine->metrics().get(Counter::kNextHeightBuffered), 5u);
  EXPECT_EQ(engine->metrics().get(Counter::kNextHeightDropped), 7u);

  // Height 1 commits; the buffered round-0 proposal of height 2 is replayed and, once round 0
  // starts, prevoted.
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, a.hash);
  ASSERT_EQ(engine->height(), 2u);
  engine->on_timeout({2, 0, TimeoutStep::kCommitWait});
  const std::uint32_t proposer = engine->proposer(0);
  if (proposer != kSelf) {
    const Vote* prevote = last_own(host, VoteType::kPrevote);
    ASSERT_EQ(prevote->height, 2u);
    EXPECT_EQ(prevote->block_hash,
              TestApp::make(2, 0, static_cast<std::uint8_t>(0xA0 + proposer)).hash);
  }
}

// A relay flips one bit of the payload of a correctly signed proposal. Binding is a property of the
// bytes, validity of the hash: the altered copy is dropped without a trace, in either order.
BlockCandidate altered(BlockCandidate block) {
  block.payload[12] ^= 0x01;
  return block;
}

TEST_F(EngineTest, AlteredPayloadFirstDoesNotHideTheGenuineProposal) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate b = TestApp::make(1, 0, 0xB0);
  engine->on_proposal(proposal(0, 0, altered(b)));
  EXPECT_EQ(engine->metrics().get(Counter::kProposalUnbound), 1u);
  EXPECT_EQ(engine->metrics().get(Counter::kProposalInvalidBlock), 0u);
  EXPECT_EQ(last_own(host, VoteType::kPrevote), nullptr);
  engine->on_proposal(proposal(0, 0, b));
  ASSERT_NE(last_own(host, VoteType::kPrevote), nullptr);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, b.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, b.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, b.hash);
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, b.hash);
  EXPECT_EQ(app.commits[0].certificate.round, 0u);
}

TEST_F(EngineTest, AlteredPayloadAfterTheGenuineOneChangesNothing) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate b = TestApp::make(1, 0, 0xB0);
  engine->on_proposal(proposal(0, 0, b));
  engine->on_proposal(proposal(0, 0, altered(b)));
  EXPECT_EQ(engine->metrics().get(Counter::kProposalInvalidBlock), 0u);
  ASSERT_NE(last_own(host, VoteType::kPrevote), nullptr);
  EXPECT_EQ(last_own(host, VoteType::kPrevote)->block_hash, b.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, b.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, b.hash);
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, b.hash);
}

TEST_F(EngineTest, AlteredNextHeightPayloadDoesNotTakeTheGenuineOnesBufferSlot) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  // Every other validator's round-0 proposal for height 2 arrives altered first, then genuine.
  for (std::uint32_t p = 0; p < 3; ++p) {
    const BlockCandidate next = TestApp::make(2, 0, static_cast<std::uint8_t>(0xA0 + p));
    engine->on_proposal(proposal(p, 0, altered(next), kNoPolRound, 2));
    engine->on_proposal(proposal(p, 0, next, kNoPolRound, 2));
  }
  EXPECT_EQ(engine->metrics().get(Counter::kProposalUnbound), 3u);
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, a.hash);
  ASSERT_EQ(engine->height(), 2u);
  engine->on_timeout({2, 0, TimeoutStep::kCommitWait});
  const std::uint32_t proposer = engine->proposer(0);
  ASSERT_NE(proposer, kSelf);
  const Vote* prevote = last_own(host, VoteType::kPrevote);
  ASSERT_EQ(prevote->height, 2u);
  EXPECT_EQ(prevote->block_hash,
            TestApp::make(2, 0, static_cast<std::uint8_t>(0xA0 + proposer)).hash);
}

TEST_F(EngineTest, BlockSyncRefusesACertifiedHashWithAnAlteredPayload) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate b = TestApp::make(1, 0, 0xB0);
  std::vector<Vote> precommits;
  for (std::uint32_t i : {0u, 1u, 2u})
    precommits.push_back(vote(i, 0, VoteType::kPrecommit, b.hash));
  const CommitCertificate certificate = make_certificate(1, 0, b.hash, precommits, *set_);
  engine->on_committed_block(CommittedBlock{1, b.hash, altered(b).payload, certificate});
  EXPECT_EQ(engine->metrics().get(Counter::kCatchUpRejected), 1u);
  EXPECT_TRUE(app.commits.empty());
  engine->on_committed_block(CommittedBlock{1, b.hash, b.payload, certificate});
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, b.hash);
}

// A one-validator network (a real devnet configuration) with no commit wait decides one height
// per call and hands control back: before issue 12, start() decided heights forever.
TEST_F(EngineTest, SingleValidatorDecidesOneHeightPerCallAndReturns) {
  // Guards the test itself against the hang: the engine must return long before this many
  // commits.
  struct BoundedApp final : Application {
    Result<std::shared_ptr<const ValidatorSet>> validator_set(std::uint64_t) override {
      return set;
    }
    std::optional<BlockCandidate> build_block(std::uint64_t height, std::uint32_t round) override {
      return TestApp::make(height, round, 0x51);
    }
    bool payload_binds(const Hash256&, ByteSpan) override { return true; }
    bool validate_block(std::uint64_t, const Hash256&, ByteSpan, BlockOrigin) override {
      return true;
    }
    Status commit_block(std::uint64_t height, const Hash256&, ByteSpan,
                        const CommitCertificate& certificate) override {
      if (height > 100) throw std::runtime_error("the engine did not return to its host");
      certificates.push_back(certificate);
      return Status::ok();
    }
    std::vector<CommitCertificate> certificates;
    std::shared_ptr<const ValidatorSet> set;
  };
  std::vector<Validator> one = {{keys_.pubkey(0), 1}};
  sim::SimSigner signer(keys_, 0);
  BoundedApp app;
  app.set = std::make_shared<const ValidatorSet>(std::move(ValidatorSet::create(one)).value());
  RecordingHost host;
  Engine engine(config_, &signer, verifier_, app, host);
  ASSERT_NO_THROW(engine.start(1, SignedState{}));
  ASSERT_EQ(app.certificates.size(), 1u);
  EXPECT_EQ(engine.height(), 2u);
  const std::pair<TimeoutEvent, std::uint64_t> commit_wait{{2, 0, TimeoutStep::kCommitWait}, 0};
  EXPECT_EQ(host.timeouts.back(), commit_wait);
  for (std::uint64_t height = 2; height <= 5; ++height) {
    ASSERT_NO_THROW(engine.on_timeout({height, 0, TimeoutStep::kCommitWait}));
    ASSERT_EQ(app.certificates.size(), height);
    EXPECT_EQ(engine.height(), height + 1);
  }
  for (std::uint64_t height = 1; height <= 5; ++height) {
    EXPECT_EQ(app.certificates[height - 1].round, 0u);
    EXPECT_EQ(app.certificates[height - 1].signatures.size(), 1u);
  }
}

// After a round skip, round - 1 has no state; a stalled validator still relays the votes of its
// round and the precommits of the nearest earlier round it holds (before issue 12: nothing).
TEST_F(EngineTest, StalledRetransmitAfterRoundSkipRelaysCurrentAndEarlierRound) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  votes_from(*engine, {0}, 0, VoteType::kPrecommit, Hash256{});
  votes_from(*engine, {0, 1}, 5, VoteType::kPrevote, Hash256{});
  ASSERT_EQ(engine->round(), 5u);
  ASSERT_EQ(engine->stored_rounds(), 2u) << "rounds 0 and 5 only";
  host.votes.clear();
  const TimeoutEvent retransmit{1, 0, TimeoutStep::kRetransmit};
  engine->on_timeout(retransmit);
  EXPECT_TRUE(host.votes.empty()) << "a round that just moved relays nothing";
  engine->on_timeout(retransmit);
  const auto relayed = [&](std::uint32_t from, std::uint32_t round, VoteType type) {
    for (const Vote& v : host.votes)
      if (v.validator_index == from && v.round == round && v.type == type) return true;
    return false;
  };
  EXPECT_TRUE(relayed(0, 5, VoteType::kPrevote));
  EXPECT_TRUE(relayed(1, 5, VoteType::kPrevote));
  EXPECT_TRUE(relayed(0, 0, VoteType::kPrecommit));
}

// Vote sets of past rounds are bounded (before issue 12 every round of a height stayed until the
// commit), but the round of a lock stays: a proposer re-proposing its valid block many rounds
// later still sends the prevote quorum that justifies it.
TEST_F(EngineTest, PastRoundsAreBoundedButTheLockedRoundStays) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1}, 0, VoteType::kPrevote, a.hash);
  ASSERT_EQ(engine->locked_round(), 0);
  votes_from(*engine, {0, 1}, 0, VoteType::kPrecommit, Hash256{});
  engine->on_timeout({1, 0, TimeoutStep::kPrecommit});
  std::uint32_t round = 1;
  while (round < 12 || engine->proposer(round) != kSelf) nil_round(*engine, round++);
  ASSERT_EQ(engine->round(), round);
  // The current round, the latest past ones and the locked round 0.
  EXPECT_LE(engine->stored_rounds(), 1 + config_.past_rounds_max + 1);
  // Old votes re-create a dropped round only until the input is handled.
  votes_from(*engine, {0, 1}, 2, VoteType::kPrevote, Hash256{});
  EXPECT_LE(engine->stored_rounds(), 1 + config_.past_rounds_max + 1);

  ASSERT_FALSE(host.proposals.empty());
  EXPECT_EQ(host.proposals.back().round, round);
  EXPECT_EQ(host.proposals.back().block_hash, a.hash);
  EXPECT_EQ(host.proposals.back().pol_round, 0u);
  host.votes.clear();
  engine->on_timeout({1, 0, TimeoutStep::kRetransmit});
  std::size_t proof = 0;
  for (const Vote& v : host.votes)
    proof += v.round == 0 && v.type == VoteType::kPrevote && v.block_hash == a.hash ? 1 : 0;
  EXPECT_EQ(proof, 3u) << "the proof-of-lock of round 0";
}

// Issue 12, item 5: a validator that entered round 1 on its precommit timeout, signed there and
// restarted still re-sends the round-0 precommit quorum that moved it (its own precommit among
// them), so validators still waiting in round 0 can follow. Before, it held nothing of round 0.
TEST_F(EngineTest, RestartInALaterRoundRelaysThePrecommitQuorumThatMovedIt) {
  TestApp app;
  RecordingHost host;
  {
    auto engine = make_engine(app, host);
    engine->start(1, SignedState{});
    nil_round(*engine, 0);
    ASSERT_EQ(engine->round(), 1u);
    engine->on_timeout({1, 1, TimeoutStep::kPropose});
    ASSERT_EQ(host.persisted.round, 1u);
  }  // crash
  const SignedState disk = host.persisted;
  RecordingHost after;
  auto engine = make_engine(app, after);
  engine->start(1, disk);
  ASSERT_EQ(engine->round(), 1u);
  const TimeoutEvent retransmit{1, 0, TimeoutStep::kRetransmit};
  engine->on_timeout(retransmit);
  engine->on_timeout(retransmit);
  std::set<std::uint32_t> relayed;
  for (const Vote& v : after.votes)
    if (v.round == 0 && v.type == VoteType::kPrecommit) relayed.insert(v.validator_index);
  EXPECT_EQ(relayed, (std::set<std::uint32_t>{0, 1, kSelf}));

  // A validator still in round 0 that missed those precommits moves to round 1 on them.
  sim::SimSigner other_signer(keys_, 2);
  RecordingHost other_host;
  Engine other(config_, &other_signer, verifier_, app, other_host);
  other.start(1, SignedState{});
  other.on_timeout({1, 0, TimeoutStep::kPropose});
  std::vector<Vote> burst;
  for (const Vote& v : after.votes)
    if (v.round == 0 && v.type == VoteType::kPrecommit) burst.push_back(v);
  other.on_votes(burst);
  other.on_timeout({1, 0, TimeoutStep::kPrecommit});
  EXPECT_EQ(other.round(), 1u);
}

// ---- validator sets per height (issue 12, item 4) -------------------------------------------

// Height 2 starts an epoch whose set is keys 1 (power 2, was 1), 2, 3 (this validator) and 4
// (joined); key 0 left. Its round-0 proposer is index 1 (key 2), so this validator only votes.
class EpochTest : public EngineTest {
 protected:
  static constexpr std::uint32_t kKeys2[] = {1, 2, 3, 4};
  EpochTest() {
    std::vector<Validator> validators;
    for (std::uint32_t key : kKeys2) validators.push_back({keys_.pubkey(key), key == 1 ? 2u : 1u});
    set2_ =
        std::make_shared<const ValidatorSet>(std::move(ValidatorSet::create(validators)).value());
    app_.sets = {{1, four_equal()}, {2, set2_}};
  }
  // A vote signed by key `key` as validator `index` of its height's set.
  Vote keyed_vote(std::uint32_t key, std::uint32_t index, std::uint64_t height, VoteType type,
                  const Hash256& hash) {
    Vote v{height, 0, type, index, hash, Signature{}};
    v.sig = keys_.sign(key, vote_digest(kChain, v));
    return v;
  }
  // Prevotes nil at height 2 from the set-2 validators with these indices.
  void prevote_nil(Engine& engine, std::vector<std::uint32_t> indices) {
    std::vector<Vote> batch;
    for (std::uint32_t i : indices)
      batch.push_back(keyed_vote(kKeys2[i], i, 2, VoteType::kPrevote, Hash256{}));
    engine.on_votes(batch);
  }
  std::shared_ptr<const ValidatorSet> set2_;
  TestApp app_;
  RecordingHost host_;
};

TEST_F(EpochTest, VotesCountAgainstTheSetOfTheirHeight) {
  auto engine = make_engine(app_, host_);
  engine->start(1, SignedState{});
  EXPECT_EQ(engine->self_index(), 3u);
  // Key 4 is not in height 1's set (index 3 there is this validator): its height-2 prevote waits
  // in the buffer and is checked against height 2's set when replayed.
  const Vote joined = keyed_vote(4, 3, 2, VoteType::kPrevote, Hash256{});
  engine->on_votes(std::span<const Vote>(&joined, 1));
  EXPECT_EQ(engine->metrics().get(Counter::kNextHeightBuffered), 1u);
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1, 2}, 0, VoteType::kPrecommit, a.hash);
  ASSERT_EQ(app_.commits.size(), 1u);

  ASSERT_EQ(engine->height(), 2u);
  EXPECT_EQ(engine->validator_set().total_power(), 5u);
  EXPECT_EQ(engine->self_index(), 2u);
  EXPECT_EQ(engine->metrics().get(Counter::kVoteBadSignature), 0u);
  engine->on_timeout({2, 0, TimeoutStep::kCommitWait});
  EXPECT_EQ(engine->proposer(0), 1u);
  engine->on_timeout({2, 0, TimeoutStep::kPropose});
  ASSERT_FALSE(host_.votes.empty());
  EXPECT_EQ(host_.votes.back().validator_index, 2u);  // this validator's index in the new set
  EXPECT_EQ(host_.votes.back().height, 2u);
  // The departed key 0, signing as index 0 of height 2's set (now key 1's slot), does not count.
  const Vote departed = keyed_vote(0, 0, 2, VoteType::kPrevote, Hash256{});
  engine->on_votes(std::span<const Vote>(&departed, 1));
  EXPECT_EQ(engine->metrics().get(Counter::kVoteBadSignature), 1u);
  EXPECT_EQ(engine->step(), Step::kPrevote);  // this validator and key 4: 2 of 5
  // Key 1's power is 2 now: with it, key 4 and this validator, 4 of 5 prevoted nil (line 44).
  prevote_nil(*engine, {0});
  EXPECT_EQ(engine->step(), Step::kPrecommit);
  EXPECT_EQ(host_.votes.back().type, VoteType::kPrecommit);
  EXPECT_TRUE(host_.votes.back().is_nil());
}

TEST_F(EpochTest, RestartedEngineUsesTheSetOfItsHeight) {
  auto engine = make_engine(app_, host_);
  engine->start(2, SignedState{});
  // One set request for the start height: nothing is replayed from height 1.
  EXPECT_EQ(app_.set_requests, 1);
  EXPECT_EQ(engine->validator_set().total_power(), 5u);
  EXPECT_EQ(engine->self_index(), 2u);
  EXPECT_EQ(engine->proposer(0), 1u);
  engine->on_timeout({2, 0, TimeoutStep::kPropose});
  prevote_nil(*engine, {3});
  EXPECT_EQ(engine->step(), Step::kPrevote);
  prevote_nil(*engine, {0});
  EXPECT_EQ(engine->step(), Step::kPrecommit);
}

TEST_F(EpochTest, CertificateOfTheOldSetIsRefusedForANewSetHeight) {
  auto engine = make_engine(app_, host_);
  engine->start(2, SignedState{});
  const BlockCandidate b = TestApp::make(2, 0, 0xB2);
  // Keys 0, 1 and 2 as indices 0-2 of height 1's set: a quorum there, not a set-2 certificate.
  std::vector<Vote> old_votes;
  for (std::uint32_t key : {0u, 1u, 2u})
    old_votes.push_back(keyed_vote(key, key, 2, VoteType::kPrecommit, b.hash));
  engine->on_committed_block(CommittedBlock{
      2, b.hash, b.payload, make_certificate(2, 0, b.hash, old_votes, *four_equal())});
  EXPECT_EQ(engine->metrics().get(Counter::kCatchUpRejected), 1u);
  EXPECT_TRUE(app_.commits.empty());
  // Keys 1 (power 2), 2 and 4 of height 2's set: 4 of 5.
  std::vector<Vote> new_votes;
  for (std::uint32_t index : {0u, 1u, 3u})
    new_votes.push_back(keyed_vote(kKeys2[index], index, 2, VoteType::kPrecommit, b.hash));
  engine->on_committed_block(
      CommittedBlock{2, b.hash, b.payload, make_certificate(2, 0, b.hash, new_votes, *set2_)});
  ASSERT_EQ(app_.commits.size(), 1u);
  EXPECT_EQ(app_.commits[0].height, 2u);
}

TEST_F(EpochTest, AHeightWithoutASetStopsTheEngine) {
  app_.sets.erase(1);
  auto engine = make_engine(app_, host_);
  engine->start(1, SignedState{});
  EXPECT_TRUE(engine->stopped());
  engine->on_timeout({1, 0, TimeoutStep::kPropose});
  EXPECT_TRUE(host_.votes.empty());
  EXPECT_EQ(host_.persist_count, 0);
}

// ---- Application results (issue 12, item 6) --------------------------------------------------

TEST_F(EngineTest, FailedCommitStopsTheEngine) {
  TestApp app;
  app.fail_commit = true;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate a = TestApp::make(1, 0, 0xA1);
  engine->on_proposal(proposal(0, 0, a));
  votes_from(*engine, {0, 1, 2}, 0, VoteType::kPrecommit, a.hash);
  EXPECT_TRUE(engine->stopped());
  EXPECT_EQ(engine->metrics().get(Counter::kCommitFailed), 1u);
  EXPECT_EQ(engine->metrics().get(Counter::kCommit), 0u);
  EXPECT_EQ(engine->height(), 1u);
  // Nothing is signed any more: not the precommit that the prevote quorum would bring, not the
  // next height's votes at its timeouts.
  const int persisted = host.persist_count;
  const std::size_t sent = host.votes.size();
  votes_from(*engine, {0, 1, 2}, 0, VoteType::kPrevote, a.hash);
  engine->on_timeout({1, 0, TimeoutStep::kPrevote});
  engine->on_timeout({2, 0, TimeoutStep::kCommitWait});
  engine->on_timeout({2, 0, TimeoutStep::kPropose});
  engine->on_timeout({1, 0, TimeoutStep::kRetransmit});
  EXPECT_EQ(host.persist_count, persisted);
  EXPECT_EQ(host.votes.size(), sent);
  EXPECT_EQ(engine->height(), 1u);
}

TEST_F(EngineTest, NothingToProposeLeavesTheRoundToTimeoutPropose) {
  TestApp app;
  app.nothing_to_propose = true;
  RecordingHost host;
  sim::SimSigner proposer_signer(keys_, 0);
  Engine engine(config_, &proposer_signer, verifier_, app, host);
  engine.start(1, SignedState{});
  EXPECT_TRUE(host.proposals.empty());
  EXPECT_EQ(host.persist_count, 0);
  EXPECT_EQ(host.delay_of(TimeoutStep::kPropose, 0), config_.timeouts.propose_ms(0));
  engine.on_timeout({1, 0, TimeoutStep::kPropose});
  ASSERT_EQ(host.votes.size(), 1u);
  EXPECT_EQ(host.votes[0].type, VoteType::kPrevote);
  EXPECT_TRUE(host.votes[0].is_nil());
}

TEST_F(EngineTest, CertifiedBlockIsValidatedAsCertified) {
  TestApp app;
  RecordingHost host;
  auto engine = make_engine(app, host);
  engine->start(1, SignedState{});
  const BlockCandidate ahead = TestApp::make(1, 0, 0xFA);
  engine->on_proposal(proposal(0, 0, ahead));
  EXPECT_EQ(engine->metrics().get(Counter::kProposalInvalidBlock), 1u);
  std::vector<Vote> precommits;
  for (std::uint32_t i : {0u, 1u, 2u})
    precommits.push_back(vote(i, 0, VoteType::kPrecommit, ahead.hash));
  engine->on_committed_block(CommittedBlock{1, ahead.hash, ahead.payload,
                                            make_certificate(1, 0, ahead.hash, precommits, *set_)});
  ASSERT_EQ(app.commits.size(), 1u);
  EXPECT_EQ(app.commits[0].hash, ahead.hash);
}

}  // namespace
}  // namespace tc::consensus
