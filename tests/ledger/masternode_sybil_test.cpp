// Goal: a registration proves possession of its consensus key, so nobody can
// register (and so block) a key that is not theirs; whatever the number of free-tier records they
// take at most the free tier's bound of the reward; and every record can leave the set.
// Method: TestChain (MemoryBackend, one gold genesis masternode, epochs of 4 blocks) with signed
// free-tier registrations through mempool intake, block building and block execution; forged
// registrations are made by re-pointing a proof at another key or another fee input and
// re-signing the inputs, so only the proof is wrong.
// Scenarios:
//   - front-running: a registration naming someone else's key, with a proof by the sender's own
//     key, is refused at intake (bad_possession_proof) and in a block (the block is rejected
//     naming the tx; the store is unchanged), and the key's owner can still register it;
//   - replay: a valid proof copied into a registration with another fee input is refused;
//   - the bound: N sybil free-tier records (N = 1 ... 100,000, genesis records so that no
//     transaction is needed) next to four gold validators: over consecutive blocks the free
//     records together get at most free_tier_share_per_mille of each block's reward, and the
//     gold validators at least the rest less the proposer's rounding; free_tier_pool() directly
//     for extreme weights;
//   - the exit: a free-tier record registered on chain leaves the active set
//     free_tier_lifetime_epochs after it joined and is erased (the key may register again), a
//     genesis free-tier record too, and a restarted ledger agrees with the running one.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/hashing.h"
#include "core/keys.h"
#include "ledger/ledger.h"
#include "ledger/reward.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::hash_of;
using testing::make_registration;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;

constexpr std::uint64_t kFee = 1'000'000;

TestChainOptions small_epochs() {
  TestChainOptions options;
  options.coin_count = 16;
  options.config.params.epoch_blocks = 4;
  return options;
}

class PossessionProofTest : public ::testing::Test {
 protected:
  Amount change() const { return Amount(chain_.coin_value().satoshis() - kFee); }
  Transaction register_free(std::uint32_t fee_coin, const KeyPair& consensus_key) {
    return make_registration(chain_.wallet(), chain_.coin(fee_coin), change(),
                             MasternodeTier::kFree, OutPoint{}, consensus_key);
  }
  // A registration for `victim` whose proof is by `sender`: what a front-runner can produce.
  Transaction front_run(std::uint32_t fee_coin, const KeyPair& sender, const KeyPair& victim) {
    Transaction tx = register_free(fee_coin, sender);
    tx.registration.consensus_pubkey = victim.pubkey();
    sign_transaction(chain_.wallet(), &tx);
    return tx;
  }

  TestChain chain_{small_epochs()};
};

TEST_F(PossessionProofTest, FrontRunningAtIntakeIsRefused) {
  const KeyPair victim = test_key(60);
  const KeyPair attacker = test_key(61);
  EXPECT_EQ(chain_.submit(front_run(0, attacker, victim)), RejectReason::kBadPossessionProof);
  // A proof left all zero is no better.
  Transaction unsigned_proof = register_free(0, victim);
  unsigned_proof.registration.possession_sig = Signature{};
  sign_transaction(chain_.wallet(), &unsigned_proof);
  EXPECT_EQ(chain_.submit(unsigned_proof), RejectReason::kBadPossessionProof);
  // The key stays free for its owner.
  EXPECT_EQ(chain_.submit(register_free(1, victim)), RejectReason::kOk);
}

TEST_F(PossessionProofTest, FrontRunningInABlockIsRejected) {
  const KeyPair victim = test_key(60);
  ASSERT_EQ(chain_.submit(register_free(0, test_key(62))), RejectReason::kOk);
  auto built = chain_.ledger().build_block(chain_.next_template());
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  Block block = *built;
  ASSERT_EQ(block.transactions.size(), 2u);
  // Same fee, so the coinbase still matches: only the proof is wrong.
  block.transactions[1] = front_run(0, test_key(62), victim);
  const BlockRoots roots = block_roots(block.transactions);
  block.header.tx_root = roots.tx_root;
  block.header.wtx_root = roots.wtx_root;
  const auto executed = chain_.ledger().execute_block(block);
  ASSERT_FALSE(executed.is_ok());
  EXPECT_NE(executed.status().message().find("block 1: tx 1: bad_possession_proof"),
            std::string::npos)
      << executed.status().to_string();
  EXPECT_EQ(chain_.ledger().tip()->height, 0u);
  EXPECT_FALSE(chain_.ledger().registry().find(victim.pubkey()).has_value());
}

TEST_F(PossessionProofTest, ProofReplayedWithAnotherFeeInputIsRefused) {
  const KeyPair owner = test_key(63);
  const Transaction genuine = register_free(0, owner);
  Transaction replayed = register_free(1, owner);
  replayed.registration.possession_sig = genuine.registration.possession_sig;
  sign_transaction(chain_.wallet(), &replayed);
  EXPECT_EQ(chain_.submit(replayed), RejectReason::kBadPossessionProof);
  EXPECT_EQ(chain_.submit(genuine), RejectReason::kOk);
}

// Genesis with four gold validators (the first proposes) and `sybils` free-tier records whose
// reward hashes all start with 0xf5, so their takings can be summed from the coinbase.
struct SybilNetwork {
  explicit SybilNetwork(std::size_t sybils, LedgerParams params = {}) {
    GenesisConfig genesis;
    genesis.timestamp_ms = 1'700'000'000'000ull;
    genesis.allocations.push_back(TxOutput{Amount::from_time(10), hash_of(test_key(100))});
    for (std::uint8_t i = 0; i < 4; ++i) {
      MasternodeRecord gold;
      gold.tier = MasternodeTier::kGold;
      gold.consensus_pubkey = test_key(100 + i).pubkey();
      gold.reward_pubkey_hash = hash_of(test_key(100 + i));
      genesis.masternodes.push_back(gold);
    }
    for (std::size_t i = 0; i < sybils; ++i) {
      MasternodeRecord sybil;
      sybil.consensus_pubkey.bytes[0] = static_cast<std::uint8_t>(i);
      sybil.consensus_pubkey.bytes[1] = static_cast<std::uint8_t>(i >> 8);
      sybil.consensus_pubkey.bytes[2] = static_cast<std::uint8_t>(i >> 16);
      sybil.consensus_pubkey.bytes[3] = 0xf5;
      sybil.reward_pubkey_hash = PubkeyHash::from_span(sybil.consensus_pubkey.span().first(20));
      sybil.reward_pubkey_hash.bytes[0] = 0xf5;
      sybil.reward_pubkey_hash.bytes[19] = static_cast<std::uint8_t>(i);
      genesis.masternodes.push_back(sybil);
    }
    config.params = params;
    ledger = std::move(Ledger::open(config, &backend).value());
    status = ledger->commit_genesis(genesis);
  }
  static bool is_sybil(const PubkeyHash& hash) { return hash.bytes[0] == 0xf5; }

  Result<Block> produce() {
    const auto tip = ledger->tip();
    BlockTemplate tmpl;
    tmpl.height = tip->height + 1;
    tmpl.prev_hash = tip->hash;
    tmpl.timestamp_ms = 1'700'000'000'000ull + tmpl.height * 1'000;
    tmpl.proposer = test_key(100).pubkey();
    TC_ASSIGN_OR_RETURN(Block block, ledger->build_block(tmpl));
    TC_ASSIGN_OR_RETURN(ExecutedBlock executed, ledger->execute_block(block));
    TC_ASSIGN_OR_RETURN(auto finalized,
                        ledger->commit_block(executed, TestChain::certificate_for(block)));
    (void)finalized;
    return block;
  }

  LedgerConfig config;
  MemoryBackend backend;
  std::unique_ptr<Ledger> ledger;
  Status status;
};

TEST(FreeTierBoundTest, SybilsTakeAtMostTheBoundWhateverTheirNumber) {
  for (const std::size_t sybils : {1ul, 40ul, 4'000ul, 100'000ul}) {
    SCOPED_TRACE(sybils);
    SybilNetwork network(sybils);
    ASSERT_TRUE(network.status.is_ok()) << network.status.to_string();
    const LedgerParams& params = network.config.params;
    const std::uint64_t total = params.block_reward.satoshis();
    const std::uint64_t bound = total * params.free_tier_share_per_mille / 1000;
    for (int b = 0; b < 3; ++b) {
      auto block = network.produce();
      ASSERT_TRUE(block.is_ok()) << block.status().to_string();
      std::uint64_t to_sybils = 0;
      std::uint64_t to_gold = 0;
      std::uint64_t sum = 0;
      for (const TxOutput& output : block->transactions[0].outputs) {
        (SybilNetwork::is_sybil(output.pubkey_hash) ? to_sybils : to_gold) +=
            output.value.satoshis();
        sum += output.value.satoshis();
      }
      EXPECT_EQ(sum, total);
      EXPECT_LE(to_sybils, bound);
      EXPECT_GE(to_gold, total - bound);
      // Without the bound, 4,000 records of weight 100 beside 400,000 of gold take half.
      if (sybils >= 4'000) {
        EXPECT_GT(to_sybils, bound - bound / 100);
      }
      // One sybil gets its weight share, well under the bound.
      if (sybils == 1) {
        EXPECT_EQ(to_sybils, total * 100 / 400'100);
      }
      EXPECT_LE(block->transactions[0].outputs.size(), kMaxCoinbaseRecipients + 1);
    }
  }
}

TEST(FreeTierBoundTest, PoolIsTheSmallerOfWeightShareAndCap) {
  const Amount total = Amount::from_time(100);
  EXPECT_EQ(free_tier_pool(total, 400'000, 0, 100), Amount(0));
  EXPECT_EQ(free_tier_pool(total, 400'000, 100, 100), Amount(total.satoshis() * 100 / 400'100));
  EXPECT_EQ(free_tier_pool(total, 400'000, 400'000, 100), Amount(total.satoshis() / 10));
  const std::uint64_t huge = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(free_tier_pool(Amount(huge), huge, huge, 1000), Amount(huge / 2));
  EXPECT_EQ(free_tier_pool(Amount(huge), 0, huge, 1000), Amount(huge));
  EXPECT_EQ(free_tier_pool(Amount(huge), 1, huge, 100),
            Amount(static_cast<std::uint64_t>(static_cast<unsigned __int128>(huge) * 100 / 1000)));
}

TEST(FreeTierExitTest, EveryFreeRecordLeavesAfterItsLifetime) {
  LedgerParams params;
  params.epoch_blocks = 4;
  params.free_tier_lifetime_epochs = 2;
  SybilNetwork network(1, params);  // one genesis free-tier record: active over [0, 8)
  ASSERT_TRUE(network.status.is_ok());
  const MasternodeRegistry& registry = network.ledger->registry();
  EXPECT_EQ(registry.active_at(7).size(), 5u);
  EXPECT_EQ(registry.active_at(8).size(), 4u);
  for (int h = 1; h <= 6; ++h) ASSERT_TRUE(network.produce().is_ok());
  EXPECT_EQ(registry.size(), 5u);
  ASSERT_TRUE(network.produce().is_ok());  // 7: the block before the boundary erases it
  EXPECT_EQ(registry.size(), 4u);
  auto block8 = network.produce();
  ASSERT_TRUE(block8.is_ok());
  for (const TxOutput& output : block8->transactions[0].outputs) {
    EXPECT_FALSE(SybilNetwork::is_sybil(output.pubkey_hash));
  }
}

TEST(FreeTierExitTest, OnChainFreeRecordLeavesAndMayRegisterAgain) {
  TestChainOptions options = small_epochs();
  options.config.params.free_tier_lifetime_epochs = 2;
  TestChain chain(options);
  const KeyPair relay = test_key(70);
  const Amount change(chain.coin_value().satoshis() - kFee);
  ASSERT_EQ(chain.submit(make_registration(chain.wallet(), chain.coin(0), change,
                                           MasternodeTier::kFree, OutPoint{}, relay)),
            RejectReason::kOk);
  ASSERT_TRUE(chain.produce_block().is_ok());  // 1: registered, active over [4, 12)
  const MasternodeRegistry& registry = chain.ledger().registry();
  EXPECT_EQ(registry.active_at(3).size(), 1u);
  EXPECT_EQ(registry.active_at(4).size(), 2u);
  EXPECT_EQ(registry.active_at(11).size(), 2u);
  EXPECT_EQ(registry.active_at(12).size(), 1u);
  for (int h = 2; h <= 10; ++h) ASSERT_TRUE(chain.produce_block().is_ok());
  EXPECT_TRUE(registry.find(relay.pubkey()).has_value());
  // Still registered: a second registration is a duplicate, not a renewal.
  EXPECT_EQ(chain.submit(make_registration(chain.wallet(), chain.coin(1), change,
                                           MasternodeTier::kFree, OutPoint{}, relay)),
            RejectReason::kDuplicateConsensusKey);
  auto erasing = chain.produce_block();  // 11
  ASSERT_TRUE(erasing.is_ok());
  EXPECT_EQ(erasing->registry_delta.erased.size(), 1u);
  EXPECT_FALSE(registry.find(relay.pubkey()).has_value());

  // A restarted ledger over the same store agrees.
  LedgerConfig config = options.config;
  auto reopened = Ledger::open(config, &chain.ledger().backend());
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ((*reopened)->registry().size(), 1u);

  EXPECT_EQ(chain.submit(make_registration(chain.wallet(), chain.coin(1), change,
                                           MasternodeTier::kFree, OutPoint{}, relay)),
            RejectReason::kOk);
  ASSERT_TRUE(chain.produce_block().is_ok());  // 12
  EXPECT_EQ(registry.active_at(16).size(), 2u);
}

}  // namespace
}  // namespace tc::ledger
