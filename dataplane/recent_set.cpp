#include "dataplane/recent_set.h"

#include <sys/mman.h>

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
    for (Slot& slot : table[b].slots) {
      slot.high.store(0, std::memory_order_relaxed);
      slot.low.store(0, std::memory_order_relaxed);
    }
  }
  buckets_.reset(table);
  bucket_mask_ = buckets - 1;
  return Status::ok();
}

bool RecentSet::test_and_insert(const DedupKey& key) {
  // A slot's high word is its claim: 0 is empty, and a high of 0 is stored as 1 (the key's low
  // word still tells it apart). Relaxed order throughout: a reader that sees a claimed slot before
  // its low word lands takes the key for new, which is the documented same-instant race.
  const std::uint64_t high = key.high == 0 ? 1 : key.high;
  Bucket& bucket = buckets_[bucket_index(key)];
  for (Slot& slot : bucket.slots) {
    std::uint64_t seen = slot.high.load(std::memory_order_relaxed);
    if (seen == 0) {
      if (slot.high.compare_exchange_strong(seen, high, std::memory_order_relaxed)) {
        slot.low.store(key.low, std::memory_order_relaxed);
        return false;
      }
    }
    if (seen == high && slot.low.load(std::memory_order_relaxed) == key.low) return true;
  }
  Slot& victim = bucket.slots[(mix(key) >> 8) % kBucketSlots];
  victim.high.store(high, std::memory_order_relaxed);
  victim.low.store(key.low, std::memory_order_relaxed);
  return false;
}

}  // namespace tc::dataplane
