// Single-signature Ed25519 verification under ZIP-215, the consensus rule (docs/decisions/
// 0001-ed25519-zip215.md): S < L, A and R any decodable encodings, and the cofactored equation
// [8]([S]B - R - [k]A) = identity with k = SHA-512(R || A || M) mod L over the bytes as given.
//
// This is the reference every backend must match: the CPU verifier calls it, the batch verifier
// falls back to it, and the CUDA kernel runs it one signature per thread. Pure TC_HD code; any
// thread. Key and signature lengths (32 and 64 bytes) are the caller's check.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpu/ed25519/hd.h"
#include "gpu/ed25519/point.h"
#include "gpu/ed25519/scalar.h"
#include "gpu/ed25519/sha512.h"

namespace tc::gpu::ed25519 {

// Why a signature was accepted or rejected; kValid is the only accepting outcome.
enum class VerifyOutcome : std::uint8_t {
  kValid = 0,
  kNonCanonicalS,  // S >= L
  kBadPublicKey,   // A does not decode to a curve point
  kBadR,           // R does not decode to a curve point
  kEquation,       // all parts decode but the cofactored equation does not hold
};

// The decoded parts of one signature, as the batch verifier needs them.
struct DecodedSignature {
  PointP3 a;  // the public key A
  PointP3 r;  // the commitment R
  Scalar s;   // S, < L
  Scalar k;   // SHA-512(R || A || M) mod L
};

// Checks S and decodes A and R; fills everything in *out except k. Returns kValid when all decode.
TC_HD VerifyOutcome decode_signature(DecodedSignature* out, const std::uint8_t pubkey[32],
                                     const std::uint8_t sig[64]) {
  if (!sc_is_canonical(sig + 32)) return VerifyOutcome::kNonCanonicalS;
  if (!point_decode_zip215(&out->a, pubkey)) return VerifyOutcome::kBadPublicKey;
  if (!point_decode_zip215(&out->r, sig)) return VerifyOutcome::kBadR;
  out->s = sc_from_bytes(sig + 32);
  return VerifyOutcome::kValid;
}

// The cofactored equation for decoded parts: [8]([S]B - [k]A - R) = identity.
TC_HD VerifyOutcome verify_decoded(const DecodedSignature& d) {
  const PointP3 sb_minus_ka = point_double_scalar_mul_base(d.k, point_neg(d.a), d.s);
  const PointP3 diff = point_p1p1_to_p3(point_sub(sb_minus_ka, point_to_cached(d.r)));
  return point_is_identity(point_mul_by_cofactor(diff)) ? VerifyOutcome::kValid
                                                        : VerifyOutcome::kEquation;
}

// Verifies a signature over a message of any length (msg may be null when msg_bytes is 0).
TC_HD_NOINLINE VerifyOutcome verify_signature(const std::uint8_t pubkey[32],
                                              const std::uint8_t sig[64], const std::uint8_t* msg,
                                              std::size_t msg_bytes) {
  DecodedSignature d;
  const VerifyOutcome decoded = decode_signature(&d, pubkey, sig);
  if (decoded != VerifyOutcome::kValid) return decoded;
  Sha512Stream hash;
  sha512_stream_init(&hash);
  sha512_stream_update(&hash, sig, 32);
  sha512_stream_update(&hash, pubkey, 32);
  sha512_stream_update(&hash, msg, msg_bytes);
  std::uint8_t digest[64];
  sha512_stream_finish(&hash, digest);
  d.k = sc_reduce64(digest);
  return verify_decoded(d);
}

// The same for the protocol's fixed shape, a 32-byte message (one SHA-512 block).
TC_HD_NOINLINE VerifyOutcome verify_signature_msg32(const std::uint8_t pubkey[32],
                                                    const std::uint8_t sig[64],
                                                    const std::uint8_t msg[32]) {
  DecodedSignature d;
  const VerifyOutcome decoded = decode_signature(&d, pubkey, sig);
  if (decoded != VerifyOutcome::kValid) return decoded;
  std::uint8_t digest[64];
  sha512_ram32(sig, pubkey, msg, digest);
  d.k = sc_reduce64(digest);
  return verify_decoded(d);
}

}  // namespace tc::gpu::ed25519
