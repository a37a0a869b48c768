#include "storage/utxo_cache.h"

#include <bit>
#include <cassert>
#include <mutex>
#include <vector>

namespace tc::storage {
namespace {

// txids are SHA-256 output, so their first 8 bytes are already uniform; the vout is mixed in so the
// outputs of one transaction spread over shards and buckets.
std::uint64_t outpoint_hash(const OutPoint& outpoint) {
  std::uint64_t h;
  std::memcpy(&h, outpoint.txid.data(), 8);
  h ^= (std::uint64_t{outpoint.vout} + 1) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

struct UtxoCache::Shard {
  struct Slot {
    OutPoint key;
    UtxoEntry entry;
    std::uint64_t hash = 0;
    bool used = false;
    bool referenced = false;
  };
  static constexpr std::size_t kNotFound = ~std::size_t{0};

  mutable std::mutex mutex;
  std::vector<Slot> slots;  // GUARDED_BY(mutex); size is a power of two, at most half full
  std::size_t mask = 0;
  std::size_t count = 0;
  std::size_t max_count = 0;
  std::size_t hand = 0;  // CLOCK hand
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;

  void init(std::size_t capacity) {
    max_count = capacity == 0 ? 1 : capacity;
    slots.assign(std::bit_ceil(2 * max_count), Slot{});
    mask = slots.size() - 1;
  }

  std::size_t find(const OutPoint& key, std::uint64_t hash) const {
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      if (!slots[i].used) return kNotFound;
      if (slots[i].hash == hash && slots[i].key == key) return i;
    }
  }

  // Linear-probing deletion by backward shift: entries after the hole move up unless their home
  // bucket lies cyclically after the hole.
  void erase_at(std::size_t hole) {
    std::size_t j = hole;
    while (true) {
      j = (j + 1) & mask;
      if (!slots[j].used) break;
      const std::size_t home = slots[j].hash & mask;
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots[hole] = slots[j];
      hole = j;
    }
    slots[hole].used = false;
    --count;
  }

  void evict_one() {
    while (true) {
      hand = (hand + 1) & mask;
      Slot& slot = slots[hand];
      if (!slot.used) continue;
      if (slot.referenced) {
        slot.referenced = false;
        continue;
      }
      erase_at(hand);
      ++evictions;
      return;
    }
  }

  void insert(const OutPoint& key, std::uint64_t hash, const UtxoEntry& entry) {
    const std::size_t existing = find(key, hash);
    if (existing != kNotFound) {
      slots[existing].entry = entry;
      return;
    }
    if (count == max_count) evict_one();
    std::size_t i = hash & mask;
    while (slots[i].used) i = (i + 1) & mask;
    slots[i] = Slot{key, entry, hash, true, false};
    ++count;
  }

  void erase(const OutPoint& key, std::uint64_t hash) {
    const std::size_t i = find(key, hash);
    if (i != kNotFound) erase_at(i);
  }
};

UtxoCache::UtxoCache(ChainStore* store, const UtxoCacheOptions& options) : store_(store) {
  const std::size_t shard_count = std::bit_ceil(options.shard_count == 0 ? 1 : options.shard_count);
  shards_ = std::make_unique<Shard[]>(shard_count);
  shard_mask_ = shard_count - 1;
  const std::size_t per_shard = (options.capacity_entries + shard_count - 1) / shard_count;
  for (std::size_t s = 0; s < shard_count; ++s) shards_[s].init(per_shard);
}

UtxoCache::~UtxoCache() = default;

UtxoCache::Shard& UtxoCache::shard_for(std::uint64_t hash) {
  // The high bits pick the shard, the low bits the bucket inside it.
  return shards_[(hash >> 48) & shard_mask_];
}

Status UtxoCache::multi_get(std::span<const OutPoint> outpoints, std::span<UtxoLookup> out) {
  assert(out.size() == outpoints.size());
  const std::uint64_t epoch_before = epoch_.load(std::memory_order_acquire);
  std::vector<std::size_t> miss_index;
  std::vector<OutPoint> miss_outpoints;
  for (std::size_t i = 0; i < outpoints.size(); ++i) {
    const std::uint64_t hash = outpoint_hash(outpoints[i]);
    Shard& shard = shard_for(hash);
    std::lock_guard lock(shard.mutex);
    const std::size_t slot = shard.find(outpoints[i], hash);
    if (slot != Shard::kNotFound) {
      shard.slots[slot].referenced = true;
      out[i] = UtxoLookup{true, shard.slots[slot].entry};
      ++shard.hits;
    } else {
      miss_index.push_back(i);
      miss_outpoints.push_back(outpoints[i]);
      ++shard.misses;
    }
  }
  if (miss_index.empty()) return Status::ok();
  std::vector<UtxoLookup> fetched(miss_index.size());
  TC_RETURN_IF_ERROR(store_->multi_get(miss_outpoints, fetched));
  const bool cacheable = (epoch_before & 1) == 0;
  for (std::size_t m = 0; m < miss_index.size(); ++m) {
    out[miss_index[m]] = fetched[m];
    if (!cacheable || !fetched[m].found) continue;
    const std::uint64_t hash = outpoint_hash(miss_outpoints[m]);
    Shard& shard = shard_for(hash);
    std::lock_guard lock(shard.mutex);
    if (epoch_.load(std::memory_order_acquire) != epoch_before) continue;
    shard.insert(miss_outpoints[m], hash, fetched[m].entry);
  }
  return Status::ok();
}

Status UtxoCache::commit_block(const BlockCommit& commit) {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  Status status = store_->commit_block(commit);
  if (status.is_ok()) {
    for (const CreatedUtxo& created : commit.created) {
      const std::uint64_t hash = outpoint_hash(created.outpoint);
      Shard& shard = shard_for(hash);
      std::lock_guard lock(shard.mutex);
      shard.insert(created.outpoint, hash, created.entry);
    }
    for (const OutPoint& spent : commit.spent) {
      const std::uint64_t hash = outpoint_hash(spent);
      Shard& shard = shard_for(hash);
      std::lock_guard lock(shard.mutex);
      shard.erase(spent, hash);
    }
  }
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  return status;
}

UtxoCacheStats UtxoCache::stats() const {
  UtxoCacheStats stats;
  for (std::size_t s = 0; s <= shard_mask_; ++s) {
    const Shard& shard = shards_[s];
    std::lock_guard lock(shard.mutex);
    stats.hits += shard.hits;
    stats.misses += shard.misses;
    stats.evictions += shard.evictions;
    stats.entries += shard.count;
  }
  return stats;
}

}  // namespace tc::storage
