// getmempoolinfo and getrawmempool: the ledger's mempool, through its thread-safe reads (atomic
// counters, and a fee-ordered snapshot that holds each shard's mutex only to copy pointers).
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

RpcResult get_mempool_info(const RpcContext& context) {
  const ledger::Mempool& mempool = context.ledger->mempool();
  const ledger::MempoolMetrics metrics = mempool.metrics();
  Json rejected = Json::object();
  std::uint64_t rejected_total = 0;
  for (std::size_t i = 1; i < ledger::kRejectReasonCount; ++i) {
    if (metrics.admit[i] == 0) continue;
    rejected[std::string(ledger::reject_reason_name(static_cast<ledger::RejectReason>(i)))] =
        metrics.admit[i];
    rejected_total += metrics.admit[i];
  }
  return Json{
      {"size", mempool.size()},
      {"bytes", mempool.bytes()},
      {"fee_min_sat", context.ledger->params().fee_min.satoshis()},
      {"accepted", metrics.count(ledger::RejectReason::kOk)},
      {"rejected", rejected_total},
      {"rejected_by_reason", std::move(rejected)},
      {"evicted", metrics.evicted},
      {"expired", metrics.expired},
      {"included", metrics.included},
      {"invalidated", metrics.invalidated},
  };
}

RpcResult get_raw_mempool(const RpcContext& context, bool verbose) {
  const auto pending = context.ledger->mempool().by_fee_rate();
  if (!verbose) {
    Json txids = Json::array();
    for (const auto& tx : pending) txids.push_back(to_hex(tx->txid));
    return txids;
  }
  // An array rather than Bitcoin Core's object keyed by txid, so that the fee-rate order shows.
  Json entries = Json::array();
  for (const auto& tx : pending) {
    entries.push_back({{"txid", to_hex(tx->txid)},
                       {"fee_sat", tx->fee.satoshis()},
                       {"size_bytes", tx->bytes.size()},
                       {"admitted_ms", tx->admitted_ms}});
  }
  return entries;
}

}  // namespace

void add_mempool_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add(
      {"getmempoolinfo", {}, [context](const Params&) { return get_mempool_info(context); }});
  dispatcher->add(
      {"getrawmempool", {{"verbose", ParamType::kBool, false}}, [context](const Params& params) {
         return get_raw_mempool(context, params.boolean_or(0, false));
       }});
}

}  // namespace tc::rpc
