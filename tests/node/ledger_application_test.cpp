// Goal: LedgerApplication refuses proposals whose timestamp would let a Byzantine proposer stall
// the chain, and reports a failed build instead of proposing undefined data.
// Method: a TestChain (MemoryBackend, one gold genesis masternode) under a LedgerApplication with a
// fixed test clock; proposals are blocks built by the ledger with chosen timestamps.
// Scenarios:
//   - a proposal exactly kMaxTimestampDriftMs ahead of the clock is accepted; one millisecond more,
//     or a timestamp of 2^64 - 1, is rejected and counted;
//   - a certified block (block sync) far ahead of the clock is accepted, the same block as a
//     proposal refused;
//   - a proposal not above the parent's timestamp is rejected;
//   - build_block stamps max(clock, parent + 1), and its block validates and commits;
//   - build_block for a height that is not tip + 1 has nothing to propose and sets failure();
//   - a commit that fails returns its error (which stops the engine), and so does every later one;
//   - a payload with one byte altered under the genuine hash does not bind (counted unbound, not
//     rejected), and the genuine payload still validates;
//   - more distinct valid blocks at one height than the cache's bound leave the cache at the
//     bound, and the evicted (oldest) one still commits;
//   - evidence the engine reports enters the next block this node builds, in canonical order, and
//     leaves the pool once committed; evidence naming an index outside the set is dropped.
#include "node/app/ledger_application.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::node {
namespace {

using ledger::kMaxTimestampDriftMs;

constexpr std::uint64_t kGenesisMs = 1'700'000'000'000ull;
constexpr std::uint64_t kNowMs = kGenesisMs + 60'000;
constexpr consensus::BlockOrigin kProposal = consensus::BlockOrigin::kProposal;
constexpr consensus::BlockOrigin kCertified = consensus::BlockOrigin::kCertified;

struct Proposal {
  Hash256 hash;
  Bytes payload;
};

Proposal proposal_at(ledger::testing::TestChain& chain, std::uint64_t timestamp_ms) {
  ledger::BlockTemplate tmpl = chain.next_template();
  tmpl.timestamp_ms = timestamp_ms;
  Block block = chain.ledger().build_block(tmpl).value();
  Proposal proposal;
  proposal.hash = block_hash(block.header);
  encode(block, &proposal.payload);
  return proposal;
}

class LedgerApplicationTest : public ::testing::Test {
 protected:
  LedgerApplicationTest()
      : app_(
            chain_.ledger(), chain_.proposer().pubkey(), [] { return kNowMs; }, {},
            consensus::EngineConfig{}.blocks_per_height_max) {}

  ledger::testing::TestChain chain_;
  LedgerApplication app_;
};

TEST_F(LedgerApplicationTest, TimestampsFarAheadOfTheClockAreRejected) {
  const Proposal at_limit = proposal_at(chain_, kNowMs + kMaxTimestampDriftMs);
  const Proposal beyond = proposal_at(chain_, kNowMs + kMaxTimestampDriftMs + 1);
  const Proposal end_of_time = proposal_at(chain_, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(app_.validate_block(1, beyond.hash, beyond.payload, kProposal));
  EXPECT_NE(app_.last_rejection().message().find("ahead of the local clock"), std::string::npos)
      << app_.last_rejection().to_string();
  EXPECT_FALSE(app_.validate_block(1, end_of_time.hash, end_of_time.payload, kProposal));
  EXPECT_EQ(app_.counters().rejected, 2u);
  EXPECT_TRUE(app_.validate_block(1, at_limit.hash, at_limit.payload, kProposal))
      << app_.last_rejection().to_string();
  EXPECT_EQ(app_.counters().validated, 1u);
}

// A block sync peer delivers a decided block; this node's clock being behind must not stop it
// following the chain.
TEST_F(LedgerApplicationTest, CertifiedBlockFarAheadOfTheClockIsAccepted) {
  const Proposal beyond = proposal_at(chain_, kNowMs + 10 * kMaxTimestampDriftMs);
  EXPECT_FALSE(app_.validate_block(1, beyond.hash, beyond.payload, kProposal));
  EXPECT_TRUE(app_.validate_block(1, beyond.hash, beyond.payload, kCertified))
      << app_.last_rejection().to_string();
}

TEST_F(LedgerApplicationTest, TimestampNotAboveTheParentIsRejected) {
  const Proposal same = proposal_at(chain_, kGenesisMs);
  EXPECT_FALSE(app_.validate_block(1, same.hash, same.payload, kProposal));
  EXPECT_NE(app_.last_rejection().message().find("not above the parent"), std::string::npos)
      << app_.last_rejection().to_string();
}

TEST_F(LedgerApplicationTest, BuiltBlockUsesTheClockAndCommits) {
  const consensus::BlockCandidate candidate = app_.build_block(1, 0).value();
  ASSERT_FALSE(candidate.payload.empty());
  BlockView view;
  ASSERT_EQ(decode_block_view(candidate.payload, &view), DecodeError::kOk);
  const Block block = view.to_block();
  EXPECT_EQ(block.header.timestamp_ms, kNowMs);
  EXPECT_EQ(candidate.hash, block_hash(block.header));
  EXPECT_TRUE(app_.validate_block(1, candidate.hash, candidate.payload, kProposal))
      << app_.last_rejection().to_string();
  CommitCertificate certificate;
  certificate.height = 1;
  certificate.block_hash = candidate.hash;
  EXPECT_TRUE(app_.commit_block(1, candidate.hash, candidate.payload, certificate).is_ok());
  EXPECT_TRUE(app_.failure().is_ok()) << app_.failure().to_string();
  EXPECT_EQ(chain_.ledger().tip()->height, 1u);
}

TEST_F(LedgerApplicationTest, BuildOffTheTipFailsWithoutAPayload) {
  EXPECT_FALSE(app_.build_block(5, 0).has_value());
  EXPECT_FALSE(app_.failure().is_ok());
  EXPECT_EQ(app_.counters().built, 0u);
}

TEST_F(LedgerApplicationTest, FailedCommitReturnsItsErrorAndStaysFailed) {
  // A payload that does not decode cannot be executed, so it cannot be committed.
  const Bytes garbage(40, 0xAB);
  CommitCertificate certificate;
  certificate.height = 1;
  const Status first = app_.commit_block(1, Hash256{}, garbage, certificate);
  EXPECT_FALSE(first.is_ok());
  EXPECT_FALSE(app_.failure().is_ok());
  // Later commits, even of a good block with its certificate, return the failure and write nothing.
  const consensus::BlockCandidate good = app_.build_block(1, 0).value();
  certificate.block_hash = good.hash;
  const Status again = app_.commit_block(1, good.hash, good.payload, certificate);
  EXPECT_EQ(again.to_string(), first.to_string());
  EXPECT_EQ(chain_.ledger().tip()->height, 0u);
}

TEST_F(LedgerApplicationTest, AlteredPayloadDoesNotBindAndTheGenuineOneStillValidates) {
  const Proposal genuine = proposal_at(chain_, kNowMs);
  Bytes altered = genuine.payload;
  altered.back() ^= 0x01;  // the last byte of the coinbase
  EXPECT_FALSE(app_.payload_binds(genuine.hash, altered));
  EXPECT_EQ(app_.counters().unbound, 1u);
  EXPECT_EQ(app_.counters().rejected, 0u);
  EXPECT_TRUE(app_.payload_binds(genuine.hash, genuine.payload));
  EXPECT_TRUE(app_.validate_block(1, genuine.hash, genuine.payload, kProposal))
      << app_.last_rejection().to_string();
}

// A Byzantine proposer's variants at one height, each evicted by the engine and sent again, must
// not grow the cache without end; a block the cache dropped is executed again at commit.
TEST(LedgerApplicationCacheTest, CacheStaysAtItsBoundAndAnEvictedBlockCommits) {
  ledger::testing::TestChain chain;
  constexpr std::size_t kBound = 2;
  LedgerApplication app(
      chain.ledger(), chain.proposer().pubkey(), [] { return kNowMs; }, {}, kBound);
  std::vector<Proposal> variants;
  for (std::uint64_t i = 0; i <= kBound; ++i) variants.push_back(proposal_at(chain, kNowMs - i));
  for (const Proposal& variant : variants) {
    ASSERT_TRUE(app.validate_block(1, variant.hash, variant.payload, kProposal))
        << app.last_rejection().to_string();
  }
  EXPECT_EQ(app.executed_cached(), kBound);
  CommitCertificate certificate;
  certificate.height = 1;
  certificate.block_hash = variants[0].hash;
  ASSERT_TRUE(app.commit_block(1, variants[0].hash, variants[0].payload, certificate).is_ok())
      << app.failure().to_string();
  EXPECT_EQ(chain.ledger().tip()->hash, variants[0].hash);
  EXPECT_EQ(app.executed_cached(), 0u);
}

}  // namespace
}  // namespace tc::node

namespace tc::node {
namespace {

// Evidence reported by the engine at height 1 (a double prevote by the only validator, given in
// non-canonical order) cannot enter block 1 (its own height), enters block 2 built by this node,
// and leaves the pool once committed; an index outside the set is dropped and counted.
TEST(LedgerApplicationEvidenceTest, ReportedEvidenceEntersTheNextBlockAndLeavesThePool) {
  ledger::testing::TestChain chain;
  LedgerApplication app(
      chain.ledger(), chain.proposer().pubkey(), [] { return kNowMs; }, {},
      consensus::EngineConfig{}.blocks_per_height_max);
  consensus::Evidence evidence;
  evidence.validator_index = 0;
  evidence.height = 1;
  evidence.round = 0;
  evidence.step = consensus::SignStep::kPrevote;
  evidence.hash_a.bytes.fill(0x22);
  evidence.hash_b.bytes.fill(0x11);
  for (auto [hash, sig] : {std::pair{&evidence.hash_a, &evidence.sig_a},
                           std::pair{&evidence.hash_b, &evidence.sig_b}}) {
    *sig = sign(
        chain.proposer(),
        consensus::vote_digest(kChainIdDevnet, 1, 0, consensus::VoteType::kPrevote, *hash).span());
  }
  app.add_evidence(evidence);
  consensus::Evidence outside = evidence;
  outside.validator_index = 1;
  app.add_evidence(outside);
  EXPECT_EQ(app.counters().evidence_kept, 1u);
  EXPECT_EQ(app.counters().evidence_dropped, 1u);
  ASSERT_EQ(app.evidence_pending(), 1u);

  auto commit = [&](std::uint64_t height) {
    const consensus::BlockCandidate candidate = app.build_block(height, 0).value();
    CommitCertificate certificate;
    certificate.height = height;
    certificate.block_hash = candidate.hash;
    EXPECT_TRUE(app.commit_block(height, candidate.hash, candidate.payload, certificate).is_ok());
    return decode_block(candidate.payload).value();
  };
  EXPECT_EQ(commit(1).transactions.size(), 1u);
  EXPECT_EQ(app.evidence_pending(), 1u);
  const Block block2 = commit(2);
  ASSERT_EQ(block2.transactions.size(), 2u);
  EXPECT_EQ(block2.transactions[1].kind, TxKind::kEquivocationEvidence);
  EXPECT_LT(block2.transactions[1].evidence.hash_a, block2.transactions[1].evidence.hash_b);
  EXPECT_EQ(app.counters().slashed, 1u);
  EXPECT_EQ(app.evidence_pending(), 0u);
  EXPECT_TRUE(chain.ledger().registry().find(chain.proposer().pubkey())->slashed);
}

}  // namespace
}  // namespace tc::node
