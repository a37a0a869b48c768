// The JSON description of a transaction that `timecoin-wallet decode-tx` prints: its hashes, every
// field, and addresses for its keys.
//
// A tool-side view for people and scripts; nothing in the node parses it back. The document is
// ordered as below and pretty-printed with two-space indentation:
//   txid, wire_hash, sighash (for the transaction's own chain_id), encoded_bytes, version,
//   kind ("transfer", "coinbase", "masternode_registration"), chain_id, network (null for an
//   unknown chain id), lock_time,
//   inputs:  [{prev_txid, prev_vout, pubkey, address, sig}],
//   outputs: [{value_sat, pubkey_hash, address}],
//   payload: null (transfer) | {height} (coinbase) | {tier, tier_name, collateral_txid,
//            collateral_vout, consensus_pubkey, reward_pubkey_hash, reward_address, p2p_address,
//            p2p_port, possession_sig} (registration).
// Hashes and keys are lower-case hex of their bytes in order; amounts are integers in satoshis.
// Addresses use the chain's network and are null when the chain id is unknown; tier_name is null
// for a tier byte outside 0..3. Signatures (the inputs' and the proof of
// possession) are shown, not verified. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace tc::wallet {

// The document above for `tx`, ending in a newline.
std::string transaction_json(const Transaction& tx);

// Decodes hex text of one encoded transaction and returns transaction_json() of it. Trailing ASCII
// whitespace (the newline of a pipe) is ignored. Errors, kMalformed: hex errors ("transaction hex:
// non-hex character at position 5"), or the codec's message naming the error and its offset
// ("tx: truncated: ... at offset 0 ...").
Result<std::string> decode_transaction_hex_json(std::string_view hex);

}  // namespace tc::wallet
