// Goal: block execution is deterministic and storage-independent: a chain of 1,000 blocks produced
// by one node and executed on a fresh node reproduces the same UTXO set hash at every checkpoint.
// Method: the producer is a TestChain over a MemoryBackend that builds each block from its mempool
// (two signed transfers per block, a bronze registration at block 10 whose collateral is spent at
// block 500); the replayer is a TestChain with the same genesis over a fresh RocksDB ChainStore
// (storage/chain_store.h) that executes and commits every produced block. UTXO digests use
// ChainStore's format in both, so they must be equal byte for byte.
// Scenarios: 1,000 blocks; digests compared every 100 blocks and at the end, with the tips and the
// masternode registries; at every checkpoint the header's utxo_digest (the incremental digest the
// producer built and the replayer checked) equals the digest of a full scan of either store; a
// ledger reopened over the replayer's store resumes the same incremental state.
#include <gtest/gtest.h>

#include <vector>

#include "storage/chain_store.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/storage/chain_fixture.h"

namespace tc::ledger {
namespace {

using testing::hash_of;
using testing::make_registration;
using testing::make_transfer;
using testing::test_key;
using testing::TestChain;
using testing::TestChainOptions;

constexpr std::uint64_t kBlocks = 1'000;

TestChainOptions replay_options(LedgerBackend* backend) {
  TestChainOptions options;
  options.coin_count = 32;
  options.config.params.epoch_blocks = 100;
  options.extra_coins = {tier_rules(MasternodeTier::kBronze).collateral};
  options.backend = backend;
  return options;
}

TEST(ReplayTest, ThousandBlocksReproduceTheUtxoSetHash) {
  TestChain producer(replay_options(nullptr));
  ASSERT_TRUE(producer.genesis_status().is_ok());

  const storage::testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  storage::StoreOptions store_options;
  store_options.path = dir.sub("db");
  store_options.read_path = storage::ReadPath::kDefault;
  auto store = storage::ChainStore::open(store_options);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  StoreBackend store_backend(store->get(), nullptr);
  TestChain replayer(replay_options(&store_backend));
  ASSERT_TRUE(replayer.genesis_status().is_ok());

  // Spendable wallet coins, oldest first: each transfer pays the wallet back minus a fee.
  std::vector<std::pair<OutPoint, std::uint64_t>> coins;
  for (std::uint32_t i = 0; i < 32; ++i) coins.push_back({producer.coin(i), 1'000'000'000});
  const OutPoint collateral = producer.coin(32);
  std::size_t next = 0;
  for (std::uint64_t height = 1; height <= kBlocks; ++height) {
    std::vector<std::pair<OutPoint, std::uint64_t>> spent_now;
    for (int k = 0; k < 2; ++k) {
      const auto [outpoint, value] = coins[next++ % coins.size()];
      const std::uint64_t out = value - value / 500;  // fee 0.2 %
      const std::vector<OutPoint> inputs{outpoint};
      const Transaction tx = make_transfer(producer.wallet(), inputs,
                                           {TxOutput{Amount(out), hash_of(producer.wallet())}});
      ASSERT_EQ(producer.submit(tx), RejectReason::kOk) << "height " << height;
      spent_now.push_back({OutPoint{txid(tx), 0}, out});
      coins[(next - 1) % coins.size()] = spent_now.back();
    }
    if (height == 10) {
      const auto [fee_coin, value] = coins[next++ % coins.size()];
      const Transaction reg =
          make_registration(producer.wallet(), fee_coin, Amount(value - value / 500),
                            MasternodeTier::kBronze, collateral, test_key(61));
      ASSERT_EQ(producer.submit(reg), RejectReason::kOk);
      coins[(next - 1) % coins.size()] = {OutPoint{txid(reg), 0}, value - value / 500};
    }
    if (height == 500) {
      const std::uint64_t value = tier_rules(MasternodeTier::kBronze).collateral.satoshis();
      const std::vector<OutPoint> inputs{collateral};
      ASSERT_EQ(producer.submit(
                    make_transfer(producer.wallet(), inputs,
                                  {TxOutput{Amount(value - value / 500), hash_of(test_key(7))}})),
                RejectReason::kOk);
    }
    auto produced = producer.produce_block();
    ASSERT_TRUE(produced.is_ok()) << "height " << height << ": " << produced.status().to_string();
    auto replayed = replayer.apply_block(produced->block);
    ASSERT_TRUE(replayed.is_ok()) << "height " << height << ": " << replayed.status().to_string();
    if (height % 100 == 0) {
      const auto scan = replayer.ledger().backend().utxo_set_digest();
      ASSERT_EQ(*producer.ledger().backend().utxo_set_digest(), *scan) << "height " << height;
      ASSERT_EQ(produced->block.header.utxo_digest, scan->set_digest) << "height " << height;
      ASSERT_EQ(replayer.ledger().utxo_digest().digest(), scan->set_digest) << "height " << height;
    }
  }
  EXPECT_EQ(producer.ledger().tip(), replayer.ledger().tip());
  EXPECT_EQ(producer.ledger().registry().active_at(kBlocks + 1).size(),
            replayer.ledger().registry().active_at(kBlocks + 1).size());
  EXPECT_EQ(producer.ledger().registry().size(), 1u);  // the bronze node came and went
  EXPECT_EQ(*producer.ledger().backend().masternode_records(),
            *replayer.ledger().backend().masternode_records());

  auto reopened = Ledger::open(replay_options(&store_backend).config, &store_backend);
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
  EXPECT_EQ((*reopened)->utxo_digest(), replayer.ledger().utxo_digest());
}

}  // namespace
}  // namespace tc::ledger
