// getrawtransaction, sendrawtransaction, gettxout, gettransactionstatus: one transaction or output,
// committed (ChainStore: txid index, blocks, UTXO set) or pending (the ledger's mempool), and
// submission through the daemon's verify stage (NodeControl).
#include <limits>

#include "core/codec.h"
#include "core/hashing.h"
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

// The pending transaction `txid`, if the mempool holds it. A snapshot scan: O(mempool size), as
// the mempool keeps no lookup by txid outside its shards.
std::shared_ptr<const ledger::PendingTx> find_pending(ledger::Ledger& ledger, const Hash256& txid) {
  if (!ledger.mempool().contains(txid)) return nullptr;
  for (std::shared_ptr<const ledger::PendingTx>& pending : ledger.mempool().by_fee_rate()) {
    if (pending->txid == txid) return std::move(pending);
  }
  return nullptr;  // it left between the two reads
}

RpcResult get_raw_transaction(const RpcContext& context, const Hash256& id, bool verbose) {
  auto location = context.store->find_transaction(id);
  if (!location.is_ok()) return store_error(location.status(), "transaction " + to_hex(id));
  if (!location->has_value()) {
    std::shared_ptr<const ledger::PendingTx> pending = find_pending(*context.ledger, id);
    if (pending == nullptr) {
      return RpcError{RpcErrorCode::kInvalidAddressOrKey,
                      "no such mempool or blockchain transaction " + to_hex(id)};
    }
    if (!verbose) return Json(to_hex(pending->bytes));
    Json json = transaction_json(pending->view.to_transaction());
    json["hex"] = to_hex(pending->bytes);
    json["state"] = "pending";
    return json;
  }
  const storage::TxLocation where = **location;
  auto block_hash = context.store->block_hash_at(where.height);
  if (!block_hash.is_ok()) {
    return store_error(block_hash.status(),
                       "no block at height " + std::to_string(where.height) + " for " + to_hex(id));
  }
  auto block = context.store->block(*block_hash);
  if (!block.is_ok()) {
    if (block.status().code() == StatusCode::kNotFound) {
      return RpcError{RpcErrorCode::kMiscError, "transaction " + to_hex(id) + " is in block " +
                                                    std::to_string(where.height) +
                                                    ", whose body is not available (pruned data)"};
    }
    return store_error(block.status(), "block " + to_hex(*block_hash) + " not found");
  }
  if (where.index >= block->transactions.size()) {
    return RpcError{RpcErrorCode::kDatabaseError,
                    "tx index names transaction " + std::to_string(where.index) + " of block " +
                        std::to_string(where.height) + ", which has " +
                        std::to_string(block->transactions.size())};
  }
  const Transaction& tx = block->transactions[where.index];
  Bytes bytes;
  encode(tx, &bytes);
  if (!verbose) return Json(to_hex(bytes));
  Json json = transaction_json(tx);
  json["hex"] = to_hex(bytes);
  json["state"] = "finalized";
  json["blockhash"] = to_hex(*block_hash);
  json["height"] = where.height;
  json["confirmations"] = confirmations(context.store->tip(), where.height);
  return json;
}

RpcResult send_raw_transaction(const RpcContext& context, const std::string& hex) {
  auto bytes = from_hex(hex);
  if (!bytes.is_ok()) {
    return RpcError{RpcErrorCode::kDeserializationError,
                    "TX decode failed: " + std::string(bytes.status().message())};
  }
  TransactionView view;
  DecodeFailure failure;
  if (decode_transaction_view(*bytes, &view, &failure) != DecodeError::kOk) {
    return RpcError{RpcErrorCode::kDeserializationError,
                    "TX decode failed: " + std::string(decode_failure_status(failure).message())};
  }
  const SubmitOutcome outcome = context.control->submit_transaction(*bytes, context.submit_timeout);
  switch (outcome.kind) {
    case SubmitOutcome::Kind::kAccepted:
      return Json(to_hex(outcome.txid));
    case SubmitOutcome::Kind::kTimedOut:
      return RpcError{RpcErrorCode::kVerifyError,
                      "no verdict on " + to_hex(txid(view)) + " within " +
                          std::to_string(context.submit_timeout.count()) + " ms"};
    case SubmitOutcome::Kind::kQueueFull:
      return RpcError{RpcErrorCode::kVerifyError,
                      "the verify stage's queue is full; nothing was submitted"};
    case SubmitOutcome::Kind::kRejected:
      break;
  }
  // As Bitcoin Core: sending a transaction the mempool already holds succeeds with its txid; a
  // spent or unknown input is -25 ("missing inputs"); any other rule is -26.
  if (outcome.reason == ledger::RejectReason::kDuplicate) return Json(to_hex(outcome.txid));
  const RpcErrorCode code = outcome.reason == ledger::RejectReason::kMissingInput
                                ? RpcErrorCode::kVerifyError
                                : RpcErrorCode::kVerifyRejected;
  return RpcError{code, std::string(ledger::reject_reason_name(outcome.reason)) + ": " +
                            std::string(outcome.status.message())};
}

RpcResult get_tx_out(const RpcContext& context, const Hash256& id, std::uint64_t vout,
                     bool include_mempool) {
  if (vout > std::numeric_limits<std::uint32_t>::max()) return Json(nullptr);
  const OutPoint outpoint{id, static_cast<std::uint32_t>(vout)};
  const std::optional<storage::ChainTip> tip = context.store->tip();
  storage::UtxoLookup found;
  Status status = context.store->multi_get(std::span(&outpoint, 1), std::span(&found, 1));
  if (!status.is_ok()) return store_error(status, "output not found");
  // As Bitcoin Core: an output that is spent (or, with include_mempool, claimed by a pending
  // transaction) or never existed is a null result, not an error.
  if (!found.found) return Json(nullptr);
  if (include_mempool && context.ledger->mempool().lock_holder(outpoint)) return Json(nullptr);
  return Json{
      {"bestblock", tip ? Json(to_hex(tip->hash)) : Json(nullptr)},
      {"confirmations", confirmations(tip, found.entry.height)},
      {"height", found.entry.height},
      {"value_sat", found.entry.output.value.satoshis()},
      {"pubkey_hash", to_hex(found.entry.output.pubkey_hash)},
      {"address", encode_address(context.network, found.entry.output.pubkey_hash)},
      {"coinbase", found.entry.coinbase},
  };
}

RpcResult get_transaction_status(const RpcContext& context, const Hash256& id) {
  const ledger::TxStatus status = context.ledger->tx_status(id);
  Json json = {{"txid", to_hex(id)}};
  switch (status.state) {
    case ledger::TxState::kUnknown:
      json["state"] = "unknown";
      break;
    case ledger::TxState::kPending:
      json["state"] = "pending";
      break;
    case ledger::TxState::kFinalized:
      json["state"] = "finalized";
      json["height"] = status.height;
      json["confirmations"] = confirmations(context.store->tip(), status.height);
      break;
  }
  return json;
}

}  // namespace

void add_transaction_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add({"getrawtransaction",
                   {{"txid", ParamType::kHash}, {"verbose", ParamType::kBool, false}},
                   [context](const Params& params) {
                     return get_raw_transaction(context, params.hash(0),
                                                params.boolean_or(1, false));
                   }});
  dispatcher->add(
      {"sendrawtransaction", {{"hexstring", ParamType::kString}}, [context](const Params& params) {
         return send_raw_transaction(context, params.string(0));
       }});
  dispatcher->add({"gettxout",
                   {{"txid", ParamType::kHash},
                    {"n", ParamType::kUnsigned},
                    {"include_mempool", ParamType::kBool, false}},
                   [context](const Params& params) {
                     return get_tx_out(context, params.hash(0), params.u64(1),
                                       params.boolean_or(2, true));
                   }});
  dispatcher->add(
      {"gettransactionstatus", {{"txid", ParamType::kHash}}, [context](const Params& params) {
         return get_transaction_status(context, params.hash(0));
       }});
}

}  // namespace tc::rpc
