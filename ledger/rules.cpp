#include "ledger/rules.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <tuple>

#include "consensus/messages.h"
#include "core/hashing.h"
#include "core/masternode_tier.h"
#include "gpu/verifier.h"

namespace tc::ledger {
namespace {

// The most inputs a transaction within kMaxTransactionBytes can carry (header and one output).
constexpr std::size_t kInputCountMax =
    (kMaxTransactionBytes - kTransactionHeaderBytes - kOutputBytes) / kInputBytes;

constexpr std::size_t kOutpointBytes = 36;  // prev_txid | prev_vout, contiguous in an input

RejectReason fail(RejectReason reason, TxFailure* failure, std::uint32_t input_index,
                  std::uint32_t output_index, std::uint64_t value, std::uint64_t needed) {
  if (failure != nullptr) {
    failure->input_index = input_index;
    failure->output_index = output_index;
    failure->value = value;
    failure->needed = needed;
  }
  return reason;
}

// Sums the outputs; kZeroValue, kDust (when dust applies) or kOutputOverflow on failure.
RejectReason sum_outputs(const TransactionView& tx, Amount dust, Amount* sum, TxFailure* failure) {
  Amount total;
  for (std::uint32_t i = 0; i < tx.output_count(); ++i) {
    const Amount value = tx.output(i).value();
    if (value.satoshis() == 0) {
      return fail(RejectReason::kZeroValue, failure, TxFailure::kNoIndex, i, 0, 1);
    }
    if (value < dust) {
      return fail(RejectReason::kDust, failure, TxFailure::kNoIndex, i, value.satoshis(),
                  dust.satoshis());
    }
    const auto next = total.checked_add(value);
    if (!next) {
      return fail(RejectReason::kOutputOverflow, failure, TxFailure::kNoIndex, i, value.satoshis(),
                  0);
    }
    total = *next;
  }
  *sum = total;
  return RejectReason::kOk;
}

// Finds two inputs spending the same outpoint: sorts pointers to their 36-byte outpoints on the
// stack (no allocation). Returns the index of the second of a duplicate pair, or kNoIndex.
std::uint32_t find_duplicate_input(const TransactionView& tx) {
  const std::size_t n = tx.input_count();
  if (n < 2) return TxFailure::kNoIndex;
  if (n <= 8) {
    for (std::size_t i = 1; i < n; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (std::memcmp(tx.input(i).data(), tx.input(j).data(), kOutpointBytes) == 0) {
          return static_cast<std::uint32_t>(i);
        }
      }
    }
    return TxFailure::kNoIndex;
  }
  std::array<const std::uint8_t*, kInputCountMax> sorted;
  for (std::size_t i = 0; i < n; ++i) sorted[i] = tx.input(i).data();
  std::sort(sorted.begin(), sorted.begin() + n, [](const std::uint8_t* a, const std::uint8_t* b) {
    return std::memcmp(a, b, kOutpointBytes) < 0;
  });
  for (std::size_t i = 1; i < n; ++i) {
    if (std::memcmp(sorted[i - 1], sorted[i], kOutpointBytes) == 0) {
      const std::size_t offset =
          static_cast<std::size_t>(std::max(sorted[i - 1], sorted[i]) - tx.input(0).data());
      return static_cast<std::uint32_t>(offset / kInputBytes);
    }
  }
  return TxFailure::kNoIndex;
}

// The first two stateless rules of every kind the mempool or a block may carry besides the
// coinbase.
RejectReason check_size_and_chain(const TransactionView& tx, const LedgerParams& params,
                                  TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  if (tx.encoded_bytes() > params.tx_bytes_max) {
    return fail(RejectReason::kOversize, failure, none, none, tx.encoded_bytes(),
                params.tx_bytes_max);
  }
  if (tx.chain_id() != params.chain_id) {
    return fail(RejectReason::kWrongChain, failure, none, none, tx.chain_id(), params.chain_id);
  }
  return RejectReason::kOk;
}

}  // namespace

std::string_view reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::kOk:
      return "ok";
    case RejectReason::kOversize:
      return "oversize";
    case RejectReason::kWrongChain:
      return "wrong_chain";
    case RejectReason::kDuplicateInput:
      return "duplicate_input";
    case RejectReason::kZeroValue:
      return "zero_value";
    case RejectReason::kDust:
      return "dust";
    case RejectReason::kOutputOverflow:
      return "output_overflow";
    case RejectReason::kCoinbaseNotAllowed:
      return "coinbase_not_allowed";
    case RejectReason::kBadTier:
      return "bad_tier";
    case RejectReason::kBadCollateralRef:
      return "bad_collateral_ref";
    case RejectReason::kBadSignature:
      return "bad_signature";
    case RejectReason::kBadPossessionProof:
      return "bad_possession_proof";
    case RejectReason::kEvidenceNotAllowed:
      return "evidence_not_allowed";
    case RejectReason::kBadEvidence:
      return "bad_evidence";
    case RejectReason::kMissingInput:
      return "missing_input";
    case RejectReason::kWrongOwner:
      return "wrong_owner";
    case RejectReason::kInputOverflow:
      return "input_overflow";
    case RejectReason::kInsufficientFunds:
      return "insufficient_funds";
    case RejectReason::kFeeTooLow:
      return "fee_too_low";
    case RejectReason::kImmatureCoinbase:
      return "immature_coinbase";
    case RejectReason::kLockTime:
      return "lock_time";
    case RejectReason::kCollateralMissing:
      return "collateral_missing";
    case RejectReason::kCollateralAmount:
      return "collateral_amount";
    case RejectReason::kCollateralOwner:
      return "collateral_owner";
    case RejectReason::kCollateralLocked:
      return "collateral_locked";
    case RejectReason::kDuplicateConsensusKey:
      return "duplicate_consensus_key";
    case RejectReason::kEvidenceNotValidator:
      return "evidence_not_validator";
    case RejectReason::kEvidenceAlreadyLeaving:
      return "evidence_already_leaving";
    case RejectReason::kCollateralFrozen:
      return "collateral_frozen";
    case RejectReason::kDuplicate:
      return "duplicate";
    case RejectReason::kConflict:
      return "conflict";
    case RejectReason::kMempoolFull:
      return "mempool_full";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

Status reject_status(RejectReason reason, const Hash256& txid, const TxFailure& failure) {
  std::string message = "tx " + to_hex(txid) + ": ";
  if (failure.input_index != TxFailure::kNoIndex) {
    message += "input " + std::to_string(failure.input_index) + ": ";
  }
  if (failure.output_index != TxFailure::kNoIndex) {
    message += "output " + std::to_string(failure.output_index) + ": ";
  }
  message += reject_reason_name(reason);
  if (failure.value != 0 || failure.needed != 0) {
    message += ": " + std::to_string(failure.value) + " vs " + std::to_string(failure.needed);
  }
  StatusCode code = StatusCode::kInvalidArgument;
  if (reason == RejectReason::kDuplicate || reason == RejectReason::kConflict) {
    code = StatusCode::kAlreadyExists;
  } else if (reason == RejectReason::kMempoolFull) {
    code = StatusCode::kResourceExhausted;
  }
  return Status(code, std::move(message));
}

int compare_fee_rate(Amount fee_a, std::size_t bytes_a, Amount fee_b, std::size_t bytes_b) {
  const unsigned __int128 left = static_cast<unsigned __int128>(fee_a.satoshis()) * bytes_b;
  const unsigned __int128 right = static_cast<unsigned __int128>(fee_b.satoshis()) * bytes_a;
  return left < right ? -1 : (left > right ? 1 : 0);
}

RejectReason check_stateless(const TransactionView& tx, const LedgerParams& params,
                             Amount* output_sum, TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  const RejectReason reason = check_size_and_chain(tx, params, failure);
  if (reason != RejectReason::kOk) return reason;
  if (tx.kind() == TxKind::kCoinbase) {
    return fail(RejectReason::kCoinbaseNotAllowed, failure, none, none, 0, 0);
  }
  if (tx.kind() == TxKind::kEquivocationEvidence) {
    return fail(RejectReason::kEvidenceNotAllowed, failure, none, none, 0, 0);
  }
  const std::uint32_t duplicate = find_duplicate_input(tx);
  if (duplicate != none) {
    return fail(RejectReason::kDuplicateInput, failure, duplicate, none, 0, 0);
  }
  Amount sum;
  const RejectReason outputs = sum_outputs(tx, params.dust_threshold, &sum, failure);
  if (outputs != RejectReason::kOk) return outputs;
  if (tx.kind() == TxKind::kMasternodeRegistration) {
    const RegistrationPayload payload = tx.registration();
    const auto tier = tier_from_byte(payload.tier);
    if (!tier) return fail(RejectReason::kBadTier, failure, none, none, payload.tier, 3);
    const bool null_collateral = payload.collateral.txid.is_zero() && payload.collateral.vout == 0;
    if (*tier == MasternodeTier::kFree) {
      if (!null_collateral) {
        return fail(RejectReason::kBadCollateralRef, failure, none, none, 0, 0);
      }
    } else {
      for (std::uint32_t i = 0; i < tx.input_count(); ++i) {
        if (tx.input(i).prev() == payload.collateral) {
          return fail(RejectReason::kBadCollateralRef, failure, i, none, 0, 0);
        }
      }
    }
  }
  if (output_sum != nullptr) *output_sum = sum;
  return RejectReason::kOk;
}

RejectReason check_evidence(const TransactionView& tx, std::uint64_t height,
                            const LedgerParams& params, TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  const RejectReason reason = check_size_and_chain(tx, params, failure);
  if (reason != RejectReason::kOk) return reason;
  if (tx.lock_time() != 0) {
    return fail(RejectReason::kBadEvidence, failure, none, none, tx.lock_time(), 0);
  }
  return check_evidence(tx.evidence(), height, failure);
}

RejectReason check_evidence(const EvidencePayload& evidence, std::uint64_t height,
                            TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  using consensus::SignStep;
  const auto step = static_cast<SignStep>(evidence.step);
  if (step != SignStep::kProposal && step != SignStep::kPrevote && step != SignStep::kPrecommit) {
    return fail(RejectReason::kBadEvidence, failure, none, none, evidence.step, 3);
  }
  const auto a = std::tie(evidence.hash_a, evidence.pol_round_a);
  const auto b = std::tie(evidence.hash_b, evidence.pol_round_b);
  if (!(a < b)) return fail(RejectReason::kBadEvidence, failure, none, none, 0, 0);
  if (step != SignStep::kProposal && (evidence.pol_round_a != consensus::kNoPolRound ||
                                      evidence.pol_round_b != consensus::kNoPolRound)) {
    return fail(RejectReason::kBadEvidence, failure, none, none, 0, 0);
  }
  if (evidence.height >= height) {
    return fail(RejectReason::kBadEvidence, failure, none, none, evidence.height, height);
  }
  return RejectReason::kOk;
}

std::array<Hash256, 2> evidence_digests(const EvidencePayload& evidence, std::uint32_t chain_id) {
  using consensus::SignStep;
  const auto step = static_cast<SignStep>(evidence.step);
  if (step == SignStep::kProposal) {
    return {consensus::proposal_digest(chain_id, evidence.height, evidence.round,
                                       evidence.pol_round_a, evidence.hash_a),
            consensus::proposal_digest(chain_id, evidence.height, evidence.round,
                                       evidence.pol_round_b, evidence.hash_b)};
  }
  const consensus::VoteType type =
      step == SignStep::kPrevote ? consensus::VoteType::kPrevote : consensus::VoteType::kPrecommit;
  return {consensus::vote_digest(chain_id, evidence.height, evidence.round, type, evidence.hash_a),
          consensus::vote_digest(chain_id, evidence.height, evidence.round, type, evidence.hash_b)};
}

bool evidence_signatures_valid(const EvidencePayload& evidence, std::uint32_t chain_id) {
  const std::array<Hash256, 2> digests = evidence_digests(evidence, chain_id);
  for (int k = 0; k < 2; ++k) {
    const Signature& sig = k == 0 ? evidence.sig_a : evidence.sig_b;
    const gpu::SignatureRef ref{evidence.validator.data(), 32, sig.data(), 64,
                                digests[k].data(),         32};
    if (gpu::verify_single(ref) != gpu::Verdict::kAccept) return false;
  }
  return true;
}

RejectReason check_coinbase(const TransactionView& tx, const LedgerParams& params,
                            TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  if (tx.chain_id() != params.chain_id) {
    return fail(RejectReason::kWrongChain, failure, none, none, tx.chain_id(), params.chain_id);
  }
  if (tx.encoded_bytes() > kMaxTransactionBytes) {
    return fail(RejectReason::kOversize, failure, none, none, tx.encoded_bytes(),
                kMaxTransactionBytes);
  }
  Amount sum;
  return sum_outputs(tx, Amount(0), &sum, failure);
}

RejectReason check_inputs(const TransactionView& tx, std::span<const storage::UtxoLookup> spent,
                          std::uint64_t height, const LedgerParams& params, Amount* fee,
                          TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  if (tx.lock_time() > height) {
    return fail(RejectReason::kLockTime, failure, none, none, tx.lock_time(), height);
  }
  Amount inputs;
  for (std::uint32_t i = 0; i < tx.input_count(); ++i) {
    const storage::UtxoLookup& lookup = spent[i];
    if (!lookup.found) return fail(RejectReason::kMissingInput, failure, i, none, 0, 0);
    const InputView input = tx.input(i);
    if (pubkey_hash(input.pubkey()) != lookup.entry.output.pubkey_hash) {
      return fail(RejectReason::kWrongOwner, failure, i, none, 0, 0);
    }
    if (lookup.entry.coinbase && height < lookup.entry.height + params.coinbase_maturity_blocks) {
      return fail(RejectReason::kImmatureCoinbase, failure, i, none, height,
                  lookup.entry.height + params.coinbase_maturity_blocks);
    }
    const auto next = inputs.checked_add(lookup.entry.output.value);
    if (!next) return fail(RejectReason::kInputOverflow, failure, i, none, 0, 0);
    inputs = *next;
  }
  Amount outputs;
  for (std::uint32_t i = 0; i < tx.output_count(); ++i) {
    // check_stateless proved the sum fits.
    outputs = *outputs.checked_add(tx.output(i).value());
  }
  const auto difference = inputs.checked_sub(outputs);
  if (!difference) {
    return fail(RejectReason::kInsufficientFunds, failure, none, none, inputs.satoshis(),
                outputs.satoshis());
  }
  // fee >= outputs / 1000 exactly: fee * 1000 >= outputs, in 128 bits.
  const unsigned __int128 scaled =
      static_cast<unsigned __int128>(difference->satoshis()) * params.fee_per_mille_divisor;
  if (*difference < params.fee_min || scaled < outputs.satoshis()) {
    const std::uint64_t proportional =
        (outputs.satoshis() + params.fee_per_mille_divisor - 1) / params.fee_per_mille_divisor;
    return fail(RejectReason::kFeeTooLow, failure, none, none, difference->satoshis(),
                std::max(params.fee_min.satoshis(), proportional));
  }
  *fee = *difference;
  return RejectReason::kOk;
}

RejectReason check_registration(const TransactionView& tx, const storage::UtxoLookup& collateral,
                                const RegistrationClaims& claims, TxFailure* failure) {
  const std::uint32_t none = TxFailure::kNoIndex;
  const RegistrationPayload payload = tx.registration();
  const MasternodeTier tier = static_cast<MasternodeTier>(payload.tier);
  if (tier != MasternodeTier::kFree) {
    if (!collateral.found) return fail(RejectReason::kCollateralMissing, failure, none, none, 0, 0);
    const Amount required = tier_rules(tier).collateral;
    if (collateral.entry.output.value != required) {
      return fail(RejectReason::kCollateralAmount, failure, none, none,
                  collateral.entry.output.value.satoshis(), required.satoshis());
    }
    if (collateral.entry.output.pubkey_hash != pubkey_hash(tx.input(0).pubkey())) {
      return fail(RejectReason::kCollateralOwner, failure, 0, none, 0, 0);
    }
    if (claims.collateral_locked) {
      return fail(RejectReason::kCollateralLocked, failure, none, none, 0, 0);
    }
  }
  if (claims.consensus_key_registered) {
    return fail(RejectReason::kDuplicateConsensusKey, failure, none, none, 0, 0);
  }
  return RejectReason::kOk;
}

RejectReason check_possession_proof(const TransactionView& tx, std::uint32_t chain_id) {
  const Hash256 digest = possession_hash(tx, chain_id);
  const ByteSpan payload = tx.payload();
  const gpu::SignatureRef ref{payload.data() + kRegistrationConsensusPubkeyOffset,
                              32,
                              payload.data() + kRegistrationPossessionSigOffset,
                              64,
                              digest.data(),
                              32};
  return gpu::verify_single(ref) == gpu::Verdict::kAccept ? RejectReason::kOk
                                                          : RejectReason::kBadPossessionProof;
}

}  // namespace tc::ledger
