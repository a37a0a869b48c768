// The node's JSON-RPC methods, one file per family, each declared into a Dispatcher with its
// parameters. docs/rpc.md lists every method with its parameters, result and errors.
//
//   chain_methods.cpp        getblockchaininfo getblockcount getbestblockhash getblockhash getblock
//                            getblockheader
//   transaction_methods.cpp  getrawtransaction sendrawtransaction gettxout gettransactionstatus
//   address_methods.cpp      getbalance listunspent
//   mempool_methods.cpp      getmempoolinfo getrawmempool
//   masternode_methods.cpp   listmasternodes
//   node_methods.cpp         getconsensusinfo getpeerinfo getnetworkinfo getverifyinfo uptime stop
//
// Chain methods read the ChainStore and the Ledger's thread-safe accessors directly; what lives in
// a stage comes from NodeSnapshots (node_state.h). Handlers run on the HTTP server's worker
// threads, several at once.
#pragma once

#include <chrono>
#include <cstddef>

#include "core/address.h"
#include "ledger/ledger.h"
#include "node/rpc/json_rpc.h"
#include "node/rpc/node_state.h"
#include "storage/chain_store.h"

namespace tc::rpc {

// Everything the methods read or call. The pointees must outlive the dispatcher they are added to.
struct RpcContext {
  Network network = Network::kDevnet;
  const storage::ChainStore* store = nullptr;
  ledger::Ledger* ledger = nullptr;  // tx_status, mempool and params: thread-safe accessors only
  const NodeSnapshots* snapshots = nullptr;
  NodeControl* control = nullptr;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // How long sendrawtransaction waits for the verify stage's verdict.
  std::chrono::milliseconds submit_timeout{5'000};
  // Most outputs listunspent returns (it still counts and sums all of them).
  std::size_t unspent_count_max = 1'000;
};

void add_chain_methods(const RpcContext& context, Dispatcher* dispatcher);
void add_transaction_methods(const RpcContext& context, Dispatcher* dispatcher);
void add_address_methods(const RpcContext& context, Dispatcher* dispatcher);
void add_mempool_methods(const RpcContext& context, Dispatcher* dispatcher);
void add_masternode_methods(const RpcContext& context, Dispatcher* dispatcher);
void add_node_methods(const RpcContext& context, Dispatcher* dispatcher);

// All of the above.
void add_all_methods(const RpcContext& context, Dispatcher* dispatcher);

}  // namespace tc::rpc
