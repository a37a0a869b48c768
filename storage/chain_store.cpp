#include "storage/chain_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>

#include "core/codec.h"
#include "core/hashing.h"
#include "core/log.h"
#include "core/sha2.h"
#include "storage/uring_file_system.h"

namespace tc::storage {
namespace {

// Column families in the order they are opened; the handle vector follows this order.
enum Family : std::size_t {
  kDefault = 0,
  kUtxo,
  kBlocks,
  kHeaders,
  kHeightIndex,
  kCertificates,
  kMeta,
  kMasternodes,
  kPeers,
  kTxIndex,
  kFamilyCount,
};
constexpr std::string_view kFamilyNames[kFamilyCount] = {
    "default",           kUtxoFamily, kBlocksFamily,      kHeadersFamily, kHeightIndexFamily,
    kCertificatesFamily, kMetaFamily, kMasternodesFamily, kPeersFamily,   kTxIndexFamily,
};

// Snapshot file: magic [8] "TCUTXOS1" | schema version u32 LE | height u64 LE | block hash [32] |
// count u64 LE | count x (key [36] | value [41]) | content hash [32] (the UtxoSetScan hash).
constexpr std::string_view kSnapshotMagic = "TCUTXOS1";
constexpr std::size_t kSnapshotHeaderBytes = 8 + 4 + 8 + 32 + 8;
constexpr std::size_t kSnapshotRecordBytes = kUtxoKeyBytes + kUtxoValueBytes;

rocksdb::Slice slice(ByteSpan bytes) {
  return rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
template <std::size_t N>
rocksdb::Slice slice(const std::array<std::uint8_t, N>& bytes) {
  return rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), N);
}
rocksdb::Slice slice(const Hash256& hash) {
  return slice(hash.span());
}
rocksdb::Slice slice(std::string_view text) {
  return rocksdb::Slice(text.data(), text.size());
}
ByteSpan bytes_of(const rocksdb::Slice& value) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
}

// Maps a RocksDB status to ours, keeping RocksDB's text after `context`.
Status from_rocksdb(const rocksdb::Status& status, std::string_view context) {
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsCorruption()) return corruption(std::move(message));
  if (status.IsNotFound()) return not_found(std::move(message));
  if (status.IsInvalidArgument()) return invalid_argument(std::move(message));
  return io_error(std::move(message));
}

std::string outpoint_text(const OutPoint& outpoint) {
  return to_hex(outpoint.txid) + ":" + std::to_string(outpoint.vout);
}

void log_uring_fallback_once(const Status& reason) {
  static std::once_flag once;
  std::call_once(once, [&] {
    TC_LOG_WARN("io_uring unavailable; RocksDB reads use the default file system",
                {{"reason", std::string(reason.message())}});
  });
}

}  // namespace

struct ChainStore::Impl {
  std::string path;
  ReadPath read_path = ReadPath::kDefault;
  std::unique_ptr<rocksdb::Env> env;  // composite env over the chosen file system; outlives db
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> families;  // indexed by Family

  mutable std::mutex mutex;
  std::optional<ChainTip> tip;     // GUARDED_BY(mutex)
  std::uint64_t pruned_below = 0;  // GUARDED_BY(mutex)
  Status write_error;              // GUARDED_BY(mutex); sticky once set

  ~Impl() {
    for (rocksdb::ColumnFamilyHandle* handle : families) {
      if (handle != nullptr) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    if (db) db->Close().PermitUncheckedError();
  }

  rocksdb::ColumnFamilyHandle* family(Family which) const { return families[which]; }

  Status check_writable() const {
    std::lock_guard lock(mutex);
    if (!write_error.is_ok()) {
      return io_error("store refuses writes after an earlier failed write: " +
                      std::string(write_error.message()));
    }
    return Status::ok();
  }

  // Writes `batch`; a failure becomes the sticky write error.
  Status write(rocksdb::WriteBatch* batch, bool sync, std::string_view what) {
    rocksdb::WriteOptions options;
    options.sync = sync;
    rocksdb::Status status = db->Write(options, batch);
    if (status.ok()) return Status::ok();
    Status error = io_error(std::string(what) + ": " + status.ToString());
    std::lock_guard lock(mutex);
    write_error = error;
    return error;
  }

  Result<Bytes> get(Family which, const rocksdb::Slice& key, std::string_view what) const {
    rocksdb::PinnableSlice value;
    rocksdb::Status status = db->Get(rocksdb::ReadOptions(), family(which), key, &value);
    if (!status.ok()) return from_rocksdb(status, what);
    ByteSpan bytes = bytes_of(value);
    return Bytes(bytes.begin(), bytes.end());
  }

  Result<std::vector<std::pair<Bytes, Bytes>>> list(Family which) const {
    std::vector<std::pair<Bytes, Bytes>> records;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family(which)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ByteSpan key = bytes_of(it->key());
      ByteSpan value = bytes_of(it->value());
      records.emplace_back(Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end()));
    }
    if (!it->status().ok()) {
      return from_rocksdb(it->status(), std::string("listing ") + std::string(kFamilyNames[which]));
    }
    return records;
  }

  Status load_meta();
};

Status ChainStore::Impl::load_meta() {
  auto tip_bytes = get(kMeta, slice(kMetaTip), "reading meta tip");
  if (tip_bytes.is_ok()) {
    if (tip_bytes->size() != kMetaTipBytes) {
      return corruption(path + ": meta tip has " + std::to_string(tip_bytes->size()) +
                        " bytes, expected " + std::to_string(kMetaTipBytes));
    }
    tip = ChainTip{load_u64_le(tip_bytes->data()),
                   Hash256::from_span(ByteSpan(tip_bytes->data() + 8, 32))};
  } else if (tip_bytes.status().code() != StatusCode::kNotFound) {
    return tip_bytes.status();
  }
  auto pruned = get(kMeta, slice(kMetaPrunedBelow), "reading meta pruned_below");
  if (pruned.is_ok()) {
    if (pruned->size() != 8) return corruption(path + ": meta pruned_below is not 8 bytes");
    pruned_below = load_u64_le(pruned->data());
  } else if (pruned.status().code() != StatusCode::kNotFound) {
    return pruned.status();
  }
  return Status::ok();
}

ChainStore::ChainStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChainStore::~ChainStore() = default;

Result<std::unique_ptr<ChainStore>> ChainStore::open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = options.path;

  std::shared_ptr<rocksdb::FileSystem> file_system =
      options.base_file_system ? options.base_file_system : rocksdb::FileSystem::Default();
  if (options.read_path == ReadPath::kIoUring) {
    auto uring = make_uring_file_system(file_system, UringOptions{});
    if (uring.is_ok()) {
      file_system = *uring;
      impl->read_path = ReadPath::kIoUring;
    } else {
      log_uring_fallback_once(uring.status());
    }
  }
  impl->env = rocksdb::NewCompositeEnv(file_system);

  rocksdb::DBOptions db_options;
  db_options.env = impl->env.get();
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = false;
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = options.wal_recovery == WalRecovery::kStrict
                                     ? rocksdb::WALRecoveryMode::kAbsoluteConsistency
                                     : rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.use_direct_reads = options.use_direct_reads;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 4;

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto family_options = [&](Family which) {
    rocksdb::ColumnFamilyOptions cf;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    if (which == kUtxo || which == kTxIndex) {
      // Point lookups: a Bloom filter skips SST files that cannot hold the key. Keys and values
      // are hashes, heights and checksums, which do not compress.
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      cf.compression = rocksdb::kNoCompression;
    } else {
      cf.compression = rocksdb::kLZ4Compression;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
  };

  // Existing database: open every family it has, so a foreign schema is reported as such rather
  // than as a missing family.
  std::vector<std::string> existing;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing);
  const bool exists = listed.ok();
  if (!exists && !options.create_if_missing) {
    return not_found(options.path + ": no database (" + listed.ToString() + ")");
  }
  std::vector<std::string> names;
  if (exists) {
    names = existing;
  } else {
    for (std::string_view name : kFamilyNames) names.emplace_back(name);
    db_options.create_missing_column_families = true;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    Family which = kDefault;
    for (std::size_t f = 0; f < kFamilyCount; ++f) {
      if (kFamilyNames[f] == name) which = static_cast<Family>(f);
    }
    descriptors.emplace_back(name, family_options(which));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status opened =
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw_db);
  if (!opened.ok()) {
    if (options.use_direct_reads && opened.IsIOError() &&
        opened.ToString().find("Invalid argument") != std::string::npos) {
      return config_error(options.path +
                          ": direct reads refused by the filesystem: " + opened.ToString());
    }
    return from_rocksdb(opened, "opening " + options.path);
  }
  impl->db.reset(raw_db);
  impl->families.assign(kFamilyCount, nullptr);
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    bool known = false;
    for (std::size_t f = 0; f < kFamilyCount; ++f) {
      if (kFamilyNames[f] == names[i]) {
        impl->families[f] = handles[i];
        known = true;
      }
    }
    if (!known) {
      unknown.push_back(names[i]);
      impl->db->DestroyColumnFamilyHandle(handles[i]).PermitUncheckedError();
    }
  }

  // Schema version first: a database from another version is named as such.
  if (impl->families[kMeta] != nullptr) {
    auto version = impl->get(kMeta, slice(kMetaSchemaVersion), "reading schema version");
    if (version.is_ok()) {
      if (version->size() != 4) {
        return corruption(options.path + ": schema_version is " + std::to_string(version->size()) +
                          " bytes, expected 4");
      }
      const std::uint32_t on_disk = load_u32_le(version->data());
      if (on_disk != kSchemaVersion) {
        return config_error(options.path + ": database schema version " + std::to_string(on_disk) +
                            ", this build reads schema version " + std::to_string(kSchemaVersion) +
                            "; refusing to open (no migration)");
      }
    } else if (version.status().code() != StatusCode::kNotFound) {
      return version.status();
    } else if (exists) {
      return corruption(options.path + ": meta has no schema_version");
    }
  }
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    if (impl->families[f] == nullptr) {
      return corruption(options.path + ": column family '" + std::string(kFamilyNames[f]) +
                        "' is missing");
    }
  }
  if (!unknown.empty()) {
    return corruption(options.path + ": unknown column family '" + unknown.front() + "'");
  }
  if (!exists) {
    std::array<std::uint8_t, 4> version;
    store_u32_le(version.data(), kSchemaVersion);
    rocksdb::WriteBatch batch;
    rocksdb::Status put = batch.Put(impl->family(kMeta), slice(kMetaSchemaVersion), slice(version));
    if (!put.ok()) return from_rocksdb(put, "writing schema version");
    TC_RETURN_IF_ERROR(impl->write(&batch, true, options.path + ": writing schema version"));
  }
  TC_RETURN_IF_ERROR(impl->load_meta());
  return std::unique_ptr<ChainStore>(new ChainStore(std::move(impl)));
}

ReadPath ChainStore::read_path() const {
  return impl_->read_path;
}

std::optional<ChainTip> ChainStore::tip() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->tip;
}

std::uint64_t ChainStore::pruned_below() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pruned_below;
}

Status ChainStore::commit_block(const BlockCommit& commit) {
  TC_RETURN_IF_ERROR(impl_->check_writable());
  const BlockHeader& header = commit.block.header;
  const std::uint64_t height = header.height;
  const std::string where = "block " + std::to_string(height);
  const std::optional<ChainTip> current = tip();
  const std::uint64_t expected_height = current ? current->height + 1 : 0;
  const Hash256 expected_prev = current ? current->hash : Hash256{};
  if (height != expected_height) {
    return invalid_argument(where + ": does not extend the tip, expected height " +
                            std::to_string(expected_height));
  }
  if (header.prev_hash != expected_prev) {
    return invalid_argument(where + ": prev_hash " + to_hex(header.prev_hash) + " is not the tip " +
                            to_hex(expected_prev));
  }
  const std::size_t tx_count = commit.block.transactions.size();
  if (!commit.txids.empty() && commit.txids.size() != tx_count) {
    return invalid_argument(where + ": " + std::to_string(commit.txids.size()) + " txids for " +
                            std::to_string(tx_count) + " transactions");
  }
  const Hash256 hash = block_hash(header);
  if (commit.certificate.height != height || commit.certificate.block_hash != hash) {
    return invalid_argument(where + ": certificate is for height " +
                            std::to_string(commit.certificate.height) + " block " +
                            to_hex(commit.certificate.block_hash) + ", not " + to_hex(hash));
  }

  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  auto put = [&](Family which, const rocksdb::Slice& key, const rocksdb::Slice& value) {
    if (s.ok()) s = batch.Put(impl_->family(which), key, value);
  };
  auto erase = [&](Family which, const rocksdb::Slice& key) {
    if (s.ok()) s = batch.Delete(impl_->family(which), key);
  };
  for (const CreatedUtxo& created : commit.created) {
    const UtxoKey key = encode_utxo_key(created.outpoint);
    const UtxoValue value = encode_utxo_value(created.entry);
    put(kUtxo, slice(key), slice(value));
  }
  for (const OutPoint& spent : commit.spent) {
    const UtxoKey key = encode_utxo_key(spent);
    erase(kUtxo, slice(key));
  }
  Bytes body;
  body.reserve(encoded_size(commit.block));
  encode(commit.block, &body);
  put(kBlocks, slice(hash), slice(body));
  const auto header_bytes = encode_block_header(header);
  put(kHeaders, slice(hash), slice(header_bytes));
  const HeightKey height_key = encode_height_key(height);
  put(kHeightIndex, slice(height_key), slice(hash));
  Bytes certificate;
  encode(commit.certificate, &certificate);
  put(kCertificates, slice(height_key), slice(certificate));
  for (std::size_t t = 0; t < tx_count; ++t) {
    const Hash256 id = commit.txids.empty() ? txid(commit.block.transactions[t]) : commit.txids[t];
    const TxIndexValue location =
        encode_tx_index_value(TxLocation{height, static_cast<std::uint32_t>(t)});
    put(kTxIndex, slice(id), slice(location));
  }
  std::array<std::uint8_t, kMetaTipBytes> tip_value;
  store_u64_le(tip_value.data(), height);
  std::memcpy(tip_value.data() + 8, hash.data(), 32);
  put(kMeta, slice(kMetaTip), slice(tip_value));
  std::array<std::uint8_t, 8> finalized;
  store_u64_le(finalized.data(), height);
  put(kMeta, slice(kMetaFinalizedHeight), slice(finalized));
  if (height == 0) put(kMeta, slice(kMetaGenesisHash), slice(hash));
  std::array<std::uint8_t, UtxoSetDigest::kStateBytes> digest_state;
  if (commit.utxo_digest != nullptr) {
    commit.utxo_digest->serialize(digest_state.data());
    put(kMeta, slice(kMetaUtxoDigestState), slice(digest_state));
  }
  for (const RecordUpdate& update : commit.masternode_updates) {
    if (update.erase) {
      erase(kMasternodes, slice(ByteSpan(update.key)));
    } else {
      put(kMasternodes, slice(ByteSpan(update.key)), slice(ByteSpan(update.value)));
    }
  }
  if (!s.ok()) return from_rocksdb(s, where + ": building the write batch");
  TC_RETURN_IF_ERROR(impl_->write(&batch, true, where + ": commit write failed"));
  std::lock_guard lock(impl_->mutex);
  impl_->tip = ChainTip{height, hash};
  return Status::ok();
}

Status ChainStore::multi_get(std::span<const OutPoint> outpoints, std::span<UtxoLookup> out) const {
  assert(out.size() == outpoints.size());
  const std::size_t count = outpoints.size();
  if (count == 0) return Status::ok();
  std::vector<UtxoKey> keys(count);
  std::vector<rocksdb::Slice> key_slices(count);
  std::vector<rocksdb::PinnableSlice> values(count);
  std::vector<rocksdb::Status> statuses(count);
  for (std::size_t i = 0; i < count; ++i) {
    keys[i] = encode_utxo_key(outpoints[i]);
    key_slices[i] = slice(keys[i]);
  }
  impl_->db->MultiGet(rocksdb::ReadOptions(), impl_->family(kUtxo), count, key_slices.data(),
                      values.data(), statuses.data());
  for (std::size_t i = 0; i < count; ++i) {
    if (statuses[i].IsNotFound()) {
      out[i] = UtxoLookup{};
      continue;
    }
    if (!statuses[i].ok()) {
      return from_rocksdb(statuses[i], "utxo lookup " + outpoint_text(outpoints[i]));
    }
    auto entry = decode_utxo_value(bytes_of(values[i]));
    if (!entry.is_ok()) {
      return entry.status().with_context("utxo " + outpoint_text(outpoints[i]));
    }
    out[i] = UtxoLookup{true, *entry};
  }
  return Status::ok();
}

Result<Block> ChainStore::block(const Hash256& hash) const {
  auto body = impl_->get(kBlocks, slice(hash), "block " + to_hex(hash));
  if (!body.is_ok()) {
    if (body.status().code() == StatusCode::kNotFound && header(hash).is_ok()) {
      return not_found("block " + to_hex(hash) + ": body pruned");
    }
    return body.status();
  }
  auto block = decode_block(*body);
  if (!block.is_ok()) {
    return corruption("stored block " + to_hex(hash) + ": " + block.status().to_string());
  }
  if (block_hash(block->header) != hash) {
    return corruption("stored block " + to_hex(hash) + ": header hashes to another value");
  }
  return block;
}

Result<BlockHeader> ChainStore::header(const Hash256& hash) const {
  TC_ASSIGN_OR_RETURN(Bytes bytes, impl_->get(kHeaders, slice(hash), "header " + to_hex(hash)));
  auto header = decode_block_header(bytes);
  if (!header.is_ok() || block_hash(*header) != hash) {
    return corruption("stored header " + to_hex(hash) + " does not decode to its hash");
  }
  return header;
}

Result<std::optional<TxLocation>> ChainStore::find_transaction(const Hash256& txid) const {
  auto value = impl_->get(kTxIndex, slice(txid), "tx index " + to_hex(txid));
  if (!value.is_ok()) {
    if (value.status().code() == StatusCode::kNotFound) return std::optional<TxLocation>();
    return value.status();
  }
  auto location = decode_tx_index_value(*value);
  if (!location.is_ok()) return location.status().with_context("tx index " + to_hex(txid));
  return std::optional<TxLocation>(*location);
}

Result<Hash256> ChainStore::block_hash_at(std::uint64_t height) const {
  const HeightKey key = encode_height_key(height);
  TC_ASSIGN_OR_RETURN(Bytes bytes,
                      impl_->get(kHeightIndex, slice(key), "height " + std::to_string(height)));
  if (bytes.size() != 32) {
    return corruption("height index " + std::to_string(height) + ": value is not 32 bytes");
  }
  return Hash256::from_span(bytes);
}

Result<CommitCertificate> ChainStore::certificate_at(std::uint64_t height) const {
  const HeightKey key = encode_height_key(height);
  TC_ASSIGN_OR_RETURN(
      Bytes bytes, impl_->get(kCertificates, slice(key), "certificate " + std::to_string(height)));
  auto certificate = decode_commit_certificate(bytes);
  if (!certificate.is_ok()) {
    return corruption("stored certificate " + std::to_string(height) + ": " +
                      certificate.status().to_string());
  }
  return certificate;
}

Result<UtxoSetScan> ChainStore::utxo_set_digest() const {
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  UtxoSetScan digest;
  Sha256 hasher;
  UtxoSetDigest set;
  Status status;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(read_options, impl_->family(kUtxo)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ByteSpan key = bytes_of(it->key());
      ByteSpan value = bytes_of(it->value());
      if (key.size() != kUtxoKeyBytes) {
        status = corruption("utxo key of " + std::to_string(key.size()) + " bytes");
        break;
      }
      auto entry = decode_utxo_value(value);
      if (!entry.is_ok()) {
        status = entry.status().with_context("utxo " + outpoint_text(decode_utxo_key(key)));
        break;
      }
      hasher.update(key).update(value);
      set.add(decode_utxo_key(key), entry->output, entry->height, entry->coinbase);
      ++digest.count;
    }
    if (status.is_ok() && !it->status().ok()) status = from_rocksdb(it->status(), "utxo scan");
  }
  impl_->db->ReleaseSnapshot(snapshot);
  if (!status.is_ok()) return status;
  digest.hash = hasher.finish();
  digest.set_digest = set.digest();
  return digest;
}

Result<PubkeyHashUtxos> ChainStore::utxos_locked_to(const PubkeyHash& pubkey_hash,
                                                    std::size_t utxo_count_max) const {
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  PubkeyHashUtxos found;
  Status status;
  {
    rocksdb::PinnableSlice tip;
    rocksdb::Status s = impl_->db->Get(read_options, impl_->family(kMeta), slice(kMetaTip), &tip);
    if (s.ok() && tip.size() == kMetaTipBytes) {
      const ByteSpan bytes = bytes_of(tip);
      found.tip = ChainTip{load_u64_le(bytes.data()), Hash256::from_span(bytes.subspan(8, 32))};
    } else if (s.ok()) {
      status = corruption("meta tip has " + std::to_string(tip.size()) + " bytes");
    } else if (!s.IsNotFound()) {
      status = from_rocksdb(s, "reading meta tip");
    }
  }
  if (status.is_ok()) {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(read_options, impl_->family(kUtxo)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const ByteSpan key = bytes_of(it->key());
      if (key.size() != kUtxoKeyBytes) {
        status = corruption("utxo key of " + std::to_string(key.size()) + " bytes");
        break;
      }
      auto entry = decode_utxo_value(bytes_of(it->value()));
      if (!entry.is_ok()) {
        status = entry.status().with_context("utxo " + outpoint_text(decode_utxo_key(key)));
        break;
      }
      if (entry->output.pubkey_hash != pubkey_hash) continue;
      const std::optional<Amount> total = found.total.checked_add(entry->output.value);
      if (!total) {
        status = out_of_range("outputs locked to " + to_hex(pubkey_hash) +
                              " sum to more than 2^64 - 1 satoshis");
        break;
      }
      found.total = *total;
      ++found.count;
      if (found.utxos.size() < utxo_count_max) {
        found.utxos.push_back(CreatedUtxo{decode_utxo_key(key), *entry});
      }
    }
    if (status.is_ok() && !it->status().ok()) status = from_rocksdb(it->status(), "utxo scan");
  }
  impl_->db->ReleaseSnapshot(snapshot);
  if (!status.is_ok()) return status;
  return found;
}

Result<std::optional<UtxoSetDigest>> ChainStore::utxo_digest_state() const {
  auto bytes = impl_->get(kMeta, slice(kMetaUtxoDigestState), "reading meta utxo_digest_state");
  if (!bytes.is_ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<UtxoSetDigest>();
    return bytes.status();
  }
  auto state = UtxoSetDigest::parse(*bytes);
  if (!state.is_ok()) return corruption("meta utxo_digest_state: " + state.status().to_string());
  return std::optional<UtxoSetDigest>(*state);
}

Status ChainStore::prune_bodies(std::uint64_t keep_last) {
  TC_RETURN_IF_ERROR(impl_->check_writable());
  const std::optional<ChainTip> current = tip();
  if (!current || current->height + 1 <= keep_last) return Status::ok();
  const std::uint64_t end = current->height + 1 - keep_last;
  const std::uint64_t begin = pruned_below();
  if (begin >= end) return Status::ok();
  rocksdb::WriteBatch batch;
  rocksdb::Status s;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->family(kHeightIndex)));
  const HeightKey first = encode_height_key(begin);
  for (it->Seek(slice(first)); it->Valid() && s.ok(); it->Next()) {
    if (decode_height_key(bytes_of(it->key())) >= end) break;
    s = batch.Delete(impl_->family(kBlocks), it->value());
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "pruning: height index scan");
  std::array<std::uint8_t, 8> value;
  store_u64_le(value.data(), end);
  if (s.ok()) s = batch.Put(impl_->family(kMeta), slice(kMetaPrunedBelow), slice(value));
  if (!s.ok()) return from_rocksdb(s, "pruning: building the batch");
  TC_RETURN_IF_ERROR(impl_->write(&batch, true, "pruning bodies below " + std::to_string(end)));
  std::lock_guard lock(impl_->mutex);
  impl_->pruned_below = end;
  return Status::ok();
}

Result<SnapshotInfo> ChainStore::export_utxo_snapshot(const std::string& file) const {
  const rocksdb::Snapshot* snapshot = impl_->db->GetSnapshot();
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{impl_->db.get(), snapshot};

  // The tip as of the snapshot (the in-memory tip may already be newer).
  std::string tip_value;
  rocksdb::Status got =
      impl_->db->Get(read_options, impl_->family(kMeta), slice(kMetaTip), &tip_value);
  if (got.IsNotFound()) return invalid_argument("snapshot export: the store has no tip");
  if (!got.ok()) return from_rocksdb(got, "snapshot export: reading tip");
  if (tip_value.size() != kMetaTipBytes) return corruption("snapshot export: meta tip size");
  SnapshotInfo info;
  const auto* tip_bytes = reinterpret_cast<const std::uint8_t*>(tip_value.data());
  info.tip = ChainTip{load_u64_le(tip_bytes), Hash256::from_span(ByteSpan(tip_bytes + 8, 32))};

  const std::string temporary = file + ".partial";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) return io_error("snapshot export: cannot create " + temporary);
  std::array<std::uint8_t, kSnapshotHeaderBytes> header{};
  std::memcpy(header.data(), kSnapshotMagic.data(), 8);
  store_u32_le(header.data() + 8, kSchemaVersion);
  store_u64_le(header.data() + 12, info.tip.height);
  std::memcpy(header.data() + 20, info.tip.hash.data(), 32);
  // The count is patched in after the scan.
  out.write(reinterpret_cast<const char*>(header.data()), header.size());
  Sha256 hasher;
  UtxoSetDigest set;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->family(kUtxo)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ByteSpan key = bytes_of(it->key());
    ByteSpan value = bytes_of(it->value());
    auto entry = key.size() == kUtxoKeyBytes ? decode_utxo_value(value)
                                             : Result<UtxoEntry>(corruption("bad key"));
    if (!entry.is_ok()) {
      return corruption("snapshot export: damaged utxo record " +
                        (key.size() == kUtxoKeyBytes ? outpoint_text(decode_utxo_key(key))
                                                     : std::string("(bad key)")));
    }
    hasher.update(key).update(value);
    set.add(decode_utxo_key(key), entry->output, entry->height, entry->coinbase);
    out.write(it->key().data(), static_cast<std::streamsize>(key.size()));
    out.write(it->value().data(), static_cast<std::streamsize>(value.size()));
    ++info.digest.count;
  }
  if (!it->status().ok()) return from_rocksdb(it->status(), "snapshot export: utxo scan");
  info.digest.hash = hasher.finish();
  info.digest.set_digest = set.digest();
  out.write(reinterpret_cast<const char*>(info.digest.hash.data()), 32);
  std::array<std::uint8_t, 8> count;
  store_u64_le(count.data(), info.digest.count);
  out.seekp(52);
  out.write(reinterpret_cast<const char*>(count.data()), 8);
  out.flush();
  if (!out) return io_error("snapshot export: writing " + temporary + " failed");
  out.close();
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) return io_error("snapshot export: rename to " + file + ": " + error.message());
  return info;
}

Result<SnapshotInfo> ChainStore::import_utxo_snapshot(const std::string& file,
                                                      const Hash256& expected_utxo_digest) {
  TC_RETURN_IF_ERROR(impl_->check_writable());
  {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->family(kUtxo)));
    it->SeekToFirst();
    if (tip().has_value() || it->Valid()) {
      return invalid_argument("snapshot import: the store is not empty");
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error("snapshot import: cannot open " + file);
  std::array<std::uint8_t, kSnapshotHeaderBytes> header;
  if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) {
    return malformed(file + ": truncated snapshot header");
  }
  if (std::memcmp(header.data(), kSnapshotMagic.data(), 8) != 0) {
    return malformed(file + ": not a UTXO snapshot (bad magic)");
  }
  const std::uint32_t version = load_u32_le(header.data() + 8);
  if (version != kSchemaVersion) {
    return malformed(file + ": snapshot schema version " + std::to_string(version) +
                     ", this build reads " + std::to_string(kSchemaVersion));
  }
  SnapshotInfo info;
  info.tip = ChainTip{load_u64_le(header.data() + 12),
                      Hash256::from_span(ByteSpan(header.data() + 20, 32))};
  const std::uint64_t count = load_u64_le(header.data() + 52);

  Sha256 hasher;
  UtxoSetDigest set;
  rocksdb::WriteBatch batch;
  std::array<std::uint8_t, kSnapshotRecordBytes> record;
  UtxoKey previous{};
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!in.read(reinterpret_cast<char*>(record.data()), record.size())) {
      return malformed(file + ": truncated at record " + std::to_string(i) + " of " +
                       std::to_string(count));
    }
    ByteSpan key(record.data(), kUtxoKeyBytes);
    ByteSpan value(record.data() + kUtxoKeyBytes, kUtxoValueBytes);
    if (i > 0 && std::memcmp(key.data(), previous.data(), kUtxoKeyBytes) <= 0) {
      return malformed(file + ": record " + std::to_string(i) + " is out of key order");
    }
    std::memcpy(previous.data(), key.data(), kUtxoKeyBytes);
    const auto entry = decode_utxo_value(value);
    if (!entry.is_ok()) {
      return malformed(file + ": record " + std::to_string(i) + " fails its checksum");
    }
    hasher.update(key).update(value);
    set.add(decode_utxo_key(key), entry->output, entry->height, entry->coinbase);
    rocksdb::Status s = batch.Put(impl_->family(kUtxo), slice(key), slice(value));
    if (!s.ok()) return from_rocksdb(s, "snapshot import");
    if (batch.Count() >= 65536) {
      TC_RETURN_IF_ERROR(impl_->write(&batch, false, "snapshot import"));
      batch.Clear();
    }
  }
  std::array<std::uint8_t, 32> trailer;
  if (!in.read(reinterpret_cast<char*>(trailer.data()), trailer.size())) {
    return malformed(file + ": missing content hash trailer");
  }
  if (in.peek() != std::char_traits<char>::eof()) {
    return malformed(file + ": trailing bytes after the content hash");
  }
  info.digest = UtxoSetScan{hasher.finish(), set.digest(), count};
  if (std::memcmp(trailer.data(), info.digest.hash.data(), 32) != 0) {
    return malformed(file + ": content hash trailer does not match the records");
  }
  if (info.digest.set_digest != expected_utxo_digest) {
    return invalid_argument(file + ": UTXO set digest " + to_hex(info.digest.set_digest) +
                            " is not the certified header's " + to_hex(expected_utxo_digest));
  }
  std::array<std::uint8_t, UtxoSetDigest::kStateBytes> digest_state;
  set.serialize(digest_state.data());
  std::array<std::uint8_t, kMetaTipBytes> tip_value;
  store_u64_le(tip_value.data(), info.tip.height);
  std::memcpy(tip_value.data() + 8, info.tip.hash.data(), 32);
  std::array<std::uint8_t, 8> height;
  store_u64_le(height.data(), info.tip.height);
  std::array<std::uint8_t, 8> pruned;
  store_u64_le(pruned.data(), info.tip.height + 1);
  rocksdb::Status s = batch.Put(impl_->family(kMeta), slice(kMetaTip), slice(tip_value));
  if (s.ok()) s = batch.Put(impl_->family(kMeta), slice(kMetaFinalizedHeight), slice(height));
  if (s.ok()) s = batch.Put(impl_->family(kMeta), slice(kMetaPrunedBelow), slice(pruned));
  if (s.ok()) {
    s = batch.Put(impl_->family(kMeta), slice(kMetaUtxoDigestState), slice(digest_state));
  }
  if (!s.ok()) return from_rocksdb(s, "snapshot import");
  // The tip goes in the last, synced batch. A crash before it leaves UTXOs without a tip, which a
  // later import refuses (the store is not empty): the operator starts again in a fresh directory.
  TC_RETURN_IF_ERROR(impl_->write(&batch, true, "snapshot import: final batch"));
  std::lock_guard lock(impl_->mutex);
  impl_->tip = info.tip;
  impl_->pruned_below = info.tip.height + 1;
  return info;
}

Result<std::vector<std::pair<Bytes, Bytes>>> ChainStore::masternodes() const {
  return impl_->list(kMasternodes);
}

Result<std::vector<std::pair<Bytes, Bytes>>> ChainStore::peers() const {
  return impl_->list(kPeers);
}

Status ChainStore::put_peer(ByteSpan key, ByteSpan value) {
  TC_RETURN_IF_ERROR(impl_->check_writable());
  rocksdb::WriteBatch batch;
  rocksdb::Status s = batch.Put(impl_->family(kPeers), slice(key), slice(value));
  if (!s.ok()) return from_rocksdb(s, "put peer");
  return impl_->write(&batch, false, "put peer");
}

Status ChainStore::erase_peer(ByteSpan key) {
  TC_RETURN_IF_ERROR(impl_->check_writable());
  rocksdb::WriteBatch batch;
  rocksdb::Status s = batch.Delete(impl_->family(kPeers), slice(key));
  if (!s.ok()) return from_rocksdb(s, "erase peer");
  return impl_->write(&batch, false, "erase peer");
}

Status ChainStore::flush() {
  rocksdb::FlushOptions options;
  options.wait = true;
  rocksdb::Status s = impl_->db->Flush(options, impl_->families);
  if (!s.ok()) return from_rocksdb(s, "flush");
  return Status::ok();
}

}  // namespace tc::storage
