// Goal: Ledger::precheck, which the verify stage runs before signature verification, rejects what
// submit would reject for reasons that need no signature (with submit's reason), passes what
// submit could accept, and changes nothing.
// Method: TestChain over a RocksDB ChainStore in a temporary directory (StoreBackend, the node's
// read path), with real blocks produced from the mempool so that finalized transactions exist.
// precheck is called first and submit second on the same bytes in the same state.
// Scenarios:
//   - a replay of a finalized transfer: missing_input, as submit says, and precheck counts
//     nothing and admits nothing;
//   - an input that never existed (unknown txid, vout past the genesis outputs): missing_input;
//   - a transfer already pending: duplicate; another spending a pending one's input: conflict;
//   - stateless failures: wrong chain, duplicate input, zero value, dust;
//   - a pending registration's collateral and consensus key: collateral_locked,
//     duplicate_consensus_key;
//   - a valid new transfer, and one whose signature is garbage: ok (signatures are not its job);
//   - property: 240 generated transactions of eleven kinds (valid, finalized replay, pending
//     duplicate, conflict, unknown input, wrong owner, insufficient funds, fee too low, wrong
//     chain, duplicate input, dust), with a block produced every 40: precheck gives each its
//     expected reason, and submit gives the same reason whenever precheck rejects.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"
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

constexpr std::uint64_t kFee = 1'000'000;

class PrecheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    storage::StoreOptions store_options;
    store_options.path = dir_.sub("db");
    store_options.read_path = storage::ReadPath::kDefault;
    auto store = storage::ChainStore::open(store_options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);
    backend_ = std::make_unique<StoreBackend>(store_.get(), nullptr);
    TestChainOptions options;
    options.backend = backend_.get();
    options.coin_count = 64;
    // Coins 64 and 65: exactly bronze collateral.
    const Amount bronze = tier_rules(MasternodeTier::kBronze).collateral;
    options.extra_coins = {bronze, bronze};
    chain_ = std::make_unique<TestChain>(options);
    ASSERT_TRUE(chain_->genesis_status().is_ok()) << chain_->genesis_status().to_string();
  }

  void TearDown() override {
    chain_.reset();
    backend_.reset();
    store_.reset();
  }

  Transaction spend(std::uint32_t coin, std::uint64_t fee = kFee, const KeyPair* signer = nullptr,
                    std::uint32_t chain_id = kChainIdDevnet) {
    std::vector<OutPoint> inputs{chain_->coin(coin)};
    return make_transfer(
        signer != nullptr ? *signer : chain_->wallet(), inputs,
        {TxOutput{Amount(chain_->coin_value().satoshis() - fee), hash_of(test_key(7))}}, chain_id);
  }

  RejectReason precheck(const Transaction& tx) {
    const Bytes bytes = encode_tx(tx);
    return chain_->ledger().precheck(view_of(bytes));
  }

  storage::testing::TempDir dir_;  // declared first: removed after the store closes
  std::unique_ptr<storage::ChainStore> store_;
  std::unique_ptr<StoreBackend> backend_;
  std::unique_ptr<TestChain> chain_;
};

TEST_F(PrecheckTest, FinalizedReplayIsMissingInputAsSubmitSays) {
  const Transaction tx = spend(0);
  ASSERT_EQ(chain_->submit(tx), RejectReason::kOk);
  auto block = chain_->produce_block();
  ASSERT_TRUE(block.is_ok()) << block.status().to_string();
  ASSERT_EQ(chain_->ledger().tx_status(txid(tx)).state, TxState::kFinalized);

  const MempoolMetrics metrics = chain_->ledger().mempool().metrics();
  EXPECT_EQ(precheck(tx), RejectReason::kMissingInput);
  EXPECT_EQ(chain_->ledger().mempool().metrics().admit, metrics.admit);  // counts nothing
  EXPECT_EQ(chain_->submit(tx), RejectReason::kMissingInput);
  EXPECT_EQ(chain_->ledger().mempool().size(), 0u);
}

TEST_F(PrecheckTest, UnknownInputIsMissingInput) {
  Hash256 unknown;
  unknown.bytes.fill(0xab);
  const std::vector<OutPoint> never{OutPoint{unknown, 0}};
  const Transaction tx = make_transfer(chain_->wallet(), never,
                                       {TxOutput{Amount(1'000'000'000), hash_of(test_key(7))}});
  EXPECT_EQ(precheck(tx), RejectReason::kMissingInput);
  EXPECT_EQ(chain_->submit(tx), RejectReason::kMissingInput);

  const Transaction past_end = spend(66);  // genesis has outputs 0..65
  EXPECT_EQ(precheck(past_end), RejectReason::kMissingInput);
  EXPECT_EQ(chain_->submit(past_end), RejectReason::kMissingInput);
}

TEST_F(PrecheckTest, PendingDuplicateAndConflict) {
  const Transaction tx = spend(1);
  ASSERT_EQ(chain_->submit(tx), RejectReason::kOk);
  EXPECT_EQ(precheck(tx), RejectReason::kDuplicate);
  EXPECT_EQ(chain_->submit(tx), RejectReason::kDuplicate);

  const Transaction rival = spend(1, 2 * kFee);  // same input, another txid
  EXPECT_EQ(precheck(rival), RejectReason::kConflict);
  EXPECT_EQ(chain_->submit(rival), RejectReason::kConflict);
  EXPECT_EQ(chain_->ledger().mempool().size(), 1u);
}

TEST_F(PrecheckTest, StatelessFailures) {
  const Transaction wrong_chain = spend(2, kFee, nullptr, kChainIdDevnet + 1);
  EXPECT_EQ(precheck(wrong_chain), RejectReason::kWrongChain);
  EXPECT_EQ(chain_->submit(wrong_chain), RejectReason::kWrongChain);

  const std::vector<OutPoint> twice{chain_->coin(2), chain_->coin(2)};
  const Transaction duplicate_input = make_transfer(
      chain_->wallet(), twice, {TxOutput{Amount(1'000'000'000), hash_of(test_key(7))}});
  EXPECT_EQ(precheck(duplicate_input), RejectReason::kDuplicateInput);
  EXPECT_EQ(chain_->submit(duplicate_input), RejectReason::kDuplicateInput);

  const std::vector<OutPoint> one{chain_->coin(2)};
  const Transaction zero = make_transfer(
      chain_->wallet(), one,
      {TxOutput{Amount(0), hash_of(test_key(7))}, TxOutput{Amount(1'000), hash_of(test_key(7))}});
  EXPECT_EQ(precheck(zero), RejectReason::kZeroValue);
  EXPECT_EQ(chain_->submit(zero), RejectReason::kZeroValue);

  const Transaction dust =
      make_transfer(chain_->wallet(), one, {TxOutput{Amount(545), hash_of(test_key(7))}});
  EXPECT_EQ(precheck(dust), RejectReason::kDust);
  EXPECT_EQ(chain_->submit(dust), RejectReason::kDust);
  EXPECT_EQ(chain_->ledger().mempool().size(), 0u);
}

TEST_F(PrecheckTest, PendingRegistrationClaims) {
  const Amount change(chain_->coin_value().satoshis() - kFee);
  const Transaction first =
      make_registration(chain_->wallet(), chain_->coin(3), change, MasternodeTier::kBronze,
                        chain_->coin(64), test_key(60));
  ASSERT_EQ(precheck(first), RejectReason::kOk);
  ASSERT_EQ(chain_->submit(first), RejectReason::kOk);

  const Transaction same_collateral =
      make_registration(chain_->wallet(), chain_->coin(4), change, MasternodeTier::kBronze,
                        chain_->coin(64), test_key(61));
  EXPECT_EQ(precheck(same_collateral), RejectReason::kCollateralLocked);
  EXPECT_EQ(chain_->submit(same_collateral), RejectReason::kCollateralLocked);

  const Transaction same_key =
      make_registration(chain_->wallet(), chain_->coin(4), change, MasternodeTier::kBronze,
                        chain_->coin(65), test_key(60));
  EXPECT_EQ(precheck(same_key), RejectReason::kDuplicateConsensusKey);
  EXPECT_EQ(chain_->submit(same_key), RejectReason::kDuplicateConsensusKey);
}

TEST_F(PrecheckTest, ValidNewTransferPassesAndChangesNothing) {
  const Transaction tx = spend(5);
  EXPECT_EQ(precheck(tx), RejectReason::kOk);
  EXPECT_EQ(precheck(tx), RejectReason::kOk);  // nothing was claimed by the first call
  EXPECT_EQ(chain_->ledger().mempool().size(), 0u);
  EXPECT_EQ(chain_->ledger().mempool().metrics().count(RejectReason::kOk), 0u);
  EXPECT_EQ(chain_->ledger().tx_status(txid(tx)).state, TxState::kUnknown);

  // Signatures are the verify stage's job, after the pre-check.
  Transaction forged = spend(6);
  forged.inputs[0].sig.bytes[0] ^= 0x01;
  EXPECT_EQ(precheck(forged), RejectReason::kOk);

  EXPECT_EQ(chain_->submit(tx), RejectReason::kOk);
}

enum class Kind : std::uint8_t {
  kValid,
  kReplay,
  kPendingDuplicate,
  kConflict,
  kUnknownInput,
  kWrongOwner,
  kInsufficientFunds,
  kFeeTooLow,
  kWrongChain,
  kDuplicateInput,
  kDust,
  kCount
};

TEST_F(PrecheckTest, EveryRejectionIsSubmitsRejection) {
  std::mt19937 rng(20261125);
  const KeyPair stranger = test_key(9);
  std::uint32_t next_coin = 0;  // coins 0..63 are spent in order by kValid
  std::vector<Transaction> pending;
  std::vector<Transaction> finalized;
  std::uint64_t by_kind[static_cast<int>(Kind::kCount)] = {};
  std::uint64_t submits = 0;

  for (int n = 0; n < 240; ++n) {
    if (n > 0 && n % 40 == 0) {
      auto block = chain_->produce_block();
      ASSERT_TRUE(block.is_ok()) << block.status().to_string();
      ASSERT_EQ(block->txids.size(), pending.size() + 1);
      finalized.insert(finalized.end(), pending.begin(), pending.end());
      pending.clear();
    }
    auto kind = static_cast<Kind>(rng() % static_cast<unsigned>(Kind::kCount));
    if (kind == Kind::kReplay && finalized.empty()) kind = Kind::kValid;
    if ((kind == Kind::kPendingDuplicate || kind == Kind::kConflict) && pending.empty()) {
      kind = Kind::kValid;
    }
    if (next_coin == 64) kind = Kind::kWrongChain;  // no fresh coin left

    Transaction tx;
    RejectReason expected = RejectReason::kOk;
    switch (kind) {
      case Kind::kValid:
        tx = spend(next_coin, kFee + rng() % 1000);
        break;
      case Kind::kReplay:
        tx = finalized[rng() % finalized.size()];
        expected = RejectReason::kMissingInput;
        break;
      case Kind::kPendingDuplicate:
        tx = pending[rng() % pending.size()];
        expected = RejectReason::kDuplicate;
        break;
      case Kind::kConflict: {
        const Transaction& holder = pending[rng() % pending.size()];
        tx = make_transfer(chain_->wallet(), std::vector<OutPoint>{holder.inputs[0].prev},
                           {TxOutput{Amount(1'000'000'000 - 3 * kFee), hash_of(test_key(8))}});
        expected = RejectReason::kConflict;
        break;
      }
      case Kind::kUnknownInput: {
        Hash256 unknown;
        for (auto& b : unknown.bytes) b = static_cast<std::uint8_t>(rng());
        tx = make_transfer(
            chain_->wallet(),
            std::vector<OutPoint>{OutPoint{unknown, static_cast<std::uint32_t>(rng() % 4)}},
            {TxOutput{Amount(1'000'000'000), hash_of(test_key(7))}});
        expected = RejectReason::kMissingInput;
        break;
      }
      case Kind::kWrongOwner:
        tx = spend(next_coin, kFee, &stranger);
        expected = RejectReason::kWrongOwner;
        break;
      case Kind::kInsufficientFunds:
        tx = make_transfer(chain_->wallet(), std::vector<OutPoint>{chain_->coin(next_coin)},
                           {TxOutput{Amount(1'000'000'001), hash_of(test_key(7))}});
        expected = RejectReason::kInsufficientFunds;
        break;
      case Kind::kFeeTooLow:
        tx = spend(next_coin, 0);
        expected = RejectReason::kFeeTooLow;
        break;
      case Kind::kWrongChain:
        tx = spend(static_cast<std::uint32_t>(rng() % 64), kFee, nullptr, kChainIdDevnet + 1);
        expected = RejectReason::kWrongChain;
        break;
      case Kind::kDuplicateInput:
        tx = make_transfer(chain_->wallet(),
                           std::vector<OutPoint>{chain_->coin(next_coin), chain_->coin(next_coin)},
                           {TxOutput{Amount(1'000'000'000), hash_of(test_key(7))}});
        expected = RejectReason::kDuplicateInput;
        break;
      case Kind::kDust:
        tx = make_transfer(chain_->wallet(), std::vector<OutPoint>{chain_->coin(next_coin)},
                           {TxOutput{Amount(100), hash_of(test_key(7))}});
        expected = RejectReason::kDust;
        break;
      case Kind::kCount:
        FAIL();
    }
    ++by_kind[static_cast<int>(kind)];

    const Bytes bytes = encode_tx(tx);
    const RejectReason pre = chain_->ledger().precheck(view_of(bytes));
    const RejectReason submitted = chain_->ledger().submit(view_of(bytes), 0);
    ++submits;
    ASSERT_EQ(pre, expected) << "case " << n << " kind " << static_cast<int>(kind);
    ASSERT_EQ(submitted, expected) << "case " << n << " kind " << static_cast<int>(kind);
    if (pre != RejectReason::kOk) {
      ASSERT_EQ(submitted, pre);
    }
    if (kind == Kind::kValid) {
      pending.push_back(tx);
      ++next_coin;
    }
  }

  // Every kind was generated, and only submit counted in the mempool's metrics.
  for (int k = 0; k < static_cast<int>(Kind::kCount); ++k) {
    EXPECT_GT(by_kind[k], 0u) << "kind " << k;
  }
  const MempoolMetrics metrics = chain_->ledger().mempool().metrics();
  std::uint64_t counted = 0;
  for (std::uint64_t c : metrics.admit) counted += c;
  EXPECT_EQ(counted, submits);
  EXPECT_EQ(metrics.count(RejectReason::kOk), by_kind[static_cast<int>(Kind::kValid)]);
}

}  // namespace
}  // namespace tc::ledger
