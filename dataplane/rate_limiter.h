// RateLimiter: per-source token buckets for one RX queue, in a bounded table sized at init.
//
// Each source IP (port ignored) gets `burst` tokens that refill at `rate_per_s`; a datagram costs
// one token and is dropped as rate_limited when none is left. The table is 4-way set associative; a
// new source evicts the least recently seen one in its set, which then starts over with a full
// bucket when it returns, so an attacker cycling through more addresses than the table holds gets
// at most `burst` datagrams per address per eviction. One RX queue's thread owns one RateLimiter
// (RSS keeps a source on one queue), so nothing here is shared or atomic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "dataplane/packet.h"

namespace tc::dataplane {

struct RateLimitConfig {
  std::uint32_t rate_per_s = 0;      // tokens per second per source; 0 turns rate limiting off
  std::uint32_t burst = 0;           // bucket size; must be >= 1 when rate_per_s > 0
  std::uint32_t sources = 1u << 16;  // table entries; rounded up to a power of two, >= 4
};

class RateLimiter {
 public:
  static std::size_t footprint(const RateLimitConfig& config);

  // Allocates the table. kInvalidArgument for rate > 0 with burst 0, or sources above 2^28.
  Status init(const RateLimitConfig& config);

  // Takes a token from `source`'s bucket at time `now_ns` (any monotonic clock, non-decreasing per
  // call sequence). True when the datagram may pass. Always true when rate limiting is off.
  bool allow(const SourceAddress& source, std::uint64_t now_ns);

  bool enabled() const { return rate_per_s_ != 0; }

 private:
  static constexpr std::size_t kWays = 4;
  static constexpr std::uint64_t kTokenUnit = 1'000'000'000;  // a token in token-nanoseconds

  struct Entry {
    std::uint64_t key = 0;  // 0 = empty
    std::uint64_t last_ns = 0;
    std::uint64_t tokens = 0;  // in kTokenUnit units
  };

  std::unique_ptr<Entry[]> entries_;
  std::size_t set_mask_ = 0;
  std::uint64_t rate_per_s_ = 0;
  std::uint64_t burst_tokens_ = 0;
};

}  // namespace tc::dataplane
