// Eight Ed25519 points at once, one per lane of the eight-lane field (gpu/ed25519/ifma/field8.h),
// in the representations and with the formulas of gpu/ed25519/point.h: extended coordinates
// (Hisil-Wong-Carter-Dawson, a = -1), dbl-2008-hwcd and add-2008-hwcd-3. Host-only (x86-64);
// callers are TC_IFMA_TARGET functions run after ifma_supported().
#pragma once

#include <cstdint>

#include "gpu/ed25519/ifma/field8.h"
#include "gpu/ed25519/point.h"

namespace tc::gpu::ed25519::ifma {

struct Point8P2 {
  Fe8 X, Y, Z;
};
struct Point8P3 {
  Fe8 X, Y, Z, T;
};
struct Point8P1P1 {
  Fe8 X, Y, Z, T;
};
struct Point8Cached {
  Fe8 YplusX, YminusX, Z, T2d;
};

TC_IFMA_INLINE Point8P3 point8_identity() {
  return Point8P3{fe8_zero(), fe8_one(), fe8_one(), fe8_zero()};
}

// Lane l holds lanes[l].
TC_IFMA_INLINE Point8P3 point8_from_lanes(const PointP3 lanes[kLanes]) {
  Fe x[kLanes], y[kLanes], z[kLanes], t[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    x[l] = lanes[l].X;
    y[l] = lanes[l].Y;
    z[l] = lanes[l].Z;
    t[l] = lanes[l].T;
  }
  return Point8P3{fe8_from_lanes(x), fe8_from_lanes(y), fe8_from_lanes(z), fe8_from_lanes(t)};
}

TC_IFMA_INLINE void point8_to_lanes(PointP3 lanes[kLanes], const Point8P3& p) {
  Fe x[kLanes], y[kLanes], z[kLanes], t[kLanes];
  fe8_to_lanes(x, p.X);
  fe8_to_lanes(y, p.Y);
  fe8_to_lanes(z, p.Z);
  fe8_to_lanes(t, p.T);
  for (int l = 0; l < kLanes; ++l) lanes[l] = PointP3{x[l], y[l], z[l], t[l]};
}

TC_IFMA_INLINE Point8P2 point8_p1p1_to_p2(const Point8P1P1& p) {
  return Point8P2{fe8_mul(p.X, p.T), fe8_mul(p.Y, p.Z), fe8_mul(p.Z, p.T)};
}

TC_IFMA_INLINE Point8P3 point8_p1p1_to_p3(const Point8P1P1& p) {
  return Point8P3{fe8_mul(p.X, p.T), fe8_mul(p.Y, p.Z), fe8_mul(p.Z, p.T), fe8_mul(p.X, p.Y)};
}

TC_IFMA_INLINE Point8Cached point8_to_cached(const Point8P3& p) {
  return Point8Cached{fe8_add(p.Y, p.X), fe8_sub(p.Y, p.X), p.Z,
                      fe8_mul(p.T, fe8_broadcast(fe_d2()))};
}

// 2p, as point_dbl.
TC_IFMA_INLINE Point8P1P1 point8_dbl(const Point8P2& p) {
  const Fe8 xx = fe8_sq(p.X);
  const Fe8 yy = fe8_sq(p.Y);
  const Fe8 zz = fe8_sq(p.Z);
  const Fe8 zz2 = fe8_add(zz, zz);
  const Fe8 sum_sq = fe8_sq(fe8_add(p.X, p.Y));
  Point8P1P1 r;
  r.Y = fe8_add(yy, xx);
  r.Z = fe8_sub(yy, xx);
  r.X = fe8_sub(sum_sq, r.Y);
  r.T = fe8_sub(zz2, r.Z);
  return r;
}

TC_IFMA_INLINE Point8P1P1 point8_dbl(const Point8P3& p) {
  return point8_dbl(Point8P2{p.X, p.Y, p.Z});
}

// p + q, as point_add.
TC_IFMA_INLINE Point8P1P1 point8_add(const Point8P3& p, const Point8Cached& q) {
  const Fe8 a = fe8_mul(fe8_sub(p.Y, p.X), q.YminusX);
  const Fe8 b = fe8_mul(fe8_add(p.Y, p.X), q.YplusX);
  const Fe8 c = fe8_mul(p.T, q.T2d);
  const Fe8 zz = fe8_mul(p.Z, q.Z);
  const Fe8 d = fe8_add(zz, zz);
  return Point8P1P1{fe8_sub(b, a), fe8_add(b, a), fe8_add(d, c), fe8_sub(d, c)};
}

}  // namespace tc::gpu::ed25519::ifma
