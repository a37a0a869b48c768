// The chain store's on-disk layout: column-family names, key and value encodings, and the schema
// version they belong to. docs/formats/storage.md is the prose form of this file.
//
// Keys are big-endian where RocksDB's byte order must equal numeric order (vout, height), so an
// iterator walks UTXOs by (txid, vout) and blocks by height. Values are little-endian like the rest
// of the protocol. UTXO and tx-index values carry their own CRC32C, checked on every read, on top
// of RocksDB's block checksums. Pure functions over bytes; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::storage {

// Bumped whenever any layout below changes; open() refuses a database written under another one.
// 2: added tx_index. 3: 192-byte block headers (wtx_root, utxo_digest) and the UTXO digest state.
inline constexpr std::uint32_t kSchemaVersion = 3;

// Column families (RocksDB's "default" family stays empty).
inline constexpr std::string_view kUtxoFamily = "utxo";                  // outpoint -> UtxoEntry
inline constexpr std::string_view kBlocksFamily = "blocks";              // block hash -> block body
inline constexpr std::string_view kHeadersFamily = "headers";            // block hash -> header
inline constexpr std::string_view kHeightIndexFamily = "height_index";   // height -> block hash
inline constexpr std::string_view kCertificatesFamily = "certificates";  // height -> certificate
inline constexpr std::string_view kMetaFamily = "meta";                  // name -> chain metadata
inline constexpr std::string_view kMasternodesFamily = "masternodes";    // ledger-defined records
inline constexpr std::string_view kPeersFamily = "peers";                // net-defined records
inline constexpr std::string_view kTxIndexFamily = "tx_index";           // txid -> TxLocation

// Keys of the meta family and their values.
inline constexpr std::string_view kMetaSchemaVersion = "schema_version";  // u32 LE
inline constexpr std::string_view kMetaTip = "tip";  // height u64 LE | block hash [32]
inline constexpr std::string_view kMetaFinalizedHeight = "finalized_height";  // u64 LE
inline constexpr std::string_view kMetaGenesisHash = "genesis_hash";          // block hash [32]
inline constexpr std::string_view kMetaPrunedBelow = "pruned_below";  // u64 LE: bodies < it gone
// The UTXO set digest's state at the tip (core/utxo_digest.h, 2048 bytes), written in the same
// batch as the tip, so that the ledger resumes the incremental digest without a rescan.
inline constexpr std::string_view kMetaUtxoDigestState = "utxo_digest_state";
inline constexpr std::size_t kMetaTipBytes = 40;

// A spendable output and where it came from.
struct UtxoEntry {
  TxOutput output;
  std::uint64_t height = 0;  // height of the block that created it
  bool coinbase = false;
  friend bool operator==(const UtxoEntry&, const UtxoEntry&) = default;
};

// UTXO key: txid [32] | vout u32 big-endian.
inline constexpr std::size_t kUtxoKeyBytes = 36;
using UtxoKey = std::array<std::uint8_t, kUtxoKeyBytes>;
// UTXO value: value u64 LE | pubkey_hash [20] | height u64 LE | flags u8 (bit 0: coinbase; other
// bits zero) | crc32c u32 LE over the 37 bytes before it.
inline constexpr std::size_t kUtxoValueBytes = 41;
inline constexpr std::size_t kUtxoValueChecksumOffset = 37;
using UtxoValue = std::array<std::uint8_t, kUtxoValueBytes>;
// Where a committed transaction is: its block's height and its index in the block (0: coinbase).
struct TxLocation {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  friend bool operator==(const TxLocation&, const TxLocation&) = default;
};

// Tx-index key: the txid [32]. Value: height u64 LE | index u32 LE | crc32c u32 LE over the 12
// bytes before it.
inline constexpr std::size_t kTxIndexValueBytes = 16;
inline constexpr std::size_t kTxIndexValueChecksumOffset = 12;
using TxIndexValue = std::array<std::uint8_t, kTxIndexValueBytes>;
// Height key (height_index, certificates): height u64 big-endian.
inline constexpr std::size_t kHeightKeyBytes = 8;
using HeightKey = std::array<std::uint8_t, kHeightKeyBytes>;

UtxoKey encode_utxo_key(const OutPoint& outpoint);
// REQUIRES: key.size() == kUtxoKeyBytes.
OutPoint decode_utxo_key(ByteSpan key);
UtxoValue encode_utxo_value(const UtxoEntry& entry);
// kCorruption when the size, the checksum or a reserved flag bit is wrong; the message says which.
Result<UtxoEntry> decode_utxo_value(ByteSpan value);

TxIndexValue encode_tx_index_value(const TxLocation& location);
// kCorruption when the size or the checksum is wrong; the message says which.
Result<TxLocation> decode_tx_index_value(ByteSpan value);

HeightKey encode_height_key(std::uint64_t height);
// REQUIRES: key.size() == kHeightKeyBytes.
std::uint64_t decode_height_key(ByteSpan key);

// CRC32C (Castagnoli), as iSCSI and RocksDB use it; hardware instruction where the build has
// SSE4.2.
std::uint32_t crc32c(ByteSpan bytes);

}  // namespace tc::storage
