#include "ledger/outpoint_locks.h"

#include <algorithm>
#include <bit>

namespace tc::ledger {

OutpointLocks::OutpointLocks(std::size_t shard_count, std::size_t expected_locks) {
  std::size_t count = std::bit_ceil(std::max<std::size_t>(shard_count, 1));
  if (count > kShardCountMax) count = kShardCountMax;
  shards_ = std::make_unique<Shard[]>(count);
  shard_mask_ = count - 1;
  for (std::size_t i = 0; i < count; ++i) shards_[i].owners.reserve(expected_locks / count + 1);
}

std::uint64_t OutpointLocks::shard_set(std::span<const OutPoint> outpoints) const {
  std::uint64_t set = 0;
  for (const OutPoint& outpoint : outpoints) set |= std::uint64_t{1} << shard_of(outpoint);
  return set;
}

std::size_t OutpointLocks::lock_all(std::span<const OutPoint> outpoints, const Hash256& owner,
                                    Hash256* holder) {
  const std::uint64_t set = shard_set(outpoints);
  // Ascending shard order: two callers never wait on each other in a cycle.
  for (std::uint64_t rest = set; rest != 0; rest &= rest - 1) {
    shards_[std::countr_zero(rest)].mutex.lock();
  }
  std::size_t conflict = kNoConflict;
  for (std::size_t i = 0; i < outpoints.size(); ++i) {
    const auto& owners = shards_[shard_of(outpoints[i])].owners;
    const auto it = owners.find(outpoints[i]);
    if (it != owners.end()) {
      conflict = i;
      if (holder != nullptr) *holder = it->second;
      break;
    }
  }
  if (conflict == kNoConflict) {
    for (const OutPoint& outpoint : outpoints) {
      shards_[shard_of(outpoint)].owners.emplace(outpoint, owner);
    }
  }
  for (std::uint64_t rest = set; rest != 0; rest &= rest - 1) {
    shards_[std::countr_zero(rest)].mutex.unlock();
  }
  return conflict;
}

void OutpointLocks::unlock_all(std::span<const OutPoint> outpoints, const Hash256& owner) {
  for (const OutPoint& outpoint : outpoints) {
    Shard& shard = shards_[shard_of(outpoint)];
    std::lock_guard lock(shard.mutex);
    const auto it = shard.owners.find(outpoint);
    if (it != shard.owners.end() && it->second == owner) shard.owners.erase(it);
  }
}

std::optional<Hash256> OutpointLocks::holder(const OutPoint& outpoint) const {
  const Shard& shard = shards_[shard_of(outpoint)];
  std::lock_guard lock(shard.mutex);
  const auto it = shard.owners.find(outpoint);
  if (it == shard.owners.end()) return std::nullopt;
  return it->second;
}

std::size_t OutpointLocks::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i <= shard_mask_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].owners.size();
  }
  return total;
}

}  // namespace tc::ledger
