// Goal: every transaction rule of ledger/rules.h rejects what it must and accepts its boundary
// case, and the reward split never creates or loses a satoshi. Method: real signed transactions
// (core/keys.h) against a TestChain whose genesis pays 64 coins of 10 TIME to one wallet key;
// stateless rules through check_stateless, stateful ones through the mempool's admit (which runs
// check_inputs / check_registration on the committed UTXO set). Scenarios:
//   - each stateless rule: oversize, wrong chain, duplicate input (short and sorted paths), zero
//     value, dust (545 vs 546), output overflow, coinbase not allowed, bad tier, bad collateral
//     ref;
//   - each stateful rule: missing input, wrong owner, insufficient funds, fee floor (999 vs 1000),
//     proportional fee (0.1 % boundary), lock time, coinbase maturity (on and off), input overflow;
//   - reject_status names the txid, the input index and the reason;
//   - fee-rate comparison is exact; reward split sums exactly for odd totals over many
//     masternodes, pays the remainder to the proposer, and everything to the proposer when alone.
#include "ledger/rules.h"

#include <gtest/gtest.h>

#include <limits>

#include "ledger/reward.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::encode_tx;
using testing::hash_of;
using testing::make_registration;
using testing::make_transfer;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;
using testing::view_of;

constexpr std::uint64_t kCoin = 1'000'000'000;  // 10 TIME

RejectReason stateless(const Transaction& tx, const LedgerParams& params = {}) {
  const Bytes bytes = encode_tx(tx);
  TxFailure failure;
  return check_stateless(view_of(bytes), params, nullptr, &failure);
}

class RulesTest : public ::testing::Test {
 protected:
  Transaction pay(std::vector<OutPoint> inputs, std::vector<std::uint64_t> values) {
    std::vector<TxOutput> outputs;
    for (std::uint64_t v : values) outputs.push_back(TxOutput{Amount(v), hash_of(test_key(7))});
    return make_transfer(chain_.wallet(), inputs, outputs);
  }
  TestChain chain_;
};

TEST_F(RulesTest, ValidTransferPasses) {
  ASSERT_TRUE(chain_.genesis_status().is_ok()) << chain_.genesis_status().to_string();
  EXPECT_EQ(chain_.submit(pay({chain_.coin(0)}, {kCoin - 1'000'000})), RejectReason::kOk);
}

TEST_F(RulesTest, Oversize) {
  const Transaction tx = pay({chain_.coin(0)}, {kCoin / 2, kCoin / 4});
  LedgerParams small;
  small.tx_bytes_max = encode_tx(tx).size() - 1;
  EXPECT_EQ(stateless(tx, small), RejectReason::kOversize);
  small.tx_bytes_max += 1;
  EXPECT_EQ(stateless(tx, small), RejectReason::kOk);
}

TEST_F(RulesTest, WrongChain) {
  std::vector<OutPoint> inputs{chain_.coin(0)};
  const Transaction tx =
      make_transfer(chain_.wallet(), inputs, {TxOutput{Amount(kCoin / 2), hash_of(test_key(7))}},
                    kChainIdMainnet);
  EXPECT_EQ(chain_.submit(tx), RejectReason::kWrongChain);
}

TEST_F(RulesTest, DuplicateInputShortAndSortedPaths) {
  EXPECT_EQ(stateless(pay({chain_.coin(0), chain_.coin(0)}, {kCoin})),
            RejectReason::kDuplicateInput);
  std::vector<OutPoint> many;
  for (std::uint32_t i = 0; i < 12; ++i) many.push_back(chain_.coin(i));
  EXPECT_EQ(stateless(pay(many, {kCoin})), RejectReason::kOk);
  many.push_back(chain_.coin(5));
  const Bytes bytes = encode_tx(pay(many, {kCoin}));
  TxFailure failure;
  EXPECT_EQ(check_stateless(view_of(bytes), {}, nullptr, &failure), RejectReason::kDuplicateInput);
  EXPECT_EQ(failure.input_index, 12u);
}

TEST_F(RulesTest, ZeroValueAndDust) {
  EXPECT_EQ(stateless(pay({chain_.coin(0)}, {kCoin / 2, 0})), RejectReason::kZeroValue);
  EXPECT_EQ(stateless(pay({chain_.coin(0)}, {kCoin / 2, 545})), RejectReason::kDust);
  EXPECT_EQ(stateless(pay({chain_.coin(0)}, {kCoin / 2, 546})), RejectReason::kOk);
}

TEST_F(RulesTest, OutputOverflow) {
  const std::uint64_t half = std::uint64_t{1} << 63;
  EXPECT_EQ(stateless(pay({chain_.coin(0)}, {half, half})), RejectReason::kOutputOverflow);
  EXPECT_EQ(stateless(pay({chain_.coin(0)}, {half, half - 1})), RejectReason::kOk);
}

TEST_F(RulesTest, CoinbaseNotAllowedInMempool) {
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = kChainIdDevnet;
  coinbase.coinbase_height = 1;
  coinbase.outputs.push_back(TxOutput{Amount(kCoin), hash_of(test_key(7))});
  EXPECT_EQ(chain_.submit(coinbase), RejectReason::kCoinbaseNotAllowed);
}

TEST_F(RulesTest, RegistrationTierAndCollateralReference) {
  const KeyPair key = test_key(50);
  Transaction tx = make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin - 1'000'000),
                                     MasternodeTier::kBronze, chain_.coin(1), key);
  EXPECT_EQ(stateless(tx), RejectReason::kOk);
  tx.registration.tier = 4;
  EXPECT_EQ(stateless(tx), RejectReason::kBadTier);
  // Free tier must name no collateral; a paid tier may not name its own input.
  EXPECT_EQ(stateless(make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin / 2),
                                        MasternodeTier::kFree, chain_.coin(1), key)),
            RejectReason::kBadCollateralRef);
  EXPECT_EQ(stateless(make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin / 2),
                                        MasternodeTier::kFree, OutPoint{}, key)),
            RejectReason::kOk);
  EXPECT_EQ(stateless(make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin / 2),
                                        MasternodeTier::kBronze, chain_.coin(0), key)),
            RejectReason::kBadCollateralRef);
}

TEST_F(RulesTest, MissingInputAndWrongOwner) {
  OutPoint nowhere = chain_.coin(0);
  nowhere.vout = 9'999;
  EXPECT_EQ(chain_.submit(pay({nowhere}, {kCoin / 2})), RejectReason::kMissingInput);
  std::vector<OutPoint> inputs{chain_.coin(0)};
  const Transaction stolen =
      make_transfer(test_key(9), inputs, {TxOutput{Amount(kCoin / 2), hash_of(test_key(9))}});
  TxFailure failure;
  EXPECT_EQ(chain_.submit(stolen, 0, &failure), RejectReason::kWrongOwner);
  EXPECT_EQ(failure.input_index, 0u);
}

TEST_F(RulesTest, InsufficientFunds) {
  EXPECT_EQ(chain_.submit(pay({chain_.coin(0)}, {kCoin + 1})), RejectReason::kInsufficientFunds);
}

TEST_F(RulesTest, FeeFloorAndProportionalFee) {
  // Floor: outputs 500,000 need 1,000 sat (0.1 % would be only 500).
  TestChainOptions options;
  options.coin_value = Amount(501'000);
  TestChain small(options);
  auto pay_small = [&](std::uint32_t coin, std::uint64_t value) {
    std::vector<OutPoint> inputs{small.coin(coin)};
    return make_transfer(small.wallet(), inputs, {TxOutput{Amount(value), hash_of(test_key(7))}});
  };
  EXPECT_EQ(small.submit(pay_small(0, 500'001)), RejectReason::kFeeTooLow);  // fee 999
  EXPECT_EQ(small.submit(pay_small(1, 500'000)), RejectReason::kOk);         // fee 1,000
  // Proportional: from 10 TIME, outputs of 999,000,999 leave a fee of 999,001 >= 0.1 %; outputs
  // of 999,001,000 leave 999,000 < 999,001 (the 0.1 % of the outputs, rounded up).
  EXPECT_EQ(chain_.submit(pay({chain_.coin(0)}, {999'001'000})), RejectReason::kFeeTooLow);
  EXPECT_EQ(chain_.submit(pay({chain_.coin(1)}, {999'000'999})), RejectReason::kOk);
}

TEST_F(RulesTest, LockTime) {
  Transaction early = pay({chain_.coin(0)}, {kCoin / 2});
  early.lock_time = 2;  // the next block is 1
  sign_transaction(chain_.wallet(), &early);
  EXPECT_EQ(chain_.submit(early), RejectReason::kLockTime);
  Transaction now = pay({chain_.coin(1)}, {kCoin / 2});
  now.lock_time = 1;
  sign_transaction(chain_.wallet(), &now);
  EXPECT_EQ(chain_.submit(now), RejectReason::kOk);
}

TEST_F(RulesTest, CoinbaseMaturityWhenConfigured) {
  TestChainOptions options;
  options.config.params.coinbase_maturity_blocks = 2;
  TestChain mature(options);
  std::vector<OutPoint> inputs{mature.coin(0)};
  const Transaction tx =
      make_transfer(mature.wallet(), inputs, {TxOutput{Amount(kCoin / 2), hash_of(test_key(7))}});
  EXPECT_EQ(mature.submit(tx), RejectReason::kImmatureCoinbase);  // block 1 < 0 + 2
  ASSERT_TRUE(mature.produce_block().is_ok());
  EXPECT_EQ(mature.submit(tx), RejectReason::kOk);  // block 2 >= 0 + 2
  // The default (0) spends genesis coins in block 1.
  EXPECT_EQ(chain_.submit(pay({chain_.coin(0)}, {kCoin / 2})), RejectReason::kOk);
}

TEST_F(RulesTest, InputOverflow) {
  TestChainOptions options;
  const std::uint64_t half = std::uint64_t{1} << 63;
  options.extra_coins = {Amount(half), Amount(half)};
  options.coin_count = 1;
  TestChain rich(options);
  std::vector<OutPoint> inputs{rich.coin(1), rich.coin(2)};
  const Transaction tx =
      make_transfer(rich.wallet(), inputs, {TxOutput{Amount(kCoin), hash_of(test_key(7))}});
  TxFailure failure;
  EXPECT_EQ(rich.submit(tx, 0, &failure), RejectReason::kInputOverflow);
  EXPECT_EQ(failure.input_index, 1u);
}

TEST_F(RulesTest, RejectStatusNamesTxInputAndReason) {
  Hash256 id;
  id.bytes.fill(0xab);
  const Status status =
      reject_status(RejectReason::kWrongOwner, id, TxFailure{2, TxFailure::kNoIndex, 0, 0});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(to_hex(id)), std::string_view::npos);
  EXPECT_NE(status.message().find("input 2: wrong_owner"), std::string_view::npos);
  EXPECT_EQ(reject_status(RejectReason::kConflict, id, {}).code(), StatusCode::kAlreadyExists);
}

TEST(FeeRateTest, ExactComparison) {
  EXPECT_EQ(compare_fee_rate(Amount(1000), 250, Amount(2000), 500), 0);
  EXPECT_LT(compare_fee_rate(Amount(999), 250, Amount(2000), 500), 0);
  EXPECT_GT(compare_fee_rate(Amount(std::numeric_limits<std::uint64_t>::max()), 100'000,
                             Amount(std::numeric_limits<std::uint64_t>::max() - 1), 100'000),
            0);
}

TEST(RewardSplitTest, OddTotalsOverManyMasternodesSumExactly) {
  std::uint64_t rng = 12345;
  PubkeyHash proposer;
  proposer.bytes.fill(0xee);
  for (int round = 0; round < 50; ++round) {
    std::vector<RewardRecipient> recipients;
    const std::size_t count = 1 + (round * 97) % kMaxCoinbaseRecipients;
    for (std::size_t i = 0; i < count; ++i) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      RewardRecipient recipient;
      recipient.reward_pubkey_hash.bytes[0] = static_cast<std::uint8_t>(i);
      recipient.weight = tier_rules(static_cast<MasternodeTier>(rng >> 62)).reward_weight;
      recipients.push_back(recipient);
    }
    const Amount total(10'000'000'000ull + 2 * static_cast<std::uint64_t>(round) * 7'777 + 1);
    auto outputs = split_reward(total, recipients, proposer);
    ASSERT_TRUE(outputs.is_ok());
    std::uint64_t sum = 0;
    for (const TxOutput& output : *outputs) {
      EXPECT_GT(output.value.satoshis(), 0u);
      sum += output.value.satoshis();
    }
    EXPECT_EQ(sum, total.satoshis()) << "round " << round << " with " << count << " masternodes";
  }
}

TEST(RewardSplitTest, RemainderGoesToProposer) {
  PubkeyHash a, b, proposer;
  a.bytes.fill(1);
  b.bytes.fill(2);
  proposer.bytes.fill(3);
  const std::vector<RewardRecipient> recipients{{a, 1'000}, {b, 2'000}};
  auto outputs = split_reward(Amount(100), recipients, proposer);
  ASSERT_TRUE(outputs.is_ok());
  ASSERT_EQ(outputs->size(), 3u);
  EXPECT_EQ((*outputs)[0], (TxOutput{Amount(33), a}));
  EXPECT_EQ((*outputs)[1], (TxOutput{Amount(66), b}));
  EXPECT_EQ((*outputs)[2], (TxOutput{Amount(1), proposer}));
  // Divisible: no remainder output.
  EXPECT_EQ(split_reward(Amount(99), recipients, proposer)->size(), 2u);
  // No recipients: everything to the proposer.
  auto alone = split_reward(Amount(77), {}, proposer);
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_EQ((*alone)[0], (TxOutput{Amount(77), proposer}));
}

}  // namespace
}  // namespace tc::ledger
