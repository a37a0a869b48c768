#include "node/rpc/method_support.h"

#include "core/codec.h"
#include "node/wallet/tx_json.h"

namespace tc::rpc {

RpcError store_error(const Status& status, std::string not_found_message) {
  if (status.code() == StatusCode::kNotFound) {
    return RpcError{RpcErrorCode::kInvalidAddressOrKey, std::move(not_found_message)};
  }
  return RpcError{RpcErrorCode::kDatabaseError, status.to_string()};
}

std::uint64_t confirmations(const std::optional<storage::ChainTip>& tip, std::uint64_t height) {
  if (!tip || height > tip->height) return 0;
  return tip->height - height + 1;
}

Json header_json(const storage::ChainStore& store, const storage::ChainTip& tip,
                 const BlockHeader& header, const Hash256& hash) {
  Json json = {
      {"hash", to_hex(hash)},
      {"height", header.height},
      {"confirmations", confirmations(tip, header.height)},
      {"version", header.version},
      {"chain_id", header.chain_id},
      {"previousblockhash", header.height == 0 ? Json(nullptr) : Json(to_hex(header.prev_hash))},
      {"nextblockhash", nullptr},
      {"tx_root", to_hex(header.tx_root)},
      {"wtx_root", to_hex(header.wtx_root)},
      {"utxo_digest", to_hex(header.utxo_digest)},
      {"timestamp_ms", header.timestamp_ms},
      {"proposer", to_hex(header.proposer)},
      {"round", header.round},
      {"tx_count", header.tx_count},
  };
  if (header.height < tip.height) {
    if (auto next = store.block_hash_at(header.height + 1); next.is_ok()) {
      json["nextblockhash"] = to_hex(*next);
    }
  }
  return json;
}

Json transaction_json(const Transaction& tx) {
  // One description of a transaction for the wallet tool and RPC: the wallet's document, parsed
  // back. It is well-formed JSON by construction, so the parse cannot fail.
  return Json::parse(wallet::transaction_json(tx));
}

std::variant<PubkeyHash, RpcError> pubkey_hash_of_address(Network network,
                                                          const std::string& address) {
  auto decoded = decode_address_for(network, address);
  if (!decoded.is_ok()) {
    return RpcError{RpcErrorCode::kInvalidAddressOrKey,
                    "invalid address: " + std::string(decoded.status().message())};
  }
  return *decoded;
}

}  // namespace tc::rpc
