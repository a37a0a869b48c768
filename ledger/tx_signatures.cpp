#include "ledger/tx_signatures.h"

#include <cassert>

#include "core/hashing.h"

namespace tc::ledger {

std::size_t signature_count(const TransactionView& tx) {
  switch (tx.kind()) {
    case TxKind::kCoinbase:
      return 0;
    case TxKind::kEquivocationEvidence:
      return 2;
    case TxKind::kMasternodeRegistration:
      return std::size_t{tx.input_count()} + 1;
    default:
      return tx.input_count();
  }
}

std::size_t gather_signatures(const TransactionView& tx, std::uint32_t chain_id,
                              TxSignedMessages* messages, std::span<gpu::SignatureRef> out) {
  const std::size_t count = signature_count(tx);
  assert(out.size() >= count);
  if (count == 0) return 0;
  if (tx.kind() == TxKind::kEquivocationEvidence) {
    messages->hashes = evidence_digests(tx.evidence(), chain_id);
    const std::uint8_t* payload = tx.payload().data();
    out[0] = gpu::SignatureRef{payload + kEvidenceValidatorOffset, Pubkey::size(),
                               payload + kEvidenceSigAOffset,      Signature::size(),
                               messages->hashes[0].data(),         Hash256::size()};
    out[1] = gpu::SignatureRef{payload + kEvidenceValidatorOffset, Pubkey::size(),
                               payload + kEvidenceSigBOffset,      Signature::size(),
                               messages->hashes[1].data(),         Hash256::size()};
    return 2;
  }
  messages->hashes[0] = sighash(tx, chain_id);
  const std::size_t inputs = tx.input_count();
  for (std::size_t i = 0; i < inputs; ++i) {
    const InputView input = tx.input(i);
    out[i] = gpu::SignatureRef{input.pubkey_data(),        Pubkey::size(),
                               input.sig_data(),           Signature::size(),
                               messages->hashes[0].data(), Hash256::size()};
  }
  if (tx.kind() == TxKind::kMasternodeRegistration) {
    messages->hashes[1] = possession_hash(tx, chain_id);
    const std::uint8_t* payload = tx.payload().data();
    out[inputs] = gpu::SignatureRef{payload + kRegistrationConsensusPubkeyOffset,
                                    Pubkey::size(),
                                    payload + kRegistrationPossessionSigOffset,
                                    Signature::size(),
                                    messages->hashes[1].data(),
                                    Hash256::size()};
  }
  return count;
}

RejectReason signature_failure(const TransactionView& tx, std::size_t position,
                               TxFailure* failure) {
  TxFailure where;
  RejectReason reason = RejectReason::kBadSignature;
  if (tx.kind() == TxKind::kEquivocationEvidence) {
    where.value = position;
  } else if (position < tx.input_count()) {
    where.input_index = static_cast<std::uint32_t>(position);
  } else {
    reason = RejectReason::kBadPossessionProof;
  }
  if (failure != nullptr) *failure = where;
  return reason;
}

RejectReason judge_signatures(const TransactionView& tx, std::span<const gpu::Verdict> verdicts,
                              TxFailure* failure) {
  for (std::size_t k = 0; k < verdicts.size(); ++k) {
    if (verdicts[k] != gpu::Verdict::kAccept) return signature_failure(tx, k, failure);
  }
  return RejectReason::kOk;
}

}  // namespace tc::ledger
