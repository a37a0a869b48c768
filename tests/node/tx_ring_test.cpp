// Goal: TxRing hands every record from its one producer to its one consumer whole, in order and
// unchanged, whatever the lengths, and refuses (never overwrites) when full.
// Method: single-thread tests of the edges (padding at the end of the arena, full ring, held
// records, lengths 0 and kMaxTransactionBytes), then a producer thread and a consumer thread moving
// 20,000 records of random lengths with a checksum in each.
// Scenarios:
//   - init: capacities that are not a power of two or below the minimum are kInvalidArgument;
//   - a record longer than kMaxTransactionBytes is refused, one of exactly that length fits;
//   - a full ring refuses a push and accepts it once the oldest record is released;
//   - records that would cross the end of the arena start again at its beginning (padding), many
//     times around, and come out intact and in order;
//   - records the consumer holds (read, not released) stay intact while the producer writes;
//   - two threads, random lengths up to 3,000 bytes: every record arrives once, in order, intact.
#include "node/stages/tx_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace tc::node {
namespace {

Bytes pattern(std::size_t length, std::uint64_t seed) {
  Bytes bytes(length);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (std::uint8_t& b : bytes) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x);
  }
  return bytes;
}

bool holds(const TxRecord& record, std::size_t length, std::uint64_t seed) {
  const Bytes expected = pattern(length, seed);
  const ByteSpan got = record.transaction();
  return record.tag == seed && got.size() == length &&
         std::equal(got.begin(), got.end(), expected.begin());
}

bool push_pattern(TxRing& ring, std::size_t length, std::uint64_t seed) {
  TxRecord header;
  header.tag = seed;
  return ring.push(pattern(length, seed), header);
}

TEST(TxRingTest, InitChecksTheCapacity) {
  TxRing ring;
  EXPECT_EQ(ring.init(TxRing::kCapacityBytesMin - 64).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.init(TxRing::kCapacityBytesMin / 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.init(TxRing::kCapacityBytesMin * 3).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ring.init(TxRing::kCapacityBytesMin).is_ok());
  EXPECT_EQ(ring.capacity_bytes(), TxRing::kCapacityBytesMin);
}

TEST(TxRingTest, LengthBoundAndFullRing) {
  TxRing ring;
  ASSERT_TRUE(ring.init(TxRing::kCapacityBytesMin).is_ok());
  EXPECT_EQ(ring.reserve(kMaxTransactionBytes + 1), nullptr);
  ASSERT_TRUE(push_pattern(ring, kMaxTransactionBytes, 1));
  ASSERT_TRUE(push_pattern(ring, kMaxTransactionBytes, 2));
  // Two records of the largest length leave less than a third.
  EXPECT_FALSE(push_pattern(ring, kMaxTransactionBytes, 3));
  const TxRecord* first = ring.next();
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(holds(*first, kMaxTransactionBytes, 1));
  EXPECT_FALSE(push_pattern(ring, kMaxTransactionBytes, 3)) << "a held record is not free";
  ring.release_oldest();
  ASSERT_TRUE(push_pattern(ring, kMaxTransactionBytes, 3));
  const TxRecord* second = ring.next();
  const TxRecord* third = ring.next();
  ASSERT_NE(second, nullptr);
  ASSERT_NE(third, nullptr);
  EXPECT_TRUE(holds(*second, kMaxTransactionBytes, 2));
  EXPECT_TRUE(holds(*third, kMaxTransactionBytes, 3));
  EXPECT_EQ(ring.next(), nullptr);
  ring.release_oldest();
  ring.release_oldest();
  EXPECT_TRUE(ring.empty());
}

TEST(TxRingTest, RecordsWrapAroundTheArenaIntactAndInOrder) {
  TxRing ring;
  ASSERT_TRUE(ring.init(TxRing::kCapacityBytesMin).is_ok());
  std::mt19937_64 rng(7);
  std::uint64_t written = 0, read = 0;
  std::vector<std::size_t> lengths;
  // About 40 times around the arena, holding up to three records at a time.
  while (read < 4000) {
    const std::size_t length = rng() % 7000;
    if (push_pattern(ring, length, written)) {
      lengths.push_back(length);
      ++written;
    }
    while (const TxRecord* record = ring.next()) {
      ASSERT_TRUE(holds(*record, lengths[read], read)) << "record " << read;
      ++read;
      if (read % 3 == 0) {
        ring.release_oldest();
        ring.release_oldest();
        ring.release_oldest();
      }
      if (read % 3 != 0) break;
    }
  }
}

TEST(TxRingTest, TwoThreadsMoveEveryRecordOnceInOrder) {
  TxRing ring;
  ASSERT_TRUE(ring.init(TxRing::kCapacityBytesMin).is_ok());
  constexpr std::uint64_t kRecords = 20'000;
  std::thread producer([&] {
    std::mt19937_64 rng(11);
    for (std::uint64_t i = 0; i < kRecords; ++i) {
      const std::size_t length = rng() % 3000;
      while (!push_pattern(ring, length, i)) std::this_thread::yield();
    }
  });
  std::mt19937_64 rng(11);
  std::uint64_t bad = 0;
  for (std::uint64_t i = 0; i < kRecords; ++i) {
    const std::size_t length = rng() % 3000;
    const TxRecord* record;
    while ((record = ring.next()) == nullptr) std::this_thread::yield();
    if (!holds(*record, length, i)) ++bad;
    ring.release_oldest();
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(ring.next(), nullptr);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace tc::node
