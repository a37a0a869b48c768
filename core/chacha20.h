// The ChaCha20 keystream (RFC 8439 §2.3-§2.4): a 32-byte key, a 96-bit nonce and a 32-bit block
// counter give 64-byte blocks of pseudorandom bytes.
//
// Its one consumer is the UTXO set digest (core/utxo_digest.h), which expands each element's key
// into 32 blocks; it is not used for encryption and carries no authenticator. The single-block
// function is the RFC's reference shape; the sliced function computes 32 blocks at once, laid out
// so that the compiler vectorises across blocks. Pure functions: any thread, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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
// counter + ceil(out.size() / 64) <= 2^32. Each full 2048 bytes go through the sliced path.
void chacha20_keystream(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                        MutableByteSpan out);

// The sliced form: kChaCha20SlicedBlocks consecutive blocks, counters counter ..
// counter + kChaCha20SlicedBlocks - 1, returned word-sliced: words[w][b] is word w (0..15) of
// block b, as a host integer (its little-endian bytes are keystream bytes 64b + 4w .. 64b + 4w + 3
// of the 2048). Consumers that only combine keystream words lane-wise (the UTXO set digest) take
// this layout as is and skip the transpose to byte order. REQUIRES: the counter does not wrap,
// i.e. counter <= 2^32 - kChaCha20SlicedBlocks.
inline constexpr std::size_t kChaCha20SlicedBlocks = 32;
struct ChaCha20SlicedBlocks {
  alignas(64) std::uint32_t words[kChaCha20BlockWords][kChaCha20SlicedBlocks];
};

// Backends of the sliced form. All give the same words; they differ in how many blocks run side by
// side and in which instructions the compiler may use (the build targets x86-64-v2, so the wider
// ones are compiled for their own ISA and picked at run time).
enum class ChaCha20Backend : std::uint8_t {
  kPortable,  // 8 blocks at a time, portable C++ (SSE under x86-64-v2)
  kAvx2,      // 16 blocks at a time, AVX2
  kAvx512,    // 32 blocks at a time, AVX-512F/VL (native 32-bit rotates, 32 vector registers)
};
std::string_view chacha20_backend_name(ChaCha20Backend backend);
// Whether this build has the backend and this CPU (and OS) supports its instructions.
bool chacha20_backend_available(ChaCha20Backend backend);
// The widest available backend, decided once; what chacha20_sliced_blocks uses.
ChaCha20Backend chacha20_sliced_backend();

void chacha20_sliced_blocks(const ChaCha20Key& key, std::uint32_t counter,
                            const ChaCha20Nonce& nonce, ChaCha20SlicedBlocks& out);
// The same with an explicit backend, for tests and benchmarks; falls back to kPortable when the
// requested backend is unavailable.
void chacha20_sliced_blocks(ChaCha20Backend backend, const ChaCha20Key& key, std::uint32_t counter,
                            const ChaCha20Nonce& nonce, ChaCha20SlicedBlocks& out);

}  // namespace tc
