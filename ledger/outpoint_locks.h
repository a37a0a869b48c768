// OutpointLocks: the "Locked" state of the UTXO state machine. An outpoint is locked by the one
// pending (mempool) transaction that spends or claims it; the first valid claimant wins and every
// later conflicting one is refused. Locks are released when their transaction leaves the mempool
// (included in a block, evicted, expired, or invalidated by a block that spent the output).
//
// The table is split into shards by outpoint hash, each with its own mutex, so intake threads only
// contend when they touch the same shard. lock_all takes every shard a transaction touches in
// ascending shard order (no deadlock) and claims all its outpoints or none, so of two conflicting
// transactions racing on any number of shared outpoints exactly one wins. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>

#include "core/bytes.h"
#include "core/types.h"

namespace tc::ledger {

class OutpointLocks {
 public:
  static constexpr std::size_t kShardCountMax = 64;
  static constexpr std::size_t kNoConflict = static_cast<std::size_t>(-1);

  // shard_count is rounded up to a power of two and capped at kShardCountMax; each shard reserves
  // room for expected_locks / shard_count entries.
  OutpointLocks(std::size_t shard_count, std::size_t expected_locks);
  OutpointLocks(const OutpointLocks&) = delete;
  OutpointLocks& operator=(const OutpointLocks&) = delete;

  // Locks every outpoint for `owner`, all or none. Returns kNoConflict on success, otherwise the
  // index of the first outpoint held by someone (nothing is then locked by this call; *holder,
  // when non-null, is the transaction holding it). An outpoint already held by `owner` itself is a
  // conflict too (a duplicate submission). Duplicate outpoints within `outpoints` are a caller bug.
  std::size_t lock_all(std::span<const OutPoint> outpoints, const Hash256& owner,
                       Hash256* holder = nullptr);

  // Releases those of `outpoints` that `owner` holds; others are left alone.
  void unlock_all(std::span<const OutPoint> outpoints, const Hash256& owner);

  // The transaction holding `outpoint`, if any.
  std::optional<Hash256> holder(const OutPoint& outpoint) const;

  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<OutPoint, Hash256> owners;  // GUARDED_BY(mutex)
  };
  std::size_t shard_of(const OutPoint& outpoint) const {
    return std::hash<OutPoint>()(outpoint) >> 7 & shard_mask_;
  }
  std::uint64_t shard_set(std::span<const OutPoint> outpoints) const;

  std::unique_ptr<Shard[]> shards_;
  std::size_t shard_mask_;
};

}  // namespace tc::ledger
