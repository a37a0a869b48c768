// A ChaCha20-based cryptographically secure generator for the batch verifier's random coefficients.
//
// The batch equation is only sound when an attacker cannot predict the coefficients z_i, so
// production instances take their 256-bit key from the OS (getrandom). A fixed key exists for
// reproducible tests only. One instance per thread (no internal locking); allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpu/status.h"

namespace tc::gpu {

class ChaCha20Rng {
 public:
  // A generator keyed with `key` (tests and benchmarks that must be reproducible).
  explicit ChaCha20Rng(const std::uint8_t key[32]);

  // Keys *out from getrandom(2). Returns kUnavailable when the OS has no randomness to give.
  static Status from_os(ChaCha20Rng* out);

  // Fills out[0 .. bytes) with the next keystream bytes.
  void fill(std::uint8_t* out, std::size_t bytes);

 private:
  void refill();

  std::uint32_t key_[8];
  std::uint64_t counter_ = 0;
  std::uint8_t block_[64];
  std::size_t used_ = 64;  // bytes of block_ already handed out
};

}  // namespace tc::gpu
