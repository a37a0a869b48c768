// getblockchaininfo, getblockcount, getbestblockhash, getblockhash, getblock, getblockheader: reads
// of the committed chain, straight from the ChainStore.
#include "core/codec.h"
#include "core/hashing.h"
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

RpcError no_chain() {
  return RpcError{RpcErrorCode::kMiscError, "no block has been committed yet"};
}

RpcResult get_blockchain_info(const RpcContext& context) {
  const std::optional<storage::ChainTip> tip = context.store->tip();
  if (!tip) return no_chain();
  auto header = context.store->header(tip->hash);
  if (!header.is_ok()) return store_error(header.status(), "tip header not found");
  auto genesis = context.store->block_hash_at(0);
  if (!genesis.is_ok()) return store_error(genesis.status(), "genesis not found");
  const std::uint64_t pruned_below = context.store->pruned_below();
  return Json{
      {"chain", network_name(context.network)},
      {"chain_id", network_chain_id(context.network)},
      {"blocks", tip->height},
      {"bestblockhash", to_hex(tip->hash)},
      {"genesis_hash", to_hex(*genesis)},
      {"timestamp_ms", header->timestamp_ms},
      {"utxo_digest", to_hex(header->utxo_digest)},
      {"pruned", pruned_below > 0},
      {"pruned_below", pruned_below},
  };
}

RpcResult get_block_hash(const RpcContext& context, std::uint64_t height) {
  const std::optional<storage::ChainTip> tip = context.store->tip();
  if (!tip) return no_chain();
  if (height > tip->height) {
    return RpcError{RpcErrorCode::kInvalidParameter, "block height " + std::to_string(height) +
                                                         " out of range (tip " +
                                                         std::to_string(tip->height) + ")"};
  }
  auto hash = context.store->block_hash_at(height);
  if (!hash.is_ok()) {
    return store_error(hash.status(), "block at height " + std::to_string(height) + " not found");
  }
  return Json(to_hex(*hash));
}

RpcResult get_block_header(const RpcContext& context, const Hash256& hash, bool verbose) {
  auto header = context.store->header(hash);
  if (!header.is_ok()) return store_error(header.status(), "block " + to_hex(hash) + " not found");
  if (!verbose) {
    Bytes bytes;
    encode(*header, &bytes);
    return Json(to_hex(bytes));
  }
  const std::optional<storage::ChainTip> tip = context.store->tip();
  if (!tip) return no_chain();
  return header_json(*context.store, *tip, *header, hash);
}

RpcResult get_block(const RpcContext& context, const Hash256& hash, std::uint64_t verbosity) {
  if (verbosity > 2) {
    return RpcError{RpcErrorCode::kInvalidParams,
                    "parameter 'verbosity': expected 0, 1 or 2, got " + std::to_string(verbosity)};
  }
  auto block = context.store->block(hash);
  if (!block.is_ok()) {
    if (block.status().code() == StatusCode::kNotFound && context.store->header(hash).is_ok()) {
      return RpcError{RpcErrorCode::kMiscError,
                      "block " + to_hex(hash) + " not available (pruned data)"};
    }
    return store_error(block.status(), "block " + to_hex(hash) + " not found");
  }
  Bytes bytes;
  encode(*block, &bytes);
  if (verbosity == 0) return Json(to_hex(bytes));
  const std::optional<storage::ChainTip> tip = context.store->tip();
  if (!tip) return no_chain();
  Json json = header_json(*context.store, *tip, block->header, hash);
  json["size_bytes"] = bytes.size();
  Json transactions = Json::array();
  for (const Transaction& tx : block->transactions) {
    if (verbosity == 1) {
      transactions.push_back(to_hex(txid(tx)));
    } else {
      transactions.push_back(transaction_json(tx));
    }
  }
  json["tx"] = std::move(transactions);
  auto certificate = context.store->certificate_at(block->header.height);
  if (certificate.is_ok()) {
    json["certificate"] = {{"round", certificate->round},
                           {"signatures", certificate->signatures.size()}};
  }
  return json;
}

}  // namespace

void add_chain_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add(
      {"getblockchaininfo", {}, [context](const Params&) { return get_blockchain_info(context); }});
  dispatcher->add({"getblockcount", {}, [context](const Params&) -> RpcResult {
                     const std::optional<storage::ChainTip> tip = context.store->tip();
                     if (!tip) return no_chain();
                     return Json(tip->height);
                   }});
  dispatcher->add({"getbestblockhash", {}, [context](const Params&) -> RpcResult {
                     const std::optional<storage::ChainTip> tip = context.store->tip();
                     if (!tip) return no_chain();
                     return Json(to_hex(tip->hash));
                   }});
  dispatcher->add(
      {"getblockhash", {{"height", ParamType::kUnsigned}}, [context](const Params& params) {
         return get_block_hash(context, params.u64(0));
       }});
  dispatcher->add({"getblock",
                   {{"blockhash", ParamType::kHash}, {"verbosity", ParamType::kUnsigned, false}},
                   [context](const Params& params) {
                     return get_block(context, params.hash(0), params.u64_or(1, 1));
                   }});
  dispatcher->add({"getblockheader",
                   {{"blockhash", ParamType::kHash}, {"verbose", ParamType::kBool, false}},
                   [context](const Params& params) {
                     return get_block_header(context, params.hash(0), params.boolean_or(1, true));
                   }});
}

}  // namespace tc::rpc
