// The Ed25519 group -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19) in extended twisted Edwards
// coordinates (Hisil-Wong-Carter-Dawson), with ZIP-215 point decoding and the variable-time
// double-scalar multiplication [a]P + [b]B used by verification.
//
// Representations (as in ref10): PointP2 (X:Y:Z), PointP3 (X:Y:Z:T) with T = XY/Z, PointP1P1 the
// "completed" result of an addition or doubling, PointCached (Y+X, Y-X, Z, 2dT) for a point that is
// added many times, PointPrecomp (y+x, y-x, 2dxy) for an affine table entry. Pure TC_HD code shared
// by host and device; any thread; variable-time (verification handles public data only).
#pragma once

#include <cstdint>

#include "gpu/ed25519/constants.h"
#include "gpu/ed25519/field.h"
#include "gpu/ed25519/hd.h"
#include "gpu/ed25519/scalar.h"

namespace tc::gpu::ed25519 {

struct PointP2 {
  Fe X, Y, Z;
};
struct PointP3 {
  Fe X, Y, Z, T;
};
struct PointP1P1 {
  Fe X, Y, Z, T;
};
struct PointCached {
  Fe YplusX, YminusX, Z, T2d;
};
struct PointPrecomp {
  Fe yplusx, yminusx, xy2d;
};

TC_HD_TABLE(PointPrecomp, kBaseOddMultiples, TC_ED25519_BASE_ODD_MULTIPLES_INIT);

// Width of the base point's wNAF: kBaseOddMultiples holds [1]B, [3]B, ..., [2^(w-1) - 1]B.
constexpr int kBaseWnafWidth = 8;
// Width of the variable point's wNAF: a table of 8 odd multiples built per verification.
constexpr int kPointWnafWidth = 5;

TC_HD PointP3 point_identity() {
  return PointP3{fe_zero(), fe_one(), fe_one(), fe_zero()};
}

TC_HD PointP3 point_base() {
  return PointP3{Fe TC_ED25519_BX_INIT, Fe TC_ED25519_BY_INIT, fe_one(), Fe TC_ED25519_BT_INIT};
}

TC_HD PointP2 point_p3_to_p2(const PointP3& p) {
  return PointP2{p.X, p.Y, p.Z};
}

TC_HD_HOST_OUTLINE PointP2 point_p1p1_to_p2(const PointP1P1& p) {
  return PointP2{fe_mul(p.X, p.T), fe_mul(p.Y, p.Z), fe_mul(p.Z, p.T)};
}

TC_HD_HOST_OUTLINE PointP3 point_p1p1_to_p3(const PointP1P1& p) {
  return PointP3{fe_mul(p.X, p.T), fe_mul(p.Y, p.Z), fe_mul(p.Z, p.T), fe_mul(p.X, p.Y)};
}

TC_HD PointCached point_to_cached(const PointP3& p) {
  return PointCached{fe_add(p.Y, p.X), fe_sub(p.Y, p.X), p.Z, fe_mul(p.T, fe_d2())};
}

TC_HD PointP3 point_neg(const PointP3& p) {
  return PointP3{fe_neg(p.X), p.Y, p.Z, fe_neg(p.T)};
}

// 2p (dbl-2008-hwcd with a = -1).
TC_HD_HOST_OUTLINE PointP1P1 point_dbl(const PointP2& p) {
  const Fe xx = fe_sq(p.X);
  const Fe yy = fe_sq(p.Y);
  const Fe zz2 = fe_add(fe_sq(p.Z), fe_sq(p.Z));
  const Fe sum_sq = fe_sq(fe_add(p.X, p.Y));
  PointP1P1 r;
  r.Y = fe_add(yy, xx);
  r.Z = fe_sub(yy, xx);
  r.X = fe_sub(sum_sq, r.Y);
  r.T = fe_sub(zz2, r.Z);
  return r;
}

TC_HD PointP1P1 point_dbl(const PointP3& p) {
  return point_dbl(point_p3_to_p2(p));
}

// p + q and p - q (add-2008-hwcd-3 with a = -1).
TC_HD_HOST_OUTLINE PointP1P1 point_add(const PointP3& p, const PointCached& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), q.YminusX);
  const Fe b = fe_mul(fe_add(p.Y, p.X), q.YplusX);
  const Fe c = fe_mul(p.T, q.T2d);
  const Fe zz = fe_mul(p.Z, q.Z);
  const Fe d = fe_add(zz, zz);
  return PointP1P1{fe_sub(b, a), fe_add(b, a), fe_add(d, c), fe_sub(d, c)};
}

TC_HD_HOST_OUTLINE PointP1P1 point_sub(const PointP3& p, const PointCached& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), q.YplusX);
  const Fe b = fe_mul(fe_add(p.Y, p.X), q.YminusX);
  const Fe c = fe_mul(p.T, q.T2d);
  const Fe zz = fe_mul(p.Z, q.Z);
  const Fe d = fe_add(zz, zz);
  return PointP1P1{fe_sub(b, a), fe_add(b, a), fe_sub(d, c), fe_add(d, c)};
}

// p + q and p - q for an affine table entry q (Z = 1).
TC_HD_HOST_OUTLINE PointP1P1 point_madd(const PointP3& p, const PointPrecomp& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), q.yminusx);
  const Fe b = fe_mul(fe_add(p.Y, p.X), q.yplusx);
  const Fe c = fe_mul(p.T, q.xy2d);
  const Fe d = fe_add(p.Z, p.Z);
  return PointP1P1{fe_sub(b, a), fe_add(b, a), fe_add(d, c), fe_sub(d, c)};
}

TC_HD_HOST_OUTLINE PointP1P1 point_msub(const PointP3& p, const PointPrecomp& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), q.yplusx);
  const Fe b = fe_mul(fe_add(p.Y, p.X), q.yminusx);
  const Fe c = fe_mul(p.T, q.xy2d);
  const Fe d = fe_add(p.Z, p.Z);
  return PointP1P1{fe_sub(b, a), fe_add(b, a), fe_sub(d, c), fe_add(d, c)};
}

TC_HD PointP3 point_add_p3(const PointP3& p, const PointP3& q) {
  return point_p1p1_to_p3(point_add(p, point_to_cached(q)));
}

TC_HD PointP3 point_dbl_p3(const PointP3& p) {
  return point_p1p1_to_p3(point_dbl(p));
}

// [8]p: clears any small-order component.
TC_HD PointP3 point_mul_by_cofactor(const PointP3& p) {
  PointP2 t = point_p1p1_to_p2(point_dbl(p));
  t = point_p1p1_to_p2(point_dbl(t));
  return point_p1p1_to_p3(point_dbl(t));
}

// True when p is the neutral element (0, 1): X = 0 and Y = Z.
TC_HD bool point_is_identity(const PointP3& p) {
  return fe_is_zero(p.X) && fe_equal(p.Y, p.Z);
}

// The canonical 32-byte encoding: y with the sign of x in bit 255.
TC_HD void point_to_bytes(std::uint8_t out[32], const PointP3& p) {
  const Fe z_inv = fe_invert(p.Z);
  const Fe x = fe_mul(p.X, z_inv);
  const Fe y = fe_mul(p.Y, z_inv);
  fe_to_bytes(out, y);
  out[31] = static_cast<std::uint8_t>(out[31] | (fe_is_negative(x) ? 0x80 : 0));
}

// Decodes a 32-byte point encoding under ZIP-215: y is the low 255 bits taken mod p (y >= p is
// accepted), x is recovered from the curve equation and negated when its parity differs from bit
// 255; x = 0 with bit 255 set is accepted (giving x = 0). Returns false only when no x satisfies
// the curve equation for this y (the encoding is not a point). The point may have any order.
//
// Split in two around its one exponentiation, (u v^7)^((p - 5) / 8), so that the eight-lane IFMA
// path (gpu/ed25519/ifma/) runs that for eight encodings at once and keeps these rules:
// point_decode_zip215 is point_decode_finish(point_decode_begin(in), fe_pow_p58(uv7)).
struct PointDecodeState {
  Fe y, u, v, v3, uv7;
};

TC_HD PointDecodeState point_decode_begin(const std::uint8_t in[32]) {
  PointDecodeState s;
  s.y = fe_from_bytes(in);
  const Fe yy = fe_sq(s.y);
  s.u = fe_sub(yy, fe_one());                  // y^2 - 1
  s.v = fe_add(fe_mul(yy, fe_d()), fe_one());  // d y^2 + 1 (never 0: -1/d is not a square)
  s.v3 = fe_mul(fe_sq(s.v), s.v);
  s.uv7 = fe_mul(fe_mul(fe_sq(s.v3), s.v), s.u);
  return s;
}

// REQUIRES: uv7_pow = fe_pow_p58(s.uv7), s from point_decode_begin(in).
TC_HD bool point_decode_finish(PointP3* out, const PointDecodeState& s, const Fe& uv7_pow,
                               const std::uint8_t in[32]) {
  // x = u v^3 (u v^7)^((p - 5) / 8) is a square root of u / v when one exists (RFC 8032 5.1.3).
  Fe x = fe_mul(fe_mul(s.u, s.v3), uv7_pow);
  const Fe vxx = fe_mul(fe_sq(x), s.v);
  if (!fe_equal(vxx, s.u)) {
    if (!fe_equal(vxx, fe_neg(s.u))) return false;
    x = fe_mul(x, fe_sqrt_m1());
  }
  if (fe_is_negative(x) != ((in[31] >> 7) != 0)) x = fe_neg(x);
  out->X = x;
  out->Y = s.y;
  out->Z = fe_one();
  out->T = fe_mul(x, s.y);
  return true;
}

TC_HD bool point_decode_zip215(PointP3* out, const std::uint8_t in[32]) {
  const PointDecodeState s = point_decode_begin(in);
  return point_decode_finish(out, s, fe_pow_p58(s.uv7), in);
}

// Width-w non-adjacent form of a scalar < 2^255: naf[i] is 0 or odd with |naf[i]| < 2^(w-1), at
// least w - 1 zeros follow every non-zero digit, and sum naf[i] 2^i equals the scalar.
// REQUIRES: 2 <= width <= 8; s.v[3] < 2^63.
TC_HD void scalar_wnaf(std::int8_t naf[256], const Scalar& s, int width) {
  std::uint64_t k[5] = {s.v[0], s.v[1], s.v[2], s.v[3], 0};
  for (int i = 0; i < 256; ++i) naf[i] = 0;
  const std::uint64_t window_mask = (std::uint64_t{1} << width) - 1;
  int pos = 0;
  while (pos < 256) {
    const int limb = pos >> 6, shift = pos & 63;
    if (((k[limb] >> shift) & 1) == 0) {
      ++pos;
      continue;
    }
    std::uint64_t window = k[limb] >> shift;
    if (shift + width > 64) window |= k[limb + 1] << (64 - shift);
    window &= window_mask;
    // Clear the window's bits from k; a negative digit borrows 2^width, i.e. adds 1 at pos + width.
    for (int bit = pos; bit < pos + width && bit < 320; ++bit) {
      k[bit >> 6] &= ~(std::uint64_t{1} << (bit & 63));
    }
    int digit = static_cast<int>(window);
    if (window >> (width - 1)) {
      digit -= 1 << width;
      for (int i = (pos + width) >> 6, add_shift = (pos + width) & 63; i < 5; ++i) {
        const std::uint64_t before = k[i];
        k[i] += std::uint64_t{1} << add_shift;
        if (k[i] >= before) break;
        add_shift = 0;
      }
    }
    naf[pos] = static_cast<std::int8_t>(digit);
    pos += width;
  }
}

// [a]p + [b]B, variable time: one shared doubling chain over both wNAFs.
// REQUIRES: a.v[3] < 2^63 and b.v[3] < 2^63 (true for scalars reduced mod L).
TC_HD PointP3 point_double_scalar_mul_base(const Scalar& a, const PointP3& p, const Scalar& b) {
  std::int8_t a_naf[256];
  std::int8_t b_naf[256];
  scalar_wnaf(a_naf, a, kPointWnafWidth);
  scalar_wnaf(b_naf, b, kBaseWnafWidth);
  PointCached p_odd[8];  // [1]p, [3]p, ..., [15]p
  p_odd[0] = point_to_cached(p);
  const PointP3 p2 = point_dbl_p3(p);
  PointP3 acc = p;
  for (int i = 1; i < 8; ++i) {
    acc = point_p1p1_to_p3(point_add(p2, p_odd[i - 1]));
    p_odd[i] = point_to_cached(acc);
  }
  const PointPrecomp* base = TC_HD_TABLE_GET(kBaseOddMultiples);
  int i = 255;
  while (i >= 0 && a_naf[i] == 0 && b_naf[i] == 0) --i;
  PointP2 r = point_p3_to_p2(point_identity());
  for (; i >= 0; --i) {
    PointP1P1 t = point_dbl(r);
    if (a_naf[i] > 0) {
      t = point_add(point_p1p1_to_p3(t), p_odd[a_naf[i] / 2]);
    } else if (a_naf[i] < 0) {
      t = point_sub(point_p1p1_to_p3(t), p_odd[(-a_naf[i]) / 2]);
    }
    if (b_naf[i] > 0) {
      t = point_madd(point_p1p1_to_p3(t), base[b_naf[i] / 2]);
    } else if (b_naf[i] < 0) {
      t = point_msub(point_p1p1_to_p3(t), base[(-b_naf[i]) / 2]);
    }
    if (i == 0) return point_p1p1_to_p3(t);
    r = point_p1p1_to_p2(t);
  }
  return point_identity();
}

}  // namespace tc::gpu::ed25519
