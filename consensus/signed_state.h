// The on-disk encoding of the engine's SignedState (consensus/engine.h): what a validator signed
// last and its locks, which must survive a crash, or a restarted validator can sign two conflicting
// messages.
//
// The record is rewritten after every signature, so it stays small: the locked and valid blocks'
// payloads (up to 64 MiB each) are not in it but in payload records of their own, referenced by
// block hash and written only when the lock or valid value changes. The node's durable store
// (node/signing_state_file.h) writes both kinds. Byte layouts: docs/formats/consensus.md ("Signed
// state"). Pure functions on plain values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "consensus/engine.h"
#include "consensus/validator_set.h"
#include "core/bytes.h"
#include "core/status.h"

namespace tc::consensus {

inline constexpr std::uint16_t kSignedStateVersion = 1;
// magic "TCSS" 4 ‖ version 2 ‖ step 1 ‖ flags 1 ‖ height 8 ‖ round 4 ‖ pol_round 4 ‖ block_hash 32
// ‖ locked_round 8 ‖ locked_hash 32 ‖ valid_round 8 ‖ valid_hash 32 ‖ valid_proof count 4 ‖
// round_proof count 4; then the votes (kVoteWireBytes each) and a SHA-256 of all bytes before it.
inline constexpr std::size_t kSignedStateFixedBytes = 144;
inline constexpr std::size_t kSignedStateChecksumBytes = 32;
// A proof holds at most one vote per validator.
inline constexpr std::uint32_t kSignedStateProofVotesMax =
    static_cast<std::uint32_t>(kMaxValidators);
inline constexpr std::size_t kSignedStateBytesMax =
    kSignedStateFixedBytes + (2 + 2 * std::size_t{kSignedStateProofVotesMax}) * kVoteWireBytes +
    kSignedStateChecksumBytes;
// magic "TCSP" 4 ‖ version 2 ‖ reserved 2 ‖ block_hash 32 ‖ payload_bytes 4; then the payload and a
// SHA-256 of all bytes before it.
inline constexpr std::size_t kSignedPayloadHeaderBytes = 44;
inline constexpr std::size_t kSignedPayloadBytesMax =
    kSignedPayloadHeaderBytes + kMaxProposalPayloadBytes + kSignedStateChecksumBytes;

// Appends the record of `state` to `out`, leaving out locked_payload and valid_payload (they are
// named by locked_hash and valid_hash). REQUIRES: each proof holds at most
// kSignedStateProofVotesMax votes, locked_round and valid_round are -1 or a round (u32).
void encode_signed_state(const SignedState& state, Bytes& out);

// Decodes exactly one record. The result's locked_payload and valid_payload are empty: the caller
// fills them from the payload records of locked_hash (when locked_round >= 0) and valid_hash (when
// valid_round >= 0). Errors, all kCorruption with the offset: short or oversized input, a bad
// magic, an unknown version, a checksum mismatch, an unknown step, unknown flag bits, a round field
// out of range, a proof count above kSignedStateProofVotesMax, a length that disagrees with the
// counts, a vote that fails decode_vote. Never aborts on any input.
Result<SignedState> decode_signed_state(ByteSpan bytes);

// Appends the payload record of the block `hash`. REQUIRES: payload.size() <=
// kMaxProposalPayloadBytes.
void encode_signed_payload(const Hash256& hash, ByteSpan payload, Bytes& out);

// Decodes one payload record and returns its payload. Errors (kCorruption): short input, bad magic,
// unknown version, non-zero reserved bytes, a payload_bytes above kMaxProposalPayloadBytes or that
// disagrees with the length, a checksum mismatch, or a record for another hash than `hash`.
Result<Bytes> decode_signed_payload(ByteSpan bytes, const Hash256& hash);

}  // namespace tc::consensus
