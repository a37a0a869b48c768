// The eight-way single-verification path: up to eight independent Ed25519 verifications at once,
// one per lane of AVX-512 IFMA vectors, each with exactly the outcome of verify_signature
// (gpu/ed25519/verify.h). Independent lanes need no bisection, so a burst of invalid signatures
// costs what a burst of valid ones does.
//
// What stays shared with the portable verifier: the S check, the ZIP-215 decoding of A and R
// (point_decode_begin and point_decode_finish per lane, around the decoding exponentiation, which
// runs in lanes), the challenge hash, and the identity test of the cofactored equation
// [8]([S]B - [k]A - R). The double-scalar multiplication, the subtraction of R and the cofactor
// doublings run in lanes (gpu/ed25519/ifma/point8.h).
//
// Host-only. Compiled with target attributes, so a binary built for x86-64-v2 carries it: call
// verify_eight only when ifma_supported() is true. Any thread; allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpu/ed25519/verify.h"

namespace tc::gpu::ed25519::ifma {

// True when this CPU and OS run AVX-512F and AVX-512 IFMA code (CPUID and the OS's saved vector
// state, as the compiler runtime reads them). Always false off x86-64.
bool ifma_supported();

// One signature: a 32-byte key, a 64-byte signature and a message (msg may be null when msg_bytes
// is 0). A 32-byte message takes the one-block SHA-512 path, as in verify_signature_msg32.
struct SignatureBytes {
  const std::uint8_t* pubkey;
  const std::uint8_t* sig;
  const std::uint8_t* msg;
  std::size_t msg_bytes;
};

constexpr std::size_t kVerifyLanes = 8;

// outcomes[i] = the outcome of verify_signature for sigs[i], for i < count.
// REQUIRES: ifma_supported(); count <= kVerifyLanes.
void verify_eight(const SignatureBytes* sigs, std::size_t count, VerifyOutcome* outcomes);

}  // namespace tc::gpu::ed25519::ifma
