// A deterministic RFC 8032 Ed25519 signer (5.1.5 key generation, 5.1.6 signing) built on the
// verifier's own arithmetic (gpu/ed25519/), to make valid signatures for the test suites in
// tests/gpu/ and for timecoin-gpu-check, which runs on machines without libsodium.
//
// A TEST-DATA GENERATOR, NOT A WALLET SIGNER: it is variable-time (the fixed-base multiplication
// is the verifier's wNAF double-scalar multiplication, whose timing depends on the secret scalar)
// and keeps secrets in ordinary memory. The appliance never signs with it: it lives in
// gpu/testing/, outside the verification library's API, and the node does not link it. It is
// checked against the published signatures of RFC 8032 7.1 and SUPERCOP sign.input
// (tests/gpu/ed25519_vectors_test.cpp, timecoin-gpu-check --vectors). Pure functions; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "gpu/ed25519/point.h"
#include "gpu/ed25519/scalar.h"
#include "gpu/ed25519/sha512.h"

namespace tc::gpu::test {

struct KeyPair {
  std::array<std::uint8_t, 32> seed;
  std::array<std::uint8_t, 32> pubkey;
  ed25519::Scalar secret_scalar;        // clamped, not reduced
  std::array<std::uint8_t, 32> prefix;  // second half of SHA-512(seed)
};

// out = the encoding of [scalar]B. REQUIRES: scalar < 2^255 (clamped secrets and values mod L).
inline void fixed_base_mul(std::uint8_t out[32], const ed25519::Scalar& scalar) {
  const ed25519::Scalar zero{};
  ed25519::point_to_bytes(
      out, ed25519::point_double_scalar_mul_base(zero, ed25519::point_identity(), scalar));
}

// RFC 8032 5.1.5 key generation from a 32-byte seed.
inline KeyPair key_from_seed(const std::uint8_t seed[32]) {
  KeyPair key;
  std::uint8_t h[64];
  ed25519::sha512(seed, 32, h);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  for (int i = 0; i < 32; ++i) {
    key.seed[i] = seed[i];
    key.prefix[i] = h[32 + i];
  }
  key.secret_scalar = ed25519::sc_from_bytes(h);
  fixed_base_mul(key.pubkey.data(), key.secret_scalar);
  return key;
}

// RFC 8032 5.1.6 signing: r = SHA-512(prefix || M) mod L, R = [r]B, k = SHA-512(R || A || M) mod
// L, S = (r + k a) mod L. msg may be null when msg_bytes is 0.
inline std::array<std::uint8_t, 64> sign(const KeyPair& key, const std::uint8_t* msg,
                                         std::size_t msg_bytes) {
  std::uint8_t digest[64];
  ed25519::Sha512Stream hash;
  ed25519::sha512_stream_init(&hash);
  ed25519::sha512_stream_update(&hash, key.prefix.data(), 32);
  ed25519::sha512_stream_update(&hash, msg, msg_bytes);
  ed25519::sha512_stream_finish(&hash, digest);
  const ed25519::Scalar r = ed25519::sc_reduce64(digest);
  std::array<std::uint8_t, 64> sig;
  fixed_base_mul(sig.data(), r);
  ed25519::sha512_stream_init(&hash);
  ed25519::sha512_stream_update(&hash, sig.data(), 32);
  ed25519::sha512_stream_update(&hash, key.pubkey.data(), 32);
  ed25519::sha512_stream_update(&hash, msg, msg_bytes);
  ed25519::sha512_stream_finish(&hash, digest);
  const ed25519::Scalar k = ed25519::sc_reduce64(digest);
  // sc_mul reduces any 256-bit product, so the clamped (unreduced) secret scalar is fine here.
  const ed25519::Scalar s = ed25519::sc_add(r, ed25519::sc_mul(k, key.secret_scalar));
  ed25519::sc_to_bytes(sig.data() + 32, s);
  return sig;
}

}  // namespace tc::gpu::test
