// The transaction rules of the ledger: one RejectReason per rule, the stateless checks a
// transaction passes on its own, and the stateful checks against the outputs it spends.
//
// Both the mempool (intake from the verify stage) and block execution call these, so a transaction
// is judged by the same code wherever it is judged. They run after signature verification and the
// codec (core/codec.h), which already fixed the structure. The functions are pure, allocate nothing
// and may be called from any thread; the Status builders allocate (only on rejection).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/amount.h"
#include "core/codec.h"
#include "core/status.h"
#include "core/types.h"
#include "ledger/params.h"
#include "storage/chain_store.h"

namespace tc::ledger {

// Why a transaction (or a block, for the block-level reasons) was rejected. Stable names are in
// reject_reason_name(); counters are indexed by this enum.
enum class RejectReason : std::uint8_t {
  kOk = 0,
  // Stateless.
  kOversize,            // encoding above LedgerParams::tx_bytes_max
  kWrongChain,          // chain_id differs from the node's
  kDuplicateInput,      // two inputs spend the same outpoint
  kZeroValue,           // an output of value 0
  kDust,                // a transfer/registration output below the dust threshold
  kOutputOverflow,      // the outputs' sum does not fit in u64
  kCoinbaseNotAllowed,  // a coinbase outside the first slot of a block (or sent to the mempool)
  kBadTier,             // registration tier byte is not a tier
  kBadCollateralRef,    // free tier naming a collateral, or a collateral that is also an input
  kBadSignature,        // an input's signature failed verification
  kBadPossessionProof,  // a registration's possession_sig is not by its consensus key
  kEvidenceNotAllowed,  // equivocation evidence sent to the mempool (only proposers include it)
  kBadEvidence,  // evidence that proves nothing: a step that is not one, the same pair twice or
                 // out of order, a vote with a pol_round, lock_time set, or not for an earlier
                 // height than its block's
  // Stateful.
  kMissingInput,       // the spent output is not in the UTXO set (never existed or already spent)
  kWrongOwner,         // pubkey_hash(input pubkey) differs from the spent output's pubkey hash
  kInputOverflow,      // the inputs' sum does not fit in u64
  kInsufficientFunds,  // sum of inputs < sum of outputs
  kFeeTooLow,          // fee < fee_min or fee < 0.1 % of the outputs
  kImmatureCoinbase,   // spends a coinbase output younger than coinbase_maturity_blocks
  kLockTime,           // lock_time is above the height of the block it would enter
  kCollateralMissing,  // the registration's collateral is not an unspent output
  kCollateralAmount,   // the collateral does not hold exactly the tier's collateral
  kCollateralOwner,    // the collateral is not locked to the registration's signer
  kCollateralLocked,   // the collateral already backs a registered masternode (or a pending one)
  kDuplicateConsensusKey,   // the consensus key is already registered (or pending)
  kEvidenceNotValidator,    // evidence against a key that had no voting power at its height
  kEvidenceAlreadyLeaving,  // evidence against a masternode that already leaves the set
                            // (deregistered, or named by earlier evidence, also in this block)
  kCollateralFrozen,  // spends the collateral of a masternode that evidence removes, before it left
  // Mempool.
  kDuplicate,    // the same txid is already pending
  kConflict,     // another pending transaction spends one of its outputs first
  kMempoolFull,  // full, and its fee rate does not beat the lowest pending one
  kCount
};
inline constexpr std::size_t kRejectReasonCount = static_cast<std::size_t>(RejectReason::kCount);

// "ok", "oversize", "wrong_chain", ...: stable, used in metrics and messages.
std::string_view reject_reason_name(RejectReason reason);

// Where a rule broke, for the Status message. Filled only on rejection; holds no allocation.
struct TxFailure {
  static constexpr std::uint32_t kNoIndex = 0xffffffff;
  std::uint32_t input_index = kNoIndex;   // the offending input, when the rule is about one
  std::uint32_t output_index = kNoIndex;  // the offending output, when the rule is about one
  std::uint64_t value = 0;                // the offending amount, size or height
  std::uint64_t needed = 0;               // the limit or expected value it broke
};

// A Status for a rejected transaction: code kInvalidArgument (kAlreadyExists for kDuplicate and
// kConflict, kResourceExhausted for kMempoolFull) and a message such as
// "tx 1f2e...: input 2: wrong_owner" or "tx 1f2e...: fee_too_low: 900 < 1000".
// REQUIRES: reason != kOk.
Status reject_status(RejectReason reason, const Hash256& txid, const TxFailure& failure);

// The fee-rate order used everywhere (mempool priority, eviction, block building): a/a_bytes
// against b/b_bytes, compared exactly in 128-bit integers. Negative, zero or positive like <=>.
int compare_fee_rate(Amount fee_a, std::size_t bytes_a, Amount fee_b, std::size_t bytes_b);

// Stateless rules of a transfer or registration, in this order: kOversize, kWrongChain,
// kCoinbaseNotAllowed (a coinbase; block execution checks coinbases with check_coinbase),
// kEvidenceNotAllowed (evidence; block execution checks it with check_evidence),
// kDuplicateInput, kZeroValue, kDust, kOutputOverflow, then for a registration kBadTier and
// kBadCollateralRef. Does not check signatures (the verify stage did), nor anything that needs
// the UTXO set. On success *output_sum (optional) is the sum of the outputs. Allocates nothing.
RejectReason check_stateless(const TransactionView& tx, const LedgerParams& params,
                             Amount* output_sum, TxFailure* failure);

// Stateless rules of equivocation evidence for the block at `height` (docs/protocol.md, "Evidence
// payload"): kOversize, kWrongChain, then kBadEvidence when lock_time is not 0, the step is not a
// consensus::SignStep, (hash_a, pol_round_a) is not strictly below (hash_b, pol_round_b) (the
// canonical order, which also makes the pair differ), a vote carries a pol_round, or the evidence
// is not for a height below `height`. Does not check the signatures (block execution batches
// them, over evidence_digests) or the validator (MasternodeRegistry::check_evidence_target).
// REQUIRES: tx.kind() == kEquivocationEvidence. Allocates nothing.
RejectReason check_evidence(const TransactionView& tx, std::uint64_t height,
                            const LedgerParams& params, TxFailure* failure);
RejectReason check_evidence(const EvidencePayload& evidence, std::uint64_t height,
                            TxFailure* failure);

// The two 32-byte messages the evidence's signatures sign: the vote or proposal digests of
// consensus/messages.h for (chain_id, height, round) and each (hash, pol_round).
// REQUIRES: check_evidence passed.
std::array<Hash256, 2> evidence_digests(const EvidencePayload& evidence, std::uint32_t chain_id);

// Whether both of the evidence's signatures are valid (gpu::verify_single), for a proposer
// choosing evidence to include; block execution checks them in its batch instead.
bool evidence_signatures_valid(const EvidencePayload& evidence, std::uint32_t chain_id);

// Stateless rules of a coinbase: kWrongChain, kOversize, kZeroValue, kOutputOverflow (coinbase
// outputs are exempt from dust). That its outputs pay exactly the reward split is a block rule.
RejectReason check_coinbase(const TransactionView& tx, const LedgerParams& params,
                            TxFailure* failure);

// Stateful rules of a transaction that passed check_stateless, for inclusion in the block at
// `height`. spent[i] is the UTXO lookup of tx.input(i).prev(). In this order: kLockTime, then per
// input kMissingInput, kWrongOwner (pubkey_hash of the input's pubkey), kImmatureCoinbase,
// kInputOverflow; then kInsufficientFunds and kFeeTooLow. On success *fee = inputs - outputs.
// Does not check registration rules (check_registration) or conflicts with other transactions.
// REQUIRES: spent.size() == tx.input_count(). Allocates nothing.
RejectReason check_inputs(const TransactionView& tx, std::span<const storage::UtxoLookup> spent,
                          std::uint64_t height, const LedgerParams& params, Amount* fee,
                          TxFailure* failure);

// What the registry says about a registration's claims (masternode_registry.h fills it).
struct RegistrationClaims {
  bool consensus_key_registered = false;
  bool collateral_locked = false;
};

// The registration rules that need state: for a non-free tier kCollateralMissing (collateral lookup
// not found), kCollateralAmount (value differs from the tier's collateral), kCollateralOwner (its
// pubkey hash is not pubkey_hash of input 0's pubkey); then kCollateralLocked and
// kDuplicateConsensusKey from `claims`. For the free tier only the key is checked.
// REQUIRES: tx.kind() == kMasternodeRegistration and check_stateless passed.
RejectReason check_registration(const TransactionView& tx, const storage::UtxoLookup& collateral,
                                const RegistrationClaims& claims, TxFailure* failure);

// A registration's proof that its sender holds the consensus key: possession_sig verifies under
// consensus_pubkey over possession_hash(tx, chain_id) (ZIP-215, gpu::verify_single), else
// kBadPossessionProof. Mempool intake calls it after every cheaper rule; block execution checks the
// same signature in its one batch instead. REQUIRES: tx.kind() == kMasternodeRegistration and
// check_stateless passed. Allocates nothing.
RejectReason check_possession_proof(const TransactionView& tx, std::uint32_t chain_id);

// The pseudo-outpoint that stands for "consensus key K is claimed" in conflict tracking: txid = K,
// vout = 0xffffffff, an index no real output can have (outputs are counted in u16).
inline constexpr std::uint32_t kConsensusKeyClaimVout = 0xffffffff;
inline OutPoint consensus_key_claim(const Pubkey& key) {
  return OutPoint{Hash256::from_span(key.span()), kConsensusKeyClaimVout};
}

}  // namespace tc::ledger
