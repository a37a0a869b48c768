// Goal: the mempool keeps the UTXO state machine's Locked state right under concurrency, orders and
// evicts by fee rate, honours its bounds and its TTL, and releases locks when a block settles them.
// Method: signed transfers from a TestChain genesis (64 coins of 10 TIME); fee rates chosen per
// case; concurrency through std::thread with a start barrier, repeated many times.
// Scenarios:
//   - double-spend race: two transactions spending the same coin submitted from 4 threads at once,
//     200 rounds: exactly one is pending each round, and every other submission is counted as a
//     conflict or duplicate;
//   - a second spender of a locked coin is rejected as a conflict and counted;
//   - duplicate submission; count bound evicts the lowest fee rate only for a higher one; byte
//   bound;
//   - TTL expiry releases the lock so the coin can be spent again;
//   - a committed block removes included transactions and invalidates a pending conflicting one;
//   - by_fee_rate returns highest fee rate first.
#include "ledger/mempool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/ledger/ledger_fixture.h"

namespace tc::ledger {
namespace {

using testing::encode_tx;
using testing::hash_of;
using testing::make_transfer;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;
using testing::view_of;

constexpr std::uint64_t kCoin = 1'000'000'000;

Transaction spend(const TestChain& chain, std::uint32_t coin, std::uint64_t fee,
                  std::uint8_t payee = 7) {
  std::vector<OutPoint> inputs{chain.coin(coin)};
  return make_transfer(chain.wallet(), inputs,
                       {TxOutput{Amount(kCoin - fee), hash_of(test_key(payee))}});
}

TEST(MempoolTest, DoubleSpendRaceExactlyOneWins) {
  TestChainOptions options;
  options.coin_count = 200;
  TestChain chain(options);
  constexpr int kThreads = 4;
  for (std::uint32_t round = 0; round < 200; ++round) {
    const Bytes a = encode_tx(spend(chain, round, 1'000'000, 7));
    const Bytes b = encode_tx(spend(chain, round, 2'000'000, 8));
    std::atomic<int> ready{0};
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        const Bytes& mine = (t % 2 == 0) ? a : b;
        if (chain.ledger().submit(view_of(mine), 0) == RejectReason::kOk) accepted.fetch_add(1);
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_EQ(accepted.load(), 1) << "round " << round;
    const bool a_in = chain.ledger().mempool().contains(txid(view_of(a)));
    const bool b_in = chain.ledger().mempool().contains(txid(view_of(b)));
    ASSERT_NE(a_in, b_in) << "round " << round;
  }
  const MempoolMetrics metrics = chain.ledger().mempool().metrics();
  EXPECT_EQ(metrics.count(RejectReason::kOk), 200u);
  EXPECT_EQ(metrics.count(RejectReason::kConflict) + metrics.count(RejectReason::kDuplicate),
            200u * (kThreads - 1));
  EXPECT_GT(metrics.count(RejectReason::kConflict), 0u);
}

TEST(MempoolTest, SecondSpenderIsConflictAndLockHolderIsFirst) {
  TestChain chain;
  Hash256 first;
  const Bytes a = encode_tx(spend(chain, 0, 1'000'000, 7));
  ASSERT_EQ(chain.ledger().mempool().admit(view_of(a), 0, nullptr, &first), RejectReason::kOk);
  EXPECT_EQ(chain.submit(spend(chain, 0, 5'000'000, 8)), RejectReason::kConflict);
  EXPECT_EQ(chain.ledger().mempool().lock_holder(chain.coin(0)), first);
  EXPECT_EQ(chain.ledger().mempool().metrics().count(RejectReason::kConflict), 1u);
  EXPECT_EQ(chain.ledger().mempool().admit(view_of(a), 0), RejectReason::kDuplicate);
  EXPECT_EQ(chain.ledger().tx_status(first).state, TxState::kPending);
}

TEST(MempoolTest, FullPoolEvictsLowestFeeRateOnlyForAHigherOne) {
  TestChainOptions options;
  options.config.mempool.tx_count_max = 3;
  TestChain chain(options);
  ASSERT_EQ(chain.submit(spend(chain, 0, 2'000'000)), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 1, 3'000'000)), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 2, 4'000'000)), RejectReason::kOk);
  // Equal to the lowest does not beat it.
  EXPECT_EQ(chain.submit(spend(chain, 3, 2'000'000)), RejectReason::kMempoolFull);
  EXPECT_EQ(chain.submit(spend(chain, 4, 5'000'000)), RejectReason::kOk);
  Mempool& mempool = chain.ledger().mempool();
  EXPECT_EQ(mempool.size(), 3u);
  EXPECT_FALSE(mempool.lock_holder(chain.coin(0)).has_value());  // the evicted one's lock is gone
  EXPECT_EQ(mempool.metrics().evicted, 1u);
  const auto ordered = mempool.by_fee_rate();
  ASSERT_EQ(ordered.size(), 3u);
  EXPECT_EQ(ordered[0]->fee, Amount(5'000'000));
  EXPECT_EQ(ordered[1]->fee, Amount(4'000'000));
  EXPECT_EQ(ordered[2]->fee, Amount(3'000'000));
}

TEST(MempoolTest, ByteBound) {
  TestChainOptions options;
  const std::size_t one = encode_tx(spend(TestChain(), 0, 1'000'000)).size();
  options.config.mempool.bytes_max = 2 * one;
  TestChain chain(options);
  ASSERT_EQ(chain.submit(spend(chain, 0, 2'000'000)), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 1, 2'000'000)), RejectReason::kOk);
  EXPECT_EQ(chain.submit(spend(chain, 2, 1'000'000)), RejectReason::kMempoolFull);
  EXPECT_EQ(chain.ledger().mempool().bytes(), 2 * one);
}

TEST(MempoolTest, TtlExpiryReleasesTheLock) {
  TestChainOptions options;
  options.config.mempool.ttl_ms = 1'000;
  TestChain chain(options);
  ASSERT_EQ(chain.submit(spend(chain, 0, 1'000'000, 7), 100), RejectReason::kOk);
  EXPECT_EQ(chain.ledger().expire(1'099), 0u);
  EXPECT_EQ(chain.ledger().expire(1'100), 1u);
  EXPECT_EQ(chain.ledger().mempool().size(), 0u);
  EXPECT_EQ(chain.ledger().mempool().metrics().expired, 1u);
  EXPECT_EQ(chain.submit(spend(chain, 0, 1'000'000, 8), 1'200), RejectReason::kOk);
}

TEST(MempoolTest, CommittedBlockRemovesIncludedAndInvalidatesConflicts) {
  TestChain chain;
  Hash256 included;
  const Bytes a = encode_tx(spend(chain, 0, 1'000'000, 7));
  ASSERT_EQ(chain.ledger().mempool().admit(view_of(a), 0, nullptr, &included), RejectReason::kOk);
  auto block = chain.produce_block();
  ASSERT_TRUE(block.is_ok()) << block.status().to_string();
  EXPECT_EQ(chain.ledger().mempool().size(), 0u);
  EXPECT_EQ(chain.ledger().tx_status(included).state, TxState::kFinalized);
  EXPECT_EQ(chain.ledger().tx_status(included).height, 1u);
  // Spending the now-spent coin again: missing input (SpentFinalized), not a mempool conflict.
  EXPECT_EQ(chain.submit(spend(chain, 0, 2'000'000, 8)), RejectReason::kMissingInput);

  // A block from another proposer path spends coin 1 with tx X while Y (pending here) spends it.
  const Transaction x = spend(chain, 1, 3'000'000, 9);
  ASSERT_EQ(chain.submit(spend(chain, 1, 1'000'000, 10)), RejectReason::kOk);
  const auto tip = chain.ledger().tip();
  ASSERT_TRUE(tip.has_value());
  auto built = chain.ledger().build_block(chain.next_template());
  ASSERT_TRUE(built.is_ok());
  Block other = *built;
  other.transactions.resize(1);  // drop Y; rebuild the coinbase for X's fee
  auto coinbase = make_coinbase(other.header.height, other.header.proposer, Amount(3'000'000),
                                chain.ledger().registry(), chain.ledger().params());
  ASSERT_TRUE(coinbase.is_ok());
  other.transactions[0] = *coinbase;
  other.transactions.push_back(x);
  ASSERT_TRUE(chain.seal(&other).is_ok());
  auto applied = chain.apply_block(other);
  ASSERT_TRUE(applied.is_ok()) << applied.status().to_string();
  EXPECT_EQ(chain.ledger().mempool().size(), 0u);
  EXPECT_EQ(chain.ledger().mempool().metrics().invalidated, 1u);
  EXPECT_FALSE(chain.ledger().mempool().lock_holder(chain.coin(1)).has_value());
}

}  // namespace
}  // namespace tc::ledger
