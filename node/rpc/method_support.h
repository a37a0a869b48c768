// Shared pieces of the method families: how store errors map to RPC errors, and the JSON shapes
// that several methods return (a block header, a transaction). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/address.h"
#include "core/status.h"
#include "core/types.h"
#include "node/rpc/json_rpc.h"
#include "storage/chain_store.h"

namespace tc::rpc {

// A store read that failed: kNotFound becomes -5 with `not_found_message`, anything else (a
// corrupt record, an I/O error) -20 with the store's message.
RpcError store_error(const Status& status, std::string not_found_message);

// Blocks above the tip count no confirmations; the tip has one.
std::uint64_t confirmations(const std::optional<storage::ChainTip>& tip, std::uint64_t height);

// The header of block `hash` at a tip, as getblockheader and getblock show it: hash, height,
// confirmations, version, chain_id, previousblockhash, nextblockhash (when one is committed),
// tx_root, wtx_root, utxo_digest, timestamp_ms, proposer, round, tx_count.
Json header_json(const storage::ChainStore& store, const storage::ChainTip& tip,
                 const BlockHeader& header, const Hash256& hash);

// The document of node/wallet/tx_json.h (txid, hashes, inputs, outputs, payload) as a JSON value.
Json transaction_json(const Transaction& tx);

// An address of `network` into its pubkey hash, or -5 naming what is wrong with it.
std::variant<PubkeyHash, RpcError> pubkey_hash_of_address(Network network,
                                                          const std::string& address);

}  // namespace tc::rpc
