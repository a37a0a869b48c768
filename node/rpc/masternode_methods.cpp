// listmasternodes: every masternode record the ChainStore holds (registered, pending, leaving),
// with its state at the next block under the registry's epoch rules. Read from the store, not from
// the ledger's registry, so a listing never takes the lock the execute stage applies blocks under.
#include "ledger/masternode_registry.h"
#include "net/peer_book.h"
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

RpcResult list_masternodes(const RpcContext& context) {
  auto records = context.store->masternodes();
  if (!records.is_ok()) return store_error(records.status(), "masternode records not found");
  const std::optional<storage::ChainTip> tip = context.store->tip();
  const std::uint64_t next_height = tip ? tip->height + 1 : 0;
  const ledger::LedgerParams& params = context.ledger->params();
  const ledger::RegistryRules rules{params.epoch_blocks, params.free_tier_lifetime_epochs};
  Json list = Json::array();
  for (const auto& [key, value] : *records) {
    auto record = ledger::decode_masternode_record(key, value);
    if (!record.is_ok()) return store_error(record.status(), "masternode record not found");
    const std::uint64_t active_from =
        ledger::activation_height(record->registered_height, rules.epoch_blocks);
    const std::optional<std::uint64_t> active_until = ledger::end_height(*record, rules);
    std::string_view state = "active";
    if (next_height < active_from) {
      state = "pending";
    } else if (active_until && next_height >= *active_until) {
      state = "inactive";
    } else if (active_until && record->deregistered_height) {
      state = record->slashed ? "slashed" : "leaving";
    }
    list.push_back({
        {"consensus_pubkey", to_hex(record->consensus_pubkey)},
        {"tier", tier_rules(record->tier).name},
        {"voting_power", tier_rules(record->tier).voting_power},
        {"collateral", record->has_collateral() ? Json{{"txid", to_hex(record->collateral.txid)},
                                                       {"vout", record->collateral.vout}}
                                                : Json(nullptr)},
        {"reward_address", encode_address(context.network, record->reward_pubkey_hash)},
        {"p2p_address",
         net::endpoint_name(net::PeerEndpoint{record->p2p_address, record->p2p_port})},
        {"registered_height", record->registered_height},
        {"deregistered_height",
         record->deregistered_height ? Json(*record->deregistered_height) : Json(nullptr)},
        {"active_from", active_from},
        {"active_until", active_until ? Json(*active_until) : Json(nullptr)},
        {"state", state},
    });
  }
  return list;
}

}  // namespace

void add_masternode_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add(
      {"listmasternodes", {}, [context](const Params&) { return list_masternodes(context); }});
}

}  // namespace tc::rpc
