// The Ed25519 verification API of the appliance: one signature, or a batch on the CPU with
// random-linear-combination batch verification. The GPU backend is gpu/cuda_pipeline.h.
//
// Every entry point implements the consensus rule ZIP-215 (docs/decisions/0001-ed25519-zip215.md)
// and gives exactly the verdict of verify_single for every input: the batch equation is cofactored
// like the single one, and a failed batch equation is narrowed down by bisection to single checks.
// The verify stage calls these on its pinned core; verify_single and verify_batch_cpu may be called
// from any thread, a BatchVerifierCpu belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gpu/csprng.h"
#include "gpu/ed25519/verify.h"
#include "gpu/status.h"
#include "gpu/verdict.h"

namespace tc::gpu {

// One signature to check; the referenced bytes must stay valid during the call. Lengths are
// checked: a public key that is not 32 bytes or a signature that is not 64 bytes is rejected.
// msg may be null when msg_bytes is 0. A 32-byte message (the protocol's sighash) takes the
// one-block SHA-512 fast path.
struct SignatureRef {
  const std::uint8_t* pubkey;
  std::size_t pubkey_bytes;
  const std::uint8_t* sig;
  std::size_t sig_bytes;
  const std::uint8_t* msg;
  std::size_t msg_bytes;
};

// The detailed outcome of one check: why it was rejected (kWrongLength, or the arithmetic
// outcome of gpu/ed25519/verify.h). For counters and tests.
enum class SignatureOutcome : std::uint8_t {
  kValid = 0,
  kNonCanonicalS,
  kBadPublicKey,
  kBadR,
  kEquation,
  kWrongLength,
};

SignatureOutcome verify_single_outcome(const SignatureRef& sig);

inline Verdict verify_single(const SignatureRef& sig) {
  return verify_single_outcome(sig) == SignatureOutcome::kValid ? Verdict::kAccept
                                                                : Verdict::kReject;
}

struct BatchVerifierCpuConfig {
  // Signatures per batch equation; longer inputs are verified in chunks of this size. Sizes
  // every scratch buffer, allocated once by init.
  std::size_t batch_size_max = 1024;
  // A group of at most this many signatures whose batch equation failed (or that is this small to
  // begin with) is checked one signature at a time; larger failed groups are halved.
  std::size_t single_check_below = 4;
};

// Counters of one verify call, added to by BatchVerifierCpu::verify.
struct BatchVerifyStats {
  std::uint64_t signatures = 0;
  std::uint64_t rejected_before_batch = 0;  // wrong length, S >= L, A or R not a point
  std::uint64_t batch_equations = 0;
  std::uint64_t batch_equations_failed = 0;
  std::uint64_t single_checks = 0;
};

// Random-linear-combination batch verification on the CPU: for a group of decoded signatures it
// checks [8](-(sum z_i S_i) B + sum z_i R_i + sum (z_i k_i) A_i) = identity with secret random
// 128-bit z_i, using a Pippenger multi-scalar multiplication. The scratch memory is sized by init
// from the config; verify allocates nothing.
class BatchVerifierCpu {
 public:
  BatchVerifierCpu() = default;

  // Sizes scratch for config and keys the coefficient generator from the OS. kInvalidArgument
  // for batch_size_max == 0; kUnavailable when the OS gives no randomness.
  Status init(const BatchVerifierCpuConfig& config);
  // The same with a fixed generator key: reproducible coefficients for tests and benchmarks only.
  Status init_with_key(const BatchVerifierCpuConfig& config, const std::uint8_t key[32]);

  // Writes verdicts[i] for sigs[i], each equal to verify_single(sigs[i]). Returns
  // kInvalidArgument when the spans differ in size and kUnavailable before init; otherwise kOk,
  // whatever the verdicts. stats may be null.
  Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                BatchVerifyStats* stats);

 private:
  void verify_chunk(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                    BatchVerifyStats* stats);
  // Resolves the verdicts of candidates_[begin, end) (indices of decoded signatures).
  void verify_group(std::size_t begin, std::size_t end, std::span<Verdict> verdicts,
                    BatchVerifyStats* stats);
  bool batch_equation_holds(std::size_t begin, std::size_t end);

  BatchVerifierCpuConfig config_;
  std::optional<ChaCha20Rng> rng_;
  std::vector<ed25519::DecodedSignature> decoded_;  // per chunk slot
  std::vector<std::uint32_t> candidates_;           // chunk slots that decoded
  std::vector<ed25519::PointP3> points_;            // MSM inputs: B, then R_i, A_i pairs
  std::vector<ed25519::PointCached> points_cached_;
  std::vector<ed25519::Scalar> scalars_;
  std::vector<std::int16_t> digits_;
  std::vector<ed25519::PointP3> buckets_;
  std::vector<std::uint8_t> bucket_used_;
};

// Convenience wrapper: a BatchVerifierCpu initialised for this call (allocates; not for hot paths).
// Returns kInvalidArgument when the spans differ in size, kUnavailable without OS randomness.
Status verify_batch_cpu(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                        const BatchVerifierCpuConfig& config = {});

}  // namespace tc::gpu
