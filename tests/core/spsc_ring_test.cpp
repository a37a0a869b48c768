// Goal: SpscRing keeps FIFO order, never loses or duplicates an element, and honours the burst
// (as many as fit) versus bulk (all or none) contracts, including across the wrap of the slot
// array. Method: single-thread checks of every edge, then a two-thread stress run of 500,000
// sequence numbers with random burst sizes on both sides, bounded in time by its fixed volume.
// Scenarios:
//   - init rejects depths that are not powers of two in 2..2^30;
//   - push_burst fills exactly the free slots and reports how many; push_bulk refuses when short;
//   - pop_burst / pop_bulk likewise on the consumer side; push/pop of single elements;
//   - wrap-around: bursts that straddle the end of the slot array keep order;
//   - size/empty/free_count track the contents; capacity() equals the depth (all slots usable);
//   - two threads, random bursts 1..37, depth 1024: every number arrives once, in order.
#include "core/spsc_ring.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

namespace tc {
namespace {

TEST(SpscRingTest, InitRejectsBadDepths) {
  SpscRing<int> ring;
  for (std::uint32_t depth : {0u, 1u, 3u, 1000u, (1u << 30) + 1, 1u << 31}) {
    Status status = ring.init(depth);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << depth;
  }
  EXPECT_TRUE(ring.init(2).is_ok());
  EXPECT_EQ(ring.capacity(), 2u);
  EXPECT_EQ(SpscRing<std::uint64_t>::footprint(1024), 8192u);
}

TEST(SpscRingTest, BurstAndBulkContracts) {
  SpscRing<int> ring;
  ASSERT_TRUE(ring.init(8).is_ok());
  std::array<int, 10> in;
  std::iota(in.begin(), in.end(), 0);

  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.push_burst(std::span<const int>(in.data(), 5)), 5u);
  EXPECT_EQ(ring.size(), 5u);
  EXPECT_FALSE(ring.push_bulk(std::span<const int>(in.data() + 5, 4)));  // 3 free: none pushed
  EXPECT_EQ(ring.size(), 5u);
  EXPECT_EQ(ring.push_burst(std::span<const int>(in.data() + 5, 5)), 3u);  // 3 of 5 fit
  EXPECT_EQ(ring.size(), 8u);
  EXPECT_EQ(ring.free_count(), 0u);
  EXPECT_FALSE(ring.push(99));
  EXPECT_EQ(ring.push_burst(std::span<const int>(in.data(), 1)), 0u);
  EXPECT_TRUE(ring.push_bulk(std::span<const int>()));  // nothing is always all

  std::array<int, 10> out{};
  EXPECT_FALSE(ring.pop_bulk(std::span<int>(out.data(), 9)));  // only 8 held: none popped
  EXPECT_EQ(ring.size(), 8u);
  EXPECT_TRUE(ring.pop_bulk(std::span<int>(out.data(), 3)));
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[2], 2);
  EXPECT_EQ(ring.pop_burst(std::span<int>(out.data(), 10)), 5u);
  EXPECT_EQ((std::array<int, 5>{out[0], out[1], out[2], out[3], out[4]}),
            (std::array<int, 5>{3, 4, 5, 6, 7}));
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.pop_burst(std::span<int>(out.data(), 10)), 0u);
  int one = -1;
  EXPECT_FALSE(ring.pop(&one));
  EXPECT_TRUE(ring.push(42));
  EXPECT_TRUE(ring.pop(&one));
  EXPECT_EQ(one, 42);
}

TEST(SpscRingTest, BurstsStraddlingTheWrapKeepOrder) {
  SpscRing<std::uint32_t> ring;
  ASSERT_TRUE(ring.init(16).is_ok());
  std::uint32_t next_in = 0;
  std::uint32_t next_out = 0;
  // Bursts of 7 against a depth of 16 start at every offset modulo 16 and wrap repeatedly.
  for (int round = 0; round < 100; ++round) {
    std::array<std::uint32_t, 7> in;
    for (std::uint32_t& v : in) v = next_in++;
    ASSERT_TRUE(ring.push_bulk(in));
    std::array<std::uint32_t, 7> out{};
    ASSERT_TRUE(ring.pop_bulk(out));
    for (std::uint32_t v : out) ASSERT_EQ(v, next_out++);
  }
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, TwoThreadStressKeepsOrderWithoutLoss) {
  constexpr std::uint64_t kItems = 500'000;
  SpscRing<std::uint64_t> ring;
  ASSERT_TRUE(ring.init(1024).is_ok());

  std::thread producer([&ring] {
    std::mt19937 rng(1);
    std::array<std::uint64_t, 37> burst;
    std::uint64_t next = 0;
    while (next < kItems) {
      std::uint32_t want = 1 + rng() % 37;
      if (want > kItems - next) want = static_cast<std::uint32_t>(kItems - next);
      for (std::uint32_t i = 0; i < want; ++i) burst[i] = next + i;
      next += ring.push_burst(std::span<const std::uint64_t>(burst.data(), want));
    }
  });

  std::mt19937 rng(2);
  std::array<std::uint64_t, 37> out;
  std::uint64_t expected = 0;
  std::uint64_t mismatches = 0;
  while (expected < kItems) {
    std::uint32_t got = ring.pop_burst(std::span<std::uint64_t>(out.data(), 1 + rng() % 37));
    for (std::uint32_t i = 0; i < got; ++i) mismatches += out[i] != expected++;
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(expected, kItems);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace tc
