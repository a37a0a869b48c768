// The Ed25519 verification API of the appliance: one signature, or a batch on the CPU with
// random-linear-combination batch verification. The GPU backend is gpu/cuda_pipeline.h.
//
// Every entry point implements the consensus rule ZIP-215 (docs/decisions/0001-ed25519-zip215.md)
// and gives exactly the verdict of verify_single for every input: the batch equation is cofactored
// like the single one, and a failed batch equation is narrowed down by bisection to single checks.
// Invalid signatures cost the batch verifier extra equations, so a flood of them (they pass
// ingress; only verification rejects them) could make it slower than single checks; the failure
// policy of BatchVerifierCpu bounds that (docs/benchmarks.md, "Batches with invalid signatures").
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
  // A group of at most this many signatures whose batch equation failed is checked one signature
  // at a time; larger failed groups are probed and halved. 16 is the measured break-even: with one
  // invalid signature, halving a failed group of m costs 1.5 equations over m/2 on average plus
  // the m/2 single checks of the failing half, which beats m single checks only while an equation
  // over m/2 costs less than 2/3 of their single checks; it costs 0.70 to 0.75 of them at 8 and
  // 0.53 at 16 (docs/benchmarks.md). At least 1.
  std::size_t single_check_below = 16;
  // Signatures, at positions drawn from the coefficient generator, that a failed group larger
  // than single_check_below checks singly before it is halved. When any of them is invalid, the
  // failures are dense and the rest of the group is checked singly too: a flood of invalid
  // signatures costs one failed equation and then single checks. 0 turns probing off; at most
  // single_check_below (larger values are lowered to it).
  std::size_t probe_signatures = 8;
  // Half-life, in signatures, of the decayed share of invalid signatures among the recent ones
  // that reached the batch equation. That share sizes the groups that get one equation: the
  // largest expected to hold at most a quarter of an invalid signature, and single checks once
  // that is under 8 (more than 1 in 32 invalid). 0 turns the history off: every chunk starts as
  // one group.
  std::size_t failure_half_life_signatures = 2048;
};

// Counters of one verify call, added to by BatchVerifierCpu::verify.
struct BatchVerifyStats {
  std::uint64_t signatures = 0;
  std::uint64_t rejected_before_batch = 0;  // wrong length, S >= L, A or R not a point
  std::uint64_t batch_equations = 0;
  std::uint64_t batch_equations_failed = 0;
  std::uint64_t single_checks = 0;  // every single check, probes included
  std::uint64_t probe_checks = 0;   // single checks made as probes of a failed group
};

// Random-linear-combination batch verification on the CPU: for a group of decoded signatures it
// checks [8](-(sum z_i S_i) B + sum z_i R_i + sum (z_i k_i) A_i) = identity with secret random
// 128-bit z_i, using a Pippenger multi-scalar multiplication. The scratch memory is sized by init
// from the config; verify allocates nothing.
//
// The failure policy: a chunk is verified in groups sized from the recent share of invalid
// signatures (the whole chunk while there are none; single checks when more than 1 in 32 fail).
// A failed group is probed (see BatchVerifierCpuConfig::probe_signatures) and, when the probes
// are valid, halved: the left half gets an equation, and when that holds the right half is known
// to fail and is halved in turn without one. Whatever the input, a chunk of n candidates costs at
// most n single checks; with probing on, an all-invalid chunk costs one equation (none once the
// history has seen dense failures), and one invalid signature in n is found with at most
// 1 + 2 ceil(log2(n / single_check_below)) equations. The policy chooses only which checks run:
// every acceptance still comes from an equation that held or a single check that passed.
class BatchVerifierCpu {
 public:
  BatchVerifierCpu() = default;

  // Sizes scratch for config and keys the coefficient generator from the OS; clears the failure
  // history. kInvalidArgument for batch_size_max == 0; kUnavailable when the OS gives no
  // randomness.
  Status init(const BatchVerifierCpuConfig& config);
  // The same with a fixed generator key: reproducible coefficients and probe positions for tests
  // and benchmarks only.
  Status init_with_key(const BatchVerifierCpuConfig& config, const std::uint8_t key[32]);

  // Writes verdicts[i] for sigs[i], each equal to verify_single(sigs[i]), and updates the failure
  // history. Returns kInvalidArgument when the spans differ in size and kUnavailable before init;
  // otherwise kOk, whatever the verdicts. stats may be null.
  Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                BatchVerifyStats* stats);

  // The decayed share of invalid signatures among those recently checked past decoding, in
  // [0, 1]; 0 before any and when the history is off. For metrics and tests.
  double recent_failure_share() const;

 private:
  void verify_chunk(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                    BatchVerifyStats* stats);
  // The size of the next group given the failure history (at most batch_size_max).
  std::size_t group_size_from_history() const;
  void record_group(std::size_t checked, std::size_t invalid);
  // Each resolves the verdicts of candidates_[begin, end) (indices of decoded signatures) and
  // returns how many of them are invalid. resolve_group knows nothing of the group;
  // resolve_failed_group is given a group that holds at least one invalid signature (its
  // equation failed, or was known to fail).
  std::size_t resolve_group(std::size_t begin, std::size_t end, std::span<Verdict> verdicts,
                            BatchVerifyStats* stats);
  std::size_t resolve_failed_group(std::size_t begin, std::size_t end, std::span<Verdict> verdicts,
                                   BatchVerifyStats* stats);
  std::size_t check_singly(std::size_t begin, std::size_t end, std::span<Verdict> verdicts,
                           BatchVerifyStats* stats);
  // Moves `count` candidates drawn at random from [begin, end) to [begin, begin + count).
  void draw_to_front(std::size_t begin, std::size_t end, std::size_t count);
  bool batch_equation_holds(std::size_t begin, std::size_t end);

  BatchVerifierCpuConfig config_;
  std::optional<ChaCha20Rng> rng_;
  // Decayed counts of candidates checked and of those found invalid (the failure history).
  double recent_checked_ = 0;
  double recent_invalid_ = 0;
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
