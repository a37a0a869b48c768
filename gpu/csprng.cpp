#include "gpu/csprng.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

namespace tc::gpu {
namespace {

inline std::uint32_t rotl32(std::uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

inline void quarter_round(std::uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b];
  s[d] ^= s[a];
  s[d] = rotl32(s[d], 16);
  s[c] += s[d];
  s[b] ^= s[c];
  s[b] = rotl32(s[b], 12);
  s[a] += s[b];
  s[d] ^= s[a];
  s[d] = rotl32(s[d], 8);
  s[c] += s[d];
  s[b] ^= s[c];
  s[b] = rotl32(s[b], 7);
}

inline std::uint32_t load32_le(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

}  // namespace

ChaCha20Rng::ChaCha20Rng(const std::uint8_t key[32]) {
  for (int i = 0; i < 8; ++i) key_[i] = load32_le(key + 4 * i);
}

Status ChaCha20Rng::from_os(ChaCha20Rng* out) {
  std::uint8_t key[32];
  std::size_t filled = 0;
  while (filled < sizeof key) {
    const ssize_t got = getrandom(key + filled, sizeof key - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::kUnavailable;
    }
    filled += static_cast<std::size_t>(got);
  }
  *out = ChaCha20Rng(key);
  std::memset(key, 0, sizeof key);
  return Status::kOk;
}

// RFC 8439 block function with a 64-bit block counter in words 12-13 and a zero nonce.
void ChaCha20Rng::refill() {
  std::uint32_t input[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
  for (int i = 0; i < 8; ++i) input[4 + i] = key_[i];
  input[12] = static_cast<std::uint32_t>(counter_);
  input[13] = static_cast<std::uint32_t>(counter_ >> 32);
  input[14] = 0;
  input[15] = 0;
  ++counter_;
  std::uint32_t s[16];
  std::memcpy(s, input, sizeof s);
  for (int round = 0; round < 10; ++round) {
    quarter_round(s, 0, 4, 8, 12);
    quarter_round(s, 1, 5, 9, 13);
    quarter_round(s, 2, 6, 10, 14);
    quarter_round(s, 3, 7, 11, 15);
    quarter_round(s, 0, 5, 10, 15);
    quarter_round(s, 1, 6, 11, 12);
    quarter_round(s, 2, 7, 8, 13);
    quarter_round(s, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) {
    const std::uint32_t word = s[i] + input[i];
    for (int b = 0; b < 4; ++b) block_[4 * i + b] = static_cast<std::uint8_t>(word >> (8 * b));
  }
  used_ = 0;
}

void ChaCha20Rng::fill(std::uint8_t* out, std::size_t bytes) {
  while (bytes > 0) {
    if (used_ == sizeof block_) refill();
    std::size_t take = sizeof block_ - used_;
    if (take > bytes) take = bytes;
    std::memcpy(out, block_ + used_, take);
    used_ += take;
    out += take;
    bytes -= take;
  }
}

}  // namespace tc::gpu
