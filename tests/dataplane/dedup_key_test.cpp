// Goal: dedup_key() is NH over the documented fixed-length encoding of a payload (zero padding to
// kMaxDatagramTransactionBytes, then a length block), times the secret odd multiplier, so payloads
// that differ only by trailing zeros or by length get different keys, and keys depend on the
// secret. Method: compare dedup_key() with a direct, unoptimised evaluation of NH over the whole
// encoded string (every block, padding included) for payload lengths 0..kMax in steps that cover
// every tail length; then check the properties the recent set relies on. Scenarios: equality with
// the reference for all tail lengths and the maximum length; payloads differing by appended zero
// bytes; one flipped bit in every position of a 252-byte transfer; different seeds give different
// keys; from_seed repeats; random() keys differ; never all-zero.
#include "dataplane/dedup_key.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <utility>
#include <vector>

namespace tc::dataplane {
namespace {

__extension__ typedef unsigned __int128 Wide;

// The expanded key words of from_seed(seed): SplitMix64, as dedup_key.cpp documents; the NH words,
// then the fold multiplier (its low word made odd).
std::vector<std::uint64_t> seed_words(std::uint64_t seed) {
  std::vector<std::uint64_t> words(DedupHashKey::kKeyWords + DedupHashKey::kFoldWords);
  for (std::uint64_t& word : words) {
    seed += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    word = z ^ (z >> 31);
  }
  words[DedupHashKey::kKeyWords] |= 1;
  return words;
}

// NH over the whole encoding, block by block, with no precomputation, then the fold: the product
// with the odd multiplier, by 32-bit schoolbook multiplication mod 2^128.
DedupKey reference_key(std::uint64_t seed, ByteSpan payload) {
  const std::vector<std::uint64_t> k = seed_words(seed);
  Bytes encoded(kMaxDatagramTransactionBytes + DedupHashKey::kBlockBytes, 0);
  std::copy(payload.begin(), payload.end(), encoded.begin());
  store_u64_le(encoded.data() + kMaxDatagramTransactionBytes, payload.size());
  Wide sum = 0;
  for (std::size_t w = 0; w < DedupHashKey::kKeyWords; w += 2) {
    const std::uint64_t a = load_u64_le(encoded.data() + 8 * w) + k[w];
    const std::uint64_t b = load_u64_le(encoded.data() + 8 * w + 8) + k[w + 1];
    sum += static_cast<Wide>(a) * b;
  }
  const auto limbs = [](std::uint64_t low, std::uint64_t high) {
    return std::array<std::uint64_t, 4>{low & 0xffffffff, low >> 32, high & 0xffffffff, high >> 32};
  };
  const auto x = limbs(static_cast<std::uint64_t>(sum), static_cast<std::uint64_t>(sum >> 64));
  const auto m = limbs(k[DedupHashKey::kKeyWords], k[DedupHashKey::kKeyWords + 1]);
  std::array<std::uint64_t, 4> product{};
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t carry = 0;
    for (std::size_t j = 0; i + j < 4; ++j) {
      const std::uint64_t t = product[i + j] + x[i] * m[j] + carry;  // < 2^64: limbs are 32-bit
      product[i + j] = t & 0xffffffff;
      carry = t >> 32;
    }
  }
  return DedupKey{product[0] | (product[1] << 32), product[2] | (product[3] << 32)};
}

Bytes pattern(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
  return bytes;
}

TEST(DedupKeyTest, MatchesNhOverTheFixedLengthEncoding) {
  const DedupHashKey key = DedupHashKey::from_seed(42);
  std::vector<std::size_t> sizes;
  for (std::size_t size = 0; size <= 80; ++size) sizes.push_back(size);  // every tail, 0..5 blocks
  for (std::size_t size : {252u, 1215u, 1216u, 1231u, 1232u}) sizes.push_back(size);
  for (std::size_t size : sizes) {
    const Bytes payload = pattern(size);
    EXPECT_EQ(dedup_key(key, ByteSpan(payload)), reference_key(42, ByteSpan(payload)))
        << "size " << size;
  }
}

TEST(DedupKeyTest, TrailingZerosAndLengthChangeTheKey) {
  const DedupHashKey key = DedupHashKey::from_seed(1);
  Bytes payload = pattern(250);
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (int extra = 0; extra < 20; ++extra) {
    const DedupKey k = dedup_key(key, ByteSpan(payload));
    EXPECT_TRUE(seen.insert({k.low, k.high}).second) << "zeros appended: " << extra;
    payload.push_back(0);
  }
}

TEST(DedupKeyTest, EveryBitOfATransferMatters) {
  const DedupHashKey key = DedupHashKey::from_seed(3);
  Bytes payload = pattern(252);
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  const DedupKey original = dedup_key(key, ByteSpan(payload));
  seen.insert({original.low, original.high});
  for (std::size_t bit = 0; bit < payload.size() * 8; ++bit) {
    payload[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const DedupKey k = dedup_key(key, ByteSpan(payload));
    EXPECT_TRUE(seen.insert({k.low, k.high}).second) << "bit " << bit;
    payload[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
}

TEST(DedupKeyTest, KeysDependOnTheSecret) {
  const Bytes payload = pattern(252);
  EXPECT_EQ(dedup_key(DedupHashKey::from_seed(5), ByteSpan(payload)),
            dedup_key(DedupHashKey::from_seed(5), ByteSpan(payload)));
  EXPECT_NE(dedup_key(DedupHashKey::from_seed(5), ByteSpan(payload)),
            dedup_key(DedupHashKey::from_seed(6), ByteSpan(payload)));
  Result<DedupHashKey> a = DedupHashKey::random();
  Result<DedupHashKey> b = DedupHashKey::random();
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_NE(dedup_key(*a, ByteSpan(payload)), dedup_key(*b, ByteSpan(payload)));
}

}  // namespace
}  // namespace tc::dataplane
