// The protocol's value types: outpoints, inputs, outputs, transactions, block headers, blocks and
// commit certificates, as owned C++ values.
//
// These are what tools, tests, the ledger and storage build and inspect. Their one byte encoding is
// in core/codec.h and docs/protocol.md; the hot receive path does not build these at all but reads
// the same bytes through the zero-copy views of core/codec.h. Plain values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/amount.h"
#include "core/bytes.h"

namespace tc {

inline constexpr std::uint16_t kTransactionVersion = 1;
// 2: the header binds every transaction byte (wtx_root) and the UTXO set after the block.
inline constexpr std::uint16_t kBlockVersion = 2;
inline constexpr std::uint16_t kCertificateVersion = 1;

// Chain ids distinguish networks inside every signature (sighash) and header.
inline constexpr std::uint32_t kChainIdMainnet = 1;
inline constexpr std::uint32_t kChainIdTestnet = 2;
inline constexpr std::uint32_t kChainIdDevnet = 3;

enum class TxKind : std::uint8_t {
  kTransfer = 0,                // >= 1 input, >= 1 output, no payload
  kCoinbase = 1,                // no inputs, >= 1 output, payload = block height (u64)
  kMasternodeRegistration = 2,  // >= 1 input, >= 1 output, payload = RegistrationPayload
  kEquivocationEvidence = 3,    // no inputs, no outputs, payload = EvidencePayload
};

struct OutPoint {
  Hash256 txid;
  std::uint32_t vout = 0;
  friend bool operator==(const OutPoint&, const OutPoint&) = default;
  friend auto operator<=>(const OutPoint&, const OutPoint&) = default;
};

struct TxInput {
  OutPoint prev;
  Pubkey pubkey;
  Signature sig;
  friend bool operator==(const TxInput&, const TxInput&) = default;
};

struct TxOutput {
  Amount value;
  PubkeyHash pubkey_hash;
  friend bool operator==(const TxOutput&, const TxOutput&) = default;
};

// What a masternode registration declares (docs/protocol.md, "Registration payload"). The
// collateral is an output the transaction's own signer controls; it must hold exactly the tier's
// collateral and stays locked while the masternode is registered. Spending it deregisters.
// possession_sig proves that the sender holds consensus_pubkey (core/hashing.h possession_hash), so
// nobody can register a key that is not theirs.
struct RegistrationPayload {
  std::uint8_t tier = 0;  // a MasternodeTier value; range-checked by the ledger, not the codec
  OutPoint collateral;
  Pubkey consensus_pubkey;
  PubkeyHash reward_pubkey_hash;
  FixedBytes<16> p2p_address;  // IPv6, or IPv4-mapped IPv6 (::ffff:a.b.c.d)
  std::uint16_t p2p_port = 0;
  Signature possession_sig;  // by consensus_pubkey over possession_hash()
  friend bool operator==(const RegistrationPayload&, const RegistrationPayload&) = default;
};

// Proof that a validator signed two conflicting consensus messages for one (height, round, step):
// two different (block hash, pol_round) pairs, both signed by `validator` (docs/protocol.md,
// "Evidence payload"). Only proposers put it in blocks; the ledger checks it (ledger/rules.h
// check_evidence) and removes the validator from the set at the next epoch boundary, its collateral
// locked until then. `step` and the pairs' order are range-checked by the ledger, not the codec.
struct EvidencePayload {
  Pubkey validator;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::uint8_t step = 0;  // consensus::SignStep: 1 proposal, 2 prevote, 3 precommit
  Hash256 hash_a;
  std::uint32_t pol_round_a = 0;  // 0xFFFFFFFF (none) for votes
  Signature sig_a;
  Hash256 hash_b;
  std::uint32_t pol_round_b = 0;
  Signature sig_b;
  friend bool operator==(const EvidencePayload&, const EvidencePayload&) = default;
};

struct Transaction {
  std::uint16_t version = kTransactionVersion;
  TxKind kind = TxKind::kTransfer;
  std::uint32_t chain_id = 0;
  std::uint64_t lock_time = 0;  // earliest block height that may include it; 0 = any
  std::vector<TxInput> inputs;
  std::vector<TxOutput> outputs;
  // Exactly one of these is meaningful, per kind.
  std::uint64_t coinbase_height = 0;
  RegistrationPayload registration;
  EvidencePayload evidence;
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

struct BlockHeader {
  std::uint16_t version = kBlockVersion;
  std::uint32_t chain_id = 0;
  std::uint64_t height = 0;
  Hash256 prev_hash;
  Hash256 tx_root;  // Merkle root of the txids (core/hashing.h)
  // Merkle root of the wire hashes: the block hash binds every byte of every transaction,
  // signatures included, so a payload is either exactly the one the proposer signed or not that
  // block at all (a relay cannot make a valid block look invalid under its hash).
  Hash256 wtx_root;
  // The UTXO set after this block (core/utxo_digest.h): snapshots and replicas are checked
  // against certified headers.
  Hash256 utxo_digest;
  std::uint64_t timestamp_ms = 0;
  Pubkey proposer;
  std::uint32_t round = 0;
  std::uint32_t tx_count = 0;
  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> transactions;
  friend bool operator==(const Block&, const Block&) = default;
};

// One validator's precommit signature inside a commit certificate.
struct CommitSignature {
  Pubkey validator;
  Signature sig;
  friend bool operator==(const CommitSignature&, const CommitSignature&) = default;
};

// Proof of finality stored with each block: the precommits of > 2/3 of the voting power for
// (height, round, block_hash). What exactly each signature signs is a consensus rule (consensus/).
struct CommitCertificate {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash;
  std::vector<CommitSignature> signatures;
  friend bool operator==(const CommitCertificate&, const CommitCertificate&) = default;
};

}  // namespace tc

// Outpoints in hash tables and shard maps: the txid is already uniform, and the vout is spread by a
// Fibonacci multiplier so that the outputs of one transaction land apart.
template <>
struct std::hash<tc::OutPoint> {
  std::size_t operator()(const tc::OutPoint& outpoint) const noexcept {
    return std::hash<tc::Hash256>()(outpoint.txid) ^
           (std::size_t{outpoint.vout} * 0x9e3779b97f4a7c15ull);
  }
};
