// Test support for storage/: a temporary directory that removes itself, and ChainModel, a
// deterministic generator of chains of 2-in-2-out blocks together with the UTXO set they produce.
//
// The model is the reference the store is checked against: block h depends only on (seed, h) and
// the model's state after block h-1, so replaying from genesis to any height reproduces the exact
// blocks a crashed writer committed. Transactions are not signed (storage checks no ledger rule).
// Also used by bench/storage/. Single-threaded.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/hashing.h"
#include "core/sha2.h"
#include "storage/chain_store.h"
#include "storage/layout.h"

namespace tc::storage::testing {

// mkdtemp under /tmp; removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tc_storage_XXXXXX";
    const char* made = mkdtemp(pattern);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::uint64_t splitmix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A block with everything BlockCommit borrows.
struct GeneratedBlock {
  Block block;
  CommitCertificate certificate;
  std::vector<OutPoint> spent;
  std::vector<CreatedUtxo> created;
  BlockCommit commit() const { return BlockCommit{block, certificate, spent, created}; }
};

struct ChainModelOptions {
  std::uint64_t seed = 1;
  std::size_t genesis_outputs = 64;  // coinbase outputs of block 0: the first spendable pool
  std::size_t transfers_per_block = 4;
};

class ChainModel {
 public:
  explicit ChainModel(const ChainModelOptions& options) : options_(options) {}

  std::uint64_t next_height() const { return next_height_; }
  const std::unordered_map<OutPoint, UtxoEntry>& utxos() const { return utxos_; }

  // Builds block next_height() on top of the model's state and applies it to the model.
  GeneratedBlock next_block() {
    const std::uint64_t height = next_height_;
    std::uint64_t rng = options_.seed * 0x100000001b3ull ^ height;
    GeneratedBlock out;
    std::vector<Hash256> txids;

    // Coinbase(s): genesis splits its outputs over several transactions (u16 output counts).
    const std::size_t coinbase_outputs = height == 0 ? options_.genesis_outputs : 2;
    for (std::size_t done = 0; done < coinbase_outputs;) {
      Transaction coinbase;
      coinbase.kind = TxKind::kCoinbase;
      coinbase.chain_id = kChainIdDevnet;
      coinbase.coinbase_height = height;
      coinbase.lock_time = done;  // keeps the genesis coinbases' txids distinct
      const std::size_t n = std::min<std::size_t>(coinbase_outputs - done, 60000);
      for (std::size_t k = 0; k < n; ++k) {
        coinbase.outputs.push_back(
            TxOutput{Amount(1'000'000 + (splitmix64(&rng) % 1000)), random_pubkey_hash(&rng)});
      }
      add_transaction(std::move(coinbase), height, true, &out, &txids);
      done += n;
    }
    // Transfers: each spends two random outputs from before this block and pays two new ones.
    for (std::size_t t = 0; t < options_.transfers_per_block && pool_.size() >= 2; ++t) {
      Transaction tx;
      tx.kind = TxKind::kTransfer;
      tx.chain_id = kChainIdDevnet;
      std::uint64_t total = 0;
      for (int k = 0; k < 2; ++k) {
        const OutPoint prev = take_random(&rng);
        total += utxos_.at(prev).output.value.satoshis();
        TxInput input;
        input.prev = prev;
        tx.inputs.push_back(input);
        out.spent.push_back(prev);
      }
      const std::uint64_t first = total / 2;
      tx.outputs.push_back(TxOutput{Amount(first), random_pubkey_hash(&rng)});
      tx.outputs.push_back(TxOutput{Amount(total - first), random_pubkey_hash(&rng)});
      add_transaction(std::move(tx), height, false, &out, &txids);
    }
    for (const OutPoint& spent : out.spent) utxos_.erase(spent);
    for (const CreatedUtxo& created : out.created) {
      utxos_[created.outpoint] = created.entry;
      pending_pool_.push_back(created.outpoint);
    }
    // Outputs become spendable from the next block on.
    pool_.insert(pool_.end(), pending_pool_.begin(), pending_pool_.end());
    pending_pool_.clear();

    BlockHeader& header = out.block.header;
    header.chain_id = kChainIdDevnet;
    header.height = height;
    header.prev_hash = prev_hash_;
    header.tx_root = merkle_root(txids);
    header.timestamp_ms = 1'700'000'000'000ull + height * 1000;
    header.tx_count = static_cast<std::uint32_t>(out.block.transactions.size());
    out.certificate.height = height;
    out.certificate.block_hash = block_hash(header);
    out.certificate.signatures.push_back(CommitSignature{});
    prev_hash_ = out.certificate.block_hash;
    ++next_height_;
    return out;
  }

  // The digest ChainStore::utxo_set_digest() must report for the model's set.
  UtxoSetScan digest() const {
    std::vector<std::pair<UtxoKey, UtxoValue>> records;
    records.reserve(utxos_.size());
    for (const auto& [outpoint, entry] : utxos_) {
      records.emplace_back(encode_utxo_key(outpoint), encode_utxo_value(entry));
    }
    std::sort(records.begin(), records.end());
    Sha256 hasher;
    for (const auto& [key, value] : records) {
      hasher.update(ByteSpan(key.data(), key.size())).update(ByteSpan(value.data(), value.size()));
    }
    return UtxoSetScan{hasher.finish(), set_digest().digest(), records.size()};
  }
  // The UTXO set digest of the model's set, built from scratch.
  UtxoSetDigest set_digest() const {
    UtxoSetDigest set;
    for (const auto& [outpoint, entry] : utxos_) {
      set.add(outpoint, entry.output, entry.height, entry.coinbase);
    }
    return set;
  }

 private:
  static PubkeyHash random_pubkey_hash(std::uint64_t* rng) {
    PubkeyHash hash;
    for (std::size_t i = 0; i < hash.size(); ++i) {
      hash.bytes[i] = static_cast<std::uint8_t>(splitmix64(rng));
    }
    return hash;
  }

  OutPoint take_random(std::uint64_t* rng) {
    const std::size_t index = splitmix64(rng) % pool_.size();
    const OutPoint chosen = pool_[index];
    pool_[index] = pool_.back();
    pool_.pop_back();
    return chosen;
  }

  static void add_transaction(Transaction tx, std::uint64_t height, bool coinbase,
                              GeneratedBlock* out, std::vector<Hash256>* txids) {
    const Hash256 id = txid(tx);
    for (std::uint32_t vout = 0; vout < tx.outputs.size(); ++vout) {
      out->created.push_back(
          CreatedUtxo{OutPoint{id, vout}, UtxoEntry{tx.outputs[vout], height, coinbase}});
    }
    txids->push_back(id);
    out->block.transactions.push_back(std::move(tx));
  }

  ChainModelOptions options_;
  std::uint64_t next_height_ = 0;
  Hash256 prev_hash_;
  std::unordered_map<OutPoint, UtxoEntry> utxos_;
  std::vector<OutPoint> pool_;          // spendable outputs, in a deterministic order
  std::vector<OutPoint> pending_pool_;  // created by the block being built
};

}  // namespace tc::storage::testing
