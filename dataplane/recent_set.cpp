#include "dataplane/recent_set.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <new>

namespace tc::dataplane {
namespace {

// Tables from 2 MiB up are aligned to and advised onto transparent huge pages: lookups land on
// random buckets, and with 4 KiB pages nearly every one would also miss the TLB (a page walk,
// nested under virtualisation), which measured as the largest single cost of the set.
constexpr std::size_t kHugePageBytes = 2u << 20;

std::size_t bucket_count(const RecentSetConfig& config) {
  const std::size_t wanted = config.capacity < 2 * RecentSet::kBucketSlots
                                 ? 2 * RecentSet::kBucketSlots
                                 : std::size_t{config.capacity};
  return std::bit_ceil(wanted) / RecentSet::kBucketSlots;
}

}  // namespace

void RecentSet::FreeBuckets::operator()(Bucket* buckets) const {
  std::free(buckets);
}

std::size_t RecentSet::footprint(const RecentSetConfig& config) {
  return bucket_count(config) * sizeof(Bucket);
}

Status RecentSet::init(const RecentSetConfig& config) {
  if (config.capacity == 0 || config.capacity > (1u << 31)) {
    return invalid_argument("recent set capacity " + std::to_string(config.capacity) +
                            " outside 1..2^31");
  }
  if (config.test_key_seed != 0) {
    hash_key_ = std::make_unique<DedupHashKey>(DedupHashKey::from_seed(config.test_key_seed));
  } else {
    TC_ASSIGN_OR_RETURN(DedupHashKey key, DedupHashKey::random());
    hash_key_ = std::make_unique<DedupHashKey>(key);
  }
  const std::size_t buckets = bucket_count(config);
  const std::size_t bytes = buckets * sizeof(Bucket);  // a power of two
  const bool huge = bytes >= kHugePageBytes;
  void* memory = std::aligned_alloc(huge ? kHugePageBytes : alignof(Bucket), bytes);
  if (memory == nullptr) {
    return Status(StatusCode::kResourceExhausted,
                  "recent set: cannot allocate " + std::to_string(bytes) + " bytes");
  }
  // Advice only: without transparent huge pages the set works the same, only slower.
  if (huge) madvise(memory, bytes, MADV_HUGEPAGE);
  Bucket* table = static_cast<Bucket*>(memory);
  for (std::size_t b = 0; b < buckets; ++b) {
    new (&table[b]) Bucket;
    for (std::atomic<std::uint64_t>& tag : table[b].tags) tag.store(0, std::memory_order_relaxed);
  }
  buckets_.reset(table);
  bucket_mask_ = buckets - 1;
  bucket_shift_ = 64 - static_cast<unsigned>(std::countr_zero(buckets));
  return Status::ok();
}

bool RecentSet::test_and_insert(const Probe& where) {
  // Slots fill in order and are never emptied, so a resident tag always sits before the first
  // empty slot. A tag of 0 is stored as 1 (probe_of), since 0 marks an empty slot. Relaxed order
  // throughout: a slot holds nothing but its tag, which one compare-and-swap claims whole.
  const std::uint64_t tag = where.tag;
  Bucket& bucket = buckets_[where.bucket];
  for (std::atomic<std::uint64_t>& slot : bucket.tags) {
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    if (seen == 0) {
      if (slot.compare_exchange_strong(seen, tag, std::memory_order_relaxed)) return false;
      // Another queue claimed it first; `seen` now holds its tag.
    }
    if (seen == tag) return true;
  }
  // Full: evict the slot named by the tag's top bits, which are uniform and unrelated to the
  // bucket (that comes from the other half of the key).
  bucket.tags[tag >> 61].store(tag, std::memory_order_relaxed);
  return false;
}

}  // namespace tc::dataplane
