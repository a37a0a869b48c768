// Goal: the coinbase pays at most kMaxCoinbaseRecipients masternodes, so no number of (free-tier,
// collateral-free) registrations can push it past kMaxTransactionBytes and halt the chain, and the
// rotating window pays every masternode equally often.
// Method: reward_window() checked directly against its definition; then a ledger over a
// MemoryBackend whose genesis registers 5,000 free-tier masternodes plus one gold proposer
// (genesis records cost no transactions), producing real blocks through build_block, the codec
// and execute_block.
// Scenarios:
//   - at most kMaxCoinbaseRecipients active: the window is the whole active set, in order;
//   - more: kMaxCoinbaseRecipients consecutive recipients from (h * K) mod n, wrapping; over n
//     consecutive heights every masternode is in exactly K windows; a height near 2^64 does not
//     overflow;
//   - split_reward refuses more than kMaxCoinbaseRecipients recipients;
//   - 5,001 active masternodes: blocks 1 and 2 build, their coinbases fit kMaxTransactionBytes,
//     decode, sum exactly to the reward, pay the paid-tier and free-tier windows of their height
//     (different windows; the free tier's capped pool), and execute_block accepts and commits them.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/codec.h"
#include "core/masternode_tier.h"
#include "ledger/block_builder.h"
#include "ledger/ledger.h"
#include "ledger/reward.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

constexpr std::size_t kCap = kMaxCoinbaseRecipients;

std::vector<RewardRecipient> numbered_recipients(std::size_t count) {
  std::vector<RewardRecipient> recipients(count);
  for (std::size_t i = 0; i < count; ++i) {
    recipients[i].reward_pubkey_hash.bytes[0] = static_cast<std::uint8_t>(i);
    recipients[i].reward_pubkey_hash.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    recipients[i].weight = 100;
  }
  return recipients;
}

std::size_t index_of(const RewardRecipient& recipient) {
  return recipient.reward_pubkey_hash.bytes[0] |
         static_cast<std::size_t>(recipient.reward_pubkey_hash.bytes[1]) << 8;
}

TEST(RewardWindowTest, SmallActiveSetIsPaidWhole) {
  const std::vector<RewardRecipient> active = numbered_recipients(kCap);
  for (std::uint64_t height : {0ull, 1ull, 7ull, 1'000'003ull}) {
    const std::vector<RewardRecipient> window = reward_window(height, active);
    ASSERT_EQ(window.size(), kCap);
    for (std::size_t i = 0; i < kCap; ++i) EXPECT_EQ(index_of(window[i]), i);
  }
  EXPECT_TRUE(reward_window(5, {}).empty());
}

TEST(RewardWindowTest, LargeActiveSetRotatesAndCoversEveryoneEqually) {
  const std::size_t n = 5'000;
  const std::vector<RewardRecipient> active = numbered_recipients(n);
  std::vector<std::size_t> times_paid(n, 0);
  for (std::uint64_t height = 1; height <= n; ++height) {
    const std::vector<RewardRecipient> window = reward_window(height, active);
    ASSERT_EQ(window.size(), kCap);
    const std::size_t start = (height * kCap) % n;
    for (std::size_t i = 0; i < kCap; ++i) {
      ASSERT_EQ(index_of(window[i]), (start + i) % n) << "height " << height << " slot " << i;
      ++times_paid[index_of(window[i])];
    }
  }
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(times_paid[i], kCap) << "masternode " << i;

  const std::uint64_t far = std::numeric_limits<std::uint64_t>::max();
  const std::size_t far_start = ((far % n) * (kCap % n)) % n;
  EXPECT_EQ(index_of(reward_window(far, active)[0]), far_start);
}

TEST(RewardWindowTest, SplitRefusesMoreThanTheCap) {
  PubkeyHash proposer;
  proposer.bytes.fill(0xee);
  EXPECT_TRUE(split_reward(Amount(1'000'000), numbered_recipients(kCap), proposer).is_ok());
  const auto over = split_reward(Amount(1'000'000), numbered_recipients(kCap + 1), proposer);
  ASSERT_FALSE(over.is_ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
}

TEST(CoinbaseCapTest, FiveThousandFreeMasternodesStillProduceBlocks) {
  constexpr std::size_t kFree = 5'000;
  const KeyPair proposer = testing::test_key(100);
  GenesisConfig genesis;
  genesis.timestamp_ms = 1'700'000'000'000ull;
  genesis.allocations.push_back(TxOutput{Amount::from_time(10), testing::hash_of(proposer)});
  MasternodeRecord gold;
  gold.tier = MasternodeTier::kGold;
  gold.consensus_pubkey = proposer.pubkey();
  gold.reward_pubkey_hash = testing::hash_of(proposer);
  genesis.masternodes.push_back(gold);
  for (std::size_t i = 0; i < kFree; ++i) {
    MasternodeRecord free;
    free.tier = MasternodeTier::kFree;
    free.consensus_pubkey.bytes[0] = static_cast<std::uint8_t>(i);
    free.consensus_pubkey.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    free.consensus_pubkey.bytes[2] = 0x77;
    free.reward_pubkey_hash.bytes[0] = static_cast<std::uint8_t>(i);
    free.reward_pubkey_hash.bytes[1] = static_cast<std::uint8_t>(i >> 8);
    free.reward_pubkey_hash.bytes[2] = 0x77;
    genesis.masternodes.push_back(free);
  }
  LedgerConfig config;
  MemoryBackend backend;
  auto opened = Ledger::open(config, &backend);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  Ledger& ledger = **opened;
  ASSERT_TRUE(ledger.commit_genesis(genesis).is_ok());

  std::vector<TxOutput> previous_outputs;
  for (std::uint64_t height = 1; height <= 2; ++height) {
    const std::vector<MasternodeRecord> active = ledger.registry().active_at(height);
    ASSERT_EQ(active.size(), kFree + 1);
    std::vector<RewardRecipient> paid;
    std::vector<RewardRecipient> free;
    RewardRecipients recipients;
    for (const MasternodeRecord& record : active) {
      const RewardRecipient recipient{record.reward_pubkey_hash,
                                      tier_rules(record.tier).reward_weight};
      const bool is_free = record.tier == MasternodeTier::kFree;
      (is_free ? free : paid).push_back(recipient);
      (is_free ? recipients.free_weight : recipients.paid_weight) += recipient.weight;
    }
    recipients.paid = reward_window(height, paid, kMaxPaidRecipients);
    recipients.free = reward_window(height, free, kMaxFreeRecipients);
    EXPECT_EQ(recipients.free.size(), kMaxFreeRecipients);
    const auto expected =
        split_block_reward(config.params.block_reward, recipients,
                           config.params.free_tier_share_per_mille, testing::hash_of(proposer));
    ASSERT_TRUE(expected.is_ok());

    const auto tip = ledger.tip();
    BlockTemplate tmpl;
    tmpl.height = height;
    tmpl.prev_hash = tip->hash;
    tmpl.timestamp_ms = genesis.timestamp_ms + height * 1'000;
    tmpl.proposer = proposer.pubkey();
    auto block = ledger.build_block(tmpl);
    ASSERT_TRUE(block.is_ok()) << block.status().to_string();
    const Transaction& coinbase = block->transactions[0];
    EXPECT_LE(coinbase.outputs.size(), kCap + 1);
    EXPECT_EQ(coinbase.outputs, *expected);
    EXPECT_NE(coinbase.outputs, previous_outputs) << "the window moves with the height";
    previous_outputs = coinbase.outputs;
    std::uint64_t sum = 0;
    for (const TxOutput& output : coinbase.outputs) sum += output.value.satoshis();
    EXPECT_EQ(sum, config.params.block_reward.satoshis());

    Bytes coinbase_bytes;
    encode(coinbase, &coinbase_bytes);
    EXPECT_LE(coinbase_bytes.size(), kMaxTransactionBytes);
    EXPECT_TRUE(TransactionView::parse(coinbase_bytes).is_ok());

    Bytes block_bytes;
    encode(*block, &block_bytes);
    auto executed = ledger.execute_block(block_bytes);
    ASSERT_TRUE(executed.is_ok()) << executed.status().to_string();
    auto committed = ledger.commit_block(*executed, testing::TestChain::certificate_for(*block));
    ASSERT_TRUE(committed.is_ok()) << committed.status().to_string();
    EXPECT_EQ(ledger.tip()->height, height);
  }
}

}  // namespace
}  // namespace tc::ledger
