#include "ledger/block_builder.h"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"
#include "ledger/reward.h"

namespace tc::ledger {
namespace {

// The smallest transfer: one input, one output.
constexpr std::size_t kMinTransferBytes = kTransactionHeaderBytes + kInputBytes + kOutputBytes;

}  // namespace

Result<Transaction> make_coinbase(std::uint64_t height, const Pubkey& proposer, Amount fees,
                                  const MasternodeRegistry& registry, const LedgerParams& params) {
  const MasternodeRegistry::CoinbasePlan plan = registry.coinbase_plan(height, proposer);
  if (!plan.proposer_reward_pubkey_hash) {
    return invalid_argument("block " + std::to_string(height) + ": proposer " + to_hex(proposer) +
                            " is not an active masternode");
  }
  const auto total = params.block_reward.checked_add(fees);
  if (!total) return invalid_argument("block " + std::to_string(height) + ": fees overflow");
  TC_ASSIGN_OR_RETURN(std::vector<TxOutput> outputs,
                      split_block_reward(*total, plan.recipients, params.free_tier_share_per_mille,
                                         *plan.proposer_reward_pubkey_hash));
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = params.chain_id;
  coinbase.coinbase_height = height;
  coinbase.outputs = std::move(outputs);
  return coinbase;
}

Result<Block> build_block(const BlockTemplate& tmpl, Mempool& mempool, UtxoView& view,
                          const MasternodeRegistry& registry, const LedgerParams& params,
                          const UtxoSetDigest& tip_utxo_digest, std::size_t block_bytes_max,
                          BuildStats* stats) {
  BuildStats local;
  BuildStats& out = stats != nullptr ? *stats : local;
  out = BuildStats{};
  const std::string where = "build block " + std::to_string(tmpl.height);

  // Room for the coinbase at its largest: one output per paid masternode and the remainder.
  const RewardRecipients recipients = registry.coinbase_plan(tmpl.height, tmpl.proposer).recipients;
  const std::size_t paid_max = recipients.paid.size() + recipients.free.size();
  const std::size_t coinbase_bytes_max =
      kTransactionHeaderBytes + kOutputBytes * (paid_max + 1) + kCoinbasePayloadBytes;
  const std::size_t limit = std::min(block_bytes_max, params.block_bytes_max);
  const std::size_t fixed = kBlockHeaderBytes + kBlockTxLengthBytes + coinbase_bytes_max;
  if (limit < fixed) {
    return invalid_argument(where + ": limit " + std::to_string(limit) +
                            " bytes leaves no room for the coinbase (" + std::to_string(fixed) +
                            ")");
  }
  std::size_t remaining = limit - fixed;

  // Evidence first: execution wants it right after the coinbase, and it freezes collaterals that
  // the transactions below must then not spend.
  std::vector<Transaction> included;
  std::vector<Hash256> txids(1);
  std::vector<Hash256> wire_hashes(1);
  std::set<Pubkey> slashed;
  std::unordered_set<OutPoint> frozen;
  for (const EvidencePayload& evidence : tmpl.evidence) {
    Transaction tx;
    tx.kind = TxKind::kEquivocationEvidence;
    tx.chain_id = params.chain_id;
    tx.evidence = evidence;
    const std::size_t need = kBlockTxLengthBytes + encoded_size(tx);
    const bool acceptable =
        need <= remaining && check_evidence(evidence, tmpl.height, nullptr) == RejectReason::kOk &&
        registry.check_evidence_target(evidence.validator, evidence.height) == RejectReason::kOk &&
        !slashed.contains(evidence.validator) &&
        evidence_signatures_valid(evidence, params.chain_id);
    if (!acceptable) {
      ++out.evidence_skipped;
      continue;
    }
    slashed.insert(evidence.validator);
    if (const auto record = registry.find(evidence.validator); record && record->has_collateral()) {
      frozen.insert(record->collateral);
    }
    remaining -= need;
    txids.push_back(txid(tx));
    wire_hashes.push_back(wire_hash(tx));
    included.push_back(std::move(tx));
    ++out.evidence_included;
  }

  // Highest fee rate first; a transaction that does not fit or conflicts is skipped, not a stop.
  const std::vector<std::shared_ptr<const PendingTx>> candidates = mempool.by_fee_rate();
  std::unordered_set<OutPoint> claimed;
  std::vector<const PendingTx*> chosen;
  for (const auto& candidate : candidates) {
    if (remaining < kBlockTxLengthBytes + kMinTransferBytes) break;
    ++out.candidates;
    const std::size_t need = kBlockTxLengthBytes + candidate->bytes.size();
    if (need > remaining) {
      ++out.skipped_size;
      continue;
    }
    const bool conflicts = std::any_of(candidate->claims.begin(), candidate->claims.end(),
                                       [&](const OutPoint& o) { return claimed.contains(o); });
    if (conflicts) {
      ++out.skipped_conflict;
      continue;
    }
    claimed.insert(candidate->claims.begin(), candidate->claims.end());
    chosen.push_back(candidate.get());
    remaining -= need;
  }

  // Re-check against the state the block builds on: one lookup for every input and collateral.
  std::vector<OutPoint> outpoints;
  for (const PendingTx* tx : chosen) {
    for (std::size_t i = 0; i < tx->view.input_count(); ++i)
      outpoints.push_back(tx->view.input(i).prev());
    if (tx->view.kind() == TxKind::kMasternodeRegistration)
      outpoints.push_back(tx->view.registration().collateral);
  }
  std::vector<storage::UtxoLookup> found(outpoints.size());
  TC_RETURN_IF_ERROR(view.lookup(outpoints, found).with_context(where));

  UtxoSetDigest utxo_after = tip_utxo_digest;
  Amount fees;
  std::size_t next = 0;
  for (const PendingTx* tx : chosen) {
    const std::size_t inputs = tx->view.input_count();
    const bool registration = tx->view.kind() == TxKind::kMasternodeRegistration;
    const std::span<const storage::UtxoLookup> spent(found.data() + next, inputs);
    Amount fee;
    TxFailure failure;
    RejectReason reason = check_inputs(tx->view, spent, tmpl.height, params, &fee, &failure);
    for (std::size_t i = 0; reason == RejectReason::kOk && i < inputs; ++i) {
      const OutPoint prev = tx->view.input(i).prev();
      if (frozen.contains(prev) || registry.collateral_frozen(prev)) {
        reason = RejectReason::kCollateralFrozen;
      }
    }
    if (reason == RejectReason::kOk && registration) {
      const RegistrationPayload payload = tx->view.registration();
      reason = check_registration(tx->view, found[next + inputs],
                                  registry.claims(payload.consensus_pubkey, payload.collateral),
                                  &failure);
    }
    next += inputs + (registration ? 1 : 0);
    if (reason != RejectReason::kOk) {
      mempool.remove(tx->txid);
      ++out.dropped_invalid;
      continue;
    }
    const auto sum = fees.checked_add(fee);
    if (!sum) return invalid_argument(where + ": fees overflow u64");
    fees = *sum;
    for (std::size_t i = 0; i < inputs; ++i) {
      const storage::UtxoEntry& entry = spent[i].entry;
      utxo_after.remove(tx->view.input(i).prev(), entry.output, entry.height, entry.coinbase);
    }
    for (std::uint32_t vout = 0; vout < tx->view.output_count(); ++vout) {
      utxo_after.add(OutPoint{tx->txid, vout}, tx->view.output(vout).to_output(), tmpl.height,
                     false);
    }
    included.push_back(tx->view.to_transaction());
    txids.push_back(tx->txid);
    wire_hashes.push_back(wire_hash(tx->view));
  }

  TC_ASSIGN_OR_RETURN(Transaction coinbase,
                      make_coinbase(tmpl.height, tmpl.proposer, fees, registry, params));
  txids[0] = txid(coinbase);
  wire_hashes[0] = wire_hash(coinbase);
  for (std::uint32_t vout = 0; vout < coinbase.outputs.size(); ++vout) {
    utxo_after.add(OutPoint{txids[0], vout}, coinbase.outputs[vout], tmpl.height, true);
  }
  Block block;
  block.transactions.reserve(included.size() + 1);
  block.transactions.push_back(std::move(coinbase));
  for (Transaction& tx : included) block.transactions.push_back(std::move(tx));
  BlockHeader& header = block.header;
  header.chain_id = params.chain_id;
  header.height = tmpl.height;
  header.prev_hash = tmpl.prev_hash;
  header.tx_root = merkle_root(txids);
  header.wtx_root = merkle_root(wire_hashes);
  header.utxo_digest = utxo_after.digest();
  header.timestamp_ms = tmpl.timestamp_ms;
  header.proposer = tmpl.proposer;
  header.round = tmpl.round;
  header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  out.included = block.transactions.size() - 1 - out.evidence_included;
  out.block_bytes = encoded_size(block);
  out.fees = fees;
  return block;
}

}  // namespace tc::ledger
