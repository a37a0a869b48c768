// SpscRing<T>: a bounded, lock-free ring of T between exactly one producer thread and one consumer
// thread. It is the link between adjacent stages of the data path (DESIGN §2; node/topology.cpp
// names every ring, its depth and its element type).
//
// Shape (after DPDK lib/ring/rte_ring.h):
//   - The depth is a power of two fixed at init(); all slots are allocated there and never again.
//   - Indices are free-running 64-bit counters (they never wrap in practice); slot = index & mask.
//     The ring is full when write_index - read_index == depth, so all `depth` slots are usable.
//   - The producer's write index and the consumer's read index live on separate cache lines, each
//     next to the owner's private cached copy of the other side's index. A side reads the other's
//     index (one cache-line transfer) only when its cached copy says the ring looks full or empty.
//   - Elements are published with a release store of the index and acquired by the other side.
//   - *_burst moves as many elements as possible and returns how many; *_bulk moves all or none.
//
// Threads: push_* only from the one producer thread, pop_* only from the one consumer thread, for
// the ring's whole life (hand over a side only with external synchronisation such as a thread
// join). size()/empty()/free_count() may be called from any thread and are snapshots. init() runs
// before either side starts. No call blocks, allocates (after init) or throws.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>

#include "core/status.h"

namespace tc {

// 128 bytes, not 64: x86 cores prefetch cache lines in adjacent pairs, so two hot indices 64 bytes
// apart would still share traffic (DPDK pads with RTE_CACHE_GUARD for the same reason).
inline constexpr std::size_t kRingIndexAlign = 128;
inline constexpr std::uint32_t kRingDepthMax = std::uint32_t{1} << 30;

template <typename T>
requires std::is_trivially_copyable_v<T> && std::default_initializable<T>
class SpscRing {
 public:
  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Bytes of slot memory a ring of `depth` elements allocates (for a stage's footprint()).
  static constexpr std::size_t footprint(std::uint32_t depth) { return sizeof(T) * depth; }

  // Allocates `depth` slots and empties the ring. Errors: kInvalidArgument when depth is not a
  // power of two in 2..2^30 (the message gives the depth). REQUIRES: neither side is running.
  Status init(std::uint32_t depth) {
    if (depth < 2 || depth > kRingDepthMax || (depth & (depth - 1)) != 0) {
      return invalid_argument("ring depth " + std::to_string(depth) +
                              " is not a power of two in 2..2^30");
    }
    slots_ = std::make_unique<T[]>(depth);
    depth_ = depth;
    mask_ = depth - 1;
    producer_.write_index.store(0, std::memory_order_relaxed);
    producer_.read_index_cache = 0;
    consumer_.read_index.store(0, std::memory_order_relaxed);
    consumer_.write_index_cache = 0;
    return Status::ok();
  }

  std::uint32_t capacity() const { return depth_; }

  // ---- producer side ----------------------------------------------------------------------------

  // Copies the longest prefix of `items` that fits and publishes it; returns its length (0 when the
  // ring is full). Producer thread only.
  std::uint32_t push_burst(std::span<const T> items) {
    return push_impl(items.data(), clamp_count(items.size()), /*all_or_none=*/false);
  }

  // Copies and publishes all of `items` and returns true, or copies nothing and returns false when
  // fewer than items.size() slots are free. Producer thread only.
  bool push_bulk(std::span<const T> items) {
    if (items.size() > depth_) return false;
    return push_impl(items.data(), static_cast<std::uint32_t>(items.size()),
                     /*all_or_none=*/true) != 0 ||
           items.empty();
  }

  // One element; false when the ring is full. Producer thread only.
  bool push(const T& item) { return push_impl(&item, 1, /*all_or_none=*/true) == 1; }

  // ---- consumer side ----------------------------------------------------------------------------

  // Moves up to out.size() elements, oldest first, into the front of `out`; returns how many (0
  // when the ring is empty). Consumer thread only.
  std::uint32_t pop_burst(std::span<T> out) {
    return pop_impl(out.data(), clamp_count(out.size()), /*all_or_none=*/false);
  }

  // Moves exactly out.size() elements into `out` and returns true, or moves nothing and returns
  // false when fewer are available. Consumer thread only.
  bool pop_bulk(std::span<T> out) {
    if (out.size() > depth_) return false;
    return pop_impl(out.data(), static_cast<std::uint32_t>(out.size()), /*all_or_none=*/true) !=
               0 ||
           out.empty();
  }

  // One element; false when the ring is empty. Consumer thread only.
  bool pop(T* out) { return pop_impl(out, 1, /*all_or_none=*/true) == 1; }

  // ---- either side, or an observer
  // ---------------------------------------------------------------

  // Elements published and not yet consumed. Exact when called by one side while the other is idle;
  // otherwise a snapshot that may be stale by the time it returns.
  std::uint32_t size() const {
    std::uint64_t read = consumer_.read_index.load(std::memory_order_acquire);
    std::uint64_t write = producer_.write_index.load(std::memory_order_acquire);
    return static_cast<std::uint32_t>(write - read);
  }
  bool empty() const { return size() == 0; }
  std::uint32_t free_count() const { return depth_ - size(); }

 private:
  std::uint32_t clamp_count(std::size_t n) const {
    return n > depth_ ? depth_ : static_cast<std::uint32_t>(n);
  }

  std::uint32_t push_impl(const T* items, std::uint32_t n, bool all_or_none) {
    const std::uint64_t write = producer_.write_index.load(std::memory_order_relaxed);
    std::uint64_t free = depth_ - (write - producer_.read_index_cache);
    if (free < n) {
      producer_.read_index_cache = consumer_.read_index.load(std::memory_order_acquire);
      free = depth_ - (write - producer_.read_index_cache);
      if (free < n) {
        if (all_or_none) return 0;
        n = static_cast<std::uint32_t>(free);
      }
    }
    if (n == 0) return 0;
    copy_in(write, items, n);
    producer_.write_index.store(write + n, std::memory_order_release);
    return n;
  }

  std::uint32_t pop_impl(T* out, std::uint32_t n, bool all_or_none) {
    const std::uint64_t read = consumer_.read_index.load(std::memory_order_relaxed);
    std::uint64_t available = consumer_.write_index_cache - read;
    if (available < n) {
      consumer_.write_index_cache = producer_.write_index.load(std::memory_order_acquire);
      available = consumer_.write_index_cache - read;
      if (available < n) {
        if (all_or_none) return 0;
        n = static_cast<std::uint32_t>(available);
      }
    }
    if (n == 0) return 0;
    copy_out(read, out, n);
    consumer_.read_index.store(read + n, std::memory_order_release);
    return n;
  }

  // The n slots from `index` may wrap past the end of the array: copy in at most two pieces.
  void copy_in(std::uint64_t index, const T* items, std::uint32_t n) {
    const std::uint32_t start = static_cast<std::uint32_t>(index) & mask_;
    const std::uint32_t first = n < depth_ - start ? n : depth_ - start;
    std::memcpy(&slots_[start], items, sizeof(T) * first);
    if (first < n) std::memcpy(&slots_[0], items + first, sizeof(T) * (n - first));
  }

  void copy_out(std::uint64_t index, T* out, std::uint32_t n) const {
    const std::uint32_t start = static_cast<std::uint32_t>(index) & mask_;
    const std::uint32_t first = n < depth_ - start ? n : depth_ - start;
    std::memcpy(out, &slots_[start], sizeof(T) * first);
    if (first < n) std::memcpy(out + first, &slots_[0], sizeof(T) * (n - first));
  }

  // Written by the producer only; read_index_cache is the producer's private copy.
  struct alignas(kRingIndexAlign) ProducerLine {
    std::atomic<std::uint64_t> write_index{0};
    std::uint64_t read_index_cache = 0;
  };
  // Written by the consumer only; write_index_cache is the consumer's private copy.
  struct alignas(kRingIndexAlign) ConsumerLine {
    std::atomic<std::uint64_t> read_index{0};
    std::uint64_t write_index_cache = 0;
  };

  // Read-only after init(): shared by both sides without traffic.
  alignas(kRingIndexAlign) std::unique_ptr<T[]> slots_;
  std::uint32_t depth_ = 0;
  std::uint32_t mask_ = 0;
  ProducerLine producer_;
  ConsumerLine consumer_;
};

}  // namespace tc
