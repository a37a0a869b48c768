// Byte spans, fixed-size byte strings (hashes, keys, signatures), hex, and little-endian
// loads/stores.
//
// Every byte format of the protocol is little-endian with fixed-width fields (docs/protocol.md);
// the load/store helpers here are the only place that spells out the byte order. Fixed-size byte
// strings are plain aggregates (trivially copyable, comparable, hashable) so they can sit in flat
// arrays and in packet-parsing views without indirection. Everything here is safe to call from any
// thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tc {

using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;
using Bytes = std::vector<std::uint8_t>;  // owned, growable byte buffer (encoders append to it)

// A fixed-size byte string. N is part of the type so a pubkey cannot be passed where a hash is due.
template <std::size_t N>
struct FixedBytes {
  static constexpr std::size_t kSize = N;
  std::array<std::uint8_t, N> bytes{};

  constexpr std::uint8_t* data() { return bytes.data(); }
  constexpr const std::uint8_t* data() const { return bytes.data(); }
  static constexpr std::size_t size() { return N; }
  ByteSpan span() const { return ByteSpan(bytes.data(), N); }
  bool is_zero() const {
    for (std::uint8_t b : bytes)
      if (b != 0) return false;
    return true;
  }

  // REQUIRES: source.size() >= N. Copies the first N bytes.
  static FixedBytes from_span(ByteSpan source) {
    FixedBytes value;
    std::memcpy(value.bytes.data(), source.data(), N);
    return value;
  }

  friend constexpr bool operator==(const FixedBytes&, const FixedBytes&) = default;
  friend constexpr auto operator<=>(const FixedBytes&, const FixedBytes&) = default;
};

using Hash256 = FixedBytes<32>;     // SHA-256 digests: txids, block hashes, Merkle nodes
using Hash512 = FixedBytes<64>;     // SHA-512 digests
using PubkeyHash = FixedBytes<20>;  // first 20 bytes of SHA-256(pubkey)
using Pubkey = FixedBytes<32>;      // Ed25519 public key (encoded point A)
using Signature = FixedBytes<64>;   // Ed25519 signature R || S

// Lower-case hex of any byte span.
std::string to_hex(ByteSpan bytes);
template <std::size_t N>
std::string to_hex(const FixedBytes<N>& value) {
  return to_hex(value.span());
}

// Decodes hex (either case, no prefix, no whitespace). Errors: odd length or a non-hex character,
// with its position, as kMalformed.
Result<Bytes> from_hex(std::string_view hex);

// Decodes exactly N bytes of hex into a FixedBytes; a wrong length is kMalformed naming both
// lengths.
template <std::size_t N>
Result<FixedBytes<N>> fixed_from_hex(std::string_view hex) {
  if (hex.size() != 2 * N) {
    return malformed("expected " + std::to_string(2 * N) + " hex characters, got " +
                     std::to_string(hex.size()));
  }
  auto bytes = from_hex(hex);
  if (!bytes.is_ok()) return bytes.status();
  return FixedBytes<N>::from_span(ByteSpan(bytes->data(), N));
}

// Little-endian loads from and stores into raw bytes. The caller guarantees the bounds.
inline std::uint16_t load_u16_le(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t load_u32_le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t load_u64_le(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(load_u32_le(p)) |
         (static_cast<std::uint64_t>(load_u32_le(p + 4)) << 32);
}
inline void store_u16_le(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_u32_le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void store_u64_le(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace tc

// Fixed byte strings are already uniformly distributed (hashes, keys): the first 8 bytes suffice.
template <std::size_t N>
struct std::hash<tc::FixedBytes<N>> {
  std::size_t operator()(const tc::FixedBytes<N>& value) const noexcept {
    static_assert(N >= 8);
    std::uint64_t h;
    std::memcpy(&h, value.bytes.data(), 8);
    return static_cast<std::size_t>(h);
  }
};
