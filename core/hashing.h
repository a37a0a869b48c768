// The protocol's hashes (docs/protocol.md): txid, wire hash and sighash of a transaction, the RFC
// 6962 Merkle root over txids, the block hash and the pubkey hash.
//
// Each transaction hash has an owned form (core/types.h) and a view form (core/codec.h) that give
// the same digest for the same transaction; the view forms hash the buffer in place without
// copying. The verify stage computes sighash per transaction, ingress the wire hash per datagram,
// the ledger txids and tx_root per block. All functions are pure, thread-safe and allocate nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/types.h"

namespace tc {

// The 14-byte domain tag that opens every sighash preimage (no terminator).
inline constexpr std::string_view kSighashTag = "TIMECOIN/v1/tx";

// txid = SHA-256(body), body = the encoding with every input's 64-byte sig left out (header | each
// input's prev_txid|prev_vout|pubkey | outputs | payload). Signatures are not covered.
Hash256 txid(const Transaction& tx);
Hash256 txid(const TransactionView& tx);

// wire hash = SHA-256(the whole encoding, signatures included): the ingress dedup key.
Hash256 wire_hash(const Transaction& tx);
Hash256 wire_hash(const TransactionView& tx);

// sighash = SHA-256("TIMECOIN/v1/tx" | chain_id u32 LE | body): the 32 bytes every input signs.
// `chain_id` is the chain the caller signs or verifies for (the node's configured chain), passed
// explicitly rather than read from the transaction, so a transaction carrying another chain's id in
// its header fails signature verification here even if its signer used that id. Wallets signing
// for their own chain pass tx.chain_id.
Hash256 sighash(const Transaction& tx, std::uint32_t chain_id);
Hash256 sighash(const TransactionView& tx, std::uint32_t chain_id);

// The 18-byte domain tag that opens every registration's proof-of-possession preimage.
inline constexpr std::string_view kPossessionTag = "TIMECOIN/v1/mn-pop";

// possession_hash = SHA-256("TIMECOIN/v1/mn-pop" | chain_id u32 LE | input 0's prev_txid |
// input 0's prev_vout u32 LE | the first kRegistrationSignedBytes of the registration payload): the
// 32 bytes the consensus key signs into possession_sig. The domain tag keeps it apart from every
// sighash and vote; covering the whole declaration (tier, collateral, key, reward hash, address)
// stops a copier from reusing the proof with other fields, and input 0's outpoint, which can be
// spent once, stops an old proof from registering the key again after it left the set.
// REQUIRES: tx is a registration with at least one input.
Hash256 possession_hash(const Transaction& tx, std::uint32_t chain_id);
Hash256 possession_hash(const TransactionView& tx, std::uint32_t chain_id);

// RFC 6962 Merkle tree hash over `txids` in order (also over wire hashes: a header's wtx_root):
// MTH({}) = SHA-256(""), leaf = SHA-256(0x00 | d), node = SHA-256(0x01 | left | right), split at
// the largest power of two below n. Uses O(log n) stack space; allocates nothing.
Hash256 merkle_root(std::span<const Hash256> txids);

// A header's two roots over its transactions in block order: tx_root over the txids (what spends
// refer to) and wtx_root over the wire hashes (what binds the signatures into the block hash).
// Allocates the leaf arrays; builders that already hold the leaves call merkle_root directly.
struct BlockRoots {
  Hash256 tx_root;
  Hash256 wtx_root;
};
BlockRoots block_roots(std::span<const Transaction> transactions);

// block hash = SHA-256 of the 192-byte header encoding.
Hash256 block_hash(const BlockHeader& header);
Hash256 block_hash(const BlockView& block);

// The first 20 bytes of SHA-256(pubkey): what an output locks to.
PubkeyHash pubkey_hash(const Pubkey& pubkey);

}  // namespace tc
