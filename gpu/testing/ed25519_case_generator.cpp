#include "gpu/testing/ed25519_case_generator.h"

#include <cstring>

#include "gpu/csprng.h"
#include "gpu/ed25519/sha512.h"

namespace tc::gpu::test {
namespace {

namespace ed = ed25519;

constexpr std::size_t kKeyCount = 32;
// Extra draws that map to kValid, so valid signatures are the largest kind, as in real traffic.
constexpr std::uint32_t kExtraValidDraws = 6;

// The ChaCha20 stream of (seed, index) in one domain (0: the key pool, 1: case index).
ChaCha20Rng stream_for(std::uint64_t seed, std::uint64_t index, std::uint8_t domain) {
  std::uint8_t key[32] = {};
  ed::store64_le(key, seed);
  ed::store64_le(key + 8, index);
  key[16] = domain;
  std::memcpy(key + 17, "tc-gpu-check", 12);
  return ChaCha20Rng(key);
}

std::uint32_t next32(ChaCha20Rng* rng) {
  std::uint8_t b[4];
  rng->fill(b, 4);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t{b[3]} << 24);
}

// A uniformly random scalar mod L.
ed::Scalar random_scalar(ChaCha20Rng* rng) {
  std::uint8_t wide[64];
  rng->fill(wide, 64);
  return ed::sc_reduce64(wide);
}

ed::PointP3 base_mul(const ed::Scalar& s) {
  return ed::point_double_scalar_mul_base(ed::Scalar{}, ed::point_identity(), s);
}

// k = SHA-512(R || A || M) mod L over the case's bytes.
ed::Scalar challenge(const GeneratedCase& c) {
  std::uint8_t digest[64];
  ed::sha512_ram32(c.sig.data(), c.pubkey.data(), c.msg.data(), digest);
  return ed::sc_reduce64(digest);
}

void flip_bit(std::uint8_t* bytes, std::size_t size, std::uint32_t bits) {
  bytes[(bits >> 3) % size] ^= static_cast<std::uint8_t>(1u << (bits & 7));
}

// S + L, which is < 2^254 and so still fits the 32-byte field.
void add_order_to_s(GeneratedCase* c) {
  const ed::Scalar s = ed::sc_from_bytes(c->sig.data() + 32);
  const ed::Scalar l = ed::sc_order();
  ed::Scalar sum;
  std::uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t partial = s.v[i] + l.v[i];
    const std::uint64_t total = partial + carry;
    carry = (partial < s.v[i] ? 1 : 0) | (total < partial ? 1 : 0);
    sum.v[i] = total;
  }
  ed::sc_to_bytes(c->sig.data() + 32, sum);
}

// A = small (an encoding of a point of order dividing 8), R = [r]B, S = r: then
// [8]([S]B - R - [k]A) = -[8][k]A = identity, so ZIP-215 accepts.
void resign_small_a(GeneratedCase* c, const std::uint8_t small[32], ChaCha20Rng* rng) {
  std::memcpy(c->pubkey.data(), small, 32);
  const ed::Scalar r = random_scalar(rng);
  fixed_base_mul(c->sig.data(), r);
  ed::sc_to_bytes(c->sig.data() + 32, r);
}

// R = small, S = k a: then [S]B - R - [k]A = -R, which [8] clears, so ZIP-215 accepts.
void resign_small_r(GeneratedCase* c, const std::uint8_t small[32], const KeyPair& key) {
  std::memcpy(c->sig.data(), small, 32);
  ed::sc_to_bytes(c->sig.data() + 32, ed::sc_mul(challenge(*c), key.secret_scalar));
}

// A small-order encoding placed in A or R (chosen by place_in_a) and re-signed to be accepted.
void resign_small(GeneratedCase* c, const std::uint8_t small[32], bool place_in_a,
                  const KeyPair& key, ChaCha20Rng* rng) {
  if (place_in_a) {
    resign_small_a(c, small, rng);
  } else {
    resign_small_r(c, small, key);
  }
}

}  // namespace

const char* case_kind_name(CaseKind kind) {
  switch (kind) {
    case CaseKind::kValid:
      return "valid";
    case CaseKind::kFlipR:
      return "flip_r";
    case CaseKind::kFlipA:
      return "flip_a";
    case CaseKind::kFlipS:
      return "flip_s";
    case CaseKind::kFlipM:
      return "flip_m";
    case CaseKind::kSPlusL:
      return "s_plus_l";
    case CaseKind::kSmallOrderA:
      return "small_order_a";
    case CaseKind::kSmallOrderR:
      return "small_order_r";
    case CaseKind::kTorsionR:
      return "torsion_r";
    case CaseKind::kTorsionA:
      return "torsion_a";
    case CaseKind::kNonCanonicalY:
      return "y_ge_p";
    case CaseKind::kZeroXSignBit:
      return "x0_sign_bit";
    case CaseKind::kRandomBytes:
      return "random_bytes";
    case CaseKind::kCount:
      break;
  }
  return "unknown";
}

CaseGenerator::CaseGenerator(std::uint64_t seed) : seed_(seed) {
  ChaCha20Rng rng = stream_for(seed, 0, 0);
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    std::uint8_t key_seed[32];
    rng.fill(key_seed, 32);
    keys_.push_back(key_from_seed(key_seed));
  }
  // A point of order 8: [L]P for a decodable P whose torsion component has full order.
  ed::PointP3 t8 = ed::point_identity();
  for (std::uint8_t y = 2; y < 255; ++y) {
    const std::uint8_t encoding[32] = {y};
    ed::PointP3 p;
    if (!ed::point_decode_zip215(&p, encoding)) continue;
    const ed::PointP3 t = ed::point_double_scalar_mul_base(ed::sc_order(), p, ed::Scalar{});
    if (!ed::point_is_identity(ed::point_dbl_p3(ed::point_dbl_p3(t)))) {
      t8 = t;
      break;
    }
  }
  ed::PointP3 multiple = ed::point_identity();
  for (std::size_t j = 0; j < 8; ++j) {
    torsion_[j] = multiple;
    ed::point_to_bytes(torsion_bytes_[j].data(), multiple);
    multiple = ed::point_add_p3(multiple, t8);
  }
}

void CaseGenerator::generate(std::size_t first, std::span<GeneratedCase> out,
                             bool valid_only) const {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = make_case(first + i, valid_only);
}

GeneratedCase CaseGenerator::make_case(std::size_t index, bool valid_only) const {
  ChaCha20Rng rng = stream_for(seed_, index, 1);
  GeneratedCase c;
  const std::uint32_t draw =
      next32(&rng) % (static_cast<std::uint32_t>(CaseKind::kCount) + kExtraValidDraws);
  c.kind = valid_only || draw >= static_cast<std::uint32_t>(CaseKind::kCount)
               ? CaseKind::kValid
               : static_cast<CaseKind>(draw);
  const KeyPair& key = keys_[next32(&rng) % keys_.size()];
  rng.fill(c.msg.data(), c.msg.size());
  c.pubkey = key.pubkey;
  c.sig = sign(key, c.msg.data(), c.msg.size());
  c.expect_accept = true;
  const std::uint32_t bits = next32(&rng);
  switch (c.kind) {
    case CaseKind::kValid:
    case CaseKind::kCount:
      break;
    case CaseKind::kFlipR:
      flip_bit(c.sig.data(), 32, bits);
      c.expect_accept = false;
      break;
    case CaseKind::kFlipA:
      flip_bit(c.pubkey.data(), 32, bits);
      c.expect_accept = false;
      break;
    case CaseKind::kFlipS:
      flip_bit(c.sig.data() + 32, 32, bits);
      c.expect_accept = false;
      break;
    case CaseKind::kFlipM:
      flip_bit(c.msg.data(), 32, bits);
      c.expect_accept = false;
      break;
    case CaseKind::kSPlusL:
      add_order_to_s(&c);
      c.expect_accept = false;
      break;
    case CaseKind::kSmallOrderA:
      resign_small_a(&c, torsion_bytes_[bits % 8].data(), &rng);
      break;
    case CaseKind::kSmallOrderR:
      resign_small_r(&c, torsion_bytes_[bits % 8].data(), key);
      break;
    case CaseKind::kTorsionR: {
      // R = [r]B + T, S = r + k a: the torsion part survives only in the cofactorless equation.
      const ed::Scalar r = random_scalar(&rng);
      ed::point_to_bytes(c.sig.data(), ed::point_add_p3(base_mul(r), torsion_[1 + bits % 7]));
      ed::sc_to_bytes(c.sig.data() + 32,
                      ed::sc_add(r, ed::sc_mul(challenge(c), key.secret_scalar)));
      break;
    }
    case CaseKind::kTorsionA: {
      // A' = A + T, R = [r]B, S = r + k a with k over A': [S]B - R - [k]A' = -[k]T.
      ed::PointP3 a;
      ed::point_decode_zip215(&a, key.pubkey.data());
      ed::point_to_bytes(c.pubkey.data(), ed::point_add_p3(a, torsion_[1 + bits % 7]));
      const ed::Scalar r = random_scalar(&rng);
      fixed_base_mul(c.sig.data(), r);
      ed::sc_to_bytes(c.sig.data() + 32,
                      ed::sc_add(r, ed::sc_mul(challenge(c), key.secret_scalar)));
      break;
    }
    case CaseKind::kNonCanonicalY: {
      // y = p + j for j < 19, any sign bit. j = 0 (y = 0 mod p, order 4) and j = 1 (the
      // identity) are small-order and re-signed to be accepted; other j give a point (or no
      // point) unrelated to the signature, rejected. Half the cases take j < 2.
      const std::uint32_t j = (bits & 128) ? bits % 2 : bits % 19;
      std::uint8_t encoding[32];
      std::memset(encoding, 0xff, sizeof encoding);
      encoding[0] = static_cast<std::uint8_t>(0xed + j);
      encoding[31] = static_cast<std::uint8_t>(0x7f | ((bits & 32) ? 0x80 : 0));
      const bool place_in_a = (bits & 64) != 0;
      if (j < 2) {
        resign_small(&c, encoding, place_in_a, key, &rng);
      } else {
        std::memcpy(place_in_a ? c.pubkey.data() : c.sig.data(), encoding, 32);
        c.expect_accept = false;
      }
      break;
    }
    case CaseKind::kZeroXSignBit: {
      // (0, 1) or (0, -1) with bit 255 set: x = 0 has no sign, ZIP-215 decodes it anyway.
      std::uint8_t encoding[32] = {};
      if (bits & 1) {
        encoding[0] = 1;
      } else {
        std::memset(encoding, 0xff, sizeof encoding);
        encoding[0] = 0xec;
      }
      encoding[31] |= 0x80;
      resign_small(&c, encoding, (bits & 2) != 0, key, &rng);
      break;
    }
    case CaseKind::kRandomBytes:
      rng.fill(c.pubkey.data(), c.pubkey.size());
      rng.fill(c.sig.data(), c.sig.size());
      c.sig[63] &= 0x0f;  // S < 2^252 < L: the rejection comes from the points or the equation
      c.expect_accept = false;
      break;
  }
  return c;
}

}  // namespace tc::gpu::test
