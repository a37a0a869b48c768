// Goal: the shared host/device arithmetic of gpu/ed25519/ is right on its own, before signatures.
// Method: known constants (computed independently with Python big integers) and algebraic
// identities on values from a seeded ChaCha20 stream.
// Scenarios: portable 64x64->128 multiply equals the native one; field limb bounds at their
// extremes (uncarried fe_add inputs to fe_mul/fe_sq/fe_sub); field encode/decode round trip,
// y >= p reduction, inverse, sqrt(-1), d; scalar reduction of 512-bit values and products mod L,
// canonical-S boundary; SHA-512 "abc" and the one-block R||A||M shape against the stream;
// base-point table equals recomputed odd multiples; [L]B = identity; wNAF recomposition;
// ChaCha20 RFC 7539 A.1 keystream.
#include <gtest/gtest.h>

#include <vector>

#include "gpu/csprng.h"
#include "gpu/ed25519/point.h"
#include "gpu/ed25519/scalar.h"
#include "gpu/ed25519/sha512.h"
#include "gpu/testing/test_files.h"

namespace tc::gpu {
namespace {

namespace ed = ed25519;
using test::hex;

std::vector<std::uint8_t> fe_bytes(const ed::Fe& a) {
  std::vector<std::uint8_t> out(32);
  ed::fe_to_bytes(out.data(), a);
  return out;
}

ed::Fe random_fe(ChaCha20Rng* rng) {
  std::uint8_t b[32];
  rng->fill(b, 32);
  return ed::fe_from_bytes(b);
}

TEST(Ed25519Arith, PortableMultiplyMatchesNative) {
  const std::uint8_t key[32] = {1};
  ChaCha20Rng rng(key);
  for (int i = 0; i < 10000; ++i) {
    std::uint64_t ab[2];
    rng.fill(reinterpret_cast<std::uint8_t*>(ab), sizeof ab);
    const ed::U128Parts portable = ed::mul64_portable(ab[0], ab[1]);
    const unsigned __int128 native = static_cast<unsigned __int128>(ab[0]) * ab[1];
    ASSERT_EQ(portable.lo, static_cast<std::uint64_t>(native));
    ASSERT_EQ(portable.hi, static_cast<std::uint64_t>(native >> 64));
  }
}

// The limb bounds of gpu/ed25519/field.h at their extremes: fe_mul and fe_sq take limbs up to
// 2^54 - 1 (what chains of uncarried fe_add reach at most), fe_sub takes a < 2^54 and
// b < 2^53 - 76, and each returns tight limbs (< 2^51 + 2^19). The reference is the same
// operation on fe_carry'd inputs, which hold the same value in tight limbs.
TEST(Ed25519Arith, LimbBoundsAtTheirExtremes) {
  constexpr std::uint64_t kTight = (std::uint64_t{1} << 51) + (std::uint64_t{1} << 19);
  auto expect_tight = [&](const ed::Fe& a) {
    for (int i = 0; i < 5; ++i) ASSERT_LT(a.v[i], kTight) << "limb " << i;
  };
  auto carried = [](const ed::Fe& a) { return ed::fe_carry(ed::fe_carry(a)); };
  const std::uint8_t key[32] = {9};
  ChaCha20Rng rng(key);
  auto wide_fe = [&rng](std::uint64_t low, std::uint64_t span) {
    ed::Fe a;
    for (int i = 0; i < 5; ++i) {
      std::uint64_t r;
      rng.fill(reinterpret_cast<std::uint8_t*>(&r), sizeof r);
      a.v[i] = low + r % span;
    }
    return a;
  };
  const std::uint64_t k53 = std::uint64_t{1} << 53, k54 = std::uint64_t{1} << 54;
  const ed::Fe all_max{{k54 - 1, k54 - 1, k54 - 1, k54 - 1, k54 - 1}};
  const ed::Fe sub_max{{k53 - 77, k53 - 77, k53 - 77, k53 - 77, k53 - 77}};
  const ed::Fe zero = ed::fe_zero();
  for (int i = 0; i < 2000; ++i) {
    const ed::Fe a = i == 0 ? all_max : wide_fe(k53, k53);     // limbs in [2^53, 2^54)
    const ed::Fe b = i == 0 ? all_max : wide_fe(0, k54);       // limbs in [0, 2^54)
    const ed::Fe c = i == 0 ? sub_max : wide_fe(0, k53 - 76);  // fe_sub's b range
    const ed::Fe small = i == 0 ? zero : wide_fe(0, 1 << 20);  // fe_sub's a near zero
    const ed::Fe product = ed::fe_mul(a, b), square = ed::fe_sq(a);
    const ed::Fe difference = ed::fe_sub(a, c), near_zero = ed::fe_sub(small, c);
    expect_tight(product);
    expect_tight(square);
    expect_tight(difference);
    expect_tight(near_zero);
    ASSERT_EQ(fe_bytes(product), fe_bytes(ed::fe_mul(carried(a), carried(b)))) << i;
    ASSERT_EQ(fe_bytes(square), fe_bytes(ed::fe_mul(carried(a), carried(a)))) << i;
    ASSERT_EQ(fe_bytes(difference), fe_bytes(ed::fe_sub(carried(a), carried(c)))) << i;
    ASSERT_EQ(fe_bytes(near_zero), fe_bytes(ed::fe_sub(carried(small), carried(c)))) << i;
    // Two uncarried additions of tight values stay below 2^54 (the point formulas' deepest chain).
    const ed::Fe t = wide_fe(kTight - 4096, 4096);
    const ed::Fe sum = ed::fe_add(ed::fe_add(t, t), t);
    for (int limb = 0; limb < 5; ++limb) ASSERT_LT(sum.v[limb], k54);
    ASSERT_EQ(fe_bytes(ed::fe_mul(sum, sum)), fe_bytes(ed::fe_sq(carried(sum)))) << i;
  }
}

TEST(Ed25519Arith, FieldEncodingAndIdentities) {
  // p + 1 (y >= p) decodes to 1; p decodes to 0.
  auto p_plus = hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  EXPECT_EQ(fe_bytes(ed::fe_from_bytes(p_plus.data())), fe_bytes(ed::fe_one()));
  p_plus[0] = 0xed;
  EXPECT_TRUE(ed::fe_is_zero(ed::fe_from_bytes(p_plus.data())));
  // sqrt(-1)^2 = -1 and d * 121666 = -121665.
  const ed::Fe sqrt_m1 = ed::fe_sqrt_m1();
  EXPECT_EQ(fe_bytes(ed::fe_sq(sqrt_m1)), fe_bytes(ed::fe_neg(ed::fe_one())));
  const ed::Fe c121666{{121666, 0, 0, 0, 0}}, c121665{{121665, 0, 0, 0, 0}};
  EXPECT_EQ(fe_bytes(ed::fe_mul(ed::fe_d(), c121666)), fe_bytes(ed::fe_neg(c121665)));
  EXPECT_EQ(fe_bytes(ed::fe_add(ed::fe_d(), ed::fe_d())), fe_bytes(ed::fe_d2()));

  const std::uint8_t key[32] = {2};
  ChaCha20Rng rng(key);
  for (int i = 0; i < 2000; ++i) {
    const ed::Fe a = random_fe(&rng), b = random_fe(&rng), c = random_fe(&rng);
    ASSERT_EQ(fe_bytes(ed::fe_mul(a, b)), fe_bytes(ed::fe_mul(b, a)));
    ASSERT_EQ(fe_bytes(ed::fe_sq(a)), fe_bytes(ed::fe_mul(a, a)));
    ASSERT_EQ(fe_bytes(ed::fe_mul(a, ed::fe_add(b, c))),
              fe_bytes(ed::fe_add(ed::fe_mul(a, b), ed::fe_mul(a, c))));
    ASSERT_EQ(fe_bytes(ed::fe_sub(ed::fe_add(a, b), b)), fe_bytes(a));
    if (!ed::fe_is_zero(a)) {
      ASSERT_EQ(fe_bytes(ed::fe_mul(a, ed::fe_invert(a))), fe_bytes(ed::fe_one()));
    }
    // Round trip of canonical encodings.
    const auto bytes = fe_bytes(a);
    ASSERT_EQ(fe_bytes(ed::fe_from_bytes(bytes.data())), bytes);
  }
}

std::vector<std::uint8_t> sc_bytes(const ed::Scalar& s) {
  std::vector<std::uint8_t> out(32);
  ed::sc_to_bytes(out.data(), s);
  return out;
}

TEST(Ed25519Arith, ScalarReductionKnownAnswers) {
  std::uint8_t counting[64], ones[64];
  for (int i = 0; i < 64; ++i) {
    counting[i] = static_cast<std::uint8_t>(i);
    ones[i] = 0xff;
  }
  EXPECT_EQ(sc_bytes(ed::sc_reduce64(counting)),
            hex("7a3c6282f02d37a05023b60d5428e6cc5961d4c31221937adae0b574e4d07205"));
  EXPECT_EQ(sc_bytes(ed::sc_reduce64(ones)),
            hex("000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903"));
  const ed::Scalar all_ones{{~0ULL, ~0ULL, ~0ULL, ~0ULL}};
  const ed::Scalar b{{12345, 0, 0, 1ULL << 63}};
  EXPECT_EQ(sc_bytes(ed::sc_mul(all_ones, b)),
            hex("5664ed10852ecfd3f0bad9b4ac4778514ca0fa0be93976e71e4d18be8da0cc09"));
  // Canonical-S boundary: L - 1 is canonical, L and 2^256 - 1 are not.
  auto l = sc_bytes(ed::sc_order());
  EXPECT_FALSE(ed::sc_is_canonical(l.data()));
  l[0] -= 1;
  EXPECT_TRUE(ed::sc_is_canonical(l.data()));
  EXPECT_FALSE(ed::sc_is_canonical(ones));
  // a + (L - a) = 0.
  const ed::Scalar a = ed::sc_reduce64(counting);
  EXPECT_EQ(sc_bytes(ed::sc_add(a, ed::sc_neg(a))), std::vector<std::uint8_t>(32, 0));
}

TEST(Ed25519Arith, Sha512ShapesAgree) {
  std::uint8_t digest[64];
  ed::sha512(reinterpret_cast<const std::uint8_t*>("abc"), 3, digest);
  EXPECT_EQ(std::vector<std::uint8_t>(digest, digest + 64),
            hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
                "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
  std::uint8_t ram[96];
  for (int i = 0; i < 96; ++i) ram[i] = static_cast<std::uint8_t>(i);
  std::uint8_t fixed[64], stream[64];
  ed::sha512_ram32(ram, ram + 32, ram + 64, fixed);
  ed::sha512(ram, 96, stream);
  EXPECT_EQ(std::vector<std::uint8_t>(fixed, fixed + 64),
            std::vector<std::uint8_t>(stream, stream + 64));
  EXPECT_EQ(std::vector<std::uint8_t>(fixed, fixed + 16), hex("ad8ed48e056378b1afcdc0b3d5d3936a"));
}

TEST(Ed25519Arith, BaseTableAndGroupOrder) {
  // The generated table (gen_constants.py, Python big integers) equals [2i + 1]B from this code.
  const ed::PointP3 b = ed::point_base();
  const ed::PointP3 b2 = ed::point_dbl_p3(b);
  ed::PointP3 multiple = b;
  for (int i = 0; i < 64; ++i) {
    const ed::PointPrecomp& entry = ed::kBaseOddMultiples_host_[i];
    const ed::Fe z_inv = ed::fe_invert(multiple.Z);
    const ed::Fe x = ed::fe_mul(multiple.X, z_inv), y = ed::fe_mul(multiple.Y, z_inv);
    ASSERT_EQ(fe_bytes(entry.yplusx), fe_bytes(ed::fe_add(y, x))) << i;
    ASSERT_EQ(fe_bytes(entry.yminusx), fe_bytes(ed::fe_sub(y, x))) << i;
    ASSERT_EQ(fe_bytes(entry.xy2d), fe_bytes(ed::fe_mul(ed::fe_mul(x, y), ed::fe_d2()))) << i;
    multiple = ed::point_add_p3(multiple, b2);
  }
  std::uint8_t enc[32];
  ed::point_to_bytes(enc, b);
  EXPECT_EQ(std::vector<std::uint8_t>(enc, enc + 32),
            hex("5866666666666666666666666666666666666666666666666666666666666666"));
  // [L]B = identity, [L - 1]B = -B.
  const ed::Scalar zero{};
  EXPECT_TRUE(ed::point_is_identity(
      ed::point_double_scalar_mul_base(zero, ed::point_identity(), ed::sc_order())));
  EXPECT_TRUE(ed::point_is_identity(ed::point_double_scalar_mul_base(ed::sc_order(), b, zero)));
}

TEST(Ed25519Arith, WnafRecomposes) {
  const std::uint8_t key[32] = {3};
  ChaCha20Rng rng(key);
  for (int width : {5, 8}) {
    for (int i = 0; i < 20; ++i) {
      std::uint8_t bytes[32];
      rng.fill(bytes, 32);
      bytes[31] &= 0x7f;
      const ed::Scalar s = ed::sc_from_bytes(bytes);
      std::int8_t naf[256];
      ed::scalar_wnaf(naf, s, width);
      // Recompose sum naf[bit] 2^bit B by double-and-add and compare with [s]B.
      ed::PointP3 acc = ed::point_identity();
      const ed::PointP3 b = ed::point_base();
      for (int bit = 255; bit >= 0; --bit) {
        acc = ed::point_dbl_p3(acc);
        ASSERT_LT(naf[bit] < 0 ? -naf[bit] : naf[bit], 1 << (width - 1));
        for (int k = 0; k < (naf[bit] < 0 ? -naf[bit] : naf[bit]); ++k) {
          acc = naf[bit] > 0 ? ed::point_add_p3(acc, b) : ed::point_add_p3(acc, ed::point_neg(b));
        }
      }
      const ed::Scalar zero{};
      std::uint8_t want[32], got[32];
      ed::point_to_bytes(want, ed::point_double_scalar_mul_base(zero, ed::point_identity(), s));
      ed::point_to_bytes(got, acc);
      ASSERT_EQ(std::vector<std::uint8_t>(got, got + 32),
                std::vector<std::uint8_t>(want, want + 32));
    }
  }
}

TEST(Ed25519Arith, ChaCha20Rfc7539Keystream) {
  const std::uint8_t key[32] = {};
  ChaCha20Rng rng(key);
  std::uint8_t out[64];
  rng.fill(out, 64);
  EXPECT_EQ(
      std::vector<std::uint8_t>(out, out + 64),
      hex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724"
          "e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"));
}

}  // namespace
}  // namespace tc::gpu
