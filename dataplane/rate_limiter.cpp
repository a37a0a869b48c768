#include "dataplane/rate_limiter.h"

#include <bit>
#include <cstring>

namespace tc::dataplane {
namespace {

std::size_t entry_count(const RateLimitConfig& config) {
  return std::bit_ceil(std::size_t{config.sources < 4 ? 4 : config.sources});
}

// A 64-bit mix of the 16-byte address (never 0, which marks an empty entry).
std::uint64_t source_key(const SourceAddress& source) {
  std::uint64_t high;
  std::uint64_t low;
  std::memcpy(&high, source.ip.data(), 8);
  std::memcpy(&low, source.ip.data() + 8, 8);
  std::uint64_t h = (high ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
  h ^= low + (h >> 31);
  h *= 0x94d049bb133111ebull;
  h ^= h >> 29;
  return h | 1;
}

}  // namespace

std::size_t RateLimiter::footprint(const RateLimitConfig& config) {
  return config.rate_per_s == 0 ? 0 : entry_count(config) * sizeof(Entry);
}

Status RateLimiter::init(const RateLimitConfig& config) {
  if (config.rate_per_s > 0 && config.burst == 0) {
    return invalid_argument("rate limit: burst must be >= 1 when rate_per_s is set");
  }
  if (config.sources > (1u << 28)) {
    return invalid_argument("rate limit: sources " + std::to_string(config.sources) +
                            " above 2^28");
  }
  rate_per_s_ = config.rate_per_s;
  burst_tokens_ = std::uint64_t{config.burst} * kTokenUnit;
  if (rate_per_s_ == 0) return Status::ok();
  const std::size_t entries = entry_count(config);
  entries_ = std::make_unique<Entry[]>(entries);
  set_mask_ = entries / kWays - 1;
  return Status::ok();
}

bool RateLimiter::allow(const SourceAddress& source, std::uint64_t now_ns) {
  if (rate_per_s_ == 0) return true;
  const std::uint64_t key = source_key(source);
  Entry* set = &entries_[((key >> 32) & set_mask_) * kWays];
  Entry* entry = nullptr;
  Entry* victim = &set[0];
  for (std::size_t way = 0; way < kWays; ++way) {
    if (set[way].key == key) {
      entry = &set[way];
      break;
    }
    if (set[way].key == 0 || set[way].last_ns < victim->last_ns) victim = &set[way];
  }
  if (entry == nullptr) {
    entry = victim;
    entry->key = key;
    entry->tokens = burst_tokens_;
  } else {
    // Refill; elapsed is capped so that elapsed x rate cannot overflow.
    std::uint64_t elapsed = now_ns > entry->last_ns ? now_ns - entry->last_ns : 0;
    const std::uint64_t full_after_ns = burst_tokens_ / rate_per_s_ + 1;
    if (elapsed > full_after_ns) elapsed = full_after_ns;
    entry->tokens += elapsed * rate_per_s_;
    if (entry->tokens > burst_tokens_) entry->tokens = burst_tokens_;
  }
  entry->last_ns = now_ns;
  if (entry->tokens < kTokenUnit) return false;
  entry->tokens -= kTokenUnit;
  return true;
}

}  // namespace tc::dataplane
