#include "ledger/utxo_view.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "core/hashing.h"
#include "core/sha2.h"
#include "storage/layout.h"

namespace tc::ledger {

Status StoreBackend::lookup(std::span<const OutPoint> outpoints,
                            std::span<storage::UtxoLookup> out) {
  if (cache_ != nullptr) return cache_->multi_get(outpoints, out);
  return store_->multi_get(outpoints, out);
}

Status StoreBackend::commit(const storage::BlockCommit& commit) {
  if (cache_ != nullptr) return cache_->commit_block(commit);
  return store_->commit_block(commit);
}

Result<std::optional<std::uint64_t>> StoreBackend::tip_timestamp_ms() const {
  const auto tip = store_->tip();
  if (!tip) return std::optional<std::uint64_t>();
  auto header = store_->header(tip->hash);
  if (!header.is_ok()) {
    if (header.status().code() == StatusCode::kNotFound) return std::optional<std::uint64_t>();
    return header.status();
  }
  return std::optional<std::uint64_t>(header->timestamp_ms);
}

Status MemoryBackend::lookup(std::span<const OutPoint> outpoints,
                             std::span<storage::UtxoLookup> out) {
  if (out.size() != outpoints.size()) {
    return invalid_argument("lookup: " + std::to_string(outpoints.size()) + " outpoints but " +
                            std::to_string(out.size()) + " result slots");
  }
  std::shared_lock lock(mutex_);
  for (std::size_t i = 0; i < outpoints.size(); ++i) {
    const auto it = utxos_.find(outpoints[i]);
    out[i].found = it != utxos_.end();
    out[i].entry = out[i].found ? it->second : storage::UtxoEntry{};
  }
  return Status::ok();
}

std::optional<storage::ChainTip> MemoryBackend::tip() const {
  std::shared_lock lock(mutex_);
  return tip_;
}

Status MemoryBackend::commit(const storage::BlockCommit& commit) {
  const BlockHeader& header = commit.block.header;
  const std::string where = "block " + std::to_string(header.height);
  const Hash256 hash = block_hash(header);
  std::unique_lock lock(mutex_);
  const std::uint64_t expected_height = tip_ ? tip_->height + 1 : 0;
  if (header.height != expected_height) {
    return invalid_argument(where + ": does not extend the tip, expected height " +
                            std::to_string(expected_height));
  }
  const Hash256 expected_prev = tip_ ? tip_->hash : Hash256{};
  if (header.prev_hash != expected_prev) {
    return invalid_argument(where + ": prev_hash " + to_hex(header.prev_hash) + " is not the tip " +
                            to_hex(expected_prev));
  }
  if (commit.certificate.height != header.height || commit.certificate.block_hash != hash) {
    return invalid_argument(where + ": certificate is for another block");
  }
  const std::size_t tx_count = commit.block.transactions.size();
  if (!commit.txids.empty() && commit.txids.size() != tx_count) {
    return invalid_argument(where + ": " + std::to_string(commit.txids.size()) + " txids for " +
                            std::to_string(tx_count) + " transactions");
  }
  for (std::size_t t = 0; t < tx_count; ++t) {
    const Hash256 id = commit.txids.empty() ? txid(commit.block.transactions[t]) : commit.txids[t];
    transactions_[id] = storage::TxLocation{header.height, static_cast<std::uint32_t>(t)};
  }
  for (const storage::CreatedUtxo& created : commit.created) {
    utxos_[created.outpoint] = created.entry;
  }
  for (const OutPoint& spent : commit.spent) utxos_.erase(spent);
  for (const storage::RecordUpdate& update : commit.masternode_updates) {
    if (update.erase) {
      masternodes_.erase(update.key);
    } else {
      masternodes_[update.key] = update.value;
    }
  }
  if (commit.utxo_digest != nullptr) utxo_digest_ = *commit.utxo_digest;
  tip_ = storage::ChainTip{header.height, hash};
  tip_timestamp_ms_ = header.timestamp_ms;
  return Status::ok();
}

Result<std::optional<storage::TxLocation>> MemoryBackend::find_transaction(
    const Hash256& txid) const {
  std::shared_lock lock(mutex_);
  const auto it = transactions_.find(txid);
  if (it == transactions_.end()) return std::optional<storage::TxLocation>();
  return std::optional<storage::TxLocation>(it->second);
}

Result<std::vector<std::pair<Bytes, Bytes>>> MemoryBackend::masternode_records() const {
  std::shared_lock lock(mutex_);
  return std::vector<std::pair<Bytes, Bytes>>(masternodes_.begin(), masternodes_.end());
}

Result<storage::UtxoSetScan> MemoryBackend::utxo_set_digest() const {
  // OutPoint's order (txid bytes, then vout) equals the order of the big-endian storage keys.
  std::shared_lock lock(mutex_);
  Sha256 hasher;
  for (const auto& [outpoint, entry] : utxos_) {
    const storage::UtxoKey key = storage::encode_utxo_key(outpoint);
    const storage::UtxoValue value = storage::encode_utxo_value(entry);
    hasher.update(ByteSpan(key.data(), key.size())).update(ByteSpan(value.data(), value.size()));
  }
  UtxoSetDigest set;
  for (const auto& [outpoint, entry] : utxos_) {
    set.add(outpoint, entry.output, entry.height, entry.coinbase);
  }
  return storage::UtxoSetScan{hasher.finish(), set.digest(), utxos_.size()};
}

Result<std::optional<UtxoSetDigest>> MemoryBackend::utxo_digest_state() const {
  std::shared_lock lock(mutex_);
  return utxo_digest_;
}

Result<std::optional<std::uint64_t>> MemoryBackend::tip_timestamp_ms() const {
  std::shared_lock lock(mutex_);
  if (!tip_) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(tip_timestamp_ms_);
}

std::size_t MemoryBackend::utxo_count() const {
  std::shared_lock lock(mutex_);
  return utxos_.size();
}

}  // namespace tc::ledger
