// Goal: the batch verifier gives exactly the single verifier's verdict on random and adversarial
// inputs, and the single verifier accepts what it should under ZIP-215.
// Method: a seeded ChaCha20 stream (reproducible; the seed is printed on failure) generates
// TC_ED25519_DIFF_CASES cases (default 100,000) signed by the test signer over a pool of keys, then
// mutated; they are verified one by one and in batches of random size 1..160 through
// BatchVerifierCpu with plain bisection, and the verdicts compared case by case. A sparse mix of
// the same cases (the accepted ones and 1 in 64 of the rejected) also goes through the default
// failure policy (probes, failure history), which batches only where failures are rare.
// Scenarios: valid signatures (32-byte and other message lengths); bit flips in R, A, S, M;
// S + L (S >= L); small-order A and R (all 8 torsion points); R and A with a torsion component
// added (accepted only by the cofactored equation); non-canonical y >= p and x = 0 with the sign
// bit set in A and R; random bytes. Expected classes are also asserted (valid accepted, S >= L and
// torsion-shifted valid ones as ZIP-215 says).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "gpu/csprng.h"
#include "gpu/ed25519/ifma/verify8.h"
#include "gpu/testing/ed25519_signer.h"
#include "gpu/verifier.h"

namespace tc::gpu {
namespace {

namespace ed = ed25519;

struct Generated {
  std::array<std::uint8_t, 32> pubkey;
  std::array<std::uint8_t, 64> sig;
  std::vector<std::uint8_t> msg;
  int kind;
};

enum Kind : int {
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
  kKindCount,
};

class Generator {
 public:
  explicit Generator(const std::uint8_t seed[32]) : rng_(seed) {
    for (int i = 0; i < 32; ++i) {
      std::uint8_t key_seed[32];
      rng_.fill(key_seed, 32);
      keys_.push_back(test::key_from_seed(key_seed));
    }
    // A point of order 8: [L]P for a decodable P whose torsion part has full order.
    ed::PointP3 t8 = ed::point_identity();
    for (std::uint8_t y = 2; y < 255; ++y) {
      std::uint8_t enc[32] = {y};
      ed::PointP3 p;
      if (!ed::point_decode_zip215(&p, enc)) continue;
      const ed::PointP3 t = ed::point_double_scalar_mul_base(ed::sc_order(), p, ed::Scalar{});
      const ed::PointP3 t4 = ed::point_dbl_p3(ed::point_dbl_p3(t));
      if (!ed::point_is_identity(t4)) {
        t8 = t;
        break;
      }
    }
    ed::PointP3 multiple = ed::point_identity();
    for (int i = 0; i < 8; ++i) {
      torsion_.push_back(multiple);
      std::array<std::uint8_t, 32> enc;
      ed::point_to_bytes(enc.data(), multiple);
      torsion_bytes_.push_back(enc);
      multiple = ed::point_add_p3(multiple, t8);
    }
  }

  std::uint32_t next32() {
    std::uint8_t b[4];
    rng_.fill(b, 4);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t{b[3]} << 24);
  }

  Generated next() {
    Generated g;
    g.kind = static_cast<int>(next32() % (kKindCount + 6));
    if (g.kind >= kKindCount) g.kind = kValid;  // valid-heavy, like real traffic
    const test::KeyPair& key = keys_[next32() % keys_.size()];
    const std::size_t msg_bytes = (next32() % 4 == 0) ? next32() % 200 : 32;
    g.msg.resize(msg_bytes);
    if (msg_bytes > 0) rng_.fill(g.msg.data(), msg_bytes);
    g.pubkey = key.pubkey;
    g.sig = test::sign(key, g.msg.data(), g.msg.size());
    const std::uint32_t bit = next32();
    switch (g.kind) {
      case kFlipR:
        g.sig[(bit >> 3) % 32] ^= 1 << (bit & 7);
        break;
      case kFlipA:
        g.pubkey[(bit >> 3) % 32] ^= 1 << (bit & 7);
        break;
      case kFlipS:
        g.sig[32 + (bit >> 3) % 32] ^= 1 << (bit & 7);
        break;
      case kFlipM:
        if (g.msg.empty()) g.msg.push_back(0);
        g.msg[(bit >> 3) % g.msg.size()] ^= 1 << (bit & 7);
        break;
      case kSPlusL:
        add_order_to_s(&g);
        break;
      case kSmallOrderA:
        g.pubkey = torsion_bytes_[bit % 8];
        if (bit & 8) resign_with(&g, nullptr, bit);
        break;
      case kSmallOrderR:
        for (int i = 0; i < 32; ++i) g.sig[i] = torsion_bytes_[bit % 8][i];
        break;
      case kTorsionR:
        resign_with(&g, &torsion_[1 + bit % 7], bit);
        break;
      case kTorsionA: {
        resign_torsion_a(&g, key, torsion_[1 + bit % 7]);
        break;
      }
      case kNonCanonicalY: {
        // y in [p, 2^255): the encodings of y - p in [0, 19), in A or R.
        std::uint8_t enc[32];
        for (int i = 0; i < 32; ++i) enc[i] = 0xff;
        enc[0] = static_cast<std::uint8_t>(0xed + (bit % 19));
        enc[31] = static_cast<std::uint8_t>(0x7f | ((bit & 32) ? 0x80 : 0));
        if (bit & 64) {
          for (int i = 0; i < 32; ++i) g.pubkey[i] = enc[i];
        } else {
          for (int i = 0; i < 32; ++i) g.sig[i] = enc[i];
        }
        break;
      }
      case kZeroXSignBit: {
        // (0, 1) or (0, -1) with bit 255 set, in A or R.
        std::uint8_t enc[32] = {};
        if (bit & 1) {
          enc[0] = 1;
        } else {
          for (int i = 0; i < 32; ++i) enc[i] = 0xff;
          enc[0] = 0xec;
        }
        enc[31] |= 0x80;
        if (bit & 2) {
          for (int i = 0; i < 32; ++i) g.pubkey[i] = enc[i];
        } else {
          for (int i = 0; i < 32; ++i) g.sig[i] = enc[i];
        }
        break;
      }
      case kRandomBytes:
        rng_.fill(g.pubkey.data(), 32);
        rng_.fill(g.sig.data(), 64);
        g.sig[63] &= 0x0f;
        break;
      default:
        break;
    }
    return g;
  }

 private:
  void add_order_to_s(Generated* g) {
    ed::Scalar s = ed::sc_from_bytes(g->sig.data() + 32);
    const ed::Scalar l = ed::sc_order();
    std::uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned __int128 t = static_cast<unsigned __int128>(s.v[i]) + l.v[i] + carry;
      s.v[i] = static_cast<std::uint64_t>(t);
      carry = static_cast<std::uint64_t>(t >> 64);
    }
    ed::sc_to_bytes(g->sig.data() + 32, s);
  }

  // R = [r]B (+ torsion when given), S = r + k a with a = 0 when A is a small-order key: the result
  // satisfies the cofactored equation.
  void resign_with(Generated* g, const ed::PointP3* torsion, std::uint32_t salt) {
    const ed::Scalar r{{salt * 0x9e3779b97f4a7c15ULL + 1, salt, 0, 0}};
    ed::PointP3 big_r = ed::point_double_scalar_mul_base(ed::Scalar{}, ed::point_identity(), r);
    if (torsion != nullptr) big_r = ed::point_add_p3(big_r, *torsion);
    ed::point_to_bytes(g->sig.data(), big_r);
    const ed::Scalar k = challenge(*g);
    ed::Scalar s = r;
    if (torsion != nullptr) {
      const test::KeyPair* key = key_of(g->pubkey);
      s = ed::sc_add(r, ed::sc_mul(k, key->secret_scalar));
    }
    ed::sc_to_bytes(g->sig.data() + 32, s);
  }

  void resign_torsion_a(Generated* g, const test::KeyPair& key, const ed::PointP3& torsion) {
    ed::PointP3 a;
    ASSERT_TRUE(ed::point_decode_zip215(&a, key.pubkey.data()));
    ed::point_to_bytes(g->pubkey.data(), ed::point_add_p3(a, torsion));
    const ed::Scalar r{{0x1234567ULL + key.seed[0], 7, 0, 0}};
    ed::point_to_bytes(g->sig.data(),
                       ed::point_double_scalar_mul_base(ed::Scalar{}, ed::point_identity(), r));
    const ed::Scalar k = challenge(*g);
    ed::sc_to_bytes(g->sig.data() + 32, ed::sc_add(r, ed::sc_mul(k, key.secret_scalar)));
  }

  static ed::Scalar challenge(const Generated& g) {
    ed::Sha512Stream h;
    ed::sha512_stream_init(&h);
    ed::sha512_stream_update(&h, g.sig.data(), 32);
    ed::sha512_stream_update(&h, g.pubkey.data(), 32);
    ed::sha512_stream_update(&h, g.msg.data(), g.msg.size());
    std::uint8_t digest[64];
    ed::sha512_stream_finish(&h, digest);
    return ed::sc_reduce64(digest);
  }

  const test::KeyPair* key_of(const std::array<std::uint8_t, 32>& pubkey) const {
    for (const auto& key : keys_) {
      if (key.pubkey == pubkey) return &key;
    }
    return &keys_[0];
  }

  ChaCha20Rng rng_;
  std::vector<test::KeyPair> keys_;
  std::vector<ed::PointP3> torsion_;
  std::vector<std::array<std::uint8_t, 32>> torsion_bytes_;
};

std::size_t case_count() {
  const char* env = std::getenv("TC_ED25519_DIFF_CASES");
  return env != nullptr ? std::strtoul(env, nullptr, 10) : 100000;
}

TEST(Ed25519Differential, BatchEqualsSingleOnRandomAndMutatedCases) {
  const std::uint8_t seed[32] = {0x5e, 0xed, 0x01};
  Generator generator(seed);
  const std::size_t total = case_count();
  std::vector<Generated> cases;
  cases.reserve(total);
  for (std::size_t i = 0; i < total; ++i) cases.push_back(generator.next());

  std::vector<SignatureRef> refs;
  std::vector<Verdict> single(total);
  std::size_t accepted_by_kind[kKindCount] = {}, count_by_kind[kKindCount] = {};
  for (std::size_t i = 0; i < total; ++i) {
    const Generated& g = cases[i];
    refs.push_back(SignatureRef{g.pubkey.data(), 32, g.sig.data(), 64, g.msg.data(), g.msg.size()});
    single[i] = verify_single(refs[i]);
    ++count_by_kind[g.kind];
    accepted_by_kind[g.kind] += single[i] == Verdict::kAccept ? 1 : 0;
  }

  // Plain bisection down to groups of 4 (no probes, no failure history), so that the batch
  // equation itself decides most verdicts even in this mix, where about half fail.
  BatchVerifierCpuConfig bisection;
  bisection.batch_size_max = 160;
  bisection.single_check_below = 4;
  bisection.probe_signatures = 0;
  bisection.failure_half_life_signatures = 0;
  BatchVerifierCpu batch;
  ASSERT_EQ(batch.init_with_key(bisection, seed), Status::kOk);
  std::vector<Verdict> batched(total, Verdict::kReject);
  BatchVerifyStats stats;
  std::size_t begin = 0;
  std::uint32_t size_state = 12345;
  while (begin < total) {
    size_state = size_state * 1103515245 + 12345;
    const std::size_t size = std::min<std::size_t>(total - begin, 1 + (size_state >> 8) % 160);
    ASSERT_EQ(batch.verify(std::span(refs).subspan(begin, size),
                           std::span(batched).subspan(begin, size), &stats),
              Status::kOk);
    begin += size;
  }
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < total; ++i) {
    if (single[i] != batched[i]) {
      ++mismatches;
      ADD_FAILURE() << "case " << i << " kind " << cases[i].kind << ": single "
                    << static_cast<int>(single[i]) << " batch " << static_cast<int>(batched[i]);
      if (mismatches > 10) break;
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(stats.signatures, total);
  EXPECT_GT(stats.batch_equations_failed, 0u);  // the bisection fallback ran

  // The default failure policy (probes, failure history, group sizes) on a sparse mix of the same
  // cases, where it batches: every accepted case of the first kPolicyCases and every 64th rejected
  // one (about 1.6% rejected at the default case count), in calls of random size up to 2048.
  constexpr std::size_t kPolicyCases = 30000;
  std::vector<SignatureRef> sparse;
  std::vector<Verdict> sparse_single;
  std::size_t rejected_seen = 0;
  for (std::size_t i = 0; i < std::min(total, kPolicyCases); ++i) {
    if (single[i] == Verdict::kReject && rejected_seen++ % 64 != 0) continue;
    sparse.push_back(refs[i]);
    sparse_single.push_back(single[i]);
  }
  BatchVerifierCpuConfig policy;
  policy.batch_size_max = 1024;
  BatchVerifierCpu policy_batch;
  ASSERT_EQ(policy_batch.init_with_key(policy, seed), Status::kOk);
  std::vector<Verdict> policy_verdicts(sparse.size(), Verdict::kReject);
  BatchVerifyStats policy_stats;
  for (begin = 0; begin < sparse.size();) {
    size_state = size_state * 1103515245 + 12345;
    const std::size_t size =
        std::min<std::size_t>(sparse.size() - begin, 1 + (size_state >> 8) % 2048);
    ASSERT_EQ(policy_batch.verify(std::span(sparse).subspan(begin, size),
                                  std::span(policy_verdicts).subspan(begin, size), &policy_stats),
              Status::kOk);
    begin += size;
  }
  std::size_t policy_mismatches = 0;
  for (std::size_t i = 0; i < sparse.size(); ++i) {
    policy_mismatches += policy_verdicts[i] != sparse_single[i] ? 1 : 0;
  }
  EXPECT_EQ(policy_mismatches, 0u);
  if (total >= kPolicyCases) {
    EXPECT_GT(policy_stats.batch_equations_failed, 0u);
    EXPECT_GT(policy_stats.probe_checks, 0u);
  }

  // Classes whose verdict ZIP-215 fixes.
  EXPECT_EQ(accepted_by_kind[kValid], count_by_kind[kValid]);
  EXPECT_EQ(accepted_by_kind[kSPlusL], 0u);
  EXPECT_EQ(accepted_by_kind[kTorsionR], count_by_kind[kTorsionR]);
  EXPECT_EQ(accepted_by_kind[kTorsionA], count_by_kind[kTorsionA]);
  EXPECT_EQ(accepted_by_kind[kFlipS], 0u);
  EXPECT_EQ(accepted_by_kind[kFlipM], 0u);
  if (total >= 10000) {
    EXPECT_GT(accepted_by_kind[kSmallOrderA], 0u);  // small-order key with S = r
    for (int kind = 0; kind < kKindCount; ++kind) EXPECT_GT(count_by_kind[kind], 0u) << kind;
  }
}

// The eight-way IFMA path gives verify_signature's outcome (not only its verdict) on every case of
// the same stream, in groups of random size 1..8 so partial lane sets run too.
TEST(Ed25519Differential, EightWayEqualsSingleOnRandomAndMutatedCases) {
  if (!ed::ifma::ifma_supported()) {
    GTEST_SKIP() << "this CPU lacks AVX-512 IFMA; the eight-way IFMA path is not used here";
  }
  const std::uint8_t seed[32] = {0x5e, 0xed, 0x01};
  Generator generator(seed);
  const std::size_t total = case_count();
  std::vector<Generated> cases;
  cases.reserve(total);
  for (std::size_t i = 0; i < total; ++i) cases.push_back(generator.next());
  std::size_t mismatches = 0, accepted = 0;
  std::uint32_t size_state = 54321;
  for (std::size_t begin = 0; begin < total;) {
    size_state = size_state * 1103515245 + 12345;
    const std::size_t size = std::min<std::size_t>(total - begin, 1 + (size_state >> 8) % 8);
    ed::ifma::SignatureBytes lanes[ed::ifma::kVerifyLanes];
    for (std::size_t lane = 0; lane < size; ++lane) {
      const Generated& g = cases[begin + lane];
      lanes[lane] =
          ed::ifma::SignatureBytes{g.pubkey.data(), g.sig.data(), g.msg.data(), g.msg.size()};
    }
    ed::VerifyOutcome outcomes[ed::ifma::kVerifyLanes];
    ed::ifma::verify_eight(lanes, size, outcomes);
    for (std::size_t lane = 0; lane < size; ++lane) {
      const Generated& g = cases[begin + lane];
      const ed::VerifyOutcome single =
          ed::verify_signature(g.pubkey.data(), g.sig.data(), g.msg.data(), g.msg.size());
      accepted += single == ed::VerifyOutcome::kValid ? 1 : 0;
      if (outcomes[lane] != single && ++mismatches <= 10) {
        ADD_FAILURE() << "case " << begin + lane << " kind " << g.kind << ": single "
                      << static_cast<int>(single) << " eight-way "
                      << static_cast<int>(outcomes[lane]);
      }
    }
    begin += size;
  }
  EXPECT_EQ(mismatches, 0u);
  // Both verdicts occur in quantity (the stream is about half valid).
  EXPECT_GT(accepted, total / 4);
  EXPECT_LT(accepted, total - total / 4);
}

}  // namespace
}  // namespace tc::gpu
