// Test-only helpers for the Ed25519 suites in tests/gpu/: hex parsing, file reading, and an
// Ed25519 signer built on the library's own arithmetic (RFC 8032 5.1.6) to make valid signatures
// for the differential test. The signer is variable-time and lives here, not in gpu/, because the
// appliance never signs with this code. Single-threaded test use only.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/ed25519/point.h"
#include "gpu/ed25519/scalar.h"
#include "gpu/ed25519/sha512.h"

namespace tc::gpu::test {

// Decodes lowercase or uppercase hex; returns false on odd length or a non-hex character.
inline bool parse_hex(const std::string& text, std::vector<std::uint8_t>* out) {
  out->clear();
  if (text.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

inline std::vector<std::uint8_t> hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  parse_hex(text, &out);
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct KeyPair {
  std::array<std::uint8_t, 32> seed;
  std::array<std::uint8_t, 32> pubkey;
  ed25519::Scalar secret_scalar;        // clamped, not reduced
  std::array<std::uint8_t, 32> prefix;  // second half of SHA-512(seed)
};

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

// RFC 8032 5.1.6 signing.
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
  const ed25519::Scalar s = ed25519::sc_add(r, ed25519::sc_mul(k, key.secret_scalar));
  ed25519::sc_to_bytes(sig.data() + 32, s);
  return sig;
}

}  // namespace tc::gpu::test
