// RecentSet: the bounded, concurrent set of recently seen datagrams that ingress dedups against,
// keyed by the 128-bit DedupKey of each payload (dedup_key.h).
//
// A fixed table of 64-byte buckets, each holding eight 64-bit tags, allocated once at init together
// with the process's secret hash key, so that every RX queue sharing the set hashes alike. A key's
// tag is its top 64 bits (high), which the key's multiply-shift fold makes universal on their own;
// its bucket comes from the other half (low) through a non-linear mixer. The default 2^20 keys thus
// take 8 MiB, not the 16 MiB that whole keys would (the cost: a false drop needs a 64-bit tag match
// in place of a 128-bit key match, see docs/decisions/0002-ingress-dedup-key.md). Why a mixer:
// transactions that differ in one field give keys in arithmetic progression (NH is linear in each
// word), and any linear choice of bucket bits then crowds them into a few buckets for some hash
// keys, which overflow and forget. Lookup-and-insert touches one cache line and is lock-free (a
// compare-and-swap claims an empty slot), so every queue's polling thread may share one set. When a
// bucket is full a slot chosen by the tag is overwritten, so the set forgets old keys at random
// once warm: a duplicate that arrives after its entry was evicted passes to the verify stage and is
// caught later by the mempool's txid check. Two queues inserting the same new key at the same
// instant into a full bucket may both see it as new; RSS sends one source to one queue, so that
// needs the same datagram from two sources.
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
  std::uint32_t capacity = 1u << 20;  // keys; rounded up to a power of two, >= 16
  // 0: the hash key comes from getrandom() (a node always). Otherwise a fixed key expanded from
  // this seed, so that tests and benchmarks repeat exactly.
  std::uint64_t test_key_seed = 0;
};

class RecentSet {
 public:
  static constexpr std::size_t kBucketSlots = 8;  // tag >> 61 names a slot

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

  // Where `key` lives in the set: its bucket and its tag, computed once so that prefetch() and
  // test_and_insert() do not mix the key twice. Any thread.
  struct Probe {
    std::uint32_t bucket = 0;
    std::uint64_t tag = 1;
  };
  Probe probe_of(const DedupKey& key) const {
    return Probe{static_cast<std::uint32_t>(bucket_index(key)),
                 key.high == 0 ? std::uint64_t{1} : key.high};
  }

  // True when `key` was present (a duplicate); otherwise inserts it and returns false. Any thread,
  // concurrently. REQUIRES: init() succeeded.
  bool test_and_insert(const DedupKey& key) { return test_and_insert(probe_of(key)); }
  bool test_and_insert(const Probe& probe);

  // Brings the bucket of `probe` toward the cache ahead of test_and_insert(). A read prefetch: with
  // -march=x86-64-v2 the compiler drops write prefetches (PREFETCHW is not in the baseline), and a
  // line no other core holds arrives exclusive anyway, so the insert's store costs nothing extra.
  // On x86 it is written as an instruction because g++ 12 at -O2 and -O3 deleted the
  // __builtin_prefetch here whenever the bucket index took more than one multiply (seen in the
  // disassembly of IngressStage::process_burst, and as the set's cost in profiles).
  void prefetch(const Probe& probe) const {
    const Bucket* bucket = buckets_.get() + probe.bucket;
#if defined(__x86_64__)
    asm volatile("prefetcht0 %0" : : "m"(*reinterpret_cast<const char*>(bucket)));
#else
    __builtin_prefetch(bucket, 0, 3);
#endif
  }

  std::size_t capacity() const {
    return (bucket_mask_ + 1) * kBucketSlots;
  }

 private:
  struct alignas(64) Bucket {
    std::atomic<std::uint64_t> tags[kBucketSlots];  // 0: empty
  };
  struct FreeBuckets {
    void operator()(Bucket* buckets) const;
  };

  // SplitMix64's finaliser on the low half, whose top bits name the bucket. bucket_shift_ is
  // 64 - log2(buckets), below 64 since there are at least two buckets.
  std::size_t bucket_index(const DedupKey& key) const {
    std::uint64_t z = key.low;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::size_t>((z ^ (z >> 31)) >> bucket_shift_);
  }
  std::unique_ptr<Bucket[], FreeBuckets> buckets_;
  std::size_t bucket_mask_ = 0;
  unsigned bucket_shift_ = 63;
  std::unique_ptr<DedupHashKey> hash_key_;
};

}  // namespace tc::dataplane
