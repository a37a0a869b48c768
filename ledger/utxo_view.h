// The ledger's seam to durable state: UtxoView (batched UTXO lookups) and LedgerBackend (lookups
// plus the tip, the atomic block commit, the txid index, the masternode records and the UTXO set
// digest), with two
// implementations: StoreBackend over storage's ChainStore (optionally through its UtxoCache) for
// the node, and MemoryBackend for tests and benchmarks.
//
// The mempool (verify-stage threads) calls lookup concurrently with the execute stage; commit and
// the other writer calls come from one thread (the execute/commit stage). Both implementations are
// safe for that pattern.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"
#include "storage/chain_store.h"
#include "storage/utxo_cache.h"

namespace tc::ledger {

class UtxoView {
 public:
  virtual ~UtxoView() = default;

  // Looks up outpoints[i] into out[i] for every i, in one batch. A missing (never created or spent)
  // output is found = false in its slot, not an error; an error Status (kCorruption, kIoError)
  // means the state could not be read, and `out` is then unspecified. REQUIRES: out.size() ==
  // outpoints.size(). Any thread.
  virtual Status lookup(std::span<const OutPoint> outpoints,
                        std::span<storage::UtxoLookup> out) = 0;
};

class LedgerBackend : public UtxoView {
 public:
  // The last committed block; nullopt before genesis. Any thread.
  virtual std::optional<storage::ChainTip> tip() const = 0;

  // Applies one executed block atomically: all of it or (on error) none of it. Errors:
  // kInvalidArgument when the block does not extend the tip or the certificate is for another
  // block; kIoError from the store (after which the store refuses writes). Checks no ledger rule.
  // Writer thread only.
  virtual Status commit(const storage::BlockCommit& commit) = 0;

  // Where the committed transaction `txid` is (height, index in its block); nullopt when no
  // committed block holds it. Errors: kCorruption, kIoError from the store. Any thread.
  virtual Result<std::optional<storage::TxLocation>> find_transaction(
      const Hash256& txid) const = 0;

  // Every masternode record (key, value) in key order, as committed. Any thread.
  virtual Result<std::vector<std::pair<Bytes, Bytes>>> masternode_records() const = 0;

  // The digest of the whole UTXO set in ChainStore's format (storage::UtxoSetScan), so that a
  // MemoryBackend and a StoreBackend holding the same set report the same digest. O(set size).
  virtual Result<storage::UtxoSetScan> utxo_set_digest() const = 0;

  // The UTXO set digest's state stored with the tip (BlockCommit::utxo_digest); nullopt when no
  // commit carried one. Errors: kCorruption, kIoError from the store. Any thread.
  virtual Result<std::optional<UtxoSetDigest>> utxo_digest_state() const = 0;

  // The tip block header's timestamp; nullopt before genesis or when the tip's header is not
  // stored (a store loaded from a UTXO snapshot). Errors: kCorruption, kIoError from the store.
  // Any thread.
  virtual Result<std::optional<std::uint64_t>> tip_timestamp_ms() const = 0;
};

// Over a ChainStore; when `cache` is non-null every lookup and commit goes through it.
// REQUIRES: store (and cache) outlive the backend; cache, when given, fronts `store`.
class StoreBackend final : public LedgerBackend {
 public:
  StoreBackend(storage::ChainStore* store, storage::UtxoCache* cache)
      : store_(store), cache_(cache) {}

  Status lookup(std::span<const OutPoint> outpoints, std::span<storage::UtxoLookup> out) override;
  std::optional<storage::ChainTip> tip() const override { return store_->tip(); }
  Status commit(const storage::BlockCommit& commit) override;
  Result<std::optional<storage::TxLocation>> find_transaction(const Hash256& txid) const override {
    return store_->find_transaction(txid);
  }
  Result<std::vector<std::pair<Bytes, Bytes>>> masternode_records() const override {
    return store_->masternodes();
  }
  Result<storage::UtxoSetScan> utxo_set_digest() const override {
    return store_->utxo_set_digest();
  }
  Result<std::optional<UtxoSetDigest>> utxo_digest_state() const override {
    return store_->utxo_digest_state();
  }
  Result<std::optional<std::uint64_t>> tip_timestamp_ms() const override;

 private:
  storage::ChainStore* store_;
  storage::UtxoCache* cache_;
};

// The whole state in memory (ordered maps), with ChainStore's commit preconditions (height and
// prev_hash extend the tip, certificate names the block, txids empty or one per transaction).
// Lookups take a shared lock, commit an exclusive one. Allocates per created output and per
// transaction.
class MemoryBackend final : public LedgerBackend {
 public:
  MemoryBackend() = default;

  Status lookup(std::span<const OutPoint> outpoints, std::span<storage::UtxoLookup> out) override;
  std::optional<storage::ChainTip> tip() const override;
  Status commit(const storage::BlockCommit& commit) override;
  Result<std::optional<storage::TxLocation>> find_transaction(const Hash256& txid) const override;
  Result<std::vector<std::pair<Bytes, Bytes>>> masternode_records() const override;
  Result<storage::UtxoSetScan> utxo_set_digest() const override;
  Result<std::optional<UtxoSetDigest>> utxo_digest_state() const override;
  Result<std::optional<std::uint64_t>> tip_timestamp_ms() const override;

  std::size_t utxo_count() const;

 private:
  mutable std::shared_mutex mutex_;
  std::optional<storage::ChainTip> tip_;                           // GUARDED_BY(mutex_)
  std::uint64_t tip_timestamp_ms_ = 0;                             // GUARDED_BY(mutex_)
  std::map<OutPoint, storage::UtxoEntry> utxos_;                   // GUARDED_BY(mutex_)
  std::optional<UtxoSetDigest> utxo_digest_;                       // GUARDED_BY(mutex_)
  std::map<Bytes, Bytes> masternodes_;                             // GUARDED_BY(mutex_)
  std::unordered_map<Hash256, storage::TxLocation> transactions_;  // GUARDED_BY(mutex_)
};

}  // namespace tc::ledger
