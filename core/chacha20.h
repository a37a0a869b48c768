// The ChaCha20 keystream (RFC 8439 §2.3-§2.4): a 32-byte key, a 96-bit nonce and a 32-bit block
// counter give 64-byte blocks of pseudorandom bytes.
//
// Its one consumer is the UTXO set digest (core/utxo_digest.h), which expands each element's key
// into 32 blocks; it is not used for encryption and carries no authenticator. The single-block
// function is the RFC's reference shape; the wide function computes several blocks at once, laid
// out so that the compiler vectorises across blocks. Pure functions: any thread, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace tc {

using ChaCha20Key = FixedBytes<32>;
using ChaCha20Nonce = FixedBytes<12>;  // RFC 8439's 96-bit nonce, bytes as on the wire

inline constexpr std::size_t kChaCha20BlockBytes = 64;
inline constexpr std::size_t kChaCha20BlockWords = 16;

// Writes block `counter` of the keystream for (key, nonce) to out[0..63] (RFC 8439 §2.3: the
// serialised sum of the initial and the permuted state).
void chacha20_block(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                    std::uint8_t* out);

// Writes out.size() bytes of the keystream starting at block `counter`: blocks counter,
// counter + 1, ..., the last one cut short when out.size() is not a multiple of 64 (RFC 8439
// §2.4 XORs exactly this with the plaintext). REQUIRES: the counter does not wrap, i.e.
// counter + ceil(out.size() / 64) <= 2^32. Full groups of blocks go through the wide path.
void chacha20_keystream(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                        MutableByteSpan out);

// The wide path's unit: kChaCha20WideBlocks consecutive blocks, counters counter ..
// counter + kChaCha20WideBlocks - 1, returned word-sliced: words[w][b] is word w (0..15) of block
// b, as a host integer (its little-endian bytes are keystream bytes 64b + 4w .. 64b + 4w + 3).
// Consumers that only combine keystream words lane-wise (the UTXO set digest) take this layout
// as is and skip the transpose to block order. REQUIRES: the counter does not wrap.
inline constexpr std::size_t kChaCha20WideBlocks = 8;
struct ChaCha20WideBlocks {
  alignas(64) std::uint32_t words[kChaCha20BlockWords][kChaCha20WideBlocks];
};
void chacha20_wide_blocks(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                          ChaCha20WideBlocks& out);

}  // namespace tc
