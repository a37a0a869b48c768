#include "dataplane/dedup_key.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tc::dataplane {

Result<DedupHashKey> DedupHashKey::random() {
  DedupHashKey key;
  for (auto [out, size] :
       {std::pair{reinterpret_cast<std::uint8_t*>(key.words_.data()), sizeof(key.words_)},
        std::pair{reinterpret_cast<std::uint8_t*>(key.fold_.data()), sizeof(key.fold_)}}) {
    std::size_t filled = 0;
    while (filled < size) {
      const ssize_t got = getrandom(out + filled, size - filled, 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        return unavailable(std::string("dedup key: getrandom failed: ") + std::strerror(errno));
      }
      filled += static_cast<std::size_t>(got);
    }
  }
  key.fold_[0] |= 1;
  key.precompute_padding();
  return key;
}

DedupHashKey DedupHashKey::from_seed(std::uint64_t seed) {
  DedupHashKey key;
  const auto next = [&seed] {
    seed += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  for (std::uint64_t& word : key.words_) word = next();
  for (std::uint64_t& word : key.fold_) word = next();
  key.fold_[0] |= 1;
  key.precompute_padding();
  return key;
}

void DedupHashKey::precompute_padding() {
  // An all-zero block b contributes k[2b] * k[2b+1]; sum them from the last payload block down.
  padding_[kPayloadBlocks] = 0;
  for (std::size_t b = kPayloadBlocks; b-- > 0;) {
    padding_[b] = padding_[b + 1] + static_cast<Wide>(words_[2 * b]) * words_[2 * b + 1];
  }
}

DedupKey dedup_key(const DedupHashKey& key, ByteSpan payload) {
  using Wide = DedupHashKey::Wide;
  constexpr std::size_t kBlock = DedupHashKey::kBlockBytes;
  const std::uint8_t* data = payload.data();
  const std::size_t size = payload.size();
  const std::uint64_t* k = key.words_.data();
  const std::size_t full_blocks = size / kBlock;
  // NH: the sum over blocks of (m0 + k0 mod 2^64) * (m1 + k1 mod 2^64), mod 2^128. Two
  // accumulators keep the 128-bit add chains from serialising the multiplies.
  Wide even = 0;
  Wide odd = 0;
  std::size_t b = 0;
  for (; b + 2 <= full_blocks; b += 2) {
    const std::uint8_t* p = data + b * kBlock;
    even += static_cast<Wide>(load_u64_le(p) + k[2 * b]) * (load_u64_le(p + 8) + k[2 * b + 1]);
    odd += static_cast<Wide>(load_u64_le(p + 16) + k[2 * b + 2]) *
           (load_u64_le(p + 24) + k[2 * b + 3]);
  }
  if (b < full_blocks) {
    const std::uint8_t* p = data + b * kBlock;
    even += static_cast<Wide>(load_u64_le(p) + k[2 * b]) * (load_u64_le(p + 8) + k[2 * b + 1]);
    ++b;
  }
  const std::size_t tail = size % kBlock;
  if (tail != 0) {
    std::uint8_t last[kBlock] = {};
    std::memcpy(last, data + b * kBlock, tail);
    odd += static_cast<Wide>(load_u64_le(last) + k[2 * b]) * (load_u64_le(last + 8) + k[2 * b + 1]);
    ++b;
  }
  // The zero blocks up to the fixed length, then the length block (size, 0).
  constexpr std::size_t kLength = 2 * DedupHashKey::kPayloadBlocks;
  const Wide sum =
      even + odd + key.padding_[b] + static_cast<Wide>(size + k[kLength]) * k[kLength + 1];
  // mod 2^128 by the type's wraparound: one full and two low 64-bit multiplies.
  const Wide folded = sum * ((static_cast<Wide>(key.fold_[1]) << 64) | key.fold_[0]);
  return DedupKey{static_cast<std::uint64_t>(folded), static_cast<std::uint64_t>(folded >> 64)};
}

}  // namespace tc::dataplane
