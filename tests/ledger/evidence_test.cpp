// Equivocation evidence in blocks (docs/protocol.md, "Evidence payload"; docs/ledger.md):
//   - a proposer includes the evidence it holds right after the coinbase; every replica checks it
//     (two valid signatures of one validator of that height for one (height, round, step) and two
//     different pairs) and the validator leaves the set at the next epoch boundary, its collateral
//     frozen until then and free again once the record is erased;
//   - each way evidence can be wrong is refused by block execution with its reason, and skipped by
//     the builder: malformed pairs, a signature that does not verify (or signs another chain), a
//     key that had no voting power at that height, a validator that already leaves, evidence after
//     other transactions, evidence sent to the mempool;
//   - the slashed state survives reopening the ledger over the same backend.
// Signatures are made with consensus/messages.h directly, not with the ledger's evidence_digests.
#include <gtest/gtest.h>

#include "consensus/messages.h"
#include "ledger/masternode_registry.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using consensus::SignStep;
using testing::hash_of;
using testing::make_registration;
using testing::make_transfer;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;

constexpr std::uint64_t kCoin = 1'000'000'000;

constexpr std::uint8_t kBronzeKey = 60;
constexpr std::uint32_t kFeeCoin = 0;
constexpr std::uint32_t kCollateralCoin = 8;

Hash256 filled(std::uint8_t byte) {
  Hash256 hash;
  hash.bytes.fill(byte);
  return hash;
}

// Two prevotes (or precommits) by `key` for different blocks at (height, round), in canonical
// order, signed for `chain_id`.
EvidencePayload double_vote(const KeyPair& key, std::uint64_t height, std::uint32_t round,
                            SignStep step = SignStep::kPrevote,
                            std::uint32_t chain_id = kChainIdDevnet) {
  const consensus::VoteType type =
      step == SignStep::kPrevote ? consensus::VoteType::kPrevote : consensus::VoteType::kPrecommit;
  EvidencePayload evidence;
  evidence.validator = key.pubkey();
  evidence.height = height;
  evidence.round = round;
  evidence.step = static_cast<std::uint8_t>(step);
  evidence.hash_a = filled(0x11);
  evidence.hash_b = filled(0x22);
  evidence.pol_round_a = consensus::kNoPolRound;
  evidence.pol_round_b = consensus::kNoPolRound;
  evidence.sig_a =
      sign(key, consensus::vote_digest(chain_id, height, round, type, evidence.hash_a).span());
  evidence.sig_b =
      sign(key, consensus::vote_digest(chain_id, height, round, type, evidence.hash_b).span());
  return evidence;
}

// Two proposals by `key` at (height, round) for one block with different pol_rounds.
EvidencePayload double_proposal(const KeyPair& key, std::uint64_t height, std::uint32_t round) {
  EvidencePayload evidence;
  evidence.validator = key.pubkey();
  evidence.height = height;
  evidence.round = round;
  evidence.step = static_cast<std::uint8_t>(SignStep::kProposal);
  evidence.hash_a = filled(0x33);
  evidence.hash_b = filled(0x33);
  evidence.pol_round_a = 0;
  evidence.pol_round_b = consensus::kNoPolRound;
  evidence.sig_a = sign(
      key, consensus::proposal_digest(kChainIdDevnet, height, round, 0, evidence.hash_a).span());
  evidence.sig_b = sign(key, consensus::proposal_digest(kChainIdDevnet, height, round,
                                                        consensus::kNoPolRound, evidence.hash_b)
                                 .span());
  return evidence;
}

Transaction evidence_tx(const EvidencePayload& evidence) {
  Transaction tx;
  tx.kind = TxKind::kEquivocationEvidence;
  tx.chain_id = kChainIdDevnet;
  tx.evidence = evidence;
  return tx;
}

// A chain with epochs of 4 blocks where a Bronze masternode (key 60, collateral coin 8) registers
// in block 1 and is active from height 4; the tip is height 5.
class EvidenceTest : public ::testing::Test {
 protected:
  static TestChainOptions options(LedgerBackend* backend = nullptr) {
    TestChainOptions options;
    options.coin_count = 8;
    options.config.params.epoch_blocks = 4;
    options.extra_coins = {tier_rules(MasternodeTier::kBronze).collateral};
    options.backend = backend;
    return options;
  }

  void SetUp() override {
    ASSERT_TRUE(chain_.genesis_status().is_ok());
    const Transaction registration =
        make_registration(chain_.wallet(), chain_.coin(kFeeCoin), Amount(kCoin - 1'000'000),
                          MasternodeTier::kBronze, chain_.coin(kCollateralCoin), bronze_);
    ASSERT_EQ(chain_.submit(registration), RejectReason::kOk);
    for (int h = 1; h <= 5; ++h) ASSERT_TRUE(chain_.produce_block().is_ok());
    ASSERT_EQ(chain_.ledger().registry().active_at(5).size(), 2u);
  }

  // The next block as the builder makes it with `evidence`, executed (not committed).
  Result<ExecutedBlock> build_and_execute(std::span<const EvidencePayload> evidence,
                                          BuildStats* stats = nullptr) {
    BlockTemplate tmpl = chain_.next_template();
    tmpl.evidence = evidence;
    TC_ASSIGN_OR_RETURN(Block block, chain_.ledger().build_block(tmpl, 0, stats));
    return chain_.ledger().execute_block(block);
  }

  // The next block (built without evidence) with `txs` inserted right after the coinbase, resealed.
  Block block_with(std::vector<Transaction> txs, std::size_t at = 1) {
    Block block = chain_.ledger().build_block(chain_.next_template()).value();
    block.transactions.insert(block.transactions.begin() + static_cast<std::ptrdiff_t>(at),
                              txs.begin(), txs.end());
    EXPECT_TRUE(chain_.seal(&block).is_ok());
    return block;
  }

  void expect_refused(const Block& block, std::string_view reason) {
    const auto executed = chain_.ledger().execute_block(block);
    ASSERT_FALSE(executed.is_ok());
    EXPECT_NE(executed.status().message().find(reason), std::string_view::npos)
        << executed.status().to_string();
  }

  // A transfer spending the Bronze collateral.
  Transaction spend_collateral() {
    const std::vector<OutPoint> inputs{chain_.coin(kCollateralCoin)};
    const Amount bronze = tier_rules(MasternodeTier::kBronze).collateral;
    return make_transfer(chain_.wallet(), inputs,
                         {TxOutput{Amount(bronze.satoshis() - 200'000'000), hash_of(test_key(7))}});
  }

  MemoryBackend backend_;
  TestChain chain_{options(&backend_)};
  KeyPair bronze_ = test_key(kBronzeKey);
};

TEST_F(EvidenceTest, RemovesTheValidatorAtTheNextBoundaryWithItsCollateralFrozenUntilThen) {
  const EvidencePayload evidence = double_vote(bronze_, 4, 0);
  BuildStats stats;
  auto block6 = build_and_execute(std::span(&evidence, 1), &stats);
  ASSERT_TRUE(block6.is_ok()) << block6.status().to_string();
  EXPECT_EQ(stats.evidence_included, 1u);
  ASSERT_EQ(block6->block.transactions.size(), 2u);
  EXPECT_EQ(block6->block.transactions[1].kind, TxKind::kEquivocationEvidence);
  ASSERT_EQ(block6->registry_delta.slashed.size(), 1u);
  ASSERT_TRUE(
      chain_.ledger().commit_block(*block6, TestChain::certificate_for(block6->block)).is_ok());

  const auto record = chain_.ledger().registry().find(bronze_.pubkey());
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(record->slashed);
  EXPECT_EQ(record->deregistered_height, 6u);
  EXPECT_EQ(chain_.ledger().registry().active_at(7).size(), 2u);  // still in this epoch's set
  EXPECT_EQ(chain_.ledger().registry().active_at(8).size(), 1u);  // gone at the boundary

  // Frozen: the mempool refuses to spend the collateral, and so does block execution.
  EXPECT_EQ(chain_.submit(spend_collateral()), RejectReason::kCollateralFrozen);
  expect_refused(block_with({spend_collateral()}), "collateral_frozen");
  // Named once: more evidence against it is refused and skipped by the builder.
  const EvidencePayload again = double_vote(bronze_, 5, 1, SignStep::kPrecommit);
  expect_refused(block_with({evidence_tx(again)}), "evidence_already_leaving");

  BuildStats stats7;
  auto block7 = build_and_execute(std::span(&again, 1), &stats7);
  ASSERT_TRUE(block7.is_ok()) << block7.status().to_string();
  EXPECT_EQ(stats7.evidence_skipped, 1u);
  EXPECT_EQ(block7->registry_delta.erased.size(), 1u);  // the block before the boundary erases it
  ASSERT_TRUE(
      chain_.ledger().commit_block(*block7, TestChain::certificate_for(block7->block)).is_ok());
  EXPECT_FALSE(chain_.ledger().registry().find(bronze_.pubkey()).has_value());
  EXPECT_FALSE(chain_.ledger().registry().collateral_frozen(chain_.coin(kCollateralCoin)));
  // Erased: the collateral is the owner's again.
  EXPECT_EQ(chain_.submit(spend_collateral()), RejectReason::kOk);
  auto block8 = chain_.produce_block();
  ASSERT_TRUE(block8.is_ok()) << block8.status().to_string();
  EXPECT_EQ(block8->block.transactions.size(), 2u);
}

TEST_F(EvidenceTest, ProposalsWithDifferentPolRoundsAreEquivocation) {
  const EvidencePayload evidence = double_proposal(bronze_, 5, 2);
  auto block6 = build_and_execute(std::span(&evidence, 1));
  ASSERT_TRUE(block6.is_ok()) << block6.status().to_string();
  EXPECT_EQ(block6->registry_delta.slashed.size(), 1u);
}

TEST_F(EvidenceTest, MalformedEvidenceIsRefused) {
  auto refused = [&](EvidencePayload evidence, const char* why) {
    SCOPED_TRACE(why);
    expect_refused(block_with({evidence_tx(evidence)}), "bad_evidence");
    BuildStats stats;
    auto built = build_and_execute(std::span(&evidence, 1), &stats);
    ASSERT_TRUE(built.is_ok()) << built.status().to_string();
    EXPECT_EQ(stats.evidence_skipped, 1u);
    EXPECT_TRUE(built->registry_delta.slashed.empty());
  };
  const EvidencePayload good = double_vote(bronze_, 4, 0);
  EvidencePayload same = good;
  same.hash_b = same.hash_a;
  same.sig_b = same.sig_a;
  refused(same, "the same vote twice");
  EvidencePayload swapped = good;
  std::swap(swapped.hash_a, swapped.hash_b);
  std::swap(swapped.sig_a, swapped.sig_b);
  refused(swapped, "pairs out of canonical order");
  EvidencePayload step = good;
  step.step = 4;
  refused(step, "not a signing step");
  EvidencePayload pol_round = good;
  pol_round.pol_round_a = 0;
  refused(pol_round, "a vote with a pol_round");
  refused(double_vote(bronze_, 6, 0), "for the block's own height");

  Transaction locked = evidence_tx(good);
  locked.lock_time = 3;
  expect_refused(block_with({locked}), "bad_evidence");
}

TEST_F(EvidenceTest, SignaturesMustVerifyForThisChain) {
  EvidencePayload flipped = double_vote(bronze_, 4, 0);
  flipped.sig_b.bytes[5] ^= 0x01;
  expect_refused(block_with({evidence_tx(flipped)}), "evidence signature b: bad_signature");
  const EvidencePayload testnet = double_vote(bronze_, 4, 0, SignStep::kPrevote, kChainIdTestnet);
  expect_refused(block_with({evidence_tx(testnet)}), "evidence signature a: bad_signature");
  BuildStats stats;
  auto built = build_and_execute(std::span(&flipped, 1), &stats);
  ASSERT_TRUE(built.is_ok());
  EXPECT_EQ(stats.evidence_skipped, 1u);
}

TEST_F(EvidenceTest, OnlyValidatorsOfTheEvidenceHeightCanBeNamed) {
  // Not registered at all.
  expect_refused(block_with({evidence_tx(double_vote(test_key(77), 4, 0))}),
                 "evidence_not_validator");
  // Registered in block 1 but active only from height 4.
  expect_refused(block_with({evidence_tx(double_vote(bronze_, 3, 0))}), "evidence_not_validator");
  // The genesis validator was a validator at height 2.
  auto genesis = chain_.ledger().execute_block(
      block_with({evidence_tx(double_vote(chain_.proposer(), 2, 0))}));
  EXPECT_TRUE(genesis.is_ok()) << genesis.status().to_string();
}

TEST_F(EvidenceTest, OneEvidencePerValidatorFirstInTheBlock) {
  const Transaction first = evidence_tx(double_vote(bronze_, 4, 0));
  const Transaction second = evidence_tx(double_vote(bronze_, 5, 0, SignStep::kPrecommit));
  expect_refused(block_with({first, second}), "evidence_already_leaving");

  const std::vector<OutPoint> inputs{chain_.coin(3)};
  const Transaction transfer =
      make_transfer(chain_.wallet(), inputs, {TxOutput{Amount(kCoin / 2), hash_of(test_key(7))}});
  expect_refused(block_with({transfer, first}), "evidence after other transactions");
  // Spending the collateral in the block that names its masternode is refused too.
  expect_refused(block_with({first, spend_collateral()}), "collateral_frozen");
}

TEST_F(EvidenceTest, TheMempoolTakesNoEvidence) {
  EXPECT_EQ(chain_.submit(evidence_tx(double_vote(bronze_, 4, 0))),
            RejectReason::kEvidenceNotAllowed);
}

TEST_F(EvidenceTest, TheSlashedStateSurvivesReopening) {
  const EvidencePayload evidence = double_vote(bronze_, 4, 0);
  auto block6 = build_and_execute(std::span(&evidence, 1));
  ASSERT_TRUE(block6.is_ok());
  ASSERT_TRUE(
      chain_.ledger().commit_block(*block6, TestChain::certificate_for(block6->block)).is_ok());
  auto reopened = Ledger::open(options().config, &backend_);
  ASSERT_TRUE(reopened.is_ok());
  const auto record = (*reopened)->registry().find(bronze_.pubkey());
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(record->slashed);
  EXPECT_TRUE((*reopened)->registry().collateral_frozen(chain_.coin(kCollateralCoin)));
  EXPECT_EQ((*reopened)->registry().active_at(8).size(), 1u);
}

// docs/protocol.md's evidence vector: the vote digests computed by scripts/vectors/
// protocol_vectors.py from the text of docs/formats/consensus.md.
TEST(EvidenceDigestsTest, MatchTheWorkedVector) {
  EvidencePayload evidence;
  evidence.height = 812;
  evidence.round = 2;
  evidence.step = static_cast<std::uint8_t>(SignStep::kPrevote);
  for (std::size_t i = 0; i < 32; ++i) {
    evidence.hash_a.bytes[i] = static_cast<std::uint8_t>(0x10 + i);
    evidence.hash_b.bytes[i] = static_cast<std::uint8_t>(0x30 + i);
  }
  evidence.pol_round_a = consensus::kNoPolRound;
  evidence.pol_round_b = consensus::kNoPolRound;
  const std::array<Hash256, 2> digests = evidence_digests(evidence, kChainIdMainnet);
  EXPECT_EQ(to_hex(digests[0]), "628e4416c2b88ddc3e31fd6cc722cdcb3ef9349987279a02aaa33c4241119502");
  EXPECT_EQ(to_hex(digests[1]), "6768fbf33cd7d95b208053b11613bcaa11dcffd65c545908ea01c32489fe5425");
}

TEST(MasternodeRecordTest, StateByteRoundTripsAndRefusesUnknownStates) {
  MasternodeRecord record;
  record.tier = MasternodeTier::kSilver;
  record.consensus_pubkey.bytes.fill(9);
  record.registered_height = 12;
  record.deregistered_height = 40;
  record.slashed = true;
  Bytes value = encode_masternode_record(record);
  EXPECT_EQ(value[83], 2);
  const auto decoded = decode_masternode_record(record.consensus_pubkey.span(), value);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, record);
  value[83] = 3;
  const auto bad = decode_masternode_record(record.consensus_pubkey.span(), value);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("state byte 3"), std::string_view::npos);
}

}  // namespace
}  // namespace tc::ledger
