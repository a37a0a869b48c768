// UtxoCache: a sharded, bounded, in-memory cache of UTXO entries in front of ChainStore.
//
// The execute stage looks up every input of a block through multi_get: hits are answered from
// memory, and all misses of the call go to RocksDB in one MultiGet. The commit stage commits
// through commit_block, which writes the block's RocksDB batch first and only then applies the
// block's created and spent outputs to the cache (write-back per block), so the cache never holds
// state the database does not. Each shard is a fixed-size open-addressing table allocated at
// construction, evicted with CLOCK (second chance); nothing is allocated per entry. Threads:
// multi_get from any thread; commit_block from the one writer thread (see ChainStore).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/status.h"
#include "core/types.h"
#include "storage/chain_store.h"

namespace tc::storage {

struct UtxoCacheOptions {
  std::size_t capacity_entries = 1u << 20;  // across all shards; each shard holds its share
  std::size_t shard_count = 16;             // rounded up to a power of two
};

struct UtxoCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;  // lookups that went to RocksDB (found there or not)
  std::uint64_t evictions = 0;
  std::uint64_t entries = 0;
};

class UtxoCache {
 public:
  // REQUIRES: `store` outlives the cache, and every write to its UTXO set goes through this cache.
  UtxoCache(ChainStore* store, const UtxoCacheOptions& options);
  ~UtxoCache();
  UtxoCache(const UtxoCache&) = delete;
  UtxoCache& operator=(const UtxoCache&) = delete;

  // Same contract as ChainStore::multi_get: one result per outpoint, in order; missing is
  // found = false. Found misses are inserted unless a block commit ran concurrently (then the
  // value may be stale and is not cached).
  Status multi_get(std::span<const OutPoint> outpoints, std::span<UtxoLookup> out);

  // ChainStore::commit_block, then (on success only) the block's changes applied to the cache:
  // creations inserted, then spent outputs erased.
  Status commit_block(const BlockCommit& commit);

  UtxoCacheStats stats() const;

 private:
  struct Shard;
  Shard& shard_for(std::uint64_t hash);

  ChainStore* store_;
  std::unique_ptr<Shard[]> shards_;
  std::size_t shard_mask_ = 0;
  // Even while no commit is in progress, odd during one; a miss is cached only if the epoch did not
  // move between before its RocksDB read and its insertion.
  std::atomic<std::uint64_t> epoch_{0};
};

}  // namespace tc::storage
