// ChaCha20 (RFC 8439). The single-block function follows the RFC line by line. The wide function
// keeps its state word-sliced, state[w][b] for word w of block b, so that each step of a quarter
// round is one loop over kChaCha20WideBlocks independent blocks: the compiler turns each loop into
// SIMD instructions (4 blocks per SSE register under -march=x86-64-v2, 8 under AVX2) with no
// shuffles, because a block never mixes with another.

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

// The same quarter round on kChaCha20WideBlocks blocks at once; every statement is a loop over
// blocks, so it vectorises across them.
using WideState = std::uint32_t[kChaCha20BlockWords][kChaCha20WideBlocks];
constexpr std::size_t kWide = kChaCha20WideBlocks;

inline void quarter_round_wide(WideState& x, int a, int b, int c, int d) {
  for (std::size_t i = 0; i < kWide; ++i) x[a][i] += x[b][i];
  for (std::size_t i = 0; i < kWide; ++i) x[d][i] = std::rotl(x[d][i] ^ x[a][i], 16);
  for (std::size_t i = 0; i < kWide; ++i) x[c][i] += x[d][i];
  for (std::size_t i = 0; i < kWide; ++i) x[b][i] = std::rotl(x[b][i] ^ x[c][i], 12);
  for (std::size_t i = 0; i < kWide; ++i) x[a][i] += x[b][i];
  for (std::size_t i = 0; i < kWide; ++i) x[d][i] = std::rotl(x[d][i] ^ x[a][i], 8);
  for (std::size_t i = 0; i < kWide; ++i) x[c][i] += x[d][i];
  for (std::size_t i = 0; i < kWide; ++i) x[b][i] = std::rotl(x[b][i] ^ x[c][i], 7);
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

void chacha20_wide_blocks(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                          ChaCha20WideBlocks& out) {
  std::uint32_t state[16];
  chacha20_initial_state(key, counter, nonce, state);
  WideState& x = out.words;
  for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
    for (std::size_t i = 0; i < kWide; ++i) x[w][i] = state[w];
  }
  for (std::size_t i = 0; i < kWide; ++i) x[12][i] += static_cast<std::uint32_t>(i);
  for (int round = 0; round < 10; ++round) {
    quarter_round_wide(x, 0, 4, 8, 12);
    quarter_round_wide(x, 1, 5, 9, 13);
    quarter_round_wide(x, 2, 6, 10, 14);
    quarter_round_wide(x, 3, 7, 11, 15);
    quarter_round_wide(x, 0, 5, 10, 15);
    quarter_round_wide(x, 1, 6, 11, 12);
    quarter_round_wide(x, 2, 7, 8, 13);
    quarter_round_wide(x, 3, 4, 9, 14);
  }
  for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
    for (std::size_t i = 0; i < kWide; ++i) x[w][i] += state[w];
  }
  for (std::size_t i = 0; i < kWide; ++i) x[12][i] += static_cast<std::uint32_t>(i);
}

void chacha20_keystream(const ChaCha20Key& key, std::uint32_t counter, const ChaCha20Nonce& nonce,
                        MutableByteSpan out) {
  std::size_t offset = 0;
  ChaCha20WideBlocks wide;
  constexpr std::size_t kGroupBytes = kWide * kChaCha20BlockBytes;
  while (out.size() - offset >= kGroupBytes) {
    chacha20_wide_blocks(key, counter, nonce, wide);
    for (std::size_t b = 0; b < kWide; ++b) {
      for (std::size_t w = 0; w < kChaCha20BlockWords; ++w) {
        store_u32_le(out.data() + offset + b * kChaCha20BlockBytes + 4 * w, wide.words[w][b]);
      }
    }
    offset += kGroupBytes;
    counter += static_cast<std::uint32_t>(kWide);
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
