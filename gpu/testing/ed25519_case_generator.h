// Deterministic random and adversarial Ed25519 cases over 32-byte messages (the shape the CUDA
// kernel verifies), each with the verdict ZIP-215 gives it by construction, for
// timecoin-gpu-check's differential run between the GPU and the host.
//
// Case i of a seed depends only on (seed, i): it draws from its own ChaCha20 stream, so any
// range of cases can be generated on any thread and a failing case is reproduced from its index
// alone. Kinds: valid signatures; one-bit flips in R, A, S and M; S + L (S >= L); small-order A
// and R (all 8 torsion points) and R or A shifted by a torsion point, each re-signed so that
// only the cofactored equation holds; the non-canonical encodings y >= p and x = 0 with the sign
// bit set, for the small-order points that have them (re-signed, accepted) and for other y >= p
// (rejected); random bytes. The signatures come from the test-data signer of
// gpu/testing/ed25519_signer.h. A CaseGenerator is read-only after construction; generate may
// be called from many threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gpu/ed25519/point.h"
#include "gpu/testing/ed25519_signer.h"

namespace tc::gpu::test {

enum class CaseKind : std::uint8_t {
  kValid = 0,
  kFlipR,
  kFlipA,
  kFlipS,
  kFlipM,
  kSPlusL,
  kSmallOrderA,
  kSmallOrderR,
  kTorsionR,
  kTorsionA,
  kNonCanonicalY,
  kZeroXSignBit,
  kRandomBytes,
  kCount,
};

// A short lowercase name ("flip_r", "s_plus_l", ...).
const char* case_kind_name(CaseKind kind);

struct GeneratedCase {
  std::array<std::uint8_t, 32> pubkey;
  std::array<std::uint8_t, 64> sig;
  std::array<std::uint8_t, 32> msg;
  CaseKind kind;
  // The ZIP-215 verdict by construction. Rejections rest on events of negligible probability
  // (a flipped bit, or random bytes, giving a valid signature), acceptances on the equation.
  bool expect_accept;
};

class CaseGenerator {
 public:
  // Derives a pool of 32 signing keys from seed and finds the 8 small-order points.
  explicit CaseGenerator(std::uint64_t seed);

  // Writes cases first, first + 1, ... into out. valid_only gives kValid cases only (benchmark
  // input). Allocates nothing.
  void generate(std::size_t first, std::span<GeneratedCase> out, bool valid_only) const;

 private:
  GeneratedCase make_case(std::size_t index, bool valid_only) const;

  std::uint64_t seed_;
  std::vector<KeyPair> keys_;
  std::array<ed25519::PointP3, 8> torsion_;  // torsion_[j] = [j] T8 for a point T8 of order 8
  std::array<std::array<std::uint8_t, 32>, 8> torsion_bytes_;
};

}  // namespace tc::gpu::test
