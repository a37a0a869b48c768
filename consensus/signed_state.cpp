#include "consensus/signed_state.h"

#include <cstring>
#include <string>

#include "core/sha2.h"

namespace tc::consensus {
namespace {

constexpr char kStateMagic[] = "TCSS";    // 4 bytes, no terminator
constexpr char kPayloadMagic[] = "TCSP";  // 4 bytes, no terminator
constexpr std::uint8_t kFlagPrevote = 1;
constexpr std::uint8_t kFlagPrecommit = 2;

void append_checksum(Bytes& out, std::size_t at) {
  const Hash256 digest = sha256(ByteSpan(out.data() + at, out.size() - at));
  out.insert(out.end(), digest.bytes.begin(), digest.bytes.end());
}

bool checksum_matches(ByteSpan bytes) {
  const std::size_t body = bytes.size() - kSignedStateChecksumBytes;
  return sha256(bytes.first(body)) == Hash256::from_span(bytes.subspan(body));
}

// -1 (none) or a u32 round; anything else cannot come from the engine.
bool round_in_range(std::int64_t round) {
  return round >= -1 && round <= 0xFFFFFFFFll;
}

Status corrupt(std::size_t offset, const std::string& what) {
  return corruption("signed state at offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

void encode_signed_state(const SignedState& state, Bytes& out) {
  TC_CHECK(state.valid_proof.size() <= kSignedStateProofVotesMax &&
               state.round_proof.size() <= kSignedStateProofVotesMax,
           "a proof larger than the validator set");
  TC_CHECK(round_in_range(state.locked_round) && round_in_range(state.valid_round),
           "a lock round outside -1..2^32-1");
  const std::size_t at = out.size();
  out.resize(at + kSignedStateFixedBytes, 0);
  std::uint8_t* p = out.data() + at;
  std::memcpy(p, kStateMagic, 4);
  store_u16_le(p + 4, kSignedStateVersion);
  p[6] = static_cast<std::uint8_t>(state.step);
  p[7] = (state.prevote ? kFlagPrevote : 0) | (state.precommit ? kFlagPrecommit : 0);
  store_u64_le(p + 8, state.height);
  store_u32_le(p + 16, state.round);
  store_u32_le(p + 20, state.pol_round);
  std::memcpy(p + 24, state.block_hash.data(), 32);
  store_u64_le(p + 56, static_cast<std::uint64_t>(state.locked_round));
  std::memcpy(p + 64, state.locked_hash.data(), 32);
  store_u64_le(p + 96, static_cast<std::uint64_t>(state.valid_round));
  std::memcpy(p + 104, state.valid_hash.data(), 32);
  store_u32_le(p + 136, static_cast<std::uint32_t>(state.valid_proof.size()));
  store_u32_le(p + 140, static_cast<std::uint32_t>(state.round_proof.size()));
  if (state.prevote) encode_vote(*state.prevote, out);
  if (state.precommit) encode_vote(*state.precommit, out);
  for (const Vote& vote : state.valid_proof) encode_vote(vote, out);
  for (const Vote& vote : state.round_proof) encode_vote(vote, out);
  append_checksum(out, at);
}

Result<SignedState> decode_signed_state(ByteSpan bytes) {
  if (bytes.size() < kSignedStateFixedBytes + kSignedStateChecksumBytes ||
      bytes.size() > kSignedStateBytesMax) {
    return corrupt(0, "record of " + std::to_string(bytes.size()) + " bytes, outside " +
                          std::to_string(kSignedStateFixedBytes + kSignedStateChecksumBytes) +
                          ".." + std::to_string(kSignedStateBytesMax));
  }
  const std::uint8_t* p = bytes.data();
  if (std::memcmp(p, kStateMagic, 4) != 0) return corrupt(0, "bad magic");
  if (load_u16_le(p + 4) != kSignedStateVersion) {
    return corrupt(4, "unknown version " + std::to_string(load_u16_le(p + 4)));
  }
  if (!checksum_matches(bytes)) {
    return corrupt(bytes.size() - kSignedStateChecksumBytes, "checksum mismatch");
  }
  if (p[6] > static_cast<std::uint8_t>(SignStep::kPrecommit)) {
    return corrupt(6, "unknown step " + std::to_string(p[6]));
  }
  if ((p[7] & ~(kFlagPrevote | kFlagPrecommit)) != 0) {
    return corrupt(7, "unknown flags " + std::to_string(p[7]));
  }
  SignedState state;
  state.step = static_cast<SignStep>(p[6]);
  state.height = load_u64_le(p + 8);
  state.round = load_u32_le(p + 16);
  state.pol_round = load_u32_le(p + 20);
  state.block_hash = Hash256::from_span(bytes.subspan(24, 32));
  state.locked_round = static_cast<std::int64_t>(load_u64_le(p + 56));
  state.locked_hash = Hash256::from_span(bytes.subspan(64, 32));
  state.valid_round = static_cast<std::int64_t>(load_u64_le(p + 96));
  state.valid_hash = Hash256::from_span(bytes.subspan(104, 32));
  if (!round_in_range(state.locked_round)) return corrupt(56, "locked_round out of range");
  if (!round_in_range(state.valid_round)) return corrupt(96, "valid_round out of range");
  const std::uint32_t valid_proof_count = load_u32_le(p + 136);
  const std::uint32_t round_proof_count = load_u32_le(p + 140);
  if (valid_proof_count > kSignedStateProofVotesMax) {
    return corrupt(136,
                   "valid_proof count " + std::to_string(valid_proof_count) + " exceeds the limit");
  }
  if (round_proof_count > kSignedStateProofVotesMax) {
    return corrupt(140,
                   "round_proof count " + std::to_string(round_proof_count) + " exceeds the limit");
  }
  const std::size_t own_votes = ((p[7] & kFlagPrevote) ? 1 : 0) + ((p[7] & kFlagPrecommit) ? 1 : 0);
  const std::size_t votes = own_votes + valid_proof_count + round_proof_count;
  const std::size_t expected =
      kSignedStateFixedBytes + votes * kVoteWireBytes + kSignedStateChecksumBytes;
  if (bytes.size() != expected) {
    return corrupt(0, "the counts call for " + std::to_string(expected) +
                          " bytes, the record has " + std::to_string(bytes.size()));
  }
  std::size_t offset = kSignedStateFixedBytes;
  auto next_vote = [&]() -> Result<Vote> {
    auto vote = decode_vote(bytes.subspan(offset, kVoteWireBytes));
    if (!vote.is_ok()) return corrupt(offset, std::string(vote.status().message()));
    offset += kVoteWireBytes;
    return vote;
  };
  if (p[7] & kFlagPrevote) {
    auto vote = next_vote();
    if (!vote.is_ok()) return vote.status();
    state.prevote = *vote;
  }
  if (p[7] & kFlagPrecommit) {
    auto vote = next_vote();
    if (!vote.is_ok()) return vote.status();
    state.precommit = *vote;
  }
  for (std::uint32_t i = 0; i < valid_proof_count + round_proof_count; ++i) {
    auto vote = next_vote();
    if (!vote.is_ok()) return vote.status();
    (i < valid_proof_count ? state.valid_proof : state.round_proof).push_back(*vote);
  }
  return state;
}

void encode_signed_payload(const Hash256& hash, ByteSpan payload, Bytes& out) {
  TC_CHECK(payload.size() <= kMaxProposalPayloadBytes, "a payload above the block size limit");
  const std::size_t at = out.size();
  out.resize(at + kSignedPayloadHeaderBytes, 0);
  std::uint8_t* p = out.data() + at;
  std::memcpy(p, kPayloadMagic, 4);
  store_u16_le(p + 4, kSignedStateVersion);
  std::memcpy(p + 8, hash.data(), 32);
  store_u32_le(p + 40, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  append_checksum(out, at);
}

Result<Bytes> decode_signed_payload(ByteSpan bytes, const Hash256& hash) {
  const std::string where = "signed payload " + to_hex(hash);
  if (bytes.size() < kSignedPayloadHeaderBytes + kSignedStateChecksumBytes) {
    return corruption(where + ": record of " + std::to_string(bytes.size()) +
                      " bytes, shorter than header and checksum");
  }
  const std::uint8_t* p = bytes.data();
  if (std::memcmp(p, kPayloadMagic, 4) != 0) return corruption(where + " at offset 0: bad magic");
  if (load_u16_le(p + 4) != kSignedStateVersion) {
    return corruption(where + " at offset 4: unknown version " +
                      std::to_string(load_u16_le(p + 4)));
  }
  if (p[6] != 0 || p[7] != 0) return corruption(where + " at offset 6: non-zero reserved bytes");
  const std::uint32_t payload_bytes = load_u32_le(p + 40);
  if (payload_bytes > kMaxProposalPayloadBytes ||
      bytes.size() != kSignedPayloadHeaderBytes + payload_bytes + kSignedStateChecksumBytes) {
    return corruption(where + " at offset 40: payload_bytes " + std::to_string(payload_bytes) +
                      " disagrees with the record's " + std::to_string(bytes.size()) + " bytes");
  }
  if (!checksum_matches(bytes)) {
    return corruption(where + " at offset " +
                      std::to_string(bytes.size() - kSignedStateChecksumBytes) +
                      ": checksum mismatch");
  }
  if (Hash256::from_span(bytes.subspan(8, 32)) != hash) {
    return corruption(where + " at offset 8: the record is for block " +
                      to_hex(bytes.subspan(8, 32)));
  }
  return Bytes(p + kSignedPayloadHeaderBytes, p + kSignedPayloadHeaderBytes + payload_bytes);
}

}  // namespace tc::consensus
