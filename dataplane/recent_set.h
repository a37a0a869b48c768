// RecentSet: the bounded, concurrent set of recently seen datagrams that ingress dedups against,
// keyed by the 128-bit DedupKey of each payload (dedup_key.h).
//
// A fixed table of 64-byte buckets, each holding four 128-bit keys, allocated once at init together
// with the process's secret hash key, so that every RX queue sharing the set hashes alike.
// Lookup-and-insert touches one cache line and is lock-free (a compare-and-swap claims an empty
// slot), so every queue's polling thread may share one set. When a bucket is full a slot chosen by
// the new key is overwritten, so the set forgets old keys at random once warm: a duplicate that
// arrives after its entry was evicted passes to the verify stage and is caught later by the
// mempool's txid check. Two queues inserting the same new key at the same instant may both see it
// as new; RSS sends one source to one queue, so that needs the same datagram from two sources. A
// new datagram is wrongly taken for a duplicate only when its full 128-bit key equals a resident
// one (docs/decisions/0002-ingress-dedup-key.md bounds that).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "dataplane/dedup_key.h"

namespace tc::dataplane {

struct RecentSetConfig {
  std::uint32_t capacity = 1u << 20;  // keys; rounded up to a power of two, >= 8
  // 0: the hash key comes from getrandom() (a node always). Otherwise a fixed key expanded from
  // this seed, so that tests and benchmarks repeat exactly.
  std::uint64_t test_key_seed = 0;
};

class RecentSet {
 public:
  static constexpr std::size_t kBucketSlots = 4;

  // Bytes init() allocates for `config` (the table; the hash key adds sizeof(DedupHashKey)).
  static std::size_t footprint(const RecentSetConfig& config);

  // Allocates and clears the table and draws the hash key. kInvalidArgument for capacity 0 or above
  // 2^31; kUnavailable when getrandom fails. Not thread-safe; call before any polling thread
  // starts.
  Status init(const RecentSetConfig& config);

  // The key of `payload` under this set's hash key. REQUIRES: init() succeeded and payload.size()
  // <= kMaxDatagramTransactionBytes. Any thread.
  DedupKey key_of(ByteSpan payload) const { return dedup_key(*hash_key_, payload); }
  const DedupHashKey& hash_key() const { return *hash_key_; }

  // True when `key` was present (a duplicate); otherwise inserts it and returns false. Any thread,
  // concurrently. REQUIRES: init() succeeded.
  bool test_and_insert(const DedupKey& key);

  // Brings the bucket of `key` toward the cache ahead of test_and_insert(). A read prefetch: with
  // -march=x86-64-v2 the compiler drops write prefetches (PREFETCHW is not in the baseline), and a
  // line no other core holds arrives exclusive anyway, so the insert's store costs nothing extra.
  void prefetch(const DedupKey& key) const {
    __builtin_prefetch(buckets_.get() + bucket_index(key), 0, 3);
  }

  std::size_t capacity() const { return (bucket_mask_ + 1) * kBucketSlots; }

 private:
  struct Slot {
    std::atomic<std::uint64_t> high;  // 0: empty
    std::atomic<std::uint64_t> low;
  };
  struct alignas(64) Bucket {
    Slot slots[kBucketSlots];
  };
  struct FreeBuckets {
    void operator()(Bucket* buckets) const;
  };

  // Fibonacci hashing of both halves (NH's low bits are not uniform for structured payloads); the
  // bucket comes from the product's high bits. (A second multiply of `high` here made g++ 12 drop
  // the prefetch below at -O2, so the mix stays this simple.)
  static std::uint64_t mix(const DedupKey& key) {
    return (key.low ^ key.high) * 0x9e3779b97f4a7c15ull;
  }
  std::size_t bucket_index(const DedupKey& key) const {
    return static_cast<std::size_t>(mix(key) >> 32) & bucket_mask_;
  }

  std::unique_ptr<Bucket[], FreeBuckets> buckets_;
  std::size_t bucket_mask_ = 0;
  std::unique_ptr<DedupHashKey> hash_key_;
};

}  // namespace tc::dataplane
