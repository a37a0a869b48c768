// getbalance and listunspent: the committed unspent outputs locked to one address, from a scan of
// the ChainStore's UTXO set (ChainStore::utxos_locked_to; there is no index by address).
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

RpcResult utxos_of_address(const RpcContext& context, const std::string& address, bool list) {
  auto pubkey_hash = pubkey_hash_of_address(context.network, address);
  if (auto* error = std::get_if<RpcError>(&pubkey_hash)) return *error;
  auto found = context.store->utxos_locked_to(std::get<PubkeyHash>(pubkey_hash),
                                              list ? context.unspent_count_max : 0);
  if (!found.is_ok()) return store_error(found.status(), "utxo set not found");
  Json json = {
      {"address", address},
      {"height", found->tip ? Json(found->tip->height) : Json(nullptr)},
      {"balance_sat", found->total.satoshis()},
      {"utxo_count", found->count},
  };
  if (!list) return json;
  Json utxos = Json::array();
  for (const storage::CreatedUtxo& utxo : found->utxos) {
    utxos.push_back({
        {"txid", to_hex(utxo.outpoint.txid)},
        {"vout", utxo.outpoint.vout},
        {"value_sat", utxo.entry.output.value.satoshis()},
        {"height", utxo.entry.height},
        {"confirmations", confirmations(found->tip, utxo.entry.height)},
        {"coinbase", utxo.entry.coinbase},
        // Claimed by a pending transaction: spent as soon as that one commits.
        {"locked", context.ledger->mempool().lock_holder(utxo.outpoint).has_value()},
    });
  }
  json["utxos"] = std::move(utxos);
  json["truncated"] = found->count > found->utxos.size();
  return json;
}

}  // namespace

void add_address_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add(
      {"getbalance", {{"address", ParamType::kString}}, [context](const Params& params) {
         return utxos_of_address(context, params.string(0), false);
       }});
  dispatcher->add(
      {"listunspent", {{"address", ParamType::kString}}, [context](const Params& params) {
         return utxos_of_address(context, params.string(0), true);
       }});
}

}  // namespace tc::rpc
