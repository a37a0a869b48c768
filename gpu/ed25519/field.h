// Arithmetic in GF(2^255 - 19), radix 2^51 (five 64-bit limbs, 128-bit products), shared by the
// CPU verifier and the CUDA kernel.
//
// A Fe is a value mod p held loosely: limbs may exceed 2^51 between operations, within the bounds
// stated per function, and only fe_to_bytes yields the canonical encoding. All functions are pure
// TC_HD functions over values (no allocation, no globals beyond constant tables); any thread. None
// is constant-time-critical: verification handles public data only.
#pragma once

#include <cstdint>

#include "gpu/ed25519/constants.h"
#include "gpu/ed25519/hd.h"

namespace tc::gpu::ed25519 {

// Limb bounds. "Tight" limbs are < 2^51 + 2^19: what fe_mul, fe_sq, fe_sub, fe_carry,
// fe_from_bytes and the constants return. fe_add does not carry (as in ref10): from limbs < 2^53
// it returns limbs < 2^54. fe_mul and fe_sq accept limbs < 2^54 (column sums stay below 2^115, so
// every carry, and the top carry times 19, fits 64 bits) and return tight limbs. fe_sub accepts
// a < 2^54 and b < 2^53 - 76 (so a + 4p - b never goes negative) and returns tight limbs.
// tests/gpu/ed25519_arith_test.cpp checks the extremes of these bounds.
struct Fe {
  std::uint64_t v[5];
};

constexpr std::uint64_t kMask51 = (std::uint64_t{1} << 51) - 1;

TC_HD Fe fe_zero() {
  return Fe{{0, 0, 0, 0, 0}};
}
TC_HD Fe fe_one() {
  return Fe{{1, 0, 0, 0, 0}};
}

// One carry pass: limbs < 2^51 except limb 0 < 2^51 + 19 * 2^13. REQUIRES: limbs < 2^63.
TC_HD Fe fe_carry(Fe a) {
  std::uint64_t c;
  c = a.v[0] >> 51;
  a.v[0] &= kMask51;
  a.v[1] += c;
  c = a.v[1] >> 51;
  a.v[1] &= kMask51;
  a.v[2] += c;
  c = a.v[2] >> 51;
  a.v[2] &= kMask51;
  a.v[3] += c;
  c = a.v[3] >> 51;
  a.v[3] &= kMask51;
  a.v[4] += c;
  c = a.v[4] >> 51;
  a.v[4] &= kMask51;
  a.v[0] += 19 * c;
  return a;
}

// a + b without a carry pass. REQUIRES: limbs < 2^53; the result's limbs are < 2^54.
TC_HD Fe fe_add(const Fe& a, const Fe& b) {
  Fe r;
  for (int i = 0; i < 5; ++i) r.v[i] = a.v[i] + b.v[i];
  return r;
}

// a - b computed as a + 4p - b so no limb goes negative. REQUIRES: a's limbs < 2^54, b's limbs
// < 2^53 - 76.
TC_HD Fe fe_sub(const Fe& a, const Fe& b) {
  Fe r;
  r.v[0] = a.v[0] + 0x1fffffffffffb4ULL - b.v[0];
  for (int i = 1; i < 5; ++i) r.v[i] = a.v[i] + 0x1ffffffffffffcULL - b.v[i];
  return fe_carry(r);
}

TC_HD Fe fe_neg(const Fe& a) {
  return fe_sub(fe_zero(), a);
}

// Reduces five 128-bit column sums to a reduced Fe.
TC_HD_FORCE_INLINE Fe fe_reduce_wide(Wide t0, Wide t1, Wide t2, Wide t3, Wide t4) {
  Fe r;
  std::uint64_t c;
  r.v[0] = wide_lo(t0) & kMask51;
  c = wide_shr(t0, 51);
  t1 = wide_add64(t1, c);
  r.v[1] = wide_lo(t1) & kMask51;
  c = wide_shr(t1, 51);
  t2 = wide_add64(t2, c);
  r.v[2] = wide_lo(t2) & kMask51;
  c = wide_shr(t2, 51);
  t3 = wide_add64(t3, c);
  r.v[3] = wide_lo(t3) & kMask51;
  c = wide_shr(t3, 51);
  t4 = wide_add64(t4, c);
  r.v[4] = wide_lo(t4) & kMask51;
  c = wide_shr(t4, 51);
  r.v[0] += c * 19;
  c = r.v[0] >> 51;
  r.v[0] &= kMask51;
  r.v[1] += c;
  return r;
}

TC_HD_FORCE_INLINE Fe fe_mul(const Fe& a, const Fe& b) {
  const std::uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const std::uint64_t b0 = b.v[0], b1 = b.v[1], b2 = b.v[2], b3 = b.v[3], b4 = b.v[4];
  const std::uint64_t b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
  Wide t0 = wide_mul(a0, b0), t1 = wide_mul(a0, b1), t2 = wide_mul(a0, b2), t3 = wide_mul(a0, b3),
       t4 = wide_mul(a0, b4);
  t0 = wide_mul_add(t0, a1, b4_19);
  t1 = wide_mul_add(t1, a1, b0);
  t2 = wide_mul_add(t2, a1, b1);
  t3 = wide_mul_add(t3, a1, b2);
  t4 = wide_mul_add(t4, a1, b3);
  t0 = wide_mul_add(t0, a2, b3_19);
  t1 = wide_mul_add(t1, a2, b4_19);
  t2 = wide_mul_add(t2, a2, b0);
  t3 = wide_mul_add(t3, a2, b1);
  t4 = wide_mul_add(t4, a2, b2);
  t0 = wide_mul_add(t0, a3, b2_19);
  t1 = wide_mul_add(t1, a3, b3_19);
  t2 = wide_mul_add(t2, a3, b4_19);
  t3 = wide_mul_add(t3, a3, b0);
  t4 = wide_mul_add(t4, a3, b1);
  t0 = wide_mul_add(t0, a4, b1_19);
  t1 = wide_mul_add(t1, a4, b2_19);
  t2 = wide_mul_add(t2, a4, b3_19);
  t3 = wide_mul_add(t3, a4, b4_19);
  t4 = wide_mul_add(t4, a4, b0);
  return fe_reduce_wide(t0, t1, t2, t3, t4);
}

TC_HD_FORCE_INLINE Fe fe_sq(const Fe& a) {
  const std::uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const std::uint64_t a0_2 = 2 * a0, a1_2 = 2 * a1, a3_19 = 19 * a3, a4_19 = 19 * a4;
  Wide t0 = wide_mul(a0, a0), t1 = wide_mul(a0_2, a1), t2 = wide_mul(a0_2, a2),
       t3 = wide_mul(a0_2, a3), t4 = wide_mul(a0_2, a4);
  t0 = wide_mul_add(t0, a1_2, a4_19);
  t0 = wide_mul_add(t0, 2 * a2, a3_19);
  t1 = wide_mul_add(t1, 2 * a2, a4_19);
  t1 = wide_mul_add(t1, a3, a3_19);
  t2 = wide_mul_add(t2, a1, a1);
  t2 = wide_mul_add(t2, 2 * a3, a4_19);
  t3 = wide_mul_add(t3, a1_2, a2);
  t3 = wide_mul_add(t3, a4, a4_19);
  t4 = wide_mul_add(t4, a1_2, a3);
  t4 = wide_mul_add(t4, a2, a2);
  return fe_reduce_wide(t0, t1, t2, t3, t4);
}

// a^(2^count) by repeated squaring. REQUIRES: count >= 1.
TC_HD Fe fe_sq_times(Fe a, int count) {
  for (int i = 0; i < count; ++i) a = fe_sq(a);
  return a;
}

// Returns z^(2^250 - 1) and sets *z11 = z^11: the common prefix of inversion and square root.
TC_HD Fe fe_pow_2_250_minus_1(const Fe& z, Fe* z11) {
  const Fe z2 = fe_sq(z);
  const Fe z9 = fe_mul(fe_sq_times(z2, 2), z);
  *z11 = fe_mul(z9, z2);
  const Fe z_5_0 = fe_mul(fe_sq(*z11), z9);                    // z^(2^5 - 1)
  const Fe z_10_0 = fe_mul(fe_sq_times(z_5_0, 5), z_5_0);      // z^(2^10 - 1)
  const Fe z_20_0 = fe_mul(fe_sq_times(z_10_0, 10), z_10_0);   // z^(2^20 - 1)
  const Fe z_40_0 = fe_mul(fe_sq_times(z_20_0, 20), z_20_0);   // z^(2^40 - 1)
  const Fe z_50_0 = fe_mul(fe_sq_times(z_40_0, 10), z_10_0);   // z^(2^50 - 1)
  const Fe z_100_0 = fe_mul(fe_sq_times(z_50_0, 50), z_50_0);  // z^(2^100 - 1)
  const Fe z_200_0 = fe_mul(fe_sq_times(z_100_0, 100), z_100_0);
  return fe_mul(fe_sq_times(z_200_0, 50), z_50_0);  // z^(2^250 - 1)
}

// z^(p - 2) = 1/z (0 for z = 0).
TC_HD Fe fe_invert(const Fe& z) {
  Fe z11;
  const Fe t = fe_pow_2_250_minus_1(z, &z11);
  return fe_mul(fe_sq_times(t, 5), z11);  // z^(2^255 - 21)
}

// z^((p - 5) / 8) = z^(2^252 - 3), the exponent of the square-root-of-ratio computation.
TC_HD Fe fe_pow_p58(const Fe& z) {
  Fe z11;
  const Fe t = fe_pow_2_250_minus_1(z, &z11);
  return fe_mul(fe_sq_times(t, 2), z);
}

// The canonical 32-byte little-endian encoding (value fully reduced below p; bit 255 clear).
TC_HD void fe_to_bytes(std::uint8_t out[32], const Fe& a) {
  Fe t = fe_carry(fe_carry(a));  // value < 2^255 + 2^13 * 19 < 2p
  // q = 1 when t >= p, found by propagating the carry of t + 19 to bit 255.
  std::uint64_t q = (t.v[0] + 19) >> 51;
  q = (t.v[1] + q) >> 51;
  q = (t.v[2] + q) >> 51;
  q = (t.v[3] + q) >> 51;
  q = (t.v[4] + q) >> 51;
  t.v[0] += 19 * q;
  std::uint64_t c;
  c = t.v[0] >> 51;
  t.v[0] &= kMask51;
  t.v[1] += c;
  c = t.v[1] >> 51;
  t.v[1] &= kMask51;
  t.v[2] += c;
  c = t.v[2] >> 51;
  t.v[2] &= kMask51;
  t.v[3] += c;
  c = t.v[3] >> 51;
  t.v[3] &= kMask51;
  t.v[4] += c;
  t.v[4] &= kMask51;
  store64_le(out + 0, t.v[0] | (t.v[1] << 51));
  store64_le(out + 8, (t.v[1] >> 13) | (t.v[2] << 38));
  store64_le(out + 16, (t.v[2] >> 26) | (t.v[3] << 25));
  store64_le(out + 24, (t.v[3] >> 39) | (t.v[4] << 12));
}

// Loads the low 255 bits of a 32-byte little-endian string; bit 255 is ignored and values >= p are
// accepted (they stand for value - p). The result is reduced.
TC_HD Fe fe_from_bytes(const std::uint8_t in[32]) {
  Fe r;
  r.v[0] = load64_le(in) & kMask51;
  r.v[1] = (load64_le(in + 6) >> 3) & kMask51;
  r.v[2] = (load64_le(in + 12) >> 6) & kMask51;
  r.v[3] = (load64_le(in + 19) >> 1) & kMask51;
  r.v[4] = (load64_le(in + 24) >> 12) & kMask51;
  return r;
}

TC_HD bool fe_is_zero(const Fe& a) {
  std::uint8_t bytes[32];
  fe_to_bytes(bytes, a);
  std::uint8_t any = 0;
  for (int i = 0; i < 32; ++i) any |= bytes[i];
  return any == 0;
}

TC_HD bool fe_equal(const Fe& a, const Fe& b) {
  return fe_is_zero(fe_sub(a, b));
}

// The "sign" of a field element: the low bit of its canonical encoding.
TC_HD bool fe_is_negative(const Fe& a) {
  std::uint8_t bytes[32];
  fe_to_bytes(bytes, a);
  return (bytes[0] & 1) != 0;
}

TC_HD Fe fe_d() {
  return Fe TC_ED25519_D_INIT;
}
TC_HD Fe fe_d2() {
  return Fe TC_ED25519_D2_INIT;
}
TC_HD Fe fe_sqrt_m1() {
  return Fe TC_ED25519_SQRT_M1_INIT;
}

}  // namespace tc::gpu::ed25519
