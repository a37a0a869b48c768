#include "ledger/mempool.h"

#include <algorithm>
#include <bit>

#include "core/hashing.h"
#include "core/masternode_tier.h"

namespace tc::ledger {

bool Mempool::FeeKey::operator<(const FeeKey& other) const {
  const int order = compare_fee_rate(fee, bytes, other.fee, other.bytes);
  if (order != 0) return order < 0;
  return txid < other.txid;
}

Mempool::Mempool(const MempoolConfig& config, const LedgerParams& params, UtxoView* view,
                 const MasternodeRegistry* registry)
    : config_(config),
      params_(params),
      view_(view),
      registry_(registry),
      locks_(config.shard_count, config.tx_count_max * 2) {
  std::size_t count = std::bit_ceil(std::max<std::size_t>(config.shard_count, 1));
  count = std::min(count, OutpointLocks::kShardCountMax);
  shards_ = std::make_unique<Shard[]>(count);
  shard_mask_ = count - 1;
  for (std::size_t i = 0; i < count; ++i) {
    shards_[i].txs.reserve(config.tx_count_max / count + 1);
  }
}

Mempool::Shard& Mempool::shard_for(const Hash256& txid) const {
  return shards_[std::hash<Hash256>()(txid) >> 11 & shard_mask_];
}

bool Mempool::contains(const Hash256& txid) const {
  Shard& shard = shard_for(txid);
  std::lock_guard lock(shard.mutex);
  return shard.txs.contains(txid);
}

RejectReason Mempool::admit(const TransactionView& tx, std::uint64_t now_ms, TxFailure* failure,
                            Hash256* txid_out) {
  TxFailure local;
  TxFailure* where = failure != nullptr ? failure : &local;
  RejectReason reason = check_stateless(tx, params_, nullptr, where);
  if (reason == RejectReason::kOk) {
    const Hash256 id = txid(tx);
    if (txid_out != nullptr) *txid_out = id;
    reason = admit_checked(tx, id, now_ms, where);
  }
  count(reason);
  return reason;
}

RejectReason Mempool::precheck(const TransactionView& tx, TxFailure* failure) const {
  // Scratch reused per thread, so that a warm verify thread allocates nothing per transaction.
  thread_local std::vector<OutPoint> claims;
  thread_local std::vector<storage::UtxoLookup> found;
  TxFailure local;
  TxFailure* where = failure != nullptr ? failure : &local;
  RejectReason reason = check_stateless(tx, params_, nullptr, where);
  if (reason != RejectReason::kOk) return reason;
  const Hash256 id = txid(tx);
  if (contains(id)) return RejectReason::kDuplicate;
  Amount fee;
  reason = check_state(tx, &claims, &found, &fee, where);
  if (reason != RejectReason::kOk) return reason;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    if (const auto holder = locks_.holder(claims[i])) {
      return conflict_reason(tx, claims.size(), i, *holder, id, where);
    }
  }
  return RejectReason::kOk;
}

RejectReason Mempool::check_state(const TransactionView& tx, std::vector<OutPoint>* claims,
                                  std::vector<storage::UtxoLookup>* found, Amount* fee,
                                  TxFailure* failure) const {
  const std::size_t input_count = tx.input_count();
  const bool registration = tx.kind() == TxKind::kMasternodeRegistration;
  RegistrationPayload payload;
  bool has_collateral = false;
  if (registration) {
    payload = tx.registration();
    has_collateral = static_cast<MasternodeTier>(payload.tier) != MasternodeTier::kFree;
  }
  claims->clear();
  for (std::size_t i = 0; i < input_count; ++i) claims->push_back(tx.input(i).prev());
  if (has_collateral) claims->push_back(payload.collateral);
  found->assign(claims->size(), storage::UtxoLookup{});
  if (!view_->lookup(*claims, *found).is_ok()) {
    *failure = TxFailure{TxFailure::kNoIndex, TxFailure::kNoIndex, 1, 0};
    return RejectReason::kMissingInput;
  }
  RejectReason reason =
      check_inputs(tx, std::span(found->data(), input_count), next_height(), params_, fee, failure);
  if (reason != RejectReason::kOk) return reason;
  for (std::uint32_t i = 0; i < input_count; ++i) {
    if (registry_->collateral_frozen((*claims)[i])) {
      *failure = TxFailure{i, TxFailure::kNoIndex, 0, 0};
      return RejectReason::kCollateralFrozen;
    }
  }
  if (registration) {
    const RegistrationClaims registered =
        registry_->claims(payload.consensus_pubkey, payload.collateral);
    const storage::UtxoLookup collateral =
        has_collateral ? (*found)[input_count] : storage::UtxoLookup{};
    reason = check_registration(tx, collateral, registered, failure);
    if (reason != RejectReason::kOk) return reason;
    claims->push_back(consensus_key_claim(payload.consensus_pubkey));
  }
  return RejectReason::kOk;
}

RejectReason Mempool::conflict_reason(const TransactionView& tx, std::size_t claim_count,
                                      std::size_t conflict, const Hash256& holder,
                                      const Hash256& id, TxFailure* failure) {
  if (holder == id) return RejectReason::kDuplicate;
  if (tx.kind() == TxKind::kMasternodeRegistration) {
    if (conflict == claim_count - 1) return RejectReason::kDuplicateConsensusKey;
    if (conflict == tx.input_count()) return RejectReason::kCollateralLocked;
  }
  *failure = TxFailure{static_cast<std::uint32_t>(conflict), TxFailure::kNoIndex, 0, 0};
  return RejectReason::kConflict;
}

RejectReason Mempool::admit_checked(const TransactionView& tx, const Hash256& id,
                                    std::uint64_t now_ms, TxFailure* failure) {
  if (contains(id)) return RejectReason::kDuplicate;
  std::vector<OutPoint> claims;
  claims.reserve(tx.input_count() + 2);
  std::vector<storage::UtxoLookup> found;
  Amount fee;
  RejectReason reason = check_state(tx, &claims, &found, &fee, failure);
  if (reason != RejectReason::kOk) return reason;
  // The verify stage checked the input signatures only; the proof is the one signature left, and
  // the cheaper rules above go first.
  if (tx.kind() == TxKind::kMasternodeRegistration) {
    reason = check_possession_proof(tx, params_.chain_id);
    if (reason != RejectReason::kOk) return reason;
  }

  Hash256 holder;
  const std::size_t conflict = locks_.lock_all(claims, id, &holder);
  if (conflict != OutpointLocks::kNoConflict) {
    return conflict_reason(tx, claims.size(), conflict, holder, id, failure);
  }

  auto entry = std::make_shared<PendingTx>();
  entry->bytes.assign(tx.bytes().begin(), tx.bytes().end());
  entry->view = *TransactionView::parse(entry->bytes);  // the same bytes parsed before
  entry->txid = id;
  entry->fee = fee;
  entry->admitted_ms = now_ms;
  entry->claims = std::move(claims);
  const std::size_t size = entry->bytes.size();

  // Reserve room; while over a bound, the lowest fee rate leaves if the newcomer beats it.
  count_.fetch_add(1);
  bytes_.fetch_add(size);
  while (count_.load() > config_.tx_count_max || bytes_.load() > config_.bytes_max) {
    std::optional<FeeKey> lowest;
    for (std::size_t s = 0; s <= shard_mask_; ++s) {
      std::lock_guard lock(shards_[s].mutex);
      if (shards_[s].by_fee.empty()) continue;
      const FeeKey& candidate = *shards_[s].by_fee.begin();
      if (!lowest || candidate < *lowest) lowest = candidate;
    }
    if (!lowest || compare_fee_rate(fee, size, lowest->fee, lowest->bytes) <= 0) {
      count_.fetch_sub(1);
      bytes_.fetch_sub(size);
      locks_.unlock_all(entry->claims, id);
      return RejectReason::kMempoolFull;
    }
    remove_entry(lowest->txid, Removal::kEvicted);
  }

  Shard& shard = shard_for(id);
  std::lock_guard lock(shard.mutex);
  shard.by_fee.insert(FeeKey{fee, size, id, entry});
  shard.txs.emplace(id, std::move(entry));
  return RejectReason::kOk;
}

bool Mempool::remove_entry(const Hash256& txid, Removal why) {
  std::shared_ptr<const PendingTx> entry;
  {
    Shard& shard = shard_for(txid);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.txs.find(txid);
    if (it == shard.txs.end()) return false;
    entry = std::move(it->second);
    shard.txs.erase(it);
    shard.by_fee.erase(FeeKey{entry->fee, entry->bytes.size(), txid, nullptr});
  }
  locks_.unlock_all(entry->claims, txid);
  count_.fetch_sub(1);
  bytes_.fetch_sub(entry->bytes.size());
  switch (why) {
    case Removal::kEvicted:
      evicted_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Removal::kExpired:
      expired_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Removal::kIncluded:
      included_.fetch_add(1, std::memory_order_relaxed);
      break;
    case Removal::kInvalidated:
      invalidated_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  return true;
}

std::vector<std::shared_ptr<const PendingTx>> Mempool::by_fee_rate() const {
  std::vector<FeeKey> keys;
  keys.reserve(count_.load() + 64);
  for (std::size_t s = 0; s <= shard_mask_; ++s) {
    std::lock_guard lock(shards_[s].mutex);
    keys.insert(keys.end(), shards_[s].by_fee.begin(), shards_[s].by_fee.end());
  }
  std::sort(keys.begin(), keys.end(), [](const FeeKey& a, const FeeKey& b) { return b < a; });
  std::vector<std::shared_ptr<const PendingTx>> out;
  out.reserve(keys.size());
  for (FeeKey& key : keys) out.push_back(std::move(key.tx));
  return out;
}

void Mempool::on_block_committed(std::uint64_t height, std::span<const Hash256> txids,
                                 std::span<const OutPoint> claims_taken) {
  for (const Hash256& id : txids) remove_entry(id, Removal::kIncluded);
  for (const OutPoint& outpoint : claims_taken) {
    if (const auto holder = locks_.holder(outpoint)) remove_entry(*holder, Removal::kInvalidated);
  }
  set_next_height(height + 1);
}

bool Mempool::remove(const Hash256& txid) {
  return remove_entry(txid, Removal::kInvalidated);
}

std::size_t Mempool::expire(std::uint64_t now_ms) {
  std::vector<Hash256> stale;
  for (std::size_t s = 0; s <= shard_mask_; ++s) {
    std::lock_guard lock(shards_[s].mutex);
    for (const auto& [id, entry] : shards_[s].txs) {
      if (entry->admitted_ms + config_.ttl_ms <= now_ms) stale.push_back(id);
    }
  }
  std::size_t removed = 0;
  for (const Hash256& id : stale) removed += remove_entry(id, Removal::kExpired) ? 1 : 0;
  return removed;
}

MempoolMetrics Mempool::metrics() const {
  MempoolMetrics out;
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    out.admit[i] = admit_counts_[i].load(std::memory_order_relaxed);
  }
  out.evicted = evicted_.load(std::memory_order_relaxed);
  out.expired = expired_.load(std::memory_order_relaxed);
  out.included = included_.load(std::memory_order_relaxed);
  out.invalidated = invalidated_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace tc::ledger
