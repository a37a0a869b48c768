// Goal: block building and block execution enforce every block rule, commit atomically, and run
// masternode registration, deregistration and epoch changes as the docs say.
// Method: TestChain (MemoryBackend, one gold genesis masternode) producing real blocks from signed
// transactions; invalid blocks are made by tampering with a built one; registrations use coins
// of exactly a tier's collateral paid by genesis.
// Scenarios:
//   - a produced block includes the highest fee rates within the size limit, its coinbase pays
//     reward + fees, the txids become final;
//   - txid status survives a restart: over a RocksDB ChainStore, a finalized txid (and the genesis
//     coinbase) still reads finalized with its height after the store and ledger are closed and
//     reopened; an unknown txid stays unknown;
//     the reopened ledger knows the tip's timestamp;
//   - block limit: a tight proposer limit leaves the lower fee rate out;
//   - a store with a tip but no UTXO digest state does not open (kCorruption);
//   - invalid blocks: bad signature (error names block height, tx index and input index), a
//     signature altered under the original header (wtx_root mismatch, unbound), utxo_digest and
//     tx_root mismatch, double spend inside a block, a coinbase that overpays, wrong prev height,
//     a timestamp not above the parent's (also for a ledger reopened on the same backend), a
//     proposal's timestamp more than 15 s ahead of the local clock (the same block without the
//     clock bound, as block sync executes it, is valid); the store is unchanged after each;
//   - registration: valid (active from the next epoch, then paid), wrong collateral amount,
//     collateral owned by someone else, already-locked collateral (registered and pending),
//     duplicate consensus key; spending the collateral deregisters at the next epoch boundary;
//   - a genesis masternode whose collateral is a genesis allocation leaves at the next boundary
//     once it is spent; a genesis collateral of the wrong amount, outside the genesis, named by a
//     free-tier record or backing two records is refused.
#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "storage/chain_store.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/storage/chain_fixture.h"

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

constexpr std::uint64_t kCoin = 1'000'000'000;

Transaction spend(const TestChain& chain, std::uint32_t coin, std::uint64_t fee,
                  std::uint8_t payee = 7) {
  std::vector<OutPoint> inputs{chain.coin(coin)};
  return make_transfer(
      chain.wallet(), inputs,
      {TxOutput{Amount(chain.coin_value().satoshis() - fee), hash_of(test_key(payee))}});
}

TEST(LedgerTest, ProducedBlockPaysRewardAndFeesAndFinalizes) {
  TestChain chain;
  Hash256 id;
  const Bytes bytes = encode_tx(spend(chain, 0, 1'500'000));
  ASSERT_EQ(chain.ledger().submit(view_of(bytes), 0, nullptr, &id), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 1, 1'000'000)), RejectReason::kOk);
  auto block = chain.produce_block();
  ASSERT_TRUE(block.is_ok()) << block.status().to_string();
  ASSERT_EQ(block->block.transactions.size(), 3u);
  EXPECT_EQ(block->txids[1], id);  // higher fee rate first
  EXPECT_EQ(block->fees, Amount(2'500'000));
  const Transaction& coinbase = block->block.transactions[0];
  ASSERT_EQ(coinbase.outputs.size(), 1u);  // one masternode: it gets everything
  EXPECT_EQ(coinbase.outputs[0].value, Amount(100 * kSatoshisPerTime + 2'500'000));
  EXPECT_EQ(chain.ledger().tx_status(id).state, TxState::kFinalized);
  EXPECT_EQ(chain.ledger().tip()->height, 1u);
}

TEST(LedgerTest, FinalizedTxidSurvivesReopeningTheStore) {
  const storage::testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  storage::StoreOptions store_options;
  store_options.path = dir.sub("db");
  store_options.read_path = storage::ReadPath::kDefault;
  Hash256 id;
  Hash256 genesis_id;
  std::uint64_t tip_timestamp_ms = 0;
  {
    auto store = storage::ChainStore::open(store_options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    StoreBackend backend(store->get(), nullptr);
    TestChainOptions options;
    options.backend = &backend;
    TestChain chain(options);
    ASSERT_TRUE(chain.genesis_status().is_ok());
    genesis_id = chain.coin(0).txid;
    const Bytes bytes = encode_tx(spend(chain, 0, 1'000'000));
    ASSERT_EQ(chain.ledger().submit(view_of(bytes), 0, nullptr, &id), RejectReason::kOk);
    EXPECT_EQ(chain.ledger().tx_status(id).state, TxState::kPending);
    ASSERT_TRUE(chain.produce_block().is_ok());
    ASSERT_TRUE(chain.produce_block().is_ok());  // an empty block on top
    EXPECT_EQ(chain.ledger().tx_status(id).state, TxState::kFinalized);
    tip_timestamp_ms = chain.ledger().tip_timestamp_ms();
  }
  {
    auto store = storage::ChainStore::open(store_options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    StoreBackend backend(store->get(), nullptr);
    auto ledger = Ledger::open(LedgerConfig{}, &backend);
    ASSERT_TRUE(ledger.is_ok()) << ledger.status().to_string();
    const TxStatus status = (*ledger)->tx_status(id);
    EXPECT_EQ(status.state, TxState::kFinalized);
    EXPECT_EQ(status.height, 1u);
    const TxStatus genesis = (*ledger)->tx_status(genesis_id);
    EXPECT_EQ(genesis.state, TxState::kFinalized);
    EXPECT_EQ(genesis.height, 0u);
    Hash256 unknown = id;
    unknown.bytes[0] ^= 1;
    EXPECT_EQ((*ledger)->tx_status(unknown).state, TxState::kUnknown);
    EXPECT_EQ((*ledger)->tip_timestamp_ms(), tip_timestamp_ms);  // the parent-timestamp rule's
  }
}

TEST(LedgerTest, StoreWithATipButNoUtxoDigestStateIsCorrupt) {
  // A store written without the ledger (storage's own chain model) has no digest state to resume.
  const storage::testing::TempDir dir;
  storage::StoreOptions store_options;
  store_options.path = dir.sub("db");
  auto store = storage::ChainStore::open(store_options);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  storage::testing::ChainModel model(storage::testing::ChainModelOptions{});
  ASSERT_TRUE((*store)->commit_block(model.next_block().commit()).is_ok());
  StoreBackend backend(store->get(), nullptr);
  auto ledger = Ledger::open(LedgerConfig{}, &backend);
  ASSERT_FALSE(ledger.is_ok());
  EXPECT_EQ(ledger.status().code(), StatusCode::kCorruption) << ledger.status().to_string();
}

TEST(LedgerTest, BlockSizeLimitKeepsHighestFeeRates) {
  TestChain chain;
  ASSERT_EQ(chain.submit(spend(chain, 0, 1'000'000)), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 1, 3'000'000)), RejectReason::kOk);
  ASSERT_EQ(chain.submit(spend(chain, 2, 2'000'000)), RejectReason::kOk);
  const std::size_t tx_bytes = encode_tx(spend(chain, 0, 1)).size() + kBlockTxLengthBytes;
  const std::size_t fixed = kBlockHeaderBytes + kBlockTxLengthBytes + kTransactionHeaderBytes +
                            2 * kOutputBytes + kCoinbasePayloadBytes;
  BuildStats stats;
  auto block = chain.ledger().build_block(chain.next_template(), fixed + 2 * tx_bytes, &stats);
  ASSERT_TRUE(block.is_ok());
  ASSERT_EQ(block->transactions.size(), 3u);
  EXPECT_EQ(block->transactions[1].outputs[0].value, Amount(kCoin - 3'000'000));
  EXPECT_EQ(block->transactions[2].outputs[0].value, Amount(kCoin - 2'000'000));
  EXPECT_LE(stats.block_bytes, fixed + 2 * tx_bytes);
}

class InvalidBlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(chain_.submit(spend(chain_, 0, 1'000'000)), RejectReason::kOk);
    ASSERT_EQ(chain_.submit(spend(chain_, 1, 2'000'000)), RejectReason::kOk);
    auto built = chain_.ledger().build_block(chain_.next_template());
    ASSERT_TRUE(built.is_ok());
    block_ = *built;
    digest_before_ = *chain_.ledger().backend().utxo_set_digest();
  }
  void refresh_root() {
    const BlockRoots roots = block_roots(block_.transactions);
    block_.header.tx_root = roots.tx_root;
    block_.header.wtx_root = roots.wtx_root;
    block_.header.tx_count = static_cast<std::uint32_t>(block_.transactions.size());
  }
  void expect_rejected(std::string_view fragment, const ExecuteOptions& options = {}) {
    auto executed = chain_.ledger().execute_block(block_, options);
    ASSERT_FALSE(executed.is_ok());
    EXPECT_NE(executed.status().message().find(fragment), std::string_view::npos)
        << executed.status().to_string();
    EXPECT_EQ(*chain_.ledger().backend().utxo_set_digest(), digest_before_);
    EXPECT_EQ(chain_.ledger().tip()->height, 0u);
  }
  TestChain chain_;
  Block block_;
  storage::UtxoSetScan digest_before_;
};

TEST_F(InvalidBlockTest, BuiltBlockIsValid) {
  EXPECT_TRUE(chain_.ledger().execute_block(block_).is_ok());
}

TEST_F(InvalidBlockTest, BadSignatureNamesBlockTxAndInput) {
  block_.transactions[2].inputs[0].sig.bytes[5] ^= 1;  // signatures are outside the txid
  refresh_root();  // a proposer that signs the altered block commits to it in wtx_root
  expect_rejected("block 1: tx 2: input 0: bad_signature");
}

TEST_F(InvalidBlockTest, AlteredSignatureUnderTheOriginalHeaderIsUnbound) {
  // A relay flips a signature bit and keeps the header: tx_root still matches (txids leave
  // signatures out), wtx_root does not, so the payload is not the block its hash names.
  const Hash256 hash = block_hash(block_.header);
  block_.transactions[2].inputs[0].sig.bytes[5] ^= 1;
  expect_rejected("block 1: wtx_root mismatch");
  Bytes bytes;
  encode(block_, &bytes);
  const Status binding = check_block_binding(bytes, hash);
  EXPECT_NE(binding.message().find("wtx_root mismatch"), std::string_view::npos)
      << binding.to_string();
}

TEST_F(InvalidBlockTest, UtxoDigestMismatch) {
  // The block is otherwise valid: a replica whose UTXO set diverged, or a proposer that lies about
  // the set, is caught at this block.
  block_.header.utxo_digest.bytes[0] ^= 1;
  expect_rejected("block 1: utxo_digest mismatch");
}

TEST_F(InvalidBlockTest, TxRootMismatch) {
  block_.header.tx_root.bytes[0] ^= 1;
  expect_rejected("block 1: tx_root mismatch");
}

TEST_F(InvalidBlockTest, DoubleSpendInsideBlock) {
  block_.transactions.push_back(spend(chain_, 0, 5'000'000, 9));
  refresh_root();
  expect_rejected("conflict");
}

TEST_F(InvalidBlockTest, CoinbaseOverpays) {
  block_.transactions[0].outputs[0].value =
      Amount(block_.transactions[0].outputs[0].value.satoshis() + 1);
  refresh_root();
  expect_rejected("tx 0: coinbase outputs differ from the reward split");
}

TEST_F(InvalidBlockTest, WrongHeight) {
  block_.header.height = 2;
  block_.transactions[0].coinbase_height = 2;
  refresh_root();
  expect_rejected("does not extend the tip");
}

TEST_F(InvalidBlockTest, TimestampNotAboveTheParent) {
  block_.header.timestamp_ms = chain_.ledger().tip_timestamp_ms();
  expect_rejected("block 1: timestamp 1700000000000 not above the parent's 1700000000000");
}

// The parent's timestamp is a chain fact: a ledger reopened on the same store still knows it.
TEST_F(InvalidBlockTest, ReopenedLedgerKnowsTheTipTimestamp) {
  const auto reopened = Ledger::open(LedgerConfig{}, &chain_.ledger().backend());
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
  EXPECT_EQ((*reopened)->tip_timestamp_ms(), chain_.ledger().tip_timestamp_ms());
  block_.header.timestamp_ms = chain_.ledger().tip_timestamp_ms();
  const auto executed = (*reopened)->execute_block(block_);
  ASSERT_FALSE(executed.is_ok());
  EXPECT_NE(executed.status().message().find("not above the parent's"), std::string_view::npos)
      << executed.status().to_string();
}

// A proposal is held to the local clock; the same block once certified (block sync) is not, so a
// node whose clock is behind still follows the chain.
TEST_F(InvalidBlockTest, TimestampAheadOfTheLocalClockOnlyForProposals) {
  const std::uint64_t timestamp = block_.header.timestamp_ms;
  expect_rejected("more than 15000 ms ahead of the local clock",
                  ExecuteOptions{latest_timestamp_ms(timestamp - kMaxTimestampDriftMs - 1)});
  EXPECT_TRUE(chain_.ledger()
                  .execute_block(
                      block_, ExecuteOptions{latest_timestamp_ms(timestamp - kMaxTimestampDriftMs)})
                  .is_ok());
  EXPECT_TRUE(chain_.ledger().execute_block(block_).is_ok());
}

TEST(LatestTimestampTest, SaturatesAtTheEndOfTime) {
  EXPECT_EQ(latest_timestamp_ms(1'000), 1'000 + kMaxTimestampDriftMs);
  EXPECT_EQ(latest_timestamp_ms(std::numeric_limits<std::uint64_t>::max() - 1),
            std::numeric_limits<std::uint64_t>::max());
}

TEST_F(InvalidBlockTest, UnknownProposer) {
  block_.header.proposer = test_key(77).pubkey();
  expect_rejected("is not an active masternode");
}

class RegistrationTest : public ::testing::Test {
 protected:
  static TestChainOptions options() {
    TestChainOptions options;
    options.coin_count = 8;
    options.config.params.epoch_blocks = 4;
    // Coins 8 and 9: exactly bronze collateral; coin 10: one satoshi short.
    const Amount bronze = tier_rules(MasternodeTier::kBronze).collateral;
    options.extra_coins = {bronze, bronze, Amount(bronze.satoshis() - 1)};
    return options;
  }
  Transaction register_bronze(std::uint32_t fee_coin, std::uint32_t collateral_coin,
                              std::uint8_t key, const KeyPair* signer = nullptr) {
    const KeyPair& owner = signer != nullptr ? *signer : chain_.wallet();
    return make_registration(owner, chain_.coin(fee_coin), Amount(kCoin - 1'000'000),
                             MasternodeTier::kBronze, chain_.coin(collateral_coin), test_key(key));
  }
  TestChain chain_{options()};
};

TEST_F(RegistrationTest, RegistersLocksCollateralAndJoinsAtEpoch) {
  ASSERT_EQ(chain_.submit(register_bronze(0, 8, 60)), RejectReason::kOk);
  // Pending registration holds the collateral and the key.
  EXPECT_EQ(chain_.submit(register_bronze(1, 8, 61)), RejectReason::kCollateralLocked);
  EXPECT_EQ(chain_.submit(register_bronze(1, 9, 60)), RejectReason::kDuplicateConsensusKey);
  ASSERT_TRUE(chain_.produce_block().is_ok());  // height 1
  EXPECT_EQ(chain_.ledger().registry().size(), 2u);
  EXPECT_EQ(chain_.ledger().registry().active_at(3).size(), 1u);
  EXPECT_EQ(chain_.ledger().registry().active_at(4).size(), 2u);
  // Registered: the same collateral and the same key are refused.
  EXPECT_EQ(chain_.submit(register_bronze(1, 8, 61)), RejectReason::kCollateralLocked);
  EXPECT_EQ(chain_.submit(register_bronze(1, 9, 60)), RejectReason::kDuplicateConsensusKey);
  for (int h = 2; h <= 3; ++h) ASSERT_TRUE(chain_.produce_block().is_ok());
  // Height 4 (epoch 1): the coinbase pays both masternodes by weight (gold 100,000 : bronze
  // 1,000), the remainder to the proposer.
  auto block4 = chain_.produce_block();
  ASSERT_TRUE(block4.is_ok());
  const std::vector<TxOutput>& paid = block4->block.transactions[0].outputs;
  ASSERT_GE(paid.size(), 2u);
  std::uint64_t total = 0;
  for (const TxOutput& output : paid) total += output.value.satoshis();
  EXPECT_EQ(total, 100 * kSatoshisPerTime);
  const auto bronze_share = std::find_if(paid.begin(), paid.end(), [](const TxOutput& o) {
    return o.value == Amount(99'009'900);  // floor(10^10 * 1,000 / 101,000)
  });
  EXPECT_NE(bronze_share, paid.end());
}

TEST_F(RegistrationTest, WrongCollateralAmountAndOwner) {
  EXPECT_EQ(chain_.submit(register_bronze(0, 10, 60)), RejectReason::kCollateralAmount);
  // A signer who does not own the collateral (nor the fee input: that fails first as wrong owner).
  const KeyPair stranger = test_key(33);
  EXPECT_EQ(chain_.submit(register_bronze(0, 8, 60, &stranger)), RejectReason::kWrongOwner);
  OutPoint missing = chain_.coin(8);
  missing.vout = 500;
  const Transaction tx = make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin / 2),
                                           MasternodeTier::kBronze, missing, test_key(60));
  EXPECT_EQ(chain_.submit(tx), RejectReason::kCollateralMissing);
}

TEST_F(RegistrationTest, DuplicateKeyOfGenesisMasternode) {
  const Transaction tx =
      make_registration(chain_.wallet(), chain_.coin(0), Amount(kCoin - 1'000'000),
                        MasternodeTier::kBronze, chain_.coin(8), chain_.proposer());
  EXPECT_EQ(chain_.submit(tx), RejectReason::kDuplicateConsensusKey);
}

TEST_F(RegistrationTest, SpendingCollateralDeregistersAtNextEpoch) {
  ASSERT_EQ(chain_.submit(register_bronze(0, 8, 60)), RejectReason::kOk);
  ASSERT_TRUE(chain_.produce_block().is_ok());  // 1: registered
  for (int h = 2; h <= 4; ++h) ASSERT_TRUE(chain_.produce_block().is_ok());
  EXPECT_EQ(chain_.ledger().registry().active_at(5).size(), 2u);
  // Block 5 spends the collateral.
  std::vector<OutPoint> inputs{chain_.coin(8)};
  const Amount bronze = tier_rules(MasternodeTier::kBronze).collateral;
  const Transaction release =
      make_transfer(chain_.wallet(), inputs,
                    {TxOutput{Amount(bronze.satoshis() - 200'000'000), hash_of(test_key(7))}});
  ASSERT_EQ(chain_.submit(release), RejectReason::kOk);
  auto block5 = chain_.produce_block();
  ASSERT_TRUE(block5.is_ok()) << block5.status().to_string();
  ASSERT_EQ(block5->registry_delta.deregistered.size(), 1u);
  EXPECT_EQ(chain_.ledger().registry().active_at(7).size(), 2u);  // still active this epoch
  ASSERT_TRUE(chain_.produce_block().is_ok());                    // 6
  ASSERT_TRUE(chain_.produce_block().is_ok());                    // 7: erases the record
  EXPECT_EQ(chain_.ledger().registry().size(), 1u);
  EXPECT_EQ(chain_.ledger().registry().active_at(8).size(), 1u);
  // The key may register again once erased.
  EXPECT_EQ(chain_.submit(register_bronze(1, 9, 60)), RejectReason::kOk);
}

}  // namespace
}  // namespace tc::ledger

namespace tc::ledger {
namespace {

// A genesis with a Gold proposer (no collateral) and a Bronze masternode whose collateral is
// allocation 1; epochs of 4 blocks.
class GenesisCollateralTest : public ::testing::Test {
 protected:
  GenesisCollateralTest() {
    config_.params.epoch_blocks = 4;
    ledger_ = std::move(Ledger::open(config_, &backend_).value());
    genesis_.timestamp_ms = 1'700'000'000'000ull;
    genesis_.allocations = {
        TxOutput{Amount::from_time(10), hash_of(owner_)},
        TxOutput{tier_rules(MasternodeTier::kBronze).collateral, hash_of(owner_)}};
    MasternodeRecord gold;
    gold.tier = MasternodeTier::kGold;
    gold.consensus_pubkey = proposer_.pubkey();
    gold.reward_pubkey_hash = hash_of(proposer_);
    MasternodeRecord bronze;
    bronze.tier = MasternodeTier::kBronze;
    bronze.consensus_pubkey = test_key(61).pubkey();
    bronze.reward_pubkey_hash = hash_of(owner_);
    bronze.collateral = OutPoint{coinbase_txid(), 1};
    genesis_.masternodes = {gold, bronze};
  }

  Hash256 coinbase_txid() const {
    return txid(make_genesis_block(genesis_, config_.params.chain_id).transactions[0]);
  }

  Result<ExecutedBlock> produce(const std::vector<Transaction>& txs = {}) {
    for (const Transaction& tx : txs) {
      const Bytes bytes = encode_tx(tx);
      if (ledger_->submit(view_of(bytes), 0) != RejectReason::kOk) {
        return invalid_argument("submit refused");
      }
    }
    const auto tip = ledger_->tip();
    BlockTemplate tmpl;
    tmpl.height = tip->height + 1;
    tmpl.prev_hash = tip->hash;
    tmpl.timestamp_ms = genesis_.timestamp_ms + tmpl.height * 1000;
    tmpl.proposer = proposer_.pubkey();
    TC_ASSIGN_OR_RETURN(Block block, ledger_->build_block(tmpl));
    TC_ASSIGN_OR_RETURN(ExecutedBlock executed, ledger_->execute_block(block));
    TC_RETURN_IF_ERROR(ledger_->commit_block(executed, TestChain::certificate_for(block)).status());
    return executed;
  }

  LedgerConfig config_;
  MemoryBackend backend_;
  std::unique_ptr<Ledger> ledger_;
  GenesisConfig genesis_;
  KeyPair owner_ = test_key(1);
  KeyPair proposer_ = test_key(100);
};

TEST_F(GenesisCollateralTest, SpendingItDeregistersTheGenesisMasternode) {
  ASSERT_TRUE(ledger_->commit_genesis(genesis_).is_ok());
  EXPECT_EQ(ledger_->registry().active_at(1).size(), 2u);
  const OutPoint collateral{coinbase_txid(), 1};
  EXPECT_EQ(ledger_->registry().owner_of_collateral(collateral), test_key(61).pubkey());
  const Transaction release = make_transfer(owner_, std::span<const OutPoint>(&collateral, 1),
                                            {TxOutput{Amount::from_time(999), hash_of(owner_)}});
  auto block1 = produce({release});
  ASSERT_TRUE(block1.is_ok()) << block1.status().to_string();
  ASSERT_EQ(block1->registry_delta.deregistered.size(), 1u);
  for (int h = 2; h <= 3; ++h) ASSERT_TRUE(produce().is_ok());
  EXPECT_EQ(ledger_->registry().active_at(4).size(), 1u);
  EXPECT_FALSE(ledger_->registry().find(test_key(61).pubkey()).has_value());
}

TEST_F(GenesisCollateralTest, ACollateralMustBeAnAllocationOfTheTiersAmountBackingOneRecord) {
  const auto refused = [&](GenesisConfig genesis, std::string_view why) {
    MemoryBackend backend;
    auto ledger = Ledger::open(config_, &backend);
    ASSERT_TRUE(ledger.is_ok());
    const Status status = (*ledger)->commit_genesis(genesis);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(status.message().find(why), std::string_view::npos) << status.to_string();
  };
  GenesisConfig wrong_amount = genesis_;
  wrong_amount.masternodes[1].collateral.vout = 0;
  refused(wrong_amount, "holds 1000000000 satoshis");
  GenesisConfig elsewhere = genesis_;
  elsewhere.masternodes[1].collateral.txid.bytes[0] ^= 1;
  refused(elsewhere, "not an allocation of this genesis");
  GenesisConfig past_the_end = genesis_;
  past_the_end.masternodes[1].collateral.vout = 2;
  refused(past_the_end, "not an allocation of this genesis");
  GenesisConfig free = genesis_;
  free.masternodes[1].tier = MasternodeTier::kFree;
  refused(free, "free-tier record names a collateral");
  GenesisConfig twice = genesis_;
  MasternodeRecord other = twice.masternodes[1];
  other.consensus_pubkey = test_key(62).pubkey();
  twice.masternodes.push_back(other);
  refused(twice, "backs another masternode");
}

}  // namespace
}  // namespace tc::ledger
