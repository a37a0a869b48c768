// ChainStore: the ledger's durable state in RocksDB — the UTXO set, blocks, headers, the height
// index, the txid index, commit certificates, chain metadata, the masternode registry and the peer
// table.
//
// It sits at the end of the data path (DESIGN §2): the commit stage hands it each executed block as
// one BlockCommit, which becomes one synced RocksDB WriteBatch, so after any crash the store opens
// at exactly the last committed block. The execute stage reads UTXOs through multi_get (usually via
// storage/utxo_cache.h). Layouts are in storage/layout.h and docs/formats/storage.md.
// Threads: commit_block, prune_bodies and import_utxo_snapshot are writer calls and must come from
// one thread (the commit stage); every other method may be called from any thread at any time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"
#include "core/utxo_digest.h"
#include "storage/layout.h"

namespace rocksdb {
class FileSystem;
}

namespace tc::storage {

// Which file system serves RocksDB's random reads.
enum class ReadPath : std::uint8_t {
  kDefault,  // RocksDB's own POSIX file system (pread, one read at a time in MultiRead)
  kIoUring,  // storage/uring_file_system.h; falls back to kDefault, logged once, when unavailable
};

// How open() treats damage in the write-ahead log. Every commit is synced before it is
// acknowledged, so the only damage a crash can leave is a torn last record in the newest WAL: a
// write that was never acknowledged. Measured with RocksDB 7.8 (docs/formats/storage.md):
// kPointInTime drops such a tail and reports damage followed by later data (another column
// family's newer SST, a later WAL) as "SST file is ahead of WALs"; kTolerateCorruptedTailRecords
// was rejected because it replays later WALs over a gap. A cut or damaged tail of the newest WAL
// cannot be told from a torn write, so kPointInTime recovers it to the last intact block.
enum class WalRecovery : std::uint8_t {
  kPointInTime,  // kPointInTimeRecovery: the default; opens at the last intact committed block
  kStrict,       // kAbsoluteConsistency: any damaged or incomplete record fails open() with
                 // kCorruption, a torn tail after a crash included (for verification tools)
};

struct StoreOptions {
  std::string path;  // database directory
  bool create_if_missing = true;
  ReadPath read_path = ReadPath::kIoUring;
  bool use_direct_reads = false;  // O_DIRECT for SST reads (open fails if the filesystem refuses)
  std::size_t block_cache_bytes = 32u << 20;
  WalRecovery wal_recovery = WalRecovery::kPointInTime;
  // The file system under everything; null means RocksDB's default. Tests inject faults here.
  std::shared_ptr<rocksdb::FileSystem> base_file_system;
};

struct ChainTip {
  std::uint64_t height = 0;
  Hash256 hash;
  friend bool operator==(const ChainTip&, const ChainTip&) = default;
};

// One output a block creates.
struct CreatedUtxo {
  OutPoint outpoint;
  UtxoEntry entry;
};

// A write to a ledger-owned record family (the masternode registry): put `value`, or erase the key.
struct RecordUpdate {
  Bytes key;
  Bytes value;
  bool erase = false;
};

// Everything one executed block changes. References borrow the caller's values for the call only.
// An outpoint both created and spent in the block ends up absent (creations are applied first).
// `txids` are the txids of block.transactions in block order, as the caller already computed them
// (the ledger does for tx_root); empty means commit_block hashes the transactions itself. They are
// not re-checked against the block.
struct BlockCommit {
  const Block& block;
  const CommitCertificate& certificate;
  std::span<const OutPoint> spent;
  std::span<const CreatedUtxo> created;
  std::span<const RecordUpdate> masternode_updates = {};
  std::span<const Hash256> txids = {};
  // The UTXO set digest's state after the block (the ledger's; the store does not recompute it),
  // stored with the tip. Null leaves the stored state as it was (stores used without a ledger).
  const UtxoSetDigest* utxo_digest = nullptr;
};

// One slot of a batched lookup: found, with its entry, or not found.
struct UtxoLookup {
  bool found = false;
  UtxoEntry entry;
};

// A full scan of the UTXO set: `hash` = SHA-256 over key[36] | value[41] of every entry in key
// order (txid, then vout), the content hash of a snapshot file; `set_digest` = the UTXO set digest
// of the same entries (core/utxo_digest.h), what block headers commit to. Equal sets give equal
// values whatever order they were built in.
struct UtxoSetScan {
  Hash256 hash;
  Hash256 set_digest;
  std::uint64_t count = 0;
  friend bool operator==(const UtxoSetScan&, const UtxoSetScan&) = default;
};

// The unspent outputs locked to one pubkey hash (ChainStore::utxos_locked_to), all read from one
// RocksDB snapshot together with the tip they belong to.
struct PubkeyHashUtxos {
  std::optional<ChainTip> tip;     // the tip the set was read at; nullopt before genesis
  std::uint64_t count = 0;         // every matching output
  Amount total;                    // their sum
  std::vector<CreatedUtxo> utxos;  // the first utxo_count_max of them, in outpoint order
};

struct SnapshotInfo {
  ChainTip tip;
  UtxoSetScan digest;  // digest.hash is the snapshot's content hash
};

class ChainStore {
 public:
  // Opens or creates the database at options.path. Errors:
  //   kNotFound   no database there and create_if_missing is false;
  //   kConfig     the database was written under another schema version (both are named), or
  //               direct reads were asked for on a filesystem that refuses O_DIRECT;
  //   kCorruption RocksDB found damage (truncated SST, damaged WAL, checksum), the column-family
  //               set differs from this schema's, or the metadata is unreadable;
  //   kIoError    anything else from RocksDB.
  // Never repairs or rebuilds anything.
  static Result<std::unique_ptr<ChainStore>> open(const StoreOptions& options);
  ~ChainStore();
  ChainStore(const ChainStore&) = delete;
  ChainStore& operator=(const ChainStore&) = delete;

  // The read path in use (kDefault after an io_uring fallback).
  ReadPath read_path() const;
  // The last committed block; nullopt before genesis.
  std::optional<ChainTip> tip() const;

  // Writes the block, its header, height index entry, certificate and one tx_index entry per
  // transaction, removes `spent`, adds `created`, applies masternode updates and moves the tip, as
  // one WriteBatch with the WAL synced. Errors: kInvalidArgument when the block does not extend the
  // tip (height, prev_hash), the certificate is not for this block (height, block_hash) or a
  // non-empty commit.txids does not have one txid per transaction — nothing is written; kIoError
  // when the write fails, after which every later write is refused with the same error (the
  // database's state is then unknown until reopened). Does not check that spent outputs exist,
  // tx_root, signatures or any other ledger rule.
  Status commit_block(const BlockCommit& commit);

  // Looks up outpoints[i] into out[i] for every i, through one RocksDB MultiGet. A missing output
  // is found = false in its slot, not an error. Errors (kCorruption, kIoError) name the first
  // outpoint that failed; `out` is then unspecified. REQUIRES: out.size() == outpoints.size().
  // Allocates per call (key and result arrays), not per key.
  Status multi_get(std::span<const OutPoint> outpoints, std::span<UtxoLookup> out) const;

  // Block by hash; kNotFound when unknown or pruned (the message says which).
  Result<Block> block(const Hash256& hash) const;
  Result<BlockHeader> header(const Hash256& hash) const;
  Result<Hash256> block_hash_at(std::uint64_t height) const;
  Result<CommitCertificate> certificate_at(std::uint64_t height) const;
  // Where the committed transaction `txid` is; nullopt when no committed block holds it (or it was
  // committed before a UTXO snapshot this store was loaded from). One RocksDB point lookup (Bloom
  // filtered). Errors: kCorruption (bad value or checksum), kIoError.
  Result<std::optional<TxLocation>> find_transaction(const Hash256& txid) const;
  // Bodies below this height have been pruned (0 when none).
  std::uint64_t pruned_below() const;

  // Reads the whole UTXO set from one RocksDB snapshot. O(set size); for tests, snapshots and an
  // operator's consistency check against the tip header's utxo_digest.
  Result<UtxoSetScan> utxo_set_digest() const;
  // The UTXO digest state stored with the tip by the last commit (or snapshot import) that carried
  // one; nullopt when none did. kCorruption when the stored value is not a digest state.
  Result<std::optional<UtxoSetDigest>> utxo_digest_state() const;

  // The outputs locked to `pubkey_hash` (RPC's getbalance and listunspent). The store has no index
  // by pubkey hash (the utxo family is keyed by outpoint), so this scans the whole UTXO set from
  // one snapshot: O(set size) reads, fine for an operator's query, not for a stage. Errors:
  // kCorruption (a bad key or value, naming the outpoint), kOutOfRange when the sum passes
  // 2^64 - 1 satoshis, kIoError. Any thread.
  Result<PubkeyHashUtxos> utxos_locked_to(const PubkeyHash& pubkey_hash,
                                          std::size_t utxo_count_max) const;

  // Deletes the bodies of all blocks except the last `keep_last` (headers, height index, tx_index
  // and certificates stay). One synced batch; a writer call. kIoError makes writes sticky as above.
  Status prune_bodies(std::uint64_t keep_last);

  // Writes the UTXO set at the current tip to `file` (atomically: a temporary file renamed into
  // place). Format in docs/formats/storage.md. Returns the tip and content hash.
  Result<SnapshotInfo> export_utxo_snapshot(const std::string& file) const;
  // Loads a snapshot into an empty store (no tip): checks the file's format, that its content hash
  // equals its trailer (the file is intact) and that the set's UTXO digest equals
  // `expected_utxo_digest` (the utxo_digest of the snapshot tip's header, which a certificate
  // makes final: the set is the chain's), then writes the set, the digest state and the tip, with
  // no block bodies (pruned_below = tip + 1) and no tx_index entries for blocks up to the tip.
  // kMalformed for a damaged file, kInvalidArgument for a digest mismatch or a non-empty store. A
  // writer call.
  Result<SnapshotInfo> import_utxo_snapshot(const std::string& file,
                                            const Hash256& expected_utxo_digest);

  // Masternode registry records (written only through BlockCommit) and the peer table (written by
  // the network layer; not synced on its own, made durable by the next block commit).
  Result<std::vector<std::pair<Bytes, Bytes>>> masternodes() const;
  Result<std::vector<std::pair<Bytes, Bytes>>> peers() const;
  Status put_peer(ByteSpan key, ByteSpan value);
  Status erase_peer(ByteSpan key);

  // Flushes memtables to SST files (tests and shutdown; RocksDB flushes on its own otherwise).
  Status flush();

 private:
  struct Impl;
  explicit ChainStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc::storage
