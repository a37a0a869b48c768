#include "gpu/ed25519/ifma/verify8.h"

#include "gpu/ed25519/sha512.h"

#if defined(__x86_64__)
#include "gpu/ed25519/ifma/point8.h"
#endif

namespace tc::gpu::ed25519::ifma {

#if defined(__x86_64__)

namespace {

// k = SHA-512(R || A || M) mod L over the bytes as given, by the same two paths as
// verify_signature and verify_signature_msg32.
Scalar challenge_scalar(const SignatureBytes& s) {
  std::uint8_t digest[64];
  if (s.msg_bytes == 32) {
    sha512_ram32(s.sig, s.pubkey, s.msg, digest);
  } else {
    Sha512Stream hash;
    sha512_stream_init(&hash);
    sha512_stream_update(&hash, s.sig, 32);
    sha512_stream_update(&hash, s.pubkey, 32);
    sha512_stream_update(&hash, s.msg, s.msg_bytes);
    sha512_stream_finish(&hash, digest);
  }
  return sc_reduce64(digest);
}

// Signed radix-16 digits of a scalar: 64 digits in [-8, 8] with sum digits[i] 16^i = s.
// REQUIRES: s < 2^255 (the top nibble is at most 7, so the last carry leaves it at most 8).
void scalar_radix16(std::int8_t digits[64], const Scalar& s) {
  for (int i = 0; i < 32; ++i) {
    const unsigned byte = static_cast<unsigned>(s.v[i / 8] >> (8 * (i % 8))) & 0xff;
    digits[2 * i] = static_cast<std::int8_t>(byte & 15);
    digits[2 * i + 1] = static_cast<std::int8_t>(byte >> 4);
  }
  int carry = 0;
  for (int i = 0; i < 63; ++i) {
    int digit = digits[i] + carry;
    carry = (digit + 8) >> 4;
    digit -= carry * 16;
    digits[i] = static_cast<std::int8_t>(digit);
  }
  digits[63] = static_cast<std::int8_t>(digits[63] + carry);
}

constexpr int kTableEntries = 9;                  // [0]p .. [8]p
constexpr int kTableEntryWords = 4 * 5 * kLanes;  // 64-bit words per entry

// [0]p .. [8]p of each lane's point in cached form; word (entry, coordinate, limb, lane) sits at
// entry * kTableEntryWords + (coordinate * 5 + limb) * kLanes + lane, so one gather per
// (coordinate, limb) with index entry * kTableEntryWords + lane picks each lane's own entry.
struct CachedTable8 {
  __m512i limb[kTableEntries][4][5];
};

TC_IFMA_INLINE void table_store(CachedTable8* table, int entry, const Point8Cached& q) {
  const Fe8* coordinates[4] = {&q.YplusX, &q.YminusX, &q.Z, &q.T2d};
  TC_IFMA_UNROLL
  for (int c = 0; c < 4; ++c) {
    TC_IFMA_UNROLL
    for (int i = 0; i < 5; ++i) table->limb[entry][c][i] = coordinates[c]->v[i];
  }
}

TC_IFMA_TARGET void table_build(CachedTable8* table, const Point8P3& p) {
  table_store(table, 0, Point8Cached{fe8_one(), fe8_one(), fe8_one(), fe8_zero()});
  const Point8Cached p_cached = point8_to_cached(p);
  table_store(table, 1, p_cached);
  Point8P3 multiple = p;
  for (int entry = 2; entry < kTableEntries; ++entry) {
    multiple = point8_p1p1_to_p3(point8_add(multiple, p_cached));
    table_store(table, entry, point8_to_cached(multiple));
  }
}

// Lane l gets [digits_l]p_l for digits in [-8, 8]: the entry of |digit|, negated (Y+X and Y-X
// swapped, 2dT negated) where the digit is negative.
TC_IFMA_INLINE Point8Cached table_select(const CachedTable8& table, __m512i digits) {
  // Zero-masking and merge forms with full masks: see shift_left in field8.h.
  const __m512i magnitude = _mm512_maskz_abs_epi64(0xff, digits);
  const __mmask8 negative = _mm512_cmplt_epi64_mask(digits, _mm512_setzero_si512());
  const __m512i index = _mm512_madd52lo_epu64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), magnitude,
                                              _mm512_set1_epi64(kTableEntryWords));
  Point8Cached q;
  Fe8* coordinates[4] = {&q.YplusX, &q.YminusX, &q.Z, &q.T2d};
  TC_IFMA_UNROLL
  for (int c = 0; c < 4; ++c) {
    TC_IFMA_UNROLL
    for (int i = 0; i < 5; ++i) {
      coordinates[c]->v[i] =
          _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), 0xff, index, &table.limb[0][c][i], 8);
    }
  }
  const Fe8 plus = q.YplusX;
  const Fe8 minus_t2d = fe8_neg(q.T2d);
  TC_IFMA_UNROLL
  for (int i = 0; i < 5; ++i) {
    q.YplusX.v[i] = _mm512_mask_blend_epi64(negative, q.YplusX.v[i], q.YminusX.v[i]);
    q.YminusX.v[i] = _mm512_mask_blend_epi64(negative, q.YminusX.v[i], plus.v[i]);
    q.T2d.v[i] = _mm512_mask_blend_epi64(negative, q.T2d.v[i], minus_t2d.v[i]);
  }
  return q;
}

TC_IFMA_TARGET CachedTable8 make_base_table() {
  PointP3 base[kLanes];
  for (PointP3& lane : base) lane = point_base();
  CachedTable8 table;
  table_build(&table, point8_from_lanes(base));
  return table;
}

TC_IFMA_TARGET const CachedTable8& base_table() {
  static const CachedTable8 table = make_base_table();
  return table;
}

// Per lane: [8]([k](-A) + [S]B + (-R)) is the identity, the cofactored equation of
// verify_decoded. k_digits and s_digits are signed radix-16 digits, [window][lane].
TC_IFMA_TARGET void equation_lanes(const PointP3 neg_a[kLanes], const PointP3 neg_r[kLanes],
                                   const std::int64_t k_digits[64][kLanes],
                                   const std::int64_t s_digits[64][kLanes],
                                   bool is_identity[kLanes]) {
  const CachedTable8& base = base_table();
  CachedTable8 a_table;
  table_build(&a_table, point8_from_lanes(neg_a));
  Point8P3 acc = point8_identity();
  for (int window = 63; window >= 0; --window) {
    if (window != 63) {
      Point8P2 t = point8_p1p1_to_p2(point8_dbl(acc));
      t = point8_p1p1_to_p2(point8_dbl(t));
      t = point8_p1p1_to_p2(point8_dbl(t));
      acc = point8_p1p1_to_p3(point8_dbl(t));
    }
    const __m512i k_window = _mm512_loadu_si512(k_digits[window]);
    const __m512i s_window = _mm512_loadu_si512(s_digits[window]);
    acc = point8_p1p1_to_p3(point8_add(acc, table_select(a_table, k_window)));
    acc = point8_p1p1_to_p3(point8_add(acc, table_select(base, s_window)));
  }
  acc = point8_p1p1_to_p3(point8_add(acc, point8_to_cached(point8_from_lanes(neg_r))));
  Point8P2 t = point8_p1p1_to_p2(point8_dbl(acc));
  t = point8_p1p1_to_p2(point8_dbl(t));
  PointP3 result[kLanes];
  point8_to_lanes(result, point8_p1p1_to_p3(point8_dbl(t)));
  for (int l = 0; l < kLanes; ++l) is_identity[l] = point_is_identity(result[l]);
}

TC_IFMA_TARGET void pow_p58_lanes(const Fe in[kLanes], Fe out[kLanes]) {
  fe8_to_lanes(out, fe8_pow_p58(fe8_from_lanes(in)));
}

}  // namespace

bool ifma_supported() {
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
  }();
  return supported;
}

void verify_eight(const SignatureBytes* sigs, std::size_t count, VerifyOutcome* outcomes) {
  PointP3 neg_a[kLanes], neg_r[kLanes];
  alignas(64) std::int64_t k_digits[64][kLanes];
  alignas(64) std::int64_t s_digits[64][kLanes];
  bool decoded[kLanes];
  bool any_decoded = false;
  // decode_signature's checks in its order (S, then A, then R), with the exponentiations of the
  // shared ZIP-215 decoding run for all eight A's and all eight R's at once. A lane past count or
  // with S >= L decodes the encoding of the identity instead, and its result is not used.
  static constexpr std::uint8_t kIdentityEncoding[32] = {1};
  bool s_canonical[kLanes];
  PointDecodeState a_state[kLanes], r_state[kLanes];
  Fe a_uv7[kLanes], r_uv7[kLanes], a_pow[kLanes], r_pow[kLanes];
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    s_canonical[lane] = lane < count && sc_is_canonical(sigs[lane].sig + 32);
    a_state[lane] = point_decode_begin(s_canonical[lane] ? sigs[lane].pubkey : kIdentityEncoding);
    r_state[lane] = point_decode_begin(s_canonical[lane] ? sigs[lane].sig : kIdentityEncoding);
    a_uv7[lane] = a_state[lane].uv7;
    r_uv7[lane] = r_state[lane].uv7;
  }
  pow_p58_lanes(a_uv7, a_pow);
  pow_p58_lanes(r_uv7, r_pow);
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    DecodedSignature d;
    decoded[lane] = false;
    if (lane < count) {
      if (!s_canonical[lane]) {
        outcomes[lane] = VerifyOutcome::kNonCanonicalS;
      } else if (!point_decode_finish(&d.a, a_state[lane], a_pow[lane], sigs[lane].pubkey)) {
        outcomes[lane] = VerifyOutcome::kBadPublicKey;
      } else if (!point_decode_finish(&d.r, r_state[lane], r_pow[lane], sigs[lane].sig)) {
        outcomes[lane] = VerifyOutcome::kBadR;
      } else {
        outcomes[lane] = VerifyOutcome::kValid;
        d.s = sc_from_bytes(sigs[lane].sig + 32);
        decoded[lane] = true;
      }
    }
    std::int8_t k_lane[64] = {}, s_lane[64] = {};
    if (decoded[lane]) {
      any_decoded = true;
      neg_a[lane] = point_neg(d.a);
      neg_r[lane] = point_neg(d.r);
      scalar_radix16(k_lane, challenge_scalar(sigs[lane]));
      scalar_radix16(s_lane, d.s);
    } else {
      // An unused lane computes the identity and its result is ignored.
      neg_a[lane] = neg_r[lane] = point_identity();
    }
    for (int w = 0; w < 64; ++w) {
      k_digits[w][lane] = k_lane[w];
      s_digits[w][lane] = s_lane[w];
    }
  }
  if (!any_decoded) return;
  bool is_identity[kLanes];
  equation_lanes(neg_a, neg_r, k_digits, s_digits, is_identity);
  for (std::size_t lane = 0; lane < count; ++lane) {
    if (decoded[lane]) {
      outcomes[lane] = is_identity[lane] ? VerifyOutcome::kValid : VerifyOutcome::kEquation;
    }
  }
}

#else  // !defined(__x86_64__)

bool ifma_supported() {
  return false;
}

// Never reached through ifma_supported(); kept correct for callers that skip the check.
void verify_eight(const SignatureBytes* sigs, std::size_t count, VerifyOutcome* outcomes) {
  for (std::size_t i = 0; i < count; ++i) {
    outcomes[i] = verify_signature(sigs[i].pubkey, sigs[i].sig, sigs[i].msg, sigs[i].msg_bytes);
  }
}

#endif

}  // namespace tc::gpu::ed25519::ifma
