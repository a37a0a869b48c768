// Mempool: the pending transactions between the verify stage and block building. Bounded (count and
// bytes), ordered by fee rate (fee / encoded bytes), with conflict tracking through OutpointLocks,
// eviction of the lowest fee rate when full, and a time to live.
//
// Intake (admit) runs on the verify-stage threads, concurrently, with no global lock: a transaction
// is checked (stateless, then against the UTXO view and the masternode registry), then claims its
// outpoints in the sharded lock table (the first valid spender wins; a later conflicting one is
// rejected and counted), then reserves capacity in two atomic counters, evicting the lowest fee
// rate while the bounds are exceeded (the newcomer must beat it), and finally enters the shard of
// its txid (a mutex, a map and a fee-ordered set per shard). Block building takes a fee-ordered
// snapshot; the execute stage reports committed blocks. Children of unconfirmed parents are
// rejected (kMissingInput): every input must be in the committed UTXO set (docs/ledger.md).
// Every public method is thread-safe. Entries are allocated per admitted transaction (the owned
// encoding and its claims), sized by the transaction.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/types.h"
#include "ledger/masternode_registry.h"
#include "ledger/outpoint_locks.h"
#include "ledger/params.h"
#include "ledger/rules.h"
#include "ledger/utxo_view.h"

namespace tc::ledger {

struct MempoolConfig {
  std::size_t tx_count_max = 10'000;
  std::size_t bytes_max = std::size_t{300} << 20;  // sum of the encodings
  std::uint64_t ttl_ms = 600'000;  // a transaction not included within this is dropped by expire()
  std::size_t shard_count = 16;    // txid shards and outpoint-lock shards (power of two, <= 64)
};

// A pending transaction. Immutable once admitted; shared with block-building snapshots.
struct PendingTx {
  Bytes bytes;           // the canonical encoding, signatures included
  TransactionView view;  // over `bytes`
  Hash256 txid;
  Amount fee;
  std::uint64_t admitted_ms = 0;
  // Outpoints this transaction locks: its inputs, then for a registration its collateral (non-free
  // tier) and consensus_key_claim(key).
  std::vector<OutPoint> claims;
};

// Counters, indexed by outcome. Read with Mempool::metrics().
struct MempoolMetrics {
  std::array<std::uint64_t, kRejectReasonCount> admit{};  // [kOk] = accepted, else rejected
  std::uint64_t evicted = 0;                              // pushed out by a higher fee rate
  std::uint64_t expired = 0;                              // TTL
  std::uint64_t included = 0;     // left because a committed block included them
  std::uint64_t invalidated = 0;  // left because a block spent what they spend, or failed re-check
  std::uint64_t count(RejectReason reason) const { return admit[static_cast<std::size_t>(reason)]; }
};

class Mempool {
 public:
  // `view` and `registry` must outlive the mempool. next_height starts at 1 (set_next_height).
  Mempool(const MempoolConfig& config, const LedgerParams& params, UtxoView* view,
          const MasternodeRegistry* registry);
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // The height of the next block: what lock_time and coinbase maturity are judged against.
  void set_next_height(std::uint64_t height) { next_height_.store(height); }
  std::uint64_t next_height() const { return next_height_.load(); }

  // Admits a transaction whose input signatures the verify stage accepted. Returns kOk when it is
  // now pending, else the first rule it broke (rules.h order, then for a registration
  // kBadPossessionProof, checked here, then kDuplicate, kCollateralLocked /
  // kDuplicateConsensusKey / kConflict when a pending transaction holds one of its claims, and
  // kMempoolFull); *failure (optional) says where; *txid_out (optional) gets its txid in both
  // cases (after the stateless checks). The bytes are copied. A UTXO-view error is reported as
  // kMissingInput with failure->value = 1. Never blocks on another admission except for the
  // mutexes of the shards both touch.
  RejectReason admit(const TransactionView& tx, std::uint64_t now_ms, TxFailure* failure = nullptr,
                     Hash256* txid_out = nullptr);

  // The checks of admit() that need no signature, in admit()'s order, changing nothing: the
  // stateless rules, kDuplicate for a pending txid, the UTXO lookup and stateful rules (a spent or
  // unknown input is kMissingInput, which is how a replay of a finalized transaction fails), the
  // registration rules, then the pending transactions' claims as admit()'s lock table would judge
  // them (kDuplicate, kDuplicateConsensusKey, kCollateralLocked, kConflict). Never kMempoolFull:
  // whether the newcomer beats the lowest fee rate is left to admit(). So in the same state a
  // rejection here is admit()'s rejection with the same reason; kOk promises nothing, and admit()
  // re-checks everything. *failure (optional) says where. Counts nothing. Thread-safe; allocates
  // nothing once the calling thread has seen a transaction with as many inputs.
  RejectReason precheck(const TransactionView& tx, TxFailure* failure = nullptr) const;

  bool contains(const Hash256& txid) const;
  std::size_t size() const { return count_.load(); }
  std::size_t bytes() const { return bytes_.load(); }
  // The pending transaction holding `outpoint`, if any (the Locked state of that output).
  std::optional<Hash256> lock_holder(const OutPoint& outpoint) const {
    return locks_.holder(outpoint);
  }

  // Every pending transaction, highest fee rate first (ties by txid), as a snapshot: later
  // admissions and removals do not affect it. Allocates the vector.
  std::vector<std::shared_ptr<const PendingTx>> by_fee_rate() const;

  // After a block commit: drops the block's transactions (counted included) and every pending
  // transaction holding one of `claims_taken` (the block's inputs, registration collaterals and
  // key claims; counted invalidated), releasing their locks, and sets next height to height + 1.
  void on_block_committed(std::uint64_t height, std::span<const Hash256> txids,
                          std::span<const OutPoint> claims_taken);

  // Drops one transaction (counted invalidated), e.g. one that failed the proposer's re-check.
  bool remove(const Hash256& txid);

  // Drops every transaction admitted at or before now_ms - ttl_ms. Returns how many.
  std::size_t expire(std::uint64_t now_ms);

  MempoolMetrics metrics() const;

 private:
  struct FeeKey {
    Amount fee;
    std::size_t bytes;
    Hash256 txid;
    std::shared_ptr<const PendingTx> tx;
    bool operator<(const FeeKey& other) const;  // ascending fee rate, then txid
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Hash256, std::shared_ptr<const PendingTx>> txs;  // GUARDED_BY(mutex)
    std::set<FeeKey> by_fee;                                            // GUARDED_BY(mutex)
  };
  enum class Removal { kEvicted, kExpired, kIncluded, kInvalidated };

  Shard& shard_for(const Hash256& txid) const;
  RejectReason admit_checked(const TransactionView& tx, const Hash256& id, std::uint64_t now_ms,
                             TxFailure* failure);
  // admit()'s checks against the UTXO view and the registry, for a transaction that passed
  // check_stateless. On kOk *claims holds what it would lock (PendingTx::claims) and *fee its fee;
  // *found is lookup scratch. Both vectors are cleared first.
  RejectReason check_state(const TransactionView& tx, std::vector<OutPoint>* claims,
                           std::vector<storage::UtxoLookup>* found, Amount* fee,
                           TxFailure* failure) const;
  // The reason for claim `conflict` of `id` (of claim_count claims) being held by `holder`.
  static RejectReason conflict_reason(const TransactionView& tx, std::size_t claim_count,
                                      std::size_t conflict, const Hash256& holder,
                                      const Hash256& id, TxFailure* failure);
  // Removes `txid` if present, releases its locks, and counts it under `why`.
  bool remove_entry(const Hash256& txid, Removal why);
  void count(RejectReason reason) {
    admit_counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }

  const MempoolConfig config_;
  const LedgerParams params_;
  UtxoView* view_;
  const MasternodeRegistry* registry_;
  OutpointLocks locks_;
  std::unique_ptr<Shard[]> shards_;
  std::size_t shard_mask_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<std::uint64_t> next_height_{1};
  std::array<std::atomic<std::uint64_t>, kRejectReasonCount> admit_counts_{};
  std::atomic<std::uint64_t> evicted_{0};
  std::atomic<std::uint64_t> expired_{0};
  std::atomic<std::uint64_t> included_{0};
  std::atomic<std::uint64_t> invalidated_{0};
};

}  // namespace tc::ledger
