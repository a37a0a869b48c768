// Goal: vote and proposal sign bytes are domain-separated and laid out as docs/formats/consensus.md
// says, and the wire encodings have exactly one parse.
// Method: build messages field by field, check offsets of the sign bytes, round-trip encodings and
// feed decoders truncated, padded and corrupted bytes.
// Scenarios: vote sign-byte layout; vote, proposal and transaction tags differ; chain id, type and
// round change the digest; vote and proposal wire round trips; every malformed case rejected;
// check_vote_encoding / check_proposal_encoding accept and reject exactly what the decoders do,
// with the same message.
#include "consensus/messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace tc::consensus {
namespace {

Hash256 hash_of(std::uint8_t fill) {
  Hash256 h;
  h.bytes.fill(fill);
  return h;
}

TEST(MessagesTest, VoteSignBytesLayout) {
  const auto b =
      vote_sign_bytes(3, 0x0102030405060708ull, 0x0A0B0C0D, VoteType::kPrecommit, hash_of(0xAB));
  EXPECT_EQ(std::memcmp(b.data(), "TIMECOIN/v1/vote", 16), 0);
  EXPECT_EQ(load_u32_le(b.data() + 16), 3u);
  EXPECT_EQ(b[20], 2);
  EXPECT_EQ(b[21] | b[22] | b[23], 0);
  EXPECT_EQ(load_u64_le(b.data() + 24), 0x0102030405060708ull);
  EXPECT_EQ(load_u32_le(b.data() + 32), 0x0A0B0C0Du);
  EXPECT_EQ(load_u32_le(b.data() + 36), 0u);
  EXPECT_EQ(b[40], 0xAB);
  EXPECT_EQ(b[71], 0xAB);
}

TEST(MessagesTest, ProposalSignBytesLayoutAndDomainSeparation) {
  const auto p = proposal_sign_bytes(3, 9, 2, 1, hash_of(0x11));
  EXPECT_EQ(std::memcmp(p.data(), "TIMECOIN/v1/proposal", 20), 0);
  EXPECT_EQ(load_u32_le(p.data() + 20), 3u);
  EXPECT_EQ(load_u64_le(p.data() + 24), 9u);
  EXPECT_EQ(load_u32_le(p.data() + 32), 2u);
  EXPECT_EQ(load_u32_le(p.data() + 36), 1u);
  const auto v = vote_sign_bytes(3, 9, 2, VoteType::kPrevote, hash_of(0x11));
  EXPECT_NE(std::memcmp(p.data(), v.data(), 16), 0);
  EXPECT_NE(std::memcmp(v.data(), "TIMECOIN/v1/tx", 14), 0);
}

TEST(MessagesTest, DigestCoversChainTypeRoundAndHash) {
  const Hash256 base = vote_digest(1, 5, 0, VoteType::kPrevote, hash_of(1));
  EXPECT_NE(base, vote_digest(2, 5, 0, VoteType::kPrevote, hash_of(1)));
  EXPECT_NE(base, vote_digest(1, 5, 0, VoteType::kPrecommit, hash_of(1)));
  EXPECT_NE(base, vote_digest(1, 5, 1, VoteType::kPrevote, hash_of(1)));
  EXPECT_NE(base, vote_digest(1, 6, 0, VoteType::kPrevote, hash_of(1)));
  EXPECT_NE(base, vote_digest(1, 5, 0, VoteType::kPrevote, hash_of(2)));
  EXPECT_NE(proposal_digest(1, 5, 0, kNoPolRound, hash_of(1)),
            proposal_digest(1, 5, 0, 0, hash_of(1)));
}

TEST(MessagesTest, VoteWireRoundTripAndRejections) {
  Vote vote{7, 3, VoteType::kPrecommit, 12, hash_of(0x5A), Signature{}};
  vote.sig.bytes.fill(0x77);
  Bytes wire;
  encode_vote(vote, wire);
  ASSERT_EQ(wire.size(), kVoteWireBytes);
  auto decoded = decode_vote(wire);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, vote);

  EXPECT_FALSE(decode_vote(ByteSpan(wire.data(), wire.size() - 1)).is_ok());
  Bytes padded = wire;
  padded.push_back(0);
  EXPECT_FALSE(decode_vote(padded).is_ok());
  Bytes bad_type = wire;
  bad_type[2] = 3;
  EXPECT_EQ(decode_vote(bad_type).status().code(), StatusCode::kMalformed);
  Bytes bad_reserved = wire;
  bad_reserved[21] = 1;
  EXPECT_FALSE(decode_vote(bad_reserved).is_ok());
  Bytes bad_version = wire;
  bad_version[0] = 2;
  EXPECT_FALSE(decode_vote(bad_version).is_ok());
}

TEST(MessagesTest, ProposalWireRoundTripAndRejections) {
  Proposal proposal;
  proposal.height = 4;
  proposal.round = 2;
  proposal.pol_round = 1;
  proposal.proposer_index = 3;
  proposal.block_hash = hash_of(0x42);
  proposal.payload = {1, 2, 3, 4, 5};
  proposal.sig.bytes.fill(0x99);
  Bytes wire;
  encode_proposal(proposal, wire);
  ASSERT_EQ(wire.size(), kProposalWireHeaderBytes + 5);
  auto decoded = decode_proposal(wire);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, proposal);

  EXPECT_FALSE(decode_proposal(ByteSpan(wire.data(), 100)).is_ok());
  EXPECT_FALSE(decode_proposal(ByteSpan(wire.data(), wire.size() - 1)).is_ok());
  Bytes huge = wire;
  store_u32_le(huge.data() + 120, kMaxProposalPayloadBytes + 1);
  EXPECT_FALSE(decode_proposal(huge).is_ok());
  Bytes reserved = wire;
  reserved[3] = 1;
  EXPECT_FALSE(decode_proposal(reserved).is_ok());
}

// Every byte string a test above feeds a decoder, valid or not.
std::vector<Bytes> vote_variants() {
  Vote vote{7, 3, VoteType::kPrevote, 12, hash_of(0x5A), Signature{}};
  Bytes wire;
  encode_vote(vote, wire);
  std::vector<Bytes> variants = {wire, Bytes(wire.begin(), wire.end() - 1), wire, wire, wire, wire};
  variants[2].push_back(0);
  variants[3][2] = 3;
  variants[4][21] = 1;
  variants[5][0] = 2;
  return variants;
}

std::vector<Bytes> proposal_variants() {
  Proposal proposal;
  proposal.block_hash = hash_of(0x42);
  proposal.payload = {1, 2, 3, 4, 5};
  Bytes wire;
  encode_proposal(proposal, wire);
  std::vector<Bytes> variants = {wire,
                                 Bytes(wire.begin(), wire.begin() + 100),
                                 Bytes(wire.begin(), wire.end() - 1),
                                 wire,
                                 wire,
                                 wire};
  store_u32_le(variants[3].data() + 120, kMaxProposalPayloadBytes + 1);
  variants[4][3] = 1;
  variants[5][0] = 9;
  return variants;
}

TEST(MessagesTest, CheckEncodingAgreesWithTheDecoders) {
  for (const Bytes& bytes : vote_variants()) {
    const Status checked = check_vote_encoding(bytes);
    const Result<Vote> decoded = decode_vote(bytes);
    EXPECT_EQ(checked.is_ok(), decoded.is_ok()) << checked.to_string();
    if (!decoded.is_ok()) {
      EXPECT_EQ(checked.to_string(), decoded.status().to_string());
    }
  }
  for (const Bytes& bytes : proposal_variants()) {
    const Status checked = check_proposal_encoding(bytes);
    const Result<Proposal> decoded = decode_proposal(bytes);
    EXPECT_EQ(checked.is_ok(), decoded.is_ok()) << checked.to_string();
    if (!decoded.is_ok()) {
      EXPECT_EQ(checked.to_string(), decoded.status().to_string());
    }
  }
  EXPECT_TRUE(check_vote_encoding(vote_variants()[0]).is_ok());
  EXPECT_TRUE(check_proposal_encoding(proposal_variants()[0]).is_ok());
}

}  // namespace
}  // namespace tc::consensus
