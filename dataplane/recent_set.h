// RecentSet: the bounded, concurrent set of recently seen wire hashes that ingress dedups against.
//
// A fixed table of 64-byte buckets, each holding eight 64-bit fingerprints of wire hashes,
// allocated once at init. Lookup-and-insert is lock-free (one cache line, compare-and-swap into an
// empty slot), so every RX queue's polling thread may share one set. When a bucket is full a slot
// chosen by the new fingerprint is overwritten, so the set forgets old hashes at random once warm:
// a duplicate that arrives after its entry was evicted passes to the verify stage and is caught
// later by the mempool's txid check. Two queues inserting the same new hash at the same instant may
// both see it as new; RSS sends one source to one queue, so that needs the same datagram from two
// sources.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::dataplane {

struct RecentSetConfig {
  std::uint32_t capacity = 1u << 20;  // fingerprints; rounded up to a power of two, >= 8
};

class RecentSet {
 public:
  static constexpr std::size_t kBucketSlots = 8;

  // Bytes init() allocates for `config`.
  static std::size_t footprint(const RecentSetConfig& config);

  // Allocates and clears the table. kInvalidArgument for capacity 0 or above 2^31. Not thread-safe;
  // call before any polling thread starts.
  Status init(const RecentSetConfig& config);

  // True when `wire_hash` was present (a duplicate); otherwise inserts it and returns false. Any
  // thread, concurrently. REQUIRES: init() succeeded.
  bool test_and_insert(const Hash256& wire_hash);

  // Brings the bucket of `wire_hash` toward the cache ahead of test_and_insert().
  void prefetch(const Hash256& wire_hash) const {
    __builtin_prefetch(&buckets_[bucket_index(wire_hash)], 1, 3);
  }

  std::size_t capacity() const { return (bucket_mask_ + 1) * kBucketSlots; }

 private:
  struct alignas(64) Bucket {
    std::atomic<std::uint64_t> slots[kBucketSlots];
  };
  struct FreeBuckets {
    void operator()(Bucket* buckets) const;
  };

  std::size_t bucket_index(const Hash256& wire_hash) const {
    return static_cast<std::size_t>(load_u64_le(wire_hash.data() + 8)) & bucket_mask_;
  }

  std::unique_ptr<Bucket[], FreeBuckets> buckets_;
  std::size_t bucket_mask_ = 0;
};

}  // namespace tc::dataplane
