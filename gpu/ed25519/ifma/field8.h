// Eight elements of GF(2^255 - 19) at once, one per 64-bit lane of AVX-512 vectors, multiplied with
// the 52-bit multiply-accumulate of AVX-512 IFMA (vpmadd52luq / vpmadd52huq). Host-only (x86-64).
//
// Radix: 2^51, the radix of the portable Fe (gpu/ed25519/field.h), so a lane converts to and from
// an Fe limb for limb. The IFMA multiplier takes 52-bit inputs; with 51-bit limbs the spare bit is
// the headroom that lets one parallel carry round (no serial carry chain) return limbs the next
// multiply accepts. In radix 2^52 that round can leave a limb at 2^52 and a multiply would drop it.
//
// Bounds: every function takes limbs < 2^52 and returns "reduced" limbs < 2^51 + 2^18 (a carry
// round after the operation), so any result feeds any function. Values are mod p, not canonical;
// fe8_to_lanes and the portable fe_to_bytes give the canonical form.
//
// Every function carries TC_IFMA_TARGET (target attributes, not a global -mavx512f), so the rest of
// the binary stays x86-64-v2: callers must be TC_IFMA_TARGET functions themselves and run only
// after ifma_supported() (gpu/ed25519/ifma/verify8.h) said yes. Pure functions over values; any
// thread; variable-time is irrelevant here (no branches on lane data).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "gpu/ed25519/field.h"

#define TC_IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))
#define TC_IFMA_INLINE inline __attribute__((target("avx512f,avx512ifma"), always_inline))
// Fully unrolled loops keep limb and column arrays in vector registers; at -O2 GCC would leave them
// in memory (measured: half the time of the eight-way path went to stack traffic).
#define TC_IFMA_UNROLL _Pragma("GCC unroll 32")

namespace tc::gpu::ed25519::ifma {

constexpr int kLanes = 8;

// 64-bit lane shifts through the zero-masking forms with a full mask (the same instruction): GCC
// 12's unmasked _mm512_slli/srli_epi64 pass an uninitialized vector that -Wuninitialized reports
// (GCC bug 105593).
TC_IFMA_INLINE __m512i shift_left(__m512i a, unsigned bits) {
  return _mm512_maskz_slli_epi64(0xff, a, bits);
}
TC_IFMA_INLINE __m512i shift_right(__m512i a, unsigned bits) {
  return _mm512_maskz_srli_epi64(0xff, a, bits);
}

// Limb i of lane l is 64-bit lane l of v[i].
struct Fe8 {
  __m512i v[5];
};

TC_IFMA_INLINE Fe8 fe8_broadcast(const Fe& a) {
  Fe8 r;
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) r.v[i] = _mm512_set1_epi64(static_cast<long long>(a.v[i]));
  return r;
}

TC_IFMA_INLINE Fe8 fe8_zero() {
  return fe8_broadcast(fe_zero());
}

TC_IFMA_INLINE Fe8 fe8_one() {
  return fe8_broadcast(fe_one());
}

// One parallel carry round: limb i keeps its low 51 bits plus the carry out of limb i - 1, limb 0
// takes 19 times the carry out of limb 4. From limbs < 2^64 the carries are < 2^13, so the result
// is reduced (< 2^51 + 2^18).
TC_IFMA_INLINE Fe8 fe8_carry(const Fe8& a) {
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask51));
  __m512i carry[5];
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) carry[i] = shift_right(a.v[i], 51);
  Fe8 r;
  r.v[0] = _mm512_madd52lo_epu64(_mm512_and_si512(a.v[0], mask), carry[4], _mm512_set1_epi64(19));
  TC_IFMA_UNROLL
  for (int i = 1; i < 5; ++i)
    r.v[i] = _mm512_add_epi64(_mm512_and_si512(a.v[i], mask), carry[i - 1]);
  return r;
}

// Lane l holds lanes[l]. Any Fe the portable code returns (limbs < 2^54) is accepted: a portable
// carry pass brings its limbs below 2^52 first.
TC_IFMA_INLINE Fe8 fe8_from_lanes(const Fe lanes[kLanes]) {
  Fe8 r;
  alignas(64) std::uint64_t column[5][kLanes];
  TC_IFMA_UNROLL
  for (int l = 0; l < kLanes; ++l) {
    const Fe carried = fe_carry(lanes[l]);
    TC_IFMA_UNROLL
    for (int i = 0; i < 5; ++i) column[i][l] = carried.v[i];
  }
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) r.v[i] = _mm512_load_si512(column[i]);
  return r;
}

// lanes[l] = lane l, with tight limbs (< 2^51 + 2^19) as the portable functions expect.
TC_IFMA_INLINE void fe8_to_lanes(Fe lanes[kLanes], const Fe8& a) {
  alignas(64) std::uint64_t column[5][kLanes];
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) _mm512_store_si512(column[i], a.v[i]);
  TC_IFMA_UNROLL
  for (int l = 0; l < kLanes; ++l) {
    TC_IFMA_UNROLL
    for (int i = 0; i < 5; ++i) lanes[l].v[i] = column[i][l];
  }
}

TC_IFMA_INLINE Fe8 fe8_add(const Fe8& a, const Fe8& b) {
  Fe8 r;
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) r.v[i] = _mm512_add_epi64(a.v[i], b.v[i]);
  return fe8_carry(r);
}

// a - b as a + 4p - b: 4p has limbs of at least 2^53 - 76 > 2^52 > b's limbs, so no lane wraps.
TC_IFMA_INLINE Fe8 fe8_sub(const Fe8& a, const Fe8& b) {
  const __m512i four_p0 = _mm512_set1_epi64(0x1fffffffffffb4LL);
  const __m512i four_p = _mm512_set1_epi64(0x1ffffffffffffcLL);
  Fe8 r;
  r.v[0] = _mm512_sub_epi64(_mm512_add_epi64(a.v[0], four_p0), b.v[0]);
  TC_IFMA_UNROLL
  for (int i = 1; i < 5; ++i) r.v[i] = _mm512_sub_epi64(_mm512_add_epi64(a.v[i], four_p), b.v[i]);
  return fe8_carry(r);
}

TC_IFMA_INLINE Fe8 fe8_neg(const Fe8& a) {
  return fe8_sub(fe8_zero(), a);
}

// Folds ten columns of 2^(51 k) (each < 2^57) into five: 2^255 = 19 mod p, so column k + 5 adds
// 19 times itself to column k (< 2^62), and a carry round reduces the limbs.
TC_IFMA_INLINE Fe8 fe8_fold_columns(const __m512i column[10]) {
  Fe8 r;
  TC_IFMA_UNROLL
  for (int k = 0; k < 5; ++k) {
    const __m512i high = column[k + 5];
    const __m512i high_19 =
        _mm512_add_epi64(high, _mm512_add_epi64(shift_left(high, 1), shift_left(high, 4)));
    r.v[k] = _mm512_add_epi64(column[k], high_19);
  }
  return fe8_carry(r);
}

// a * b. The product of limbs a_i b_j (< 2^104) splits into its low 52 bits, of weight
// 2^(51 (i + j)), and its high 52 bits, of weight 2^52 2^(51 (i + j)) = 2 * 2^(51 (i + j + 1)):
// low halves gather in low[i + j], high halves in high[i + j + 1], and column k is
// low[k] + 2 high[k] (at most five terms of each, so < 2^57).
TC_IFMA_INLINE Fe8 fe8_mul(const Fe8& a, const Fe8& b) {
  __m512i low[10], high[10];
  TC_IFMA_UNROLL
  for (int k = 0; k < 10; ++k) low[k] = high[k] = _mm512_setzero_si512();
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) {
    TC_IFMA_UNROLL
    for (int j = 0; j < 5; ++j) {
      low[i + j] = _mm512_madd52lo_epu64(low[i + j], a.v[i], b.v[j]);
      high[i + j + 1] = _mm512_madd52hi_epu64(high[i + j + 1], a.v[i], b.v[j]);
    }
  }
  __m512i column[10];
  TC_IFMA_UNROLL
  for (int k = 0; k < 10; ++k) {
    column[k] = _mm512_add_epi64(low[k], shift_left(high[k], 1));
  }
  return fe8_fold_columns(column);
}

// a^2 with each cross product a_i a_j (i < j) multiplied once and counted twice: column k is
// diag_low[k] + 2 diag_high[k] + 2 cross_low[k] + 4 cross_high[k] (< 2^57 as in fe8_mul).
TC_IFMA_INLINE Fe8 fe8_sq(const Fe8& a) {
  __m512i diag_low[10], diag_high[10], cross_low[10], cross_high[10];
  TC_IFMA_UNROLL
  for (int k = 0; k < 10; ++k) {
    diag_low[k] = diag_high[k] = cross_low[k] = cross_high[k] = _mm512_setzero_si512();
  }
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) {
    diag_low[2 * i] = _mm512_madd52lo_epu64(diag_low[2 * i], a.v[i], a.v[i]);
    diag_high[2 * i + 1] = _mm512_madd52hi_epu64(diag_high[2 * i + 1], a.v[i], a.v[i]);
    TC_IFMA_UNROLL
    for (int j = i + 1; j < 5; ++j) {
      cross_low[i + j] = _mm512_madd52lo_epu64(cross_low[i + j], a.v[i], a.v[j]);
      cross_high[i + j + 1] = _mm512_madd52hi_epu64(cross_high[i + j + 1], a.v[i], a.v[j]);
    }
  }
  __m512i column[10];
  TC_IFMA_UNROLL
  for (int k = 0; k < 10; ++k) {
    const __m512i doubled = _mm512_add_epi64(diag_high[k], cross_low[k]);
    column[k] = _mm512_add_epi64(_mm512_add_epi64(diag_low[k], shift_left(doubled, 1)),
                                 shift_left(cross_high[k], 2));
  }
  return fe8_fold_columns(column);
}

TC_IFMA_INLINE Fe8 fe8_sq_times(Fe8 a, int count) {
  for (int i = 0; i < count; ++i) a = fe8_sq(a);
  return a;
}

// z^((p - 5) / 8) = z^(2^252 - 3) per lane: the addition chain of fe_pow_2_250_minus_1 and
// fe_pow_p58 (gpu/ed25519/field.h), step for step.
TC_IFMA_TARGET inline Fe8 fe8_pow_p58(const Fe8& z) {
  const Fe8 z2 = fe8_sq(z);
  const Fe8 z9 = fe8_mul(fe8_sq_times(z2, 2), z);
  const Fe8 z11 = fe8_mul(z9, z2);
  const Fe8 z_5_0 = fe8_mul(fe8_sq(z11), z9);                     // z^(2^5 - 1)
  const Fe8 z_10_0 = fe8_mul(fe8_sq_times(z_5_0, 5), z_5_0);      // z^(2^10 - 1)
  const Fe8 z_20_0 = fe8_mul(fe8_sq_times(z_10_0, 10), z_10_0);   // z^(2^20 - 1)
  const Fe8 z_40_0 = fe8_mul(fe8_sq_times(z_20_0, 20), z_20_0);   // z^(2^40 - 1)
  const Fe8 z_50_0 = fe8_mul(fe8_sq_times(z_40_0, 10), z_10_0);   // z^(2^50 - 1)
  const Fe8 z_100_0 = fe8_mul(fe8_sq_times(z_50_0, 50), z_50_0);  // z^(2^100 - 1)
  const Fe8 z_200_0 = fe8_mul(fe8_sq_times(z_100_0, 100), z_100_0);
  const Fe8 z_250_0 = fe8_mul(fe8_sq_times(z_200_0, 50), z_50_0);  // z^(2^250 - 1)
  return fe8_mul(fe8_sq_times(z_250_0, 2), z);
}

}  // namespace tc::gpu::ed25519::ifma
