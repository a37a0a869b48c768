// Goal: BatchVerifierCpu's failure policy (gpu/verifier.h) holds its cost bounds, counted in batch
// equations and single checks (BatchVerifyStats), not timed, and never changes a verdict.
// Method: 1024 signatures by the test signer over 32-byte messages; a seeded share of them made
// invalid by a flipped message bit, so every one decodes and reaches the batch equation. Each
// chunk's verdicts are compared with verify_single, then its counters with the designed bound.
// Verifiers are keyed with fixed keys, so coefficients and probe positions, and with them every
// count, are reproducible.
// Scenarios: a clean chunk (one equation); an all-invalid chunk (one equation and 1024 single
// checks, then none once the history has seen it); 30% invalid over 8 keys (the probes find the
// density after at most a few equations; the next chunk takes none); one invalid at 16 positions
// (at most 1 + 2 log2(1024 / 16) = 13 equations each, and few single checks in total); after one
// invalid in 1024 a clean chunk is verified in groups of 256; after a flood, clean chunks go from
// single checks back to one equation as the history decays, and with the history off they take one
// equation at once; a probe count above single_check_below and single_check_below 0 are corrected
// by init.
#include "gpu/verifier.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gpu/testing/ed25519_signer.h"

namespace tc::gpu {
namespace {

constexpr std::size_t kChunk = 1024;

struct Signed {
  std::array<std::uint8_t, 32> pubkey;
  std::array<std::uint8_t, 64> sig;
  std::array<std::uint8_t, 32> msg;
};

// kChunk valid signatures from 8 keys, made once.
const std::vector<Signed>& valid_signatures() {
  static const std::vector<Signed> signatures = [] {
    std::vector<test::KeyPair> keys;
    for (std::uint8_t k = 0; k < 8; ++k) {
      const std::uint8_t seed[32] = {k, 0x7e, 0x57};
      keys.push_back(test::key_from_seed(seed));
    }
    std::vector<Signed> made(kChunk);
    for (std::size_t i = 0; i < kChunk; ++i) {
      const test::KeyPair& key = keys[i % keys.size()];
      made[i].pubkey = key.pubkey;
      for (std::size_t b = 0; b < 32; ++b) made[i].msg[b] = static_cast<std::uint8_t>(i * 31 + b);
      made[i].sig = test::sign(key, made[i].msg.data(), 32);
      const SignatureRef ref{made[i].pubkey.data(), 32, made[i].sig.data(), 64,
                             made[i].msg.data(),    32};
      EXPECT_EQ(verify_single(ref), Verdict::kAccept) << "signature " << i;
    }
    return made;
  }();
  return signatures;
}

// A chunk in which the signatures at `invalid` have one message bit flipped.
class Chunk {
 public:
  explicit Chunk(const std::vector<std::size_t>& invalid) : signatures_(valid_signatures()) {
    for (const std::size_t i : invalid) {
      signatures_[i].msg[(i * 7) % 32] ^= static_cast<std::uint8_t>(1u << (i % 8));
    }
    for (const Signed& s : signatures_) {
      refs_.push_back(SignatureRef{s.pubkey.data(), 32, s.sig.data(), 64, s.msg.data(), 32});
    }
    // verify_single accepts every unmodified signature (checked once, in valid_signatures).
    expected_.assign(kChunk, Verdict::kAccept);
    for (const std::size_t i : invalid) expected_[i] = verify_single(refs_[i]);
  }
  std::span<const SignatureRef> refs() const { return refs_; }
  const std::vector<Verdict>& expected() const { return expected_; }

 private:
  std::vector<Signed> signatures_;
  std::vector<SignatureRef> refs_;
  std::vector<Verdict> expected_;  // verify_single's
};

// `count` distinct positions in [0, kChunk) from a seeded shuffle.
std::vector<std::size_t> positions(std::size_t count, std::uint64_t seed) {
  std::vector<std::size_t> order(kChunk);
  for (std::size_t i = 0; i < kChunk; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng() % (kChunk - i)]);
  order.resize(count);
  return order;
}

BatchVerifierCpu make_verifier(const BatchVerifierCpuConfig& config, std::uint8_t key_byte) {
  BatchVerifierCpu verifier;
  const std::uint8_t key[32] = {key_byte, 0x90, 0x11};
  EXPECT_EQ(verifier.init_with_key(config, key), Status::kOk);
  return verifier;
}

BatchVerifierCpuConfig default_config() {
  BatchVerifierCpuConfig config;
  config.batch_size_max = kChunk;
  return config;
}

// Verifies the chunk, checks every verdict against verify_single and that `invalid_count`
// signatures were rejected, and returns the call's counters.
BatchVerifyStats verify_and_compare(BatchVerifierCpu* verifier, const Chunk& chunk,
                                    std::size_t invalid_count) {
  std::vector<Verdict> verdicts(kChunk, Verdict::kAccept);
  BatchVerifyStats stats;
  EXPECT_EQ(verifier->verify(chunk.refs(), verdicts, &stats), Status::kOk);
  std::size_t rejected = 0, mismatches = 0;
  for (std::size_t i = 0; i < kChunk; ++i) {
    rejected += verdicts[i] == Verdict::kReject ? 1 : 0;
    mismatches += verdicts[i] != chunk.expected()[i] ? 1 : 0;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(rejected, invalid_count);
  EXPECT_EQ(stats.signatures, kChunk);
  EXPECT_EQ(stats.rejected_before_batch, 0u);  // flipped message bits all reach the equation
  EXPECT_LE(stats.single_checks, kChunk);      // no candidate is checked singly twice
  return stats;
}

TEST(BatchVerifierFailurePolicy, CleanChunkIsOneEquation) {
  BatchVerifierCpu verifier = make_verifier(default_config(), 1);
  const BatchVerifyStats stats = verify_and_compare(&verifier, Chunk({}), 0);
  EXPECT_EQ(stats.batch_equations, 1u);
  EXPECT_EQ(stats.single_checks, 0u);
  EXPECT_EQ(verifier.recent_failure_share(), 0.0);
}

TEST(BatchVerifierFailurePolicy, AllInvalidCostsOneEquationThenOnlySingleChecks) {
  const Chunk chunk(positions(kChunk, 1));
  BatchVerifierCpu verifier = make_verifier(default_config(), 2);
  // No history yet: the chunk's equation fails, the first probe is invalid, the rest is checked
  // singly.
  BatchVerifyStats stats = verify_and_compare(&verifier, chunk, kChunk);
  EXPECT_EQ(stats.batch_equations, 1u);
  EXPECT_EQ(stats.batch_equations_failed, 1u);
  EXPECT_EQ(stats.probe_checks, 8u);
  EXPECT_EQ(stats.single_checks, kChunk);
  EXPECT_EQ(verifier.recent_failure_share(), 1.0);
  // The history now says dense: single checks only, as verify_single would do.
  stats = verify_and_compare(&verifier, chunk, kChunk);
  EXPECT_EQ(stats.batch_equations, 0u);
  EXPECT_EQ(stats.probe_checks, 0u);
  EXPECT_EQ(stats.single_checks, kChunk);
}

TEST(BatchVerifierFailurePolicy, ThirtyPercentInvalidIsFoundByTheProbes) {
  const std::vector<std::size_t> invalid = positions(307, 2);
  const Chunk chunk(invalid);
  std::uint64_t equations_total = 0;
  for (std::uint8_t key = 0; key < 8; ++key) {
    BatchVerifierCpu verifier = make_verifier(default_config(), key);
    const BatchVerifyStats first = verify_and_compare(&verifier, chunk, invalid.size());
    // Eight probes all miss a 30% mix with probability 0.7^8 < 6%, and each miss costs at most
    // two more equations before the next probe; plain bisection took about 380 equations.
    EXPECT_LE(first.batch_equations, 5u) << "key " << int{key};
    equations_total += first.batch_equations;
    const BatchVerifyStats next = verify_and_compare(&verifier, chunk, invalid.size());
    EXPECT_EQ(next.batch_equations, 0u) << "key " << int{key};
    EXPECT_EQ(next.single_checks, kChunk);
  }
  EXPECT_LE(equations_total, 8u * 2);  // mostly the one failed equation of the chunk
}

TEST(BatchVerifierFailurePolicy, OneInvalidIsFoundWithLogarithmicEquations) {
  std::vector<std::size_t> where = positions(14, 3);
  where.push_back(0);
  where.push_back(kChunk - 1);
  std::uint64_t singles_total = 0;
  for (std::size_t k = 0; k < where.size(); ++k) {
    BatchVerifierCpu verifier = make_verifier(default_config(), static_cast<std::uint8_t>(k));
    const BatchVerifyStats stats = verify_and_compare(&verifier, Chunk({where[k]}), 1);
    // The chunk's equation, then at most two per halving down to single_check_below.
    const auto halvings = static_cast<std::uint64_t>(std::ceil(std::log2(kChunk / 16.0)));
    EXPECT_LE(stats.batch_equations, 1 + 2 * halvings) << "position " << where[k];
    EXPECT_GE(stats.batch_equations_failed, 1u);
    singles_total += stats.single_checks;
  }
  // Per chunk: 8 probes per halving and the last 16 or fewer, unless a probe hits the invalid
  // one (probability 8/m at a group of m), which checks that group's rest singly: about 110 on
  // average. Checking each chunk singly would be 1024.
  EXPECT_LE(singles_total, where.size() * 200);
}

TEST(BatchVerifierFailurePolicy, HistoryOfOneInvalidSizesGroupsOf256) {
  BatchVerifierCpu verifier = make_verifier(default_config(), 4);
  (void)verify_and_compare(&verifier, Chunk({positions(1, 4)}), 1);
  EXPECT_DOUBLE_EQ(verifier.recent_failure_share(), 1.0 / kChunk);
  // A share of 1/1024 makes 256 the largest group expected to hold at most a quarter of an
  // invalid signature; the clean groups keep it there.
  const BatchVerifyStats stats = verify_and_compare(&verifier, Chunk({}), 0);
  EXPECT_EQ(stats.batch_equations, 4u);
  EXPECT_EQ(stats.single_checks, 0u);
}

TEST(BatchVerifierFailurePolicy, CleanTrafficAfterAFloodReturnsToOneEquation) {
  const Chunk flood(positions(307, 5));
  const Chunk clean({});
  BatchVerifierCpuConfig config = default_config();
  config.batch_size_max = 256;  // four chunks per call, so the test stays fast
  config.failure_half_life_signatures = 512;
  BatchVerifierCpu verifier = make_verifier(config, 5);
  (void)verify_and_compare(&verifier, flood, 307);
  std::vector<std::uint64_t> equations;
  double share = verifier.recent_failure_share();
  for (int call = 0; call < 16; ++call) {
    equations.push_back(verify_and_compare(&verifier, clean, 0).batch_equations);
    EXPECT_LT(verifier.recent_failure_share(), share);
    share = verifier.recent_failure_share();
  }
  EXPECT_EQ(equations.front(), 0u);  // right after the flood: single checks only
  EXPECT_EQ(equations.back(), 4u);   // back to one equation per 256-signature chunk
  // Once groups get equations again, they only grow while the share decays.
  std::size_t first_batched = 0;
  while (first_batched < equations.size() && equations[first_batched] == 0) ++first_batched;
  for (std::size_t i = first_batched + 1; i < equations.size(); ++i) {
    EXPECT_LE(equations[i], equations[i - 1]) << "call " << i;
  }
  // With the history off, the first clean chunk after the flood is one equation per chunk.
  config.failure_half_life_signatures = 0;
  BatchVerifierCpu forgetful = make_verifier(config, 5);
  (void)verify_and_compare(&forgetful, flood, 307);
  EXPECT_EQ(forgetful.recent_failure_share(), 0.0);
  EXPECT_EQ(verify_and_compare(&forgetful, clean, 0).batch_equations, 4u);
}

TEST(BatchVerifierFailurePolicy, InitCorrectsProbeAndSingleCheckSizes) {
  const Chunk chunk(positions(kChunk, 6));
  BatchVerifierCpuConfig config = default_config();
  config.single_check_below = 4;
  config.probe_signatures = 8;  // lowered to 4, so a probed group keeps a candidate
  BatchVerifierCpu verifier = make_verifier(config, 6);
  BatchVerifyStats stats = verify_and_compare(&verifier, chunk, kChunk);
  EXPECT_EQ(stats.probe_checks, 4u);
  EXPECT_EQ(stats.batch_equations, 1u);

  config.single_check_below = 0;  // raised to 1
  config.probe_signatures = 0;
  config.failure_half_life_signatures = 0;
  BatchVerifierCpu unprobed = make_verifier(config, 6);
  stats = verify_and_compare(&unprobed, Chunk({positions(1, 6)}), 1);
  EXPECT_EQ(stats.probe_checks, 0u);
  // Halved down to the invalid signature; a right half under 8 whose left half failed is
  // checked singly (at most 4 + 2 + 1 of them).
  EXPECT_GE(stats.single_checks, 1u);
  EXPECT_LE(stats.single_checks, 8u);
  EXPECT_LE(stats.batch_equations, 1 + 2 * 10u);
}

}  // namespace
}  // namespace tc::gpu
