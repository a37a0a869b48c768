#include "dataplane/recent_set.h"

#include <bit>
#include <cstdlib>
#include <new>

namespace tc::dataplane {
namespace {

std::size_t bucket_count(const RecentSetConfig& config) {
  const std::size_t slots = std::bit_ceil(std::size_t{config.capacity} < RecentSet::kBucketSlots
                                              ? RecentSet::kBucketSlots
                                              : std::size_t{config.capacity});
  return slots / RecentSet::kBucketSlots;
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
  const std::size_t buckets = bucket_count(config);
  void* memory = std::aligned_alloc(alignof(Bucket), buckets * sizeof(Bucket));
  if (memory == nullptr) {
    return Status(
        StatusCode::kResourceExhausted,
        "recent set: cannot allocate " + std::to_string(buckets * sizeof(Bucket)) + " bytes");
  }
  Bucket* table = static_cast<Bucket*>(memory);
  for (std::size_t b = 0; b < buckets; ++b) {
    new (&table[b]) Bucket;
    for (auto& slot : table[b].slots) slot.store(0, std::memory_order_relaxed);
  }
  buckets_.reset(table);
  bucket_mask_ = buckets - 1;
  return Status::ok();
}

bool RecentSet::test_and_insert(const Hash256& wire_hash) {
  // Fingerprint from other bytes than the bucket index; never 0, which marks an empty slot.
  const std::uint64_t fingerprint = load_u64_le(wire_hash.data()) | 1;
  Bucket& bucket = buckets_[bucket_index(wire_hash)];
  for (auto& slot : bucket.slots) {
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    if (seen == fingerprint) return true;
    if (seen == 0) {
      if (slot.compare_exchange_strong(seen, fingerprint, std::memory_order_relaxed)) return false;
      if (seen == fingerprint) return true;  // another queue inserted the same hash just now
    }
  }
  bucket.slots[(fingerprint >> 1) % kBucketSlots].store(fingerprint, std::memory_order_relaxed);
  return false;
}

}  // namespace tc::dataplane
