#include "ledger/ledger.h"

#include <array>
#include <limits>
#include <set>
#include <string>
#include <unordered_set>

#include "core/hashing.h"
#include "core/log.h"
#include "core/masternode_tier.h"
#include "ledger/tx_signatures.h"

namespace tc::ledger {

Block make_genesis_block(const GenesisConfig& config, std::uint32_t chain_id) {
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = chain_id;
  coinbase.coinbase_height = 0;
  coinbase.outputs = config.allocations;
  Block block;
  block.header.chain_id = chain_id;
  block.header.height = 0;
  block.header.timestamp_ms = config.timestamp_ms;
  block.header.tx_count = 1;
  block.transactions.push_back(std::move(coinbase));
  const BlockRoots roots = block_roots(block.transactions);
  block.header.tx_root = roots.tx_root;
  block.header.wtx_root = roots.wtx_root;
  const Hash256 coinbase_txid = txid(block.transactions[0]);
  UtxoSetDigest utxo;
  for (std::uint32_t vout = 0; vout < config.allocations.size(); ++vout) {
    utxo.add(OutPoint{coinbase_txid, vout}, config.allocations[vout], 0, true);
  }
  block.header.utxo_digest = utxo.digest();
  return block;
}

namespace {

// The header's roots against the transactions; fills `txids` in block order.
Status check_roots(const BlockView& block, std::span<const TransactionView> txs,
                   std::vector<Hash256>* txids) {
  std::vector<Hash256> wire_hashes;
  txids->reserve(txs.size());
  wire_hashes.reserve(txs.size());
  for (const TransactionView& tx : txs) {
    txids->push_back(txid(tx));
    wire_hashes.push_back(wire_hash(tx));
  }
  const std::string where = "block " + std::to_string(block.height()) + ": ";
  if (merkle_root(*txids) != block.tx_root()) return invalid_argument(where + "tx_root mismatch");
  if (merkle_root(wire_hashes) != block.wtx_root()) {
    return invalid_argument(where + "wtx_root mismatch");
  }
  return Status::ok();
}

}  // namespace

std::uint64_t latest_timestamp_ms(std::uint64_t now_ms) {
  std::uint64_t latest = 0;
  return __builtin_add_overflow(now_ms, kMaxTimestampDriftMs, &latest)
             ? std::numeric_limits<std::uint64_t>::max()
             : latest;
}

Status check_block_binding(ByteSpan block_bytes, const Hash256& hash) {
  BlockView block;
  DecodeFailure decode_failure;
  if (decode_block_view(block_bytes, &block, &decode_failure) != DecodeError::kOk) {
    return decode_failure_status(decode_failure);
  }
  if (block_hash(block) != hash) {
    return invalid_argument("block " + std::to_string(block.height()) +
                            ": header hash differs from the named hash");
  }
  std::vector<TransactionView> txs;
  txs.reserve(block.tx_count());
  for (TransactionView tx : block) txs.push_back(tx);
  std::vector<Hash256> txids;
  return check_roots(block, txs, &txids);
}

Ledger::Ledger(const LedgerConfig& config, LedgerBackend* backend)
    : config_(config),
      backend_(backend),
      registry_(RegistryRules{config.params.epoch_blocks, config.params.free_tier_lifetime_epochs}),
      mempool_(config.mempool, config.params, backend, &registry_) {}

Result<std::unique_ptr<Ledger>> Ledger::open(const LedgerConfig& config, LedgerBackend* backend) {
  if (config.params.epoch_blocks == 0 || config.params.fee_per_mille_divisor == 0) {
    return invalid_argument("ledger: epoch_blocks and fee_per_mille_divisor must be positive");
  }
  if (config.params.free_tier_share_per_mille > 1000) {
    return invalid_argument("ledger: free_tier_share_per_mille " +
                            std::to_string(config.params.free_tier_share_per_mille) +
                            " is above 1000");
  }
  std::unique_ptr<Ledger> ledger(new Ledger(config, backend));
  TC_ASSIGN_OR_RETURN(auto records, backend->masternode_records());
  const auto tip = backend->tip();
  TC_RETURN_IF_ERROR(ledger->registry_.load(records, tip ? tip->height + 1 : 0));
  TC_ASSIGN_OR_RETURN(std::optional<UtxoSetDigest> utxo_digest, backend->utxo_digest_state());
  if (tip) {
    if (!utxo_digest.has_value()) {
      return corruption("ledger: the store has a tip but no UTXO set digest state");
    }
    ledger->utxo_digest_ = *utxo_digest;
    TC_ASSIGN_OR_RETURN(std::optional<std::uint64_t> tip_timestamp_ms, backend->tip_timestamp_ms());
    ledger->tip_timestamp_ms_ = tip_timestamp_ms.value_or(0);
    ledger->mempool_.set_next_height(tip->height + 1);
  }
  if (config.signature_check == SignatureCheck::kBatch) {
    const gpu::Status verifier = ledger->verifier_.init(config.verifier);
    if (verifier != gpu::Status::kOk) {
      return unavailable(std::string("ledger: batch verifier: ") + gpu::status_name(verifier));
    }
  }
  return ledger;
}

Status Ledger::commit_genesis(const GenesisConfig& genesis) {
  if (backend_->tip()) return invalid_argument("genesis: the store already has a tip");
  if (genesis.allocations.empty() || genesis.allocations.size() > 65'535) {
    return invalid_argument("genesis: " + std::to_string(genesis.allocations.size()) +
                            " allocations, expected 1 to 65535");
  }
  const Block block = make_genesis_block(genesis, config_.params.chain_id);
  const Hash256 coinbase_id = txid(block.transactions[0]);
  RegistryDelta delta;
  std::set<Pubkey> keys;
  std::set<OutPoint> collaterals;
  for (MasternodeRecord record : genesis.masternodes) {
    const std::string which = "genesis: masternode " + to_hex(record.consensus_pubkey);
    if (!keys.insert(record.consensus_pubkey).second) {
      return invalid_argument(which + " appears twice");
    }
    if (record.has_collateral()) {
      const OutPoint& collateral = record.collateral;
      if (record.tier == MasternodeTier::kFree) {
        return invalid_argument(which + ": a free-tier record names a collateral");
      }
      if (collateral.txid != coinbase_id || collateral.vout >= genesis.allocations.size()) {
        return invalid_argument(which + ": collateral is not an allocation of this genesis");
      }
      const Amount value = genesis.allocations[collateral.vout].value;
      if (value != tier_rules(record.tier).collateral) {
        return invalid_argument(which + ": collateral allocation " +
                                std::to_string(collateral.vout) + " holds " +
                                std::to_string(value.satoshis()) + " satoshis, the tier needs " +
                                std::to_string(tier_rules(record.tier).collateral.satoshis()));
      }
      if (!collaterals.insert(collateral).second) {
        return invalid_argument(which + ": collateral allocation " +
                                std::to_string(collateral.vout) + " backs another masternode");
      }
    }
    record.registered_height = 0;
    record.deregistered_height.reset();
    record.slashed = false;
    delta.registered.push_back(record);
  }
  std::vector<storage::CreatedUtxo> created;
  UtxoSetDigest utxo;
  for (std::uint32_t vout = 0; vout < genesis.allocations.size(); ++vout) {
    created.push_back(storage::CreatedUtxo{OutPoint{coinbase_id, vout},
                                           storage::UtxoEntry{genesis.allocations[vout], 0, true}});
    utxo.add(created.back().outpoint, genesis.allocations[vout], 0, true);
  }
  const std::vector<storage::RecordUpdate> updates = registry_.storage_updates(delta, 0);
  CommitCertificate certificate;
  certificate.height = 0;
  certificate.block_hash = block_hash(block.header);
  TC_RETURN_IF_ERROR(
      backend_
          ->commit(storage::BlockCommit{
              block, certificate, {}, created, updates, std::span(&coinbase_id, 1), &utxo})
          .with_context("genesis"));
  registry_.apply(delta, 0);
  utxo_digest_ = utxo;
  tip_timestamp_ms_ = genesis.timestamp_ms;
  mempool_.set_next_height(1);
  return Status::ok();
}

Result<Block> Ledger::build_block(const BlockTemplate& tmpl, std::size_t block_bytes_max,
                                  BuildStats* stats) {
  const auto tip = backend_->tip();
  if (!tip || tmpl.height != tip->height + 1 || tmpl.prev_hash != tip->hash) {
    return invalid_argument("build block " + std::to_string(tmpl.height) +
                            ": does not extend the tip");
  }
  const std::size_t limit = block_bytes_max == 0 ? config_.params.block_bytes_max : block_bytes_max;
  return tc::ledger::build_block(tmpl, mempool_, *backend_, registry_, config_.params, utxo_digest_,
                                 limit, stats);
}

Status Ledger::verify_signatures(std::span<const TransactionView> txs, std::uint64_t height,
                                 ExecuteStats* stats) {
  // The coinbase (slot 0) carries no signature. Evidence passed check_evidence before this call.
  std::size_t total = 0;
  for (std::size_t t = 1; t < txs.size(); ++t) total += signature_count(txs[t]);
  std::vector<TxSignedMessages> messages(txs.size());
  signature_refs_.resize(total);
  std::size_t k = 0;
  for (std::size_t t = 1; t < txs.size(); ++t) {
    k += gather_signatures(txs[t], config_.params.chain_id, &messages[t],
                           std::span(signature_refs_).subspan(k));
  }
  verdicts_.assign(total, gpu::Verdict::kReject);
  if (config_.signature_check == SignatureCheck::kBatch) {
    gpu::BatchVerifyStats* verify_stats = stats != nullptr ? &stats->verify : nullptr;
    const gpu::Status status = verifier_.verify(signature_refs_, verdicts_, verify_stats);
    if (status != gpu::Status::kOk) {
      return internal_error("block " + std::to_string(height) +
                            ": batch verifier: " + gpu::status_name(status));
    }
  } else {
    for (std::size_t i = 0; i < total; ++i) verdicts_[i] = gpu::verify_single(signature_refs_[i]);
  }
  if (stats != nullptr) stats->signatures += total;
  k = 0;
  for (std::size_t t = 1; t < txs.size(); ++t) {
    const std::size_t count = signature_count(txs[t]);
    TxFailure failure;
    const RejectReason reason =
        judge_signatures(txs[t], std::span(verdicts_).subspan(k, count), &failure);
    k += count;
    if (reason == RejectReason::kOk) continue;
    std::string what;
    if (txs[t].kind() == TxKind::kEquivocationEvidence) {
      what = std::string("evidence signature ") + (failure.value == 0 ? "a" : "b") + ": ";
    } else if (failure.input_index != TxFailure::kNoIndex) {
      what = "input " + std::to_string(failure.input_index) + ": ";
    }
    return invalid_argument("block " + std::to_string(height) + ": tx " + std::to_string(t) + ": " +
                            what + std::string(reject_reason_name(reason)));
  }
  return Status::ok();
}

Result<ExecutedBlock> Ledger::execute_block(const Block& block, const ExecuteOptions& options,
                                            ExecuteStats* stats) {
  Bytes bytes;
  encode(block, &bytes);
  return execute_block(bytes, options, stats);
}

Result<ExecutedBlock> Ledger::execute_block(ByteSpan block_bytes, const ExecuteOptions& options,
                                            ExecuteStats* stats) {
  BlockView block;
  DecodeFailure decode_failure;
  if (decode_block_view(block_bytes, &block, &decode_failure) != DecodeError::kOk) {
    return decode_failure_status(decode_failure);
  }
  const LedgerParams& params = config_.params;
  const std::uint64_t height = block.height();
  const std::string where = "block " + std::to_string(height);
  auto reject = [&](std::string message) { return invalid_argument(where + ": " + message); };
  auto reject_tx = [&](std::size_t t, RejectReason reason, const TxFailure& failure,
                       const Hash256& id) {
    return invalid_argument(where + ": tx " + std::to_string(t) + ": " +
                            std::string(reject_status(reason, id, failure).message()));
  };

  if (block_bytes.size() > params.block_bytes_max) {
    return reject("size " + std::to_string(block_bytes.size()) + " exceeds the limit " +
                  std::to_string(params.block_bytes_max));
  }
  if (block.chain_id() != params.chain_id) {
    return reject("chain id " + std::to_string(block.chain_id()) + ", expected " +
                  std::to_string(params.chain_id));
  }
  const auto tip = backend_->tip();
  if (!tip) return reject("no genesis committed");
  if (height != tip->height + 1) {
    return reject("does not extend the tip at height " + std::to_string(tip->height));
  }
  if (block.prev_hash() != tip->hash) return reject("prev_hash is not the tip's hash");
  if (block.timestamp_ms() <= tip_timestamp_ms_) {
    return reject("timestamp " + std::to_string(block.timestamp_ms()) + " not above the parent's " +
                  std::to_string(tip_timestamp_ms_));
  }
  if (options.latest_timestamp_ms && block.timestamp_ms() > *options.latest_timestamp_ms) {
    return reject("timestamp " + std::to_string(block.timestamp_ms()) + " more than " +
                  std::to_string(kMaxTimestampDriftMs) + " ms ahead of the local clock (latest " +
                  std::to_string(*options.latest_timestamp_ms) + ")");
  }
  if (block.tx_count() == 0) return reject("no coinbase");

  std::vector<TransactionView> txs;
  txs.reserve(block.tx_count());
  for (TransactionView tx : block) txs.push_back(tx);

  ExecutedBlock out;
  out.hash = block_hash(block);
  TC_RETURN_IF_ERROR(check_roots(block, txs, &out.txids));

  // Stateless rules.
  TxFailure failure;
  if (txs[0].kind() != TxKind::kCoinbase) return reject("tx 0: not a coinbase");
  if (txs[0].coinbase_height() != height) {
    return reject("tx 0: coinbase height " + std::to_string(txs[0].coinbase_height()));
  }
  RejectReason reason = check_coinbase(txs[0], params, &failure);
  if (reason != RejectReason::kOk) return reject_tx(0, reason, failure, out.txids[0]);
  // Evidence comes right after the coinbase, so that what it freezes is known before any spend.
  bool past_evidence = false;
  for (std::size_t t = 1; t < txs.size(); ++t) {
    if (txs[t].kind() == TxKind::kEquivocationEvidence) {
      if (past_evidence)
        return reject("tx " + std::to_string(t) + ": evidence after other transactions");
      reason = check_evidence(txs[t], height, params, &failure);
    } else {
      past_evidence = true;
      reason = check_stateless(txs[t], params, nullptr, &failure);
    }
    if (reason != RejectReason::kOk) return reject_tx(t, reason, failure, out.txids[t]);
  }

  TC_RETURN_IF_ERROR(verify_signatures(txs, height, stats));

  // Every outpoint the block reads, in one lookup: each transaction's inputs, then a
  // registration's collateral. No output may be spent twice in the block.
  std::vector<OutPoint> outpoints;
  std::unordered_set<OutPoint> spent_in_block;
  for (std::size_t t = 1; t < txs.size(); ++t) {
    for (std::uint32_t i = 0; i < txs[t].input_count(); ++i) {
      const OutPoint prev = txs[t].input(i).prev();
      if (!spent_in_block.insert(prev).second) {
        return reject_tx(t, RejectReason::kConflict, TxFailure{i, TxFailure::kNoIndex, 0, 0},
                         out.txids[t]);
      }
      outpoints.push_back(prev);
    }
    if (txs[t].kind() == TxKind::kMasternodeRegistration) {
      outpoints.push_back(txs[t].registration().collateral);
    }
  }
  std::vector<storage::UtxoLookup> found(outpoints.size());
  TC_RETURN_IF_ERROR(backend_->lookup(outpoints, found).with_context(where));

  // Stateful rules, registrations, created outputs, and the UTXO set digest after the block.
  out.utxo_digest = utxo_digest_;
  std::set<Pubkey> keys_in_block;
  std::set<OutPoint> collaterals_in_block;
  std::set<Pubkey> slashed_in_block;
  std::set<OutPoint> frozen_in_block;  // collaterals of the masternodes slashed in this block
  std::size_t next = 0;
  for (std::size_t t = 0; t < txs.size(); ++t) {
    const TransactionView& tx = txs[t];
    if (tx.kind() == TxKind::kEquivocationEvidence) {
      const EvidencePayload evidence = tx.evidence();
      reason = registry_.check_evidence_target(evidence.validator, evidence.height);
      if (reason == RejectReason::kOk && !slashed_in_block.insert(evidence.validator).second) {
        reason = RejectReason::kEvidenceAlreadyLeaving;
      }
      if (reason != RejectReason::kOk) {
        return reject_tx(t, reason,
                         TxFailure{TxFailure::kNoIndex, TxFailure::kNoIndex, evidence.height, 0},
                         out.txids[t]);
      }
      if (const auto record = registry_.find(evidence.validator);
          record && record->has_collateral()) {
        frozen_in_block.insert(record->collateral);
      }
      out.registry_delta.slashed.push_back(evidence.validator);
      if (deactivation_height(height, params.epoch_blocks) == height + 1) {
        out.registry_delta.erased.push_back(evidence.validator);
      }
      continue;
    }
    if (t > 0) {
      const std::size_t inputs = tx.input_count();
      for (std::uint32_t i = 0; i < inputs; ++i) {
        const OutPoint prev = tx.input(i).prev();
        if (frozen_in_block.contains(prev) || registry_.collateral_frozen(prev)) {
          return reject_tx(t, RejectReason::kCollateralFrozen,
                           TxFailure{i, TxFailure::kNoIndex, 0, 0}, out.txids[t]);
        }
      }
      Amount fee;
      reason =
          check_inputs(tx, std::span(found.data() + next, inputs), height, params, &fee, &failure);
      if (reason != RejectReason::kOk) return reject_tx(t, reason, failure, out.txids[t]);
      const auto fees = out.fees.checked_add(fee);
      if (!fees) return reject("tx " + std::to_string(t) + ": fees overflow u64");
      out.fees = *fees;
      out.spent.insert(out.spent.end(), outpoints.begin() + next,
                       outpoints.begin() + next + inputs);
      for (std::size_t i = next; i < next + inputs; ++i) {
        const storage::UtxoEntry& entry = found[i].entry;
        out.utxo_digest.remove(outpoints[i], entry.output, entry.height, entry.coinbase);
      }
      out.claims.insert(out.claims.end(), outpoints.begin() + next,
                        outpoints.begin() + next + inputs);
      next += inputs;
      if (tx.kind() == TxKind::kMasternodeRegistration) {
        const RegistrationPayload payload = tx.registration();
        const bool has_collateral =
            static_cast<MasternodeTier>(payload.tier) != MasternodeTier::kFree;
        RegistrationClaims claims = registry_.claims(payload.consensus_pubkey, payload.collateral);
        claims.consensus_key_registered |= keys_in_block.contains(payload.consensus_pubkey);
        claims.collateral_locked |=
            has_collateral && collaterals_in_block.contains(payload.collateral);
        storage::UtxoLookup collateral = found[next];
        // A collateral spent anywhere in the same block is not an unspent output.
        if (spent_in_block.contains(payload.collateral)) collateral.found = false;
        reason = check_registration(tx, collateral, claims, &failure);
        if (reason != RejectReason::kOk) return reject_tx(t, reason, failure, out.txids[t]);
        ++next;
        keys_in_block.insert(payload.consensus_pubkey);
        if (has_collateral) {
          collaterals_in_block.insert(payload.collateral);
          out.claims.push_back(payload.collateral);
        }
        out.claims.push_back(consensus_key_claim(payload.consensus_pubkey));
        out.registry_delta.registered.push_back(record_from_registration(payload, height));
      }
    }
    for (std::uint32_t vout = 0; vout < tx.output_count(); ++vout) {
      out.created.push_back(
          storage::CreatedUtxo{OutPoint{out.txids[t], vout},
                               storage::UtxoEntry{tx.output(vout).to_output(), height, t == 0}});
      out.utxo_digest.add(out.created.back().outpoint, out.created.back().entry.output, height,
                          t == 0);
    }
  }

  // Spending a registered collateral deregisters; the set changes at the next epoch boundary,
  // and the record is erased by the block before it.
  for (const OutPoint& spent : out.spent) {
    if (const auto key = registry_.owner_of_collateral(spent)) {
      out.registry_delta.deregistered.push_back(*key);
      if (deactivation_height(height, params.epoch_blocks) == height + 1) {
        out.registry_delta.erased.push_back(*key);
      }
    }
  }
  for (const Pubkey& key : registry_.expiring_after(height)) {
    out.registry_delta.erased.push_back(key);
  }

  // The coinbase pays exactly the reward split.
  auto expected = make_coinbase(height, block.proposer(), out.fees, registry_, params);
  if (!expected.is_ok()) return reject(std::string(expected.status().message()));
  const std::vector<TxOutput>& outputs = expected->outputs;
  bool coinbase_matches = txs[0].output_count() == outputs.size();
  for (std::size_t i = 0; coinbase_matches && i < outputs.size(); ++i) {
    coinbase_matches = txs[0].output(i).to_output() == outputs[i];
  }
  if (!coinbase_matches) return reject("tx 0: coinbase outputs differ from the reward split");
  if (out.utxo_digest.digest() != block.utxo_digest()) {
    return reject("utxo_digest mismatch: the header commits to another UTXO set");
  }

  out.masternode_updates = registry_.storage_updates(out.registry_delta, height);
  out.block = block.to_block();
  return out;
}

Result<std::vector<Hash256>> Ledger::commit_block(const ExecutedBlock& executed,
                                                  const CommitCertificate& certificate) {
  const std::uint64_t height = executed.block.header.height;
  TC_RETURN_IF_ERROR(backend_->commit(
      storage::BlockCommit{executed.block, certificate, executed.spent, executed.created,
                           executed.masternode_updates, executed.txids, &executed.utxo_digest}));
  registry_.apply(executed.registry_delta, height);
  utxo_digest_ = executed.utxo_digest;
  tip_timestamp_ms_ = executed.block.header.timestamp_ms;
  mempool_.on_block_committed(height, executed.txids, executed.claims);
  return executed.txids;
}

TxStatus Ledger::tx_status(const Hash256& txid) const {
  if (mempool_.contains(txid)) return TxStatus{TxState::kPending, 0};
  const auto location = backend_->find_transaction(txid);
  if (!location.is_ok()) {
    TC_LOG_WARN("tx status: txid index read failed",
                {{"txid", to_hex(txid)}, {"error", location.status().to_string()}});
    return TxStatus{};
  }
  if (!location->has_value()) return TxStatus{};
  return TxStatus{TxState::kFinalized, (*location)->height};
}

}  // namespace tc::ledger
