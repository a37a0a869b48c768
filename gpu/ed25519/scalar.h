// Scalars mod L = 2^252 + 27742317777372353535851937790883648493, the order of the Ed25519 base
// point, as four little-endian 64-bit limbs.
//
// Verification needs: the canonical-S test (S < L, the ZIP-215 rule), the reduction of a 512-bit
// SHA-512 digest mod L (Barrett reduction, HAC 14.42), and for the batch equation products and sums
// mod L. Pure TC_HD functions shared by host and device; any thread; not constant-time.
#pragma once

#include <cstdint>

#include "gpu/ed25519/constants.h"
#include "gpu/ed25519/hd.h"

namespace tc::gpu::ed25519 {

struct Scalar {
  std::uint64_t v[4];  // little-endian limbs
};

TC_HD Scalar sc_order() {
  return Scalar{TC_ED25519_L_INIT};
}

TC_HD Scalar sc_from_bytes(const std::uint8_t in[32]) {
  Scalar s;
  for (int i = 0; i < 4; ++i) s.v[i] = load64_le(in + 8 * i);
  return s;
}

TC_HD void sc_to_bytes(std::uint8_t out[32], const Scalar& s) {
  for (int i = 0; i < 4; ++i) store64_le(out + 8 * i, s.v[i]);
}

// a < b as unsigned 256-bit integers.
TC_HD bool sc_less(const Scalar& a, const Scalar& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.v[i] != b.v[i]) return a.v[i] < b.v[i];
  }
  return false;
}

// True when the 32-byte little-endian value is < L (a canonical S; ZIP-215 rejects any other).
TC_HD bool sc_is_canonical(const std::uint8_t in[32]) {
  return sc_less(sc_from_bytes(in), sc_order());
}

// a - b over n limbs, returning the borrow out (1 when a < b).
TC_HD std::uint64_t limbs_sub(std::uint64_t* out, const std::uint64_t* a, const std::uint64_t* b,
                              int n) {
  std::uint64_t borrow = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t d = a[i] - b[i];
    const std::uint64_t borrow_next = (a[i] < b[i] ? 1 : 0) | (d < borrow ? 1 : 0);
    out[i] = d - borrow;
    borrow = borrow_next;
  }
  return borrow;
}

// out[0 .. na+nb) = a * b (schoolbook).
TC_HD void limbs_mul(std::uint64_t* out, const std::uint64_t* a, int na, const std::uint64_t* b,
                     int nb) {
  for (int i = 0; i < na + nb; ++i) out[i] = 0;
  for (int i = 0; i < na; ++i) {
    std::uint64_t carry = 0;
    for (int j = 0; j < nb; ++j) {
      Wide t = wide_add64(wide_add64(wide_mul(a[i], b[j]), out[i + j]), carry);
      out[i + j] = wide_lo(t);
      carry = wide_hi(t);
    }
    out[i + nb] = carry;
  }
}

// x mod L for a 512-bit x given as eight little-endian limbs (Barrett with b = 2^64, k = 4,
// mu = floor(2^512 / L)); the quotient estimate is at most 2 short, fixed by conditional subtracts.
TC_HD Scalar sc_reduce_limbs(const std::uint64_t x[8]) {
  const std::uint64_t mu[5] = TC_ED25519_MU_INIT;
  const Scalar order = sc_order();
  const std::uint64_t l5[5] = {order.v[0], order.v[1], order.v[2], order.v[3], 0};
  std::uint64_t q2[10];
  limbs_mul(q2, x + 3, 5, mu, 5);  // q1 * mu with q1 = x >> 192
  std::uint64_t r2[10];
  limbs_mul(r2, q2 + 5, 5, l5, 4);  // q3 * L with q3 = q2 >> 320; only its low 5 limbs matter
  std::uint64_t r[5];
  limbs_sub(r, x, r2, 5);  // (x - q3 * L) mod 2^320, which is the true value in [0, 3L)
  for (int round = 0; round < 2; ++round) {
    std::uint64_t t[5];
    if (limbs_sub(t, r, l5, 5) == 0) {
      for (int i = 0; i < 5; ++i) r[i] = t[i];
    }
  }
  return Scalar{{r[0], r[1], r[2], r[3]}};
}

// A 64-byte little-endian value (a SHA-512 digest) mod L.
TC_HD Scalar sc_reduce64(const std::uint8_t in[64]) {
  std::uint64_t x[8];
  for (int i = 0; i < 8; ++i) x[i] = load64_le(in + 8 * i);
  return sc_reduce_limbs(x);
}

// a * b mod L for any 256-bit a, b.
TC_HD Scalar sc_mul(const Scalar& a, const Scalar& b) {
  std::uint64_t x[8];
  limbs_mul(x, a.v, 4, b.v, 4);
  return sc_reduce_limbs(x);
}

// a + b mod L. REQUIRES: a, b < L.
TC_HD Scalar sc_add(const Scalar& a, const Scalar& b) {
  std::uint64_t sum[5];
  std::uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const Wide t = wide_add64(wide_mul(a.v[i], 1), b.v[i]);
    const Wide u = wide_add64(t, carry);
    sum[i] = wide_lo(u);
    carry = wide_hi(u);
  }
  sum[4] = carry;
  const Scalar order = sc_order();
  const std::uint64_t l5[5] = {order.v[0], order.v[1], order.v[2], order.v[3], 0};
  std::uint64_t t[5];
  if (limbs_sub(t, sum, l5, 5) == 0) return Scalar{{t[0], t[1], t[2], t[3]}};
  return Scalar{{sum[0], sum[1], sum[2], sum[3]}};
}

// (L - a) mod L. REQUIRES: a < L.
TC_HD Scalar sc_neg(const Scalar& a) {
  bool zero = (a.v[0] | a.v[1] | a.v[2] | a.v[3]) == 0;
  if (zero) return a;
  Scalar r;
  limbs_sub(r.v, sc_order().v, a.v, 4);
  return r;
}

}  // namespace tc::gpu::ed25519
