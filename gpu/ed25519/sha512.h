// SHA-512 (FIPS 180-4) for the Ed25519 challenge k = SHA-512(R || A || M), shared by host and
// device.
//
// Two shapes: Sha512Stream hashes R, A and a message of any length in pieces without copying them
// together; sha512_ram32 is the fixed shape of the protocol's 32-byte sighash (R || A || M is 96
// bytes: exactly one padded block, one compression). core/sha2.h is the project's general-purpose
// SHA-2; this copy exists because the kernel needs a device-callable one and gpu/ cannot depend on
// core/. Pure TC_HD code; a Sha512Stream is a value owned by one thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpu/ed25519/hd.h"

namespace tc::gpu::ed25519 {

// clang-format off
TC_HD_TABLE(std::uint64_t, kSha512Rounds, {
  0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
  0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
  0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
  0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
  0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
  0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
  0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
  0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
  0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
  0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
  0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
  0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
  0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
  0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
  0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
  0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
  0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
  0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
  0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
  0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL});
// clang-format on

TC_HD std::uint64_t sha512_rotr(std::uint64_t x, int n) {
  return (x >> n) | (x << (64 - n));
}

TC_HD std::uint64_t load64_be(const std::uint8_t* p) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | p[i];
  return value;
}

TC_HD void store64_be(std::uint8_t* p, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(value >> (56 - 8 * i));
}

TC_HD void sha512_init(std::uint64_t state[8]) {
  state[0] = 0x6a09e667f3bcc908ULL;
  state[1] = 0xbb67ae8584caa73bULL;
  state[2] = 0x3c6ef372fe94f82bULL;
  state[3] = 0xa54ff53a5f1d36f1ULL;
  state[4] = 0x510e527fade682d1ULL;
  state[5] = 0x9b05688c2b3e6c1fULL;
  state[6] = 0x1f83d9abfb41bd6bULL;
  state[7] = 0x5be0cd19137e2179ULL;
}

// One compression of a 128-byte block into state.
TC_HD void sha512_compress(std::uint64_t state[8], const std::uint8_t block[128]) {
  const std::uint64_t* k = TC_HD_TABLE_GET(kSha512Rounds);
  std::uint64_t w[16];
  for (int i = 0; i < 16; ++i) w[i] = load64_be(block + 8 * i);
  std::uint64_t a = state[0], b = state[1], c = state[2], d = state[3];
  std::uint64_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 80; ++i) {
    if (i >= 16) {
      const std::uint64_t w15 = w[(i + 1) & 15], w2 = w[(i + 14) & 15];
      const std::uint64_t s0 = sha512_rotr(w15, 1) ^ sha512_rotr(w15, 8) ^ (w15 >> 7);
      const std::uint64_t s1 = sha512_rotr(w2, 19) ^ sha512_rotr(w2, 61) ^ (w2 >> 6);
      w[i & 15] += s0 + s1 + w[(i + 9) & 15];
    }
    const std::uint64_t sum1 = sha512_rotr(e, 14) ^ sha512_rotr(e, 18) ^ sha512_rotr(e, 41);
    const std::uint64_t choose = (e & f) ^ (~e & g);
    const std::uint64_t t1 = h + sum1 + choose + k[i] + w[i & 15];
    const std::uint64_t sum0 = sha512_rotr(a, 28) ^ sha512_rotr(a, 34) ^ sha512_rotr(a, 39);
    const std::uint64_t majority = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + sum0 + majority;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

// Incremental SHA-512 over pieces. Messages up to 2^61 bytes.
struct Sha512Stream {
  std::uint64_t state[8];
  std::uint8_t buffer[128];
  std::uint64_t buffered_bytes;
  std::uint64_t total_bytes;
};

TC_HD void sha512_stream_init(Sha512Stream* s) {
  sha512_init(s->state);
  s->buffered_bytes = 0;
  s->total_bytes = 0;
}

TC_HD void sha512_stream_update(Sha512Stream* s, const std::uint8_t* data, std::size_t length) {
  s->total_bytes += length;
  while (length > 0) {
    if (s->buffered_bytes == 0 && length >= 128) {
      sha512_compress(s->state, data);
      data += 128;
      length -= 128;
      continue;
    }
    std::size_t take = 128 - s->buffered_bytes;
    if (take > length) take = length;
    for (std::size_t i = 0; i < take; ++i) s->buffer[s->buffered_bytes + i] = data[i];
    s->buffered_bytes += take;
    data += take;
    length -= take;
    if (s->buffered_bytes == 128) {
      sha512_compress(s->state, s->buffer);
      s->buffered_bytes = 0;
    }
  }
}

TC_HD void sha512_stream_finish(Sha512Stream* s, std::uint8_t digest[64]) {
  const std::uint64_t bit_length = s->total_bytes * 8;
  std::uint64_t n = s->buffered_bytes;
  s->buffer[n++] = 0x80;
  if (n > 112) {
    while (n < 128) s->buffer[n++] = 0;
    sha512_compress(s->state, s->buffer);
    n = 0;
  }
  while (n < 120) s->buffer[n++] = 0;
  store64_be(s->buffer + 120, bit_length);
  sha512_compress(s->state, s->buffer);
  for (int i = 0; i < 8; ++i) store64_be(digest + 8 * i, s->state[i]);
}

// SHA-512 of one contiguous message.
TC_HD void sha512(const std::uint8_t* message, std::size_t length, std::uint8_t digest[64]) {
  Sha512Stream s;
  sha512_stream_init(&s);
  sha512_stream_update(&s, message, length);
  sha512_stream_finish(&s, digest);
}

// SHA-512(r32 || a32 || m32): the fixed one-block shape of a 32-byte message.
TC_HD void sha512_ram32(const std::uint8_t r[32], const std::uint8_t a[32],
                        const std::uint8_t m[32], std::uint8_t digest[64]) {
  std::uint8_t block[128];
  for (int i = 0; i < 32; ++i) {
    block[i] = r[i];
    block[32 + i] = a[i];
    block[64 + i] = m[i];
  }
  block[96] = 0x80;
  for (int i = 97; i < 120; ++i) block[i] = 0;
  store64_be(block + 120, 96 * 8);
  std::uint64_t state[8];
  sha512_init(state);
  sha512_compress(state, block);
  for (int i = 0; i < 8; ++i) store64_be(digest + 8 * i, state[i]);
}

}  // namespace tc::gpu::ed25519
