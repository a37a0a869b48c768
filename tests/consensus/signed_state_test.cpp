// Goal: the signed-state record and payload record of consensus/signed_state.h round-trip exactly
// and refuse every damaged input with kCorruption, never aborting.
// Method: encode a state with every field set (own votes, both proofs, locks), decode it; then
// truncate, extend, flip each bit of, and rewrite single fields of the bytes.
// Scenarios: round trip (full and default states, payloads left out of the record); every
// truncation; trailing bytes; every single-bit flip; wrong magic and version; unknown step and
// flags; proof counts above the bound; payload record round trip, wrong hash, oversize length,
// bit flips.
#include "consensus/signed_state.h"

#include <gtest/gtest.h>

#include "core/sha2.h"

namespace tc::consensus {
namespace {

Hash256 hash_of(std::uint8_t tag) {
  Hash256 h;
  h.bytes.fill(tag);
  return h;
}

Vote vote(std::uint32_t index, std::uint32_t round, VoteType type, std::uint8_t tag) {
  Vote v{7, round, type, index, hash_of(tag), Signature{}};
  v.sig.bytes.fill(static_cast<std::uint8_t>(tag + index));
  return v;
}

SignedState full_state() {
  SignedState s;
  s.height = 7;
  s.round = 3;
  s.step = SignStep::kPrecommit;
  s.block_hash = hash_of(1);
  s.pol_round = 2;
  s.prevote = vote(0, 3, VoteType::kPrevote, 1);
  s.precommit = vote(0, 3, VoteType::kPrecommit, 1);
  s.locked_round = 3;
  s.locked_hash = hash_of(1);
  s.locked_payload = {1, 2, 3};
  s.valid_round = 2;
  s.valid_hash = hash_of(2);
  s.valid_payload = {4, 5};
  for (std::uint32_t i = 0; i < 3; ++i) s.valid_proof.push_back(vote(i, 2, VoteType::kPrevote, 2));
  for (std::uint32_t i = 1; i < 4; ++i) {
    s.round_proof.push_back(vote(i, 2, VoteType::kPrecommit, 0));
  }
  return s;
}

void expect_same_record(const SignedState& a, const SignedState& b) {
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.round, b.round);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.block_hash, b.block_hash);
  EXPECT_EQ(a.pol_round, b.pol_round);
  EXPECT_EQ(a.prevote, b.prevote);
  EXPECT_EQ(a.precommit, b.precommit);
  EXPECT_EQ(a.locked_round, b.locked_round);
  EXPECT_EQ(a.locked_hash, b.locked_hash);
  EXPECT_EQ(a.valid_round, b.valid_round);
  EXPECT_EQ(a.valid_hash, b.valid_hash);
  EXPECT_EQ(a.valid_proof, b.valid_proof);
  EXPECT_EQ(a.round_proof, b.round_proof);
}

// Rewrites the checksum after a field was changed, so that the field's own check is what fails.
void reseal(Bytes& bytes) {
  const std::size_t body = bytes.size() - kSignedStateChecksumBytes;
  const Hash256 digest = sha256(ByteSpan(bytes.data(), body));
  std::copy(digest.bytes.begin(), digest.bytes.end(), bytes.begin() + body);
}

TEST(SignedStateTest, RoundTripsEveryFieldButThePayloads) {
  const SignedState state = full_state();
  Bytes bytes;
  encode_signed_state(state, bytes);
  EXPECT_EQ(bytes.size(), kSignedStateFixedBytes + 8 * kVoteWireBytes + kSignedStateChecksumBytes);
  auto decoded = decode_signed_state(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  expect_same_record(*decoded, state);
  EXPECT_TRUE(decoded->locked_payload.empty());
  EXPECT_TRUE(decoded->valid_payload.empty());

  Bytes empty;
  encode_signed_state(SignedState{}, empty);
  auto fresh = decode_signed_state(empty);
  ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
  expect_same_record(*fresh, SignedState{});
}

TEST(SignedStateTest, RefusesEveryTruncationAndTrailingBytes) {
  Bytes bytes;
  encode_signed_state(full_state(), bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = decode_signed_state(ByteSpan(bytes.data(), n));
    ASSERT_FALSE(decoded.is_ok()) << n;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  bytes.push_back(0);
  EXPECT_EQ(decode_signed_state(bytes).status().code(), StatusCode::kCorruption);
  const Bytes huge(kSignedStateBytesMax + 1, 0);
  EXPECT_EQ(decode_signed_state(huge).status().code(), StatusCode::kCorruption);
}

TEST(SignedStateTest, RefusesEverySingleBitFlip) {
  Bytes bytes;
  encode_signed_state(full_state(), bytes);
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    Bytes flipped = bytes;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto decoded = decode_signed_state(flipped);
    ASSERT_FALSE(decoded.is_ok()) << "bit " << bit;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
}

TEST(SignedStateTest, RefusesBadFieldsEvenUnderAValidChecksum) {
  Bytes bytes;
  encode_signed_state(full_state(), bytes);
  auto refused = [&](std::size_t offset, std::uint8_t value, std::string_view what) {
    Bytes changed = bytes;
    changed[offset] = value;
    reseal(changed);
    auto decoded = decode_signed_state(changed);
    ASSERT_FALSE(decoded.is_ok()) << what;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << what;
    EXPECT_NE(decoded.status().message().find(what), std::string_view::npos)
        << decoded.status().to_string();
  };
  refused(0, 'X', "bad magic");
  refused(4, 2, "unknown version 2");
  refused(6, 4, "unknown step 4");
  refused(7, 4, "unknown flags 4");
  refused(63, 0x01, "locked_round out of range");
  refused(139, 0xFF, "valid_proof count");
  refused(143, 0xFF, "round_proof count");
  refused(136, 4, "the counts call for");
  refused(kSignedStateFixedBytes + 2, 9, "unknown vote type 9");
}

TEST(SignedPayloadTest, RoundTripsAndRefusesDamage) {
  const Bytes payload = {9, 8, 7, 6, 5};
  Bytes bytes;
  encode_signed_payload(hash_of(5), payload, bytes);
  auto decoded = decode_signed_payload(bytes, hash_of(5));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, payload);

  EXPECT_EQ(decode_signed_payload(bytes, hash_of(6)).status().code(), StatusCode::kCorruption);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(decode_signed_payload(ByteSpan(bytes.data(), n), hash_of(5)).status().code(),
              StatusCode::kCorruption);
  }
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    Bytes flipped = bytes;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(decode_signed_payload(flipped, hash_of(5)).is_ok()) << "bit " << bit;
  }
  Bytes oversize = bytes;
  store_u32_le(oversize.data() + 40, kMaxProposalPayloadBytes + 1);
  EXPECT_EQ(decode_signed_payload(oversize, hash_of(5)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tc::consensus
