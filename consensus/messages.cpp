#include "consensus/messages.h"

#include <cstring>
#include <string>

#include "core/sha2.h"

namespace tc::consensus {
namespace {

constexpr char kVoteTag[] = "TIMECOIN/v1/vote";          // 16 bytes, no terminator
constexpr char kProposalTag[] = "TIMECOIN/v1/proposal";  // 20 bytes, no terminator
static_assert(sizeof(kVoteTag) - 1 == 16 && sizeof(kProposalTag) - 1 == 20);

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

std::array<std::uint8_t, kVoteSignBytes> vote_sign_bytes(std::uint32_t chain_id,
                                                         std::uint64_t height, std::uint32_t round,
                                                         VoteType type, const Hash256& block_hash) {
  std::array<std::uint8_t, kVoteSignBytes> b{};
  std::memcpy(b.data(), kVoteTag, 16);
  store_u32_le(b.data() + 16, chain_id);
  b[20] = static_cast<std::uint8_t>(type);
  store_u64_le(b.data() + 24, height);
  store_u32_le(b.data() + 32, round);
  std::memcpy(b.data() + 40, block_hash.data(), 32);
  return b;
}

Hash256 vote_digest(std::uint32_t chain_id, std::uint64_t height, std::uint32_t round,
                    VoteType type, const Hash256& block_hash) {
  const auto bytes = vote_sign_bytes(chain_id, height, round, type, block_hash);
  return sha256(ByteSpan(bytes.data(), bytes.size()));
}

Hash256 vote_digest(std::uint32_t chain_id, const Vote& vote) {
  return vote_digest(chain_id, vote.height, vote.round, vote.type, vote.block_hash);
}

std::array<std::uint8_t, kProposalSignBytes> proposal_sign_bytes(std::uint32_t chain_id,
                                                                 std::uint64_t height,
                                                                 std::uint32_t round,
                                                                 std::uint32_t pol_round,
                                                                 const Hash256& block_hash) {
  std::array<std::uint8_t, kProposalSignBytes> b{};
  std::memcpy(b.data(), kProposalTag, 20);
  store_u32_le(b.data() + 20, chain_id);
  store_u64_le(b.data() + 24, height);
  store_u32_le(b.data() + 32, round);
  store_u32_le(b.data() + 36, pol_round);
  std::memcpy(b.data() + 40, block_hash.data(), 32);
  return b;
}

Hash256 proposal_digest(std::uint32_t chain_id, std::uint64_t height, std::uint32_t round,
                        std::uint32_t pol_round, const Hash256& block_hash) {
  const auto bytes = proposal_sign_bytes(chain_id, height, round, pol_round, block_hash);
  return sha256(ByteSpan(bytes.data(), bytes.size()));
}

Hash256 proposal_digest(std::uint32_t chain_id, const Proposal& proposal) {
  return proposal_digest(chain_id, proposal.height, proposal.round, proposal.pol_round,
                         proposal.block_hash);
}

void encode_vote(const Vote& vote, Bytes& out) {
  const std::size_t at = out.size();
  out.resize(at + kVoteWireBytes, 0);
  std::uint8_t* p = out.data() + at;
  store_u16_le(p, kConsensusMessageVersion);
  p[2] = static_cast<std::uint8_t>(vote.type);
  store_u32_le(p + 4, vote.validator_index);
  store_u64_le(p + 8, vote.height);
  store_u32_le(p + 16, vote.round);
  std::memcpy(p + 24, vote.block_hash.data(), 32);
  std::memcpy(p + 56, vote.sig.data(), 64);
}

Status check_vote_encoding(ByteSpan bytes) {
  if (bytes.size() != kVoteWireBytes) {
    return malformed("vote: expected " + std::to_string(kVoteWireBytes) + " bytes, got " +
                     std::to_string(bytes.size()));
  }
  const std::uint8_t* p = bytes.data();
  if (load_u16_le(p) != kConsensusMessageVersion) {
    return malformed("vote at offset 0: unknown version " + std::to_string(load_u16_le(p)));
  }
  if (p[2] != static_cast<std::uint8_t>(VoteType::kPrevote) &&
      p[2] != static_cast<std::uint8_t>(VoteType::kPrecommit)) {
    return malformed("vote at offset 2: unknown vote type " + std::to_string(p[2]));
  }
  if (p[3] != 0 || !all_zero(p + 20, 4)) return malformed("vote: non-zero reserved bytes");
  return Status::ok();
}

Result<Vote> decode_vote(ByteSpan bytes) {
  TC_RETURN_IF_ERROR(check_vote_encoding(bytes));
  const std::uint8_t* p = bytes.data();
  Vote vote;
  vote.type = static_cast<VoteType>(p[2]);
  vote.validator_index = load_u32_le(p + 4);
  vote.height = load_u64_le(p + 8);
  vote.round = load_u32_le(p + 16);
  vote.block_hash = Hash256::from_span(ByteSpan(p + 24, 32));
  vote.sig = Signature::from_span(ByteSpan(p + 56, 64));
  return vote;
}

void encode_proposal(const Proposal& proposal, Bytes& out) {
  const std::size_t at = out.size();
  out.resize(at + kProposalWireHeaderBytes + proposal.payload.size(), 0);
  std::uint8_t* p = out.data() + at;
  store_u16_le(p, kConsensusMessageVersion);
  store_u32_le(p + 4, proposal.proposer_index);
  store_u64_le(p + 8, proposal.height);
  store_u32_le(p + 16, proposal.round);
  store_u32_le(p + 20, proposal.pol_round);
  std::memcpy(p + 24, proposal.block_hash.data(), 32);
  std::memcpy(p + 56, proposal.sig.data(), 64);
  store_u32_le(p + 120, static_cast<std::uint32_t>(proposal.payload.size()));
  if (!proposal.payload.empty()) {
    std::memcpy(p + kProposalWireHeaderBytes, proposal.payload.data(), proposal.payload.size());
  }
}

Status check_proposal_encoding(ByteSpan bytes) {
  if (bytes.size() < kProposalWireHeaderBytes) {
    return malformed("proposal: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
                     std::to_string(kProposalWireHeaderBytes) + "-byte header");
  }
  const std::uint8_t* p = bytes.data();
  if (load_u16_le(p) != kConsensusMessageVersion) {
    return malformed("proposal at offset 0: unknown version " + std::to_string(load_u16_le(p)));
  }
  if (!all_zero(p + 2, 2)) return malformed("proposal at offset 2: non-zero reserved bytes");
  const std::uint32_t payload_bytes = load_u32_le(p + 120);
  if (payload_bytes > kMaxProposalPayloadBytes) {
    return malformed("proposal at offset 120: payload of " + std::to_string(payload_bytes) +
                     " bytes exceeds the limit");
  }
  if (bytes.size() != kProposalWireHeaderBytes + payload_bytes) {
    return malformed("proposal: payload_bytes " + std::to_string(payload_bytes) + " but " +
                     std::to_string(bytes.size() - kProposalWireHeaderBytes) + " bytes follow");
  }
  return Status::ok();
}

Result<Proposal> decode_proposal(ByteSpan bytes) {
  TC_RETURN_IF_ERROR(check_proposal_encoding(bytes));
  const std::uint8_t* p = bytes.data();
  Proposal proposal;
  proposal.proposer_index = load_u32_le(p + 4);
  proposal.height = load_u64_le(p + 8);
  proposal.round = load_u32_le(p + 16);
  proposal.pol_round = load_u32_le(p + 20);
  proposal.block_hash = Hash256::from_span(ByteSpan(p + 24, 32));
  proposal.sig = Signature::from_span(ByteSpan(p + 56, 64));
  proposal.payload.assign(p + kProposalWireHeaderBytes, p + bytes.size());
  return proposal;
}

}  // namespace tc::consensus
