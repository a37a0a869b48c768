// Host/device portability layer for the Ed25519 arithmetic in gpu/ed25519/.
//
// Every function of the shared arithmetic is marked TC_HD (or one of its inlining variants below):
// g++ compiles it for the CPU path (and CI), nvcc compiles the very same source for kernels. This
// header also holds the 64x64->128-bit multiply with three paths (unsigned __int128 on the host,
// __umul64hi on the device, and a portable 32-bit-halves path that tests compare with the native
// one), and TC_HD_TABLE, which gives a constant table one initializer and a host copy plus a device
// copy. Stateless; any thread.
#pragma once

#include <cstdint>

// Inlining. On the device everything is inlined (calls are costly there). On the host, forcing
// that made verify_signature_msg32 about 120 KB of code, four times the L1 instruction cache, and
// single verification about 1.4x slower (issue 3, docs/benchmarks.md). So on the host TC_HD
// leaves the choice to the compiler, TC_HD_FORCE_INLINE marks the field multiply and square
// (inlined into each point formula, where registers carry values between them), and
// TC_HD_HOST_OUTLINE marks the point formulas (one out-of-line copy each, about 2-3 KB, so the
// scalar-multiplication loop fits in the instruction cache).
#if defined(__CUDACC__)
#define TC_HD __host__ __device__ __forceinline__
#define TC_HD_FORCE_INLINE __host__ __device__ __forceinline__
#define TC_HD_HOST_OUTLINE __host__ __device__ __forceinline__
#define TC_HD_NOINLINE __host__ __device__ __noinline__
#else
#define TC_HD inline
#define TC_HD_FORCE_INLINE inline __attribute__((always_inline))
#define TC_HD_HOST_OUTLINE inline __attribute__((noinline))
#define TC_HD_NOINLINE inline
#endif

// TC_HD_TABLE(type, name, {init}) defines name_host_ (constexpr) and, under nvcc, name_device_ in
// device global memory; TC_HD_TABLE_GET(name) names the copy that the current compilation pass
// (host or device) may read.
#if defined(__CUDACC__)
#define TC_HD_TABLE(type, name, ...)                  \
  static constexpr type name##_host_[] = __VA_ARGS__; \
  static __device__ const type name##_device_[] = __VA_ARGS__
#else
#define TC_HD_TABLE(type, name, ...) static constexpr type name##_host_[] = __VA_ARGS__
#endif
#if defined(__CUDA_ARCH__)
#define TC_HD_TABLE_GET(name) name##_device_
#else
#define TC_HD_TABLE_GET(name) name##_host_
#endif

namespace tc::gpu::ed25519 {

// A 128-bit unsigned value as two 64-bit halves: the portable and device carrier of wide products.
struct U128Parts {
  std::uint64_t lo;
  std::uint64_t hi;
};

// The portable product: four 32x32->64 multiplies. Always compiled so tests can compare it with
// the native path on the host.
TC_HD U128Parts mul64_portable(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
  return U128Parts{(mid << 32) | (ll & 0xffffffffULL), hh + (lh >> 32) + (hl >> 32) + (mid >> 32)};
}

// Wide is the 128-bit accumulator of the field multiply: unsigned __int128 on hosts that have it
// (unless TC_ED25519_PORTABLE_MUL is defined), U128Parts elsewhere; the device multiplies with
// __umul64hi. The functions below are the only operations the arithmetic uses on it.
#if !defined(__CUDA_ARCH__) && defined(__SIZEOF_INT128__) && !defined(TC_ED25519_PORTABLE_MUL)
#define TC_ED25519_NATIVE_WIDE 1
__extension__ typedef unsigned __int128 Wide;
TC_HD Wide wide_mul(std::uint64_t a, std::uint64_t b) {
  return static_cast<Wide>(a) * b;
}
TC_HD Wide wide_add(Wide a, Wide b) {
  return a + b;
}
TC_HD std::uint64_t wide_lo(Wide value) {
  return static_cast<std::uint64_t>(value);
}
TC_HD std::uint64_t wide_hi(Wide value) {
  return static_cast<std::uint64_t>(value >> 64);
}
// The low 64 bits of value >> shift. REQUIRES: 0 < shift < 64.
TC_HD std::uint64_t wide_shr(Wide value, unsigned shift) {
  return static_cast<std::uint64_t>(value >> shift);
}
#else
typedef U128Parts Wide;
TC_HD Wide wide_mul(std::uint64_t a, std::uint64_t b) {
#if defined(__CUDA_ARCH__)
  return Wide{a * b, __umul64hi(a, b)};
#else
  return mul64_portable(a, b);
#endif
}
TC_HD Wide wide_add(Wide a, Wide b) {
  const std::uint64_t lo = a.lo + b.lo;
  return Wide{lo, a.hi + b.hi + (lo < a.lo ? 1 : 0)};
}
TC_HD std::uint64_t wide_lo(Wide value) {
  return value.lo;
}
TC_HD std::uint64_t wide_hi(Wide value) {
  return value.hi;
}
TC_HD std::uint64_t wide_shr(Wide value, unsigned shift) {
  return (value.lo >> shift) | (value.hi << (64 - shift));
}
#endif

// a + b for a 64-bit b.
TC_HD Wide wide_add64(Wide a, std::uint64_t b) {
#if defined(TC_ED25519_NATIVE_WIDE)
  return a + b;
#else
  const std::uint64_t lo = a.lo + b;
  return Wide{lo, a.hi + (lo < b ? 1 : 0)};
#endif
}

// a + b * c. REQUIRES: the true sum fits in 128 bits.
TC_HD Wide wide_mul_add(Wide a, std::uint64_t b, std::uint64_t c) {
  return wide_add(a, wide_mul(b, c));
}

TC_HD std::uint64_t load64_le(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

TC_HD void store64_le(std::uint8_t* bytes, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace tc::gpu::ed25519
