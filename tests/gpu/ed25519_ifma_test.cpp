// Goal: the eight-lane AVX-512 IFMA field and point arithmetic (gpu/ed25519/ifma/) computes, in
// every lane, what the portable arithmetic of gpu/ed25519/ computes, and lanes never mix.
// Method: run each operation on eight lanes of inputs and compare every lane's canonical bytes with
// the portable function on the same inputs: 100,000 random cases per operation (values from a
// seeded ChaCha20 stream, as 255-bit encodings and as raw limbs up to the 2^52 - 1 the IFMA
// multiplier accepts), every pair of edge values, and a lane permutation. On a CPU without IFMA
// every test is skipped with a message.
// Scenarios: add, sub, neg, mul, square, the decoding exponentiation; edge values 0, 1, p - 1, p, p
// + 1, 2^255 - 1, 2^255 + 18 and limbs at 2^51 - 1, 2^51, 2^52 - 1; results within the stated limb
// bound; changing one lane's input changes only that lane's output, and reversing the lanes
// reverses the outputs; point doubling and addition against point.h on random multiples of B.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "gpu/csprng.h"
#include "gpu/ed25519/ifma/verify8.h"
#include "gpu/ed25519/point.h"

#if defined(__x86_64__)
#include "gpu/ed25519/ifma/point8.h"
#endif

namespace tc::gpu {
namespace {

namespace ed = ed25519;

#define SKIP_WITHOUT_IFMA()                                                             \
  if (!ed::ifma::ifma_supported()) {                                                    \
    GTEST_SKIP() << "this CPU lacks AVX-512 IFMA (or the OS does not save its state); " \
                    "the IFMA backend is not used here and is not tested";              \
  }

#if defined(__x86_64__)

using Lanes = std::array<ed::Fe, 8>;

enum class Op { kAdd, kSub, kNeg, kMul, kSq };
constexpr Op kOps[] = {Op::kAdd, Op::kSub, Op::kNeg, Op::kMul, Op::kSq};

// Loads lanes limb for limb, without the portable carry of fe8_from_lanes, so that limbs up to
// 2^52 - 1 reach the IFMA functions as given. REQUIRES: limbs < 2^52.
TC_IFMA_TARGET ed::ifma::Fe8 load_raw(const Lanes& lanes) {
  ed::ifma::Fe8 r;
  alignas(64) std::uint64_t column[8];
  for (int i = 0; i < 5; ++i) {
    for (int l = 0; l < 8; ++l) column[l] = lanes[l].v[i];
    r.v[i] = _mm512_load_si512(column);
  }
  return r;
}

TC_IFMA_TARGET Lanes run_ifma(Op op, const Lanes& a, const Lanes& b) {
  const ed::ifma::Fe8 x = load_raw(a), y = load_raw(b);
  ed::ifma::Fe8 r;
  switch (op) {
    case Op::kAdd:
      r = ed::ifma::fe8_add(x, y);
      break;
    case Op::kSub:
      r = ed::ifma::fe8_sub(x, y);
      break;
    case Op::kNeg:
      r = ed::ifma::fe8_neg(x);
      break;
    case Op::kMul:
      r = ed::ifma::fe8_mul(x, y);
      break;
    case Op::kSq:
      r = ed::ifma::fe8_sq(x);
      break;
  }
  Lanes out;
  ed::ifma::fe8_to_lanes(out.data(), r);
  return out;
}

ed::Fe run_portable(Op op, const ed::Fe& a, const ed::Fe& b) {
  switch (op) {
    case Op::kAdd:
      return ed::fe_carry(ed::fe_add(a, b));
    case Op::kSub:
      return ed::fe_sub(a, b);
    case Op::kNeg:
      return ed::fe_neg(a);
    case Op::kMul:
      return ed::fe_mul(a, b);
    case Op::kSq:
      return ed::fe_sq(a);
  }
  return ed::fe_zero();
}

std::array<std::uint8_t, 32> bytes_of(const ed::Fe& a) {
  std::array<std::uint8_t, 32> out;
  ed::fe_to_bytes(out.data(), a);
  return out;
}

const char* name_of(Op op) {
  constexpr const char* kNames[] = {"add", "sub", "neg", "mul", "sq"};
  return kNames[static_cast<int>(op)];
}

// Every lane equals the portable result and stays within the reduced bound (< 2^51 + 2^18).
void expect_lanes_match(Op op, const Lanes& a, const Lanes& b) {
  const Lanes got = run_ifma(op, a, b);
  for (int l = 0; l < 8; ++l) {
    ASSERT_EQ(bytes_of(got[l]), bytes_of(run_portable(op, a[l], b[l])))
        << name_of(op) << " lane " << l;
    for (int i = 0; i < 5; ++i) {
      ASSERT_LT(got[l].v[i], (std::uint64_t{1} << 51) + (std::uint64_t{1} << 18))
          << name_of(op) << " lane " << l << " limb " << i;
    }
  }
}

constexpr std::uint64_t kLimb51 = (std::uint64_t{1} << 51) - 1;
constexpr std::uint64_t kLimb52 = (std::uint64_t{1} << 52) - 1;

std::vector<ed::Fe> edge_values() {
  return {
      ed::Fe{{0, 0, 0, 0, 0}},
      ed::Fe{{1, 0, 0, 0, 0}},
      ed::Fe{{kLimb51 - 19, kLimb51, kLimb51, kLimb51, kLimb51}},  // p - 1
      ed::Fe{{kLimb51 - 18, kLimb51, kLimb51, kLimb51, kLimb51}},  // p
      ed::Fe{{kLimb51 - 17, kLimb51, kLimb51, kLimb51, kLimb51}},  // p + 1
      ed::Fe{{kLimb51, kLimb51, kLimb51, kLimb51, kLimb51}},       // 2^255 - 1
      ed::Fe{{18, 0, 0, 0, std::uint64_t{1} << 51}},               // 2^255 + 18 (limb 4 at 2^51)
      ed::Fe{{kLimb52, kLimb52, kLimb52, kLimb52, kLimb52}},       // largest accepted limbs
      ed::Fe{{std::uint64_t{1} << 51, 0, std::uint64_t{1} << 51, 0, 0}},
      ed::Fe{{0, kLimb52, 0, kLimb52, 0}},
      ed::Fe{{kLimb51, 0, 0, 0, 0}},
      ed::Fe{{0, 0, 0, 0, kLimb52}},
  };
}

// A random element: the low 255 bits of 32 random bytes, or five random limbs below 2^52.
ed::Fe random_fe(ChaCha20Rng* rng) {
  std::uint8_t b[40];
  rng->fill(b, sizeof b);
  if (b[32] & 1) return ed::fe_from_bytes(b);
  ed::Fe r;
  for (int i = 0; i < 5; ++i) r.v[i] = ed::load64_le(b + 4 * i) & kLimb52;
  return r;
}

TEST(Ed25519Ifma, FieldMatchesPortableOnRandomInputs) {
  SKIP_WITHOUT_IFMA();
  const std::uint8_t key[32] = {0x1f};
  ChaCha20Rng rng(key);
  constexpr int kCases = 100000;
  for (int batch = 0; batch < kCases / 8; ++batch) {
    Lanes a, b;
    for (int l = 0; l < 8; ++l) {
      a[l] = random_fe(&rng);
      b[l] = random_fe(&rng);
    }
    for (Op op : kOps) {
      expect_lanes_match(op, a, b);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(Ed25519Ifma, FieldMatchesPortableOnEveryPairOfEdgeValues) {
  SKIP_WITHOUT_IFMA();
  const std::vector<ed::Fe> edges = edge_values();
  std::vector<std::pair<ed::Fe, ed::Fe>> pairs;
  for (const ed::Fe& x : edges) {
    for (const ed::Fe& y : edges) pairs.emplace_back(x, y);
  }
  for (std::size_t start = 0; start < pairs.size(); start += 8) {
    Lanes a, b;
    for (int l = 0; l < 8; ++l) {
      const auto& pair = pairs[(start + l) % pairs.size()];
      a[l] = pair.first;
      b[l] = pair.second;
    }
    for (Op op : kOps) {
      expect_lanes_match(op, a, b);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(Ed25519Ifma, LanesAreIndependent) {
  SKIP_WITHOUT_IFMA();
  const std::uint8_t key[32] = {0x2f};
  ChaCha20Rng rng(key);
  for (int round = 0; round < 200; ++round) {
    Lanes a, b;
    for (int l = 0; l < 8; ++l) {
      a[l] = random_fe(&rng);
      b[l] = random_fe(&rng);
    }
    for (Op op : kOps) {
      const Lanes base = run_ifma(op, a, b);
      // One lane's input changes: only that lane's output may change.
      const int changed = round % 8;
      Lanes a2 = a, b2 = b;
      a2[changed] = random_fe(&rng);
      b2[changed] = random_fe(&rng);
      const Lanes moved = run_ifma(op, a2, b2);
      for (int l = 0; l < 8; ++l) {
        if (l == changed) continue;
        ASSERT_EQ(bytes_of(moved[l]), bytes_of(base[l])) << name_of(op) << " lane " << l;
      }
      ASSERT_EQ(bytes_of(moved[changed]), bytes_of(run_portable(op, a2[changed], b2[changed])));
      // Reversed inputs give reversed outputs.
      Lanes ra, rb;
      for (int l = 0; l < 8; ++l) {
        ra[l] = a[7 - l];
        rb[l] = b[7 - l];
      }
      const Lanes reversed = run_ifma(op, ra, rb);
      for (int l = 0; l < 8; ++l) {
        ASSERT_EQ(bytes_of(reversed[l]), bytes_of(base[7 - l])) << name_of(op) << " lane " << l;
      }
    }
  }
}

TC_IFMA_TARGET Lanes pow_p58_lanes(const Lanes& a) {
  Lanes out;
  ed::ifma::fe8_to_lanes(out.data(), ed::ifma::fe8_pow_p58(load_raw(a)));
  return out;
}

// The decoding exponentiation z^((p - 5) / 8), on random and edge inputs.
TEST(Ed25519Ifma, PowP58MatchesPortable) {
  SKIP_WITHOUT_IFMA();
  const std::uint8_t key[32] = {0x4f};
  ChaCha20Rng rng(key);
  const std::vector<ed::Fe> edges = edge_values();
  for (int round = 0; round < 100; ++round) {
    Lanes a;
    for (int l = 0; l < 8; ++l) {
      a[l] = round == 0 ? edges[l] : round == 1 ? edges[(l + 8) % edges.size()] : random_fe(&rng);
    }
    const Lanes got = pow_p58_lanes(a);
    for (int l = 0; l < 8; ++l) {
      ASSERT_EQ(bytes_of(got[l]), bytes_of(ed::fe_pow_p58(ed::fe_carry(a[l])))) << "lane " << l;
    }
  }
}

std::array<std::uint8_t, 32> point_bytes(const ed::PointP3& p) {
  std::array<std::uint8_t, 32> out;
  ed::point_to_bytes(out.data(), p);
  return out;
}

TC_IFMA_TARGET void dbl_and_add_lanes(const ed::PointP3 p[8], const ed::PointP3 q[8],
                                      ed::PointP3 dbl_out[8], ed::PointP3 add_out[8]) {
  const ed::ifma::Point8P3 p8 = ed::ifma::point8_from_lanes(p);
  const ed::ifma::Point8P3 q8 = ed::ifma::point8_from_lanes(q);
  ed::ifma::point8_to_lanes(dbl_out, ed::ifma::point8_p1p1_to_p3(ed::ifma::point8_dbl(p8)));
  ed::ifma::point8_to_lanes(add_out, ed::ifma::point8_p1p1_to_p3(
                                         ed::ifma::point8_add(p8, ed::ifma::point8_to_cached(q8))));
}

TEST(Ed25519Ifma, PointDoubleAndAddMatchPortable) {
  SKIP_WITHOUT_IFMA();
  const std::uint8_t key[32] = {0x3f};
  ChaCha20Rng rng(key);
  for (int round = 0; round < 50; ++round) {
    ed::PointP3 p[8], q[8];
    for (int l = 0; l < 8; ++l) {
      std::uint8_t wide[64];
      rng.fill(wide, sizeof wide);
      const ed::Scalar s = ed::sc_reduce64(wide);
      p[l] = ed::point_double_scalar_mul_base(ed::Scalar{{0, 0, 0, 0}}, ed::point_identity(), s);
    }
    // Lane 0 adds a point to itself, lane 1 adds the identity: the edge cases of the formula.
    for (int l = 0; l < 8; ++l) {
      q[l] = l == 0 ? p[l] : l == 1 ? ed::point_identity() : ed::point_dbl_p3(p[(l + 3) % 8]);
    }
    ed::PointP3 doubled[8], added[8];
    dbl_and_add_lanes(p, q, doubled, added);
    for (int l = 0; l < 8; ++l) {
      ASSERT_EQ(point_bytes(doubled[l]), point_bytes(ed::point_dbl_p3(p[l]))) << "lane " << l;
      ASSERT_EQ(point_bytes(added[l]), point_bytes(ed::point_add_p3(p[l], q[l]))) << "lane " << l;
    }
  }
}

#else  // !defined(__x86_64__)

TEST(Ed25519Ifma, NotBuiltOffX86) {
  SKIP_WITHOUT_IFMA();
  FAIL() << "ifma_supported() is true on a build without the IFMA backend";
}

#endif

}  // namespace
}  // namespace tc::gpu
