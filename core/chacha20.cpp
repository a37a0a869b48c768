// ChaCha20 (RFC 8439). The single-block function follows the RFC line by line. The sliced
// function keeps its state word-sliced, x[w][b] for word w of block b, so that each step of a
// quarter round is one loop over a group of independent blocks: the compiler turns each loop into
// SIMD instructions with no shuffles, because a block never mixes with another. The group size is
// chosen per backend so that the state fits the vector registers (measured with
// bench/core/utxo_digest_bench.cpp); the backends share one template and differ only in the ISA
// their wrapper is compiled for.

#include "core/chacha20.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tc {
namespace {

// RFC 8439 §2.3: "expand 32-byte k" as four little-endian words.
constexpr std::uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

// The 16-word initial state: constants | key | counter | nonce.
void chacha20_initial_state(const ChaCha20Key& key, std::uint32_t counter,
                            const ChaCha20Nonce& nonce, std::uint32_t state[16]) {
  for (int i = 0; i < 4; ++i) state[i] = kSigma[i];
  for (int i = 0; i < 8; ++i) state[4 + i] = load_u32_le(key.data() + 4 * i);
  state[12] = counter;
  for (int i = 0; i < 3; ++i) state[13 + i] = load_u32_le(nonce.data() + 4 * i);
}

inline void quarter_round(std::uint32_t* x, int a, int b, int c, int d) {
  x[a] += x[b];
  x[d] = std::rotl(x[d] ^ x[a], 16);
  x[c] += x[d];
  x[b] = std::rotl(x[b] ^ x[c], 12);
  x[a] += x[b];
  x[d] = std::rotl(x[d] ^ x[a], 8);
  x[c] += x[d];
  x[b] = std::rotl(x[b] ^ x[c], 7);
}

// The quarter round on a group of `kGroup` blocks at once; every statement is a loop over blocks,
// so it vectorises across them.
template <std::size_t kGroup>
[[gnu::always_inline]] inline void quarter_round_sliced(std::uint32_t (&x)[16][kGroup], int a,
                                                        int b, int c, int d) {
  for (std::size_t i = 0; i < kGroup; ++i) x[a][i] += x[b][i];
  for (std::size_t i = 0; i < kGroup; ++i) x[d][i] = std::rotl(x[d][i] ^ x[a][i], 16);
  for (std::size_t i = 0; i < kGroup; ++i) x[c][i] += x[d][i];
  for (std::size_t i = 0; i < kGroup; ++i) x[b][i] = std::rotl(x[b][i] ^ x[c][i], 12);
  for (std::size_t i = 0; i < kGroup; ++i) x[a][i] += x[b][i];
  for (std::size_t i = 0; i < kGroup; ++i) x[d][i] = std::rotl(x[d][i] ^ x[a][i], 8);
  for (std::size_t i = 0; i < kGroup; ++i) x[c][i] += x[d][i];
  for (std::size_t i = 0; i < kGroup; ++i) x[b][i] = std::rotl(x[b][i] ^ x[c][i], 7);
}

// All kChaCha20SlicedBlocks blocks, kGroup at a time: blocks first .. first + kGroup - 1 run in a
// local state (so that it can live in registers) and land in columns first.. of `out`.
template <std::size_t kGroup>
[[gnu::always_inline]] inline void chacha20_sliced_blocks_group(const std::uint32_t state[16],
                                                                ChaCha20SlicedBlocks& out) {
  static_assert(kChaCha20SlicedBlocks % kGroup == 0);
  for (std::size_t first = 0; first < kChaCha20SlicedBlocks; first += kGroup) {
    std::uint32_t counters[kGroup];
    for (std::size_t i = 0; i < kGroup; ++i) {
      counters[i] = state[12] + static_cast<std::uint32_t>(first + i);
    }
    std::uint32_t x[16][kGroup];
    for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
      for (std::size_t i = 0; i < kGroup; ++i) x[w][i] = state[w];
    }
    for (std::size_t i = 0; i < kGroup; ++i) x[12][i] = counters[i];
    for (int round = 0; round < 10; ++round) {
      quarter_round_sliced<kGroup>(x, 0, 4, 8, 12);
      quarter_round_sliced<kGroup>(x, 1, 5, 9, 13);
      quarter_round_sliced<kGroup>(x, 2, 6, 10, 14);
      quarter_round_sliced<kGroup>(x, 3, 7, 11, 15);
      quarter_round_sliced<kGroup>(x, 0, 5, 10, 15);
      quarter_round_sliced<kGroup>(x, 1, 6, 11, 12);
      quarter_round_sliced<kGroup>(x, 2, 7, 8, 13);
      quarter_round_sliced<kGroup>(x, 3, 4, 9, 14);
    }
    for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
      for (std::size_t i = 0; i < kGroup; ++i) {
        out.words[w][first + i] = x[w][i] + (w == 12 ? counters[i] : state[w]);
      }
    }
  }
}

// The backends: one template instantiated per ISA. Group sizes measured on Zen 4: 8 with SSE (4
// and 16 slower), 16 with AVX2, 32 with AVX-512 (whose 32 registers hold the state).
void chacha20_sliced_portable(const std::uint32_t state[16], ChaCha20SlicedBlocks& out) {
  chacha20_sliced_blocks_group<8>(state, out);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define TC_CHACHA20_X86_BACKENDS 1
[[gnu::target("avx2")]] void chacha20_sliced_avx2(const std::uint32_t state[16],
                                                  ChaCha20SlicedBlocks& out) {
  chacha20_sliced_blocks_group<16>(state, out);
}
[[gnu::target("avx512f,avx512vl")]] void chacha20_sliced_avx512(const std::uint32_t state[16],
                                                                ChaCha20SlicedBlocks& out) {
  chacha20_sliced_blocks_group<32>(state, out);
}
#else
#define TC_CHACHA20_X86_BACKENDS 0
#endif

using SlicedFunction = void (*)(const std::uint32_t state[16], ChaCha20SlicedBlocks& out);

SlicedFunction sliced_function(ChaCha20Backend backend) {
  if (!chacha20_backend_available(backend)) return chacha20_sliced_portable;
  switch (backend) {
#if TC_CHACHA20_X86_BACKENDS
    case ChaCha20Backend::kAvx2:
      return chacha20_sliced_avx2;
    case ChaCha20Backend::kAvx512:
      return chacha20_sliced_avx512;
#endif
    default:
      return chacha20_sliced_portable;
  }
}

}  // namespace

void chacha20_block(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                    std::uint8_t* out) {
  std::uint32_t state[16];
  chacha20_initial_state(key, counter, nonce, state);
  std::uint32_t x[16];
  std::memcpy(x, state, sizeof(x));
  for (int round = 0; round < 10; ++round) {
    quarter_round(x, 0, 4, 8, 12);  // column rounds
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);  // diagonal rounds
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) store_u32_le(out + 4 * i, x[i] + state[i]);
}

std::string_view chacha20_backend_name(ChaCha20Backend backend) {
  switch (backend) {
    case ChaCha20Backend::kPortable:
      return "portable";
    case ChaCha20Backend::kAvx2:
      return "avx2";
    case ChaCha20Backend::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool chacha20_backend_available(ChaCha20Backend backend) {
  switch (backend) {
    case ChaCha20Backend::kPortable:
      return true;
#if TC_CHACHA20_X86_BACKENDS
    // libgcc's CPU model also checks that the OS saves the vector state (XGETBV).
    case ChaCha20Backend::kAvx2:
      return __builtin_cpu_supports("avx2");
    case ChaCha20Backend::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
    default:
      return false;
  }
}

ChaCha20Backend chacha20_sliced_backend() {
  static const ChaCha20Backend chosen = [] {
    for (ChaCha20Backend backend : {ChaCha20Backend::kAvx512, ChaCha20Backend::kAvx2}) {
      if (chacha20_backend_available(backend)) return backend;
    }
    return ChaCha20Backend::kPortable;
  }();
  return chosen;
}

void chacha20_sliced_blocks(ChaCha20Backend backend, const ChaCha20Key& key, std::uint32_t counter,
                            const ChaCha20Nonce& nonce, ChaCha20SlicedBlocks& out) {
  std::uint32_t state[16];
  chacha20_initial_state(key, counter, nonce, state);
  sliced_function(backend)(state, out);
}

void chacha20_sliced_blocks(const ChaCha20Key& key, std::uint32_t counter,
                            const ChaCha20Nonce& nonce, ChaCha20SlicedBlocks& out) {
  static const SlicedFunction function = sliced_function(chacha20_sliced_backend());
  std::uint32_t state[16];
  chacha20_initial_state(key, counter, nonce, state);
  function(state, out);
}

void chacha20_keystream(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                        MutableByteSpan out) {
  std::size_t offset = 0;
  ChaCha20SlicedBlocks sliced;
  constexpr std::size_t kSlicedBytes = kChaCha20SlicedBlocks * kChaCha20BlockBytes;
  while (out.size() - offset >= kSlicedBytes) {
    chacha20_sliced_blocks(key, counter, nonce, sliced);
    for (std::size_t b = 0; b < kChaCha20SlicedBlocks; ++b) {
      for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
        store_u32_le(out.data() + offset + b * kChaCha20BlockBytes + 4 * w, sliced.words[w][b]);
      }
    }
    offset += kSlicedBytes;
    counter += static_cast<std::uint32_t>(kChaCha20SlicedBlocks);
  }
  std::uint8_t block[kChaCha20BlockBytes];
  while (offset < out.size()) {
    chacha20_block(key, counter, nonce, block);
    const std::size_t take = std::min(kChaCha20BlockBytes, out.size() - offset);
    std::memcpy(out.data() + offset, block, take);
    offset += take;
    ++counter;
  }
}

}  // namespace tc
