// Consensus messages: votes, proposals and equivocation evidence, the exact bytes each signature
// covers (domain-separated), and their wire encoding.
//
// The engine (consensus/engine.h) builds and checks these; net/ carries them between masternodes
// using encode_vote / decode_vote and encode_proposal / decode_proposal; a commit certificate's
// signatures are precommit signatures over vote_digest. Byte layouts: docs/formats/consensus.md.
// Pure functions on plain values; any thread.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::consensus {

enum class VoteType : std::uint8_t { kPrevote = 1, kPrecommit = 2 };

// What a validator signs in one round, in the order it signs them. Used by the restart guard
// (SignedState) and by evidence.
enum class SignStep : std::uint8_t { kNone = 0, kProposal = 1, kPrevote = 2, kPrecommit = 3 };

inline SignStep sign_step_of(VoteType type) {
  return type == VoteType::kPrevote ? SignStep::kPrevote : SignStep::kPrecommit;
}

// pol_round of a proposal that carries no proof-of-lock round (Tendermint's validRound = -1).
inline constexpr std::uint32_t kNoPolRound = 0xFFFFFFFFu;

// A prevote or precommit. A zero block_hash is a vote for nil.
struct Vote {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  VoteType type = VoteType::kPrevote;
  std::uint32_t validator_index = 0;  // position in the height's ValidatorSet
  Hash256 block_hash;
  Signature sig;

  bool is_nil() const { return block_hash.is_zero(); }
  friend bool operator==(const Vote&, const Vote&) = default;
};

// A proposer's block for (height, round). The payload is the application's block bytes, opaque to
// the engine; block_hash binds it (the application checks the binding in validate_block).
struct Proposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::uint32_t pol_round =
      kNoPolRound;  // round whose prevote quorum justifies re-proposing, or none
  std::uint32_t proposer_index = 0;
  Hash256 block_hash;
  Bytes payload;
  Signature sig;

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

// Two signed messages of one validator that conflict: same (height, round, step), different block
// hash (or, for proposals, a different pol_round). Anyone holding the validator set can check it
// with verify_evidence (consensus/certificate.h).
struct Evidence {
  std::uint32_t validator_index = 0;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  SignStep step = SignStep::kNone;  // kProposal, kPrevote or kPrecommit
  Hash256 hash_a;
  std::uint32_t pol_round_a = kNoPolRound;  // proposals only
  Signature sig_a;
  Hash256 hash_b;
  std::uint32_t pol_round_b = kNoPolRound;
  Signature sig_b;

  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// Sign bytes (docs/formats/consensus.md). Each begins with its own ASCII domain tag, distinct from
// each other and from the transaction sighash tag "TIMECOIN/v1/tx", and includes the chain id, so a
// signature for one purpose or one network is never valid for another.
inline constexpr std::size_t kVoteSignBytes = 72;
inline constexpr std::size_t kProposalSignBytes = 72;
inline constexpr std::size_t kVoteWireBytes = 120;
inline constexpr std::size_t kProposalWireHeaderBytes = 124;
inline constexpr std::uint32_t kMaxProposalPayloadBytes = 64u << 20;  // = kMaxBlockBytes
inline constexpr std::uint16_t kConsensusMessageVersion = 1;

// The 72 sign bytes of a vote: "TIMECOIN/v1/vote" ‖ chain_id ‖ type ‖ 0[3] ‖ height ‖ round ‖ 0[4]
// ‖ block_hash. The validator index is not covered: the verifying key is chosen by it.
std::array<std::uint8_t, kVoteSignBytes> vote_sign_bytes(std::uint32_t chain_id,
                                                         std::uint64_t height, std::uint32_t round,
                                                         VoteType type, const Hash256& block_hash);
// SHA-256 of the sign bytes: the 32-byte message that Ed25519 signs (fixed shape, as for txs).
Hash256 vote_digest(std::uint32_t chain_id, const Vote& vote);
Hash256 vote_digest(std::uint32_t chain_id, std::uint64_t height, std::uint32_t round,
                    VoteType type, const Hash256& block_hash);

// The 72 sign bytes of a proposal: "TIMECOIN/v1/proposal" ‖ chain_id ‖ height ‖ round ‖ pol_round ‖
// block_hash. The payload is bound through block_hash.
std::array<std::uint8_t, kProposalSignBytes> proposal_sign_bytes(std::uint32_t chain_id,
                                                                 std::uint64_t height,
                                                                 std::uint32_t round,
                                                                 std::uint32_t pol_round,
                                                                 const Hash256& block_hash);
Hash256 proposal_digest(std::uint32_t chain_id, const Proposal& proposal);
Hash256 proposal_digest(std::uint32_t chain_id, std::uint64_t height, std::uint32_t round,
                        std::uint32_t pol_round, const Hash256& block_hash);

// Wire encodings. Encoders append to `out`. Decoders take exactly one message: trailing bytes,
// short buffers, unknown versions or vote types, non-zero reserved bytes and oversize payloads are
// kMalformed with the offset. Decoders do not check signatures or validator indexes.
void encode_vote(const Vote& vote, Bytes& out);
Result<Vote> decode_vote(ByteSpan bytes);
void encode_proposal(const Proposal& proposal, Bytes& out);
Result<Proposal> decode_proposal(ByteSpan bytes);

// The checks of decode_vote / decode_proposal without building the value: OK exactly when the
// decoder would accept `bytes`, else the same kMalformed Status. They allocate nothing on success
// (a proposal's payload is not copied), so net/ checks received messages with them (node/ hands
// them to net::FrameDecoder, which cannot include consensus/).
Status check_vote_encoding(ByteSpan bytes);
Status check_proposal_encoding(ByteSpan bytes);

}  // namespace tc::consensus
