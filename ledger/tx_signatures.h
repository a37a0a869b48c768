// The signatures a transaction carries, gathered for a batch verifier: the one place that knows
// which keys sign which 32-byte messages. Block execution (ledger.cpp) and the verify stage
// (node/stages/verify_stage.h) both gather through it, so a transaction's signatures are the same
// list, in the same order, wherever they are checked.
//
// In gather order, a transaction's signatures are:
//   - transfer or registration: one per input, over sighash(tx, chain_id), inputs in order; then
//   for
//     a registration its possession proof (consensus_pubkey over possession_hash(tx, chain_id));
//   - equivocation evidence: signature a and signature b by the accused validator, over
//     evidence_digests(evidence, chain_id);
//   - coinbase: none.
// The functions are pure and allocate nothing; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/codec.h"
#include "core/types.h"
#include "gpu/verdict.h"
#include "gpu/verifier.h"
#include "ledger/rules.h"

namespace tc::ledger {

// The most signatures one transaction can carry: every byte past the header an input, plus a
// possession proof (kMaxTransactionBytes bounds every decoded transaction). Sizes the scratch of a
// caller that gathers one transaction at a time.
inline constexpr std::size_t kMaxTransactionSignatures =
    (kMaxTransactionBytes - kTransactionHeaderBytes) / kInputBytes + 1;

// The 32-byte messages a transaction's signatures point at (sighash and possession hash, or the
// two evidence digests). Owned by the caller, and must outlive the verification of the signatures
// that gather_signatures pointed at it.
struct TxSignedMessages {
  std::array<Hash256, 2> hashes;
};

// How many signatures gather_signatures writes for `tx` (file comment). Never more than
// kMaxTransactionSignatures for a transaction that decoded.
std::size_t signature_count(const TransactionView& tx);

// Computes the messages of `tx` into *messages and writes its signatures, in gather order, into
// out[0, signature_count(tx)); returns that count. Each SignatureRef points into tx's bytes (key,
// signature) and into *messages, both of which must stay valid and unchanged until the signatures
// are verified. For evidence the digests are those of evidence_digests, so check_evidence must
// have passed (REQUIRES). REQUIRES: out.size() >= signature_count(tx).
std::size_t gather_signatures(const TransactionView& tx, std::uint32_t chain_id,
                              TxSignedMessages* messages, std::span<gpu::SignatureRef> out);

// The rule `tx` breaks when its signature at `position` (gather order) does not verify:
// kBadSignature with failure->input_index for an input, kBadPossessionProof for a registration's
// proof, kBadSignature with failure->value 0 (a) or 1 (b) for evidence. REQUIRES: position <
// signature_count(tx). failure may be null.
RejectReason signature_failure(const TransactionView& tx, std::size_t position, TxFailure* failure);

// kOk when every verdict accepts, else signature_failure of the first that does not.
// REQUIRES: verdicts.size() == signature_count(tx).
RejectReason judge_signatures(const TransactionView& tx, std::span<const gpu::Verdict> verdicts,
                              TxFailure* failure);

}  // namespace tc::ledger
