// DedupKey: the keyed 128-bit hash of a datagram's payload that ingress dedups on, in place of the
// SHA-256 wire hash (docs/decisions/0002-ingress-dedup-key.md says why and what it costs).
//
// The hash is NH, the universal hash at the core of UMAC (Black, Halevi, Krawczyk, Krovetz,
// Rogaway, "UMAC: Fast and Secure Message Authentication", CRYPTO 1999, section 3), with 64-bit
// words: one 64x64->128-bit multiply per 16 bytes. It is applied to a fixed-length encoding of the
// payload (zero-padded to kMaxDatagramTransactionBytes, then a block holding the length), so two
// different payloads of any lengths are two different strings of equal length, and NH's bound
// holds: for any two different payloads chosen without knowledge of the key, their keys collide
// with probability at most 2^-64 over the random key. The NH sum is then multiplied by a secret
// odd 128-bit number mod 2^128 (multiply-shift, Dietzfelbinger et al., "A Reliable Randomized
// Algorithm for the Closest-Pair Problem", J. Algorithms 1997): a bijection, so the bound above is
// unchanged, and it makes every run of top bits universal on its own, so that the recent set can
// keep only the top bits of a key (recent_set.h). The key is drawn from getrandom() once per
// process, so a remote sender cannot aim collisions. It is not a cryptographic digest: the verify
// stage still computes the wire hash and txid. DedupHashKey is immutable after construction; any
// thread may call dedup_key() concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"

namespace tc::dataplane {

// A 128-bit dedup key. For two different payloads, the top l bits of (high, low) agree with
// probability at most 2^-64 + 2^(1-l) over the secret key (l <= 128).
struct DedupKey {
  std::uint64_t low = 0;
  std::uint64_t high = 0;

  friend bool operator==(const DedupKey&, const DedupKey&) = default;
};

// The secret NH key, plus what the zero padding of the fixed-length encoding contributes.
class DedupHashKey {
 public:
  static constexpr std::size_t kBlockBytes = 16;  // one NH pair: two 64-bit little-endian words
  static constexpr std::size_t kPayloadBlocks = kMaxDatagramTransactionBytes / kBlockBytes;
  static constexpr std::size_t kKeyWords = 2 * (kPayloadBlocks + 1);  // + the length block
  static constexpr std::size_t kFoldWords = 2;  // the odd 128-bit multiplier, low word first
  static_assert(kMaxDatagramTransactionBytes % kBlockBytes == 0);

  // Draws the key from the kernel's random source (getrandom). kUnavailable when it fails.
  static Result<DedupHashKey> random();
  // Expands `seed` with SplitMix64, for tests and benchmarks that must repeat exactly. Never use it
  // for a node: its keys are guessable.
  static DedupHashKey from_seed(std::uint64_t seed);

 private:
  __extension__ typedef unsigned __int128 Wide;
  friend DedupKey dedup_key(const DedupHashKey& key, ByteSpan payload);

  DedupHashKey() = default;
  void precompute_padding();

  std::array<std::uint64_t, kKeyWords> words_{};
  std::array<std::uint64_t, kFoldWords> fold_{};  // fold_[0] is odd
  // padding_[b]: the NH terms of all-zero blocks b .. kPayloadBlocks-1, summed mod 2^128; a payload
  // of b blocks adds padding_[b] instead of hashing its padding.
  std::array<Wide, kPayloadBlocks + 1> padding_{};
};

// The dedup key of `payload` under `key`: NH over the payload's fixed-length encoding, times the
// secret odd multiplier mod 2^128. About one multiply per 16 bytes, no allocation, no branch on
// the key. REQUIRES: payload.size() <=
// kMaxDatagramTransactionBytes (ingress checks the length first). Any thread.
DedupKey dedup_key(const DedupHashKey& key, ByteSpan payload);

}  // namespace tc::dataplane
