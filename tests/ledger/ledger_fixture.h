// Test support for ledger/: deterministic keys, signed transfers and registrations, and TestChain,
// a ledger over a backend with a genesis that pays `coin_count` coins to one wallet key and
// registers one genesis masternode, plus helpers that build, execute and commit the next block.
// Also used by bench/ledger/. Single-threaded except where a test says otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/masternode_tier.h"
#include "ledger/ledger.h"
#include "ledger/utxo_view.h"

namespace tc::ledger::testing {

inline KeyPair test_key(std::uint8_t n) {
  SecretSeed seed;
  seed.bytes.fill(n);
  seed.bytes[31] = 0x5a;
  return KeyPair::from_seed(seed);
}

inline PubkeyHash hash_of(const KeyPair& key) {
  return pubkey_hash(key.pubkey());
}

// A transfer from `owner` spending `inputs`, paying `outputs`, signed for `chain_id`.
inline Transaction make_transfer(const KeyPair& owner, std::span<const OutPoint> inputs,
                                 std::vector<TxOutput> outputs,
                                 std::uint32_t chain_id = kChainIdDevnet) {
  Transaction tx;
  tx.kind = TxKind::kTransfer;
  tx.chain_id = chain_id;
  for (const OutPoint& prev : inputs) tx.inputs.push_back(TxInput{prev, {}, {}});
  tx.outputs = std::move(outputs);
  sign_transaction(owner, &tx);
  return tx;
}

// A registration by `owner` spending `fee_input` (change back to owner), naming `collateral`, for
// `consensus_key`, which proves possession of itself.
inline Transaction make_registration(const KeyPair& owner, const OutPoint& fee_input, Amount change,
                                     MasternodeTier tier, const OutPoint& collateral,
                                     const KeyPair& consensus_key) {
  Transaction tx;
  tx.kind = TxKind::kMasternodeRegistration;
  tx.chain_id = kChainIdDevnet;
  tx.inputs.push_back(TxInput{fee_input, {}, {}});
  tx.outputs.push_back(TxOutput{change, hash_of(owner)});
  tx.registration.tier = static_cast<std::uint8_t>(tier);
  tx.registration.collateral = collateral;
  tx.registration.reward_pubkey_hash = hash_of(owner);
  tx.registration.p2p_port = 24000;
  sign_possession(consensus_key, &tx);
  sign_transaction(owner, &tx);
  return tx;
}

inline Bytes encode_tx(const Transaction& tx) {
  Bytes bytes;
  encode(tx, &bytes);
  return bytes;
}

inline TransactionView view_of(const Bytes& bytes) {
  return *TransactionView::parse(bytes);
}

struct TestChainOptions {
  LedgerConfig config;
  std::size_t coin_count = 64;
  Amount coin_value = Amount::from_time(10);
  std::vector<Amount> extra_coins;   // paid to the wallet after the equal coins
  LedgerBackend* backend = nullptr;  // null: an owned MemoryBackend
};

class TestChain {
 public:
  explicit TestChain(TestChainOptions options = {})
      : options_(std::move(options)), wallet_(test_key(1)), proposer_(test_key(100)) {
    if (options_.backend == nullptr) {
      owned_backend_ = std::make_unique<MemoryBackend>();
      options_.backend = owned_backend_.get();
    }
    GenesisConfig genesis;
    genesis.timestamp_ms = 1'700'000'000'000ull;
    for (std::size_t i = 0; i < options_.coin_count; ++i) {
      genesis.allocations.push_back(TxOutput{options_.coin_value, hash_of(wallet_)});
    }
    for (Amount value : options_.extra_coins) {
      genesis.allocations.push_back(TxOutput{value, hash_of(wallet_)});
    }
    MasternodeRecord validator;
    validator.tier = MasternodeTier::kGold;
    validator.consensus_pubkey = proposer_.pubkey();
    validator.reward_pubkey_hash = hash_of(proposer_);
    genesis.masternodes.push_back(validator);
    ledger_ = std::move(Ledger::open(options_.config, options_.backend).value());
    status_ = ledger_->commit_genesis(genesis);
    genesis_txid_ =
        txid(make_genesis_block(genesis, options_.config.params.chain_id).transactions[0]);
  }

  Ledger& ledger() { return *ledger_; }
  // Recomputes the header fields that commit to the transactions (tx_count, tx_root, wtx_root) and
  // the UTXO set after them (utxo_digest, from the tip's state and the spent entries), for a test
  // that edits a built block and wants it valid again.
  Status seal(Block* block) {
    const BlockRoots roots = block_roots(block->transactions);
    block->header.tx_root = roots.tx_root;
    block->header.wtx_root = roots.wtx_root;
    block->header.tx_count = static_cast<std::uint32_t>(block->transactions.size());
    UtxoSetDigest utxo = ledger_->utxo_digest();
    for (const Transaction& tx : block->transactions) {
      for (const TxInput& input : tx.inputs) {
        storage::UtxoLookup found;
        TC_RETURN_IF_ERROR(
            ledger_->backend().lookup(std::span(&input.prev, 1), std::span(&found, 1)));
        if (!found.found) return not_found("seal: input is not an unspent output");
        utxo.remove(input.prev, found.entry.output, found.entry.height, found.entry.coinbase);
      }
      const Hash256 id = txid(tx);
      for (std::uint32_t vout = 0; vout < tx.outputs.size(); ++vout) {
        utxo.add(OutPoint{id, vout}, tx.outputs[vout], block->header.height,
                 tx.kind == TxKind::kCoinbase);
      }
    }
    block->header.utxo_digest = utxo.digest();
    return Status::ok();
  }
  const Status& genesis_status() const { return status_; }
  const KeyPair& wallet() const { return wallet_; }
  const KeyPair& proposer() const { return proposer_; }
  OutPoint coin(std::uint32_t i) const { return OutPoint{genesis_txid_, i}; }
  Amount coin_value() const { return options_.coin_value; }

  RejectReason submit(const Transaction& tx, std::uint64_t now_ms = 0,
                      TxFailure* failure = nullptr) {
    const Bytes bytes = encode_tx(tx);
    return ledger_->submit(view_of(bytes), now_ms, failure);
  }

  BlockTemplate next_template() const {
    const auto tip = ledger_->tip();
    BlockTemplate tmpl;
    tmpl.height = tip->height + 1;
    tmpl.prev_hash = tip->hash;
    tmpl.timestamp_ms = 1'700'000'000'000ull + tmpl.height * 1000;
    tmpl.proposer = proposer_.pubkey();
    return tmpl;
  }

  static CommitCertificate certificate_for(const Block& block) {
    CommitCertificate certificate;
    certificate.height = block.header.height;
    certificate.round = block.header.round;
    certificate.block_hash = block_hash(block.header);
    return certificate;
  }

  // Builds the next block from the mempool, executes and commits it. Returns the executed block.
  Result<ExecutedBlock> produce_block(BuildStats* stats = nullptr) {
    TC_ASSIGN_OR_RETURN(Block block, ledger_->build_block(next_template(), 0, stats));
    return apply_block(block);
  }

  // Executes and commits `block` (any block, e.g. a tampered one).
  Result<ExecutedBlock> apply_block(const Block& block) {
    TC_ASSIGN_OR_RETURN(ExecutedBlock executed, ledger_->execute_block(block));
    TC_ASSIGN_OR_RETURN(auto finalized, ledger_->commit_block(executed, certificate_for(block)));
    (void)finalized;
    return executed;
  }

 private:
  TestChainOptions options_;
  KeyPair wallet_;
  KeyPair proposer_;
  std::unique_ptr<MemoryBackend> owned_backend_;
  std::unique_ptr<Ledger> ledger_;
  Status status_;
  Hash256 genesis_txid_;
};

}  // namespace tc::ledger::testing
