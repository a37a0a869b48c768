// getconsensusinfo, getpeerinfo, getnetworkinfo, getverifyinfo, uptime, stop: the node itself, from
// the snapshots its stages publish (node_state.h) and through NodeControl.
#include "node/rpc/method_support.h"
#include "node/rpc/methods.h"

namespace tc::rpc {
namespace {

std::string_view step_name(consensus::Step step) {
  switch (step) {
    case consensus::Step::kPropose:
      return "propose";
    case consensus::Step::kPrevote:
      return "prevote";
    case consensus::Step::kPrecommit:
      return "precommit";
  }
  return "unknown";
}

// A stage that has not published yet: the daemon is still starting it.
RpcError not_published(std::string_view what) {
  return RpcError{RpcErrorCode::kInWarmup, std::string(what) + " has not published its state yet"};
}

RpcResult get_consensus_info(const RpcContext& context) {
  const auto snapshot = context.snapshots->consensus.latest();
  if (!snapshot) return not_published("the consensus stage");
  Json validators = Json::array();
  std::uint64_t total_power = 0;
  for (const consensus::Validator& validator : snapshot->validators) {
    validators.push_back({{"pubkey", to_hex(validator.pubkey)}, {"voting_power", validator.power}});
    total_power += validator.power;
  }
  Json latency = nullptr;
  if (snapshot->last_commit_latency) {
    latency = static_cast<double>(snapshot->last_commit_latency->count()) / 1e6;
  }
  return Json{
      {"height", snapshot->height},        {"round", snapshot->round},
      {"step", step_name(snapshot->step)}, {"validators", std::move(validators)},
      {"total_voting_power", total_power}, {"last_commit_latency_seconds", std::move(latency)},
  };
}

Json peer_json(const PeerSnapshot& peer) {
  return Json{
      {"pubkey", to_hex(peer.key)},
      {"address", peer.address},
      {"inbound", peer.inbound},
      {"connected_unix_ms", peer.connected_unix_ms},
      {"tip_height", peer.tip_height},
      {"bytes_sent", peer.bytes_sent},
      {"bytes_received", peer.bytes_received},
      {"misbehaviour_score", peer.misbehaviour_score},
  };
}

RpcResult get_peer_info(const RpcContext& context) {
  const auto snapshot = context.snapshots->network.latest();
  if (!snapshot) return not_published("the net stage");
  Json peers = Json::array();
  for (const PeerSnapshot& peer : snapshot->peers) peers.push_back(peer_json(peer));
  return peers;
}

RpcResult get_network_info(const RpcContext& context) {
  const auto snapshot = context.snapshots->network.latest();
  if (!snapshot) return not_published("the net stage");
  std::uint64_t inbound = 0;
  for (const PeerSnapshot& peer : snapshot->peers) inbound += peer.inbound ? 1 : 0;
  return Json{
      {"network", network_name(context.network)},
      {"chain_id", network_chain_id(context.network)},
      {"p2p_listen_address", snapshot->p2p_listen_address},
      {"p2p_port", snapshot->p2p_port},
      {"connections", snapshot->peers.size()},
      {"connections_in", inbound},
      {"connections_out", snapshot->peers.size() - inbound},
      {"known_peers", snapshot->known_peers},
      {"banned_peers", snapshot->banned_peers},
  };
}

RpcResult get_verify_info(const RpcContext& context) {
  const auto snapshot = context.snapshots->verify.latest();
  if (!snapshot) return not_published("the verify stage");
  using gpu::EngineCounter;
  const gpu::VerifyEngineMetrics& metrics = snapshot->metrics;
  return Json{
      {"backend", snapshot->backend},
      {"device", snapshot->device},
      {"batch_size_max", snapshot->batch_size_max},
      {"batches_in_flight_max", snapshot->batches_in_flight_max},
      {"cpu_threads", snapshot->cpu_threads},
      {"signatures", metrics.get(EngineCounter::kSignatures)},
      {"accepted", metrics.get(EngineCounter::kAccepted)},
      {"rejected", metrics.get(EngineCounter::kRejected)},
      {"batches_gpu", metrics.get(EngineCounter::kBatchesGpu)},
      {"batches_cpu", metrics.get(EngineCounter::kBatchesCpu)},
      {"fallbacks",
       {{"unavailable", metrics.get(EngineCounter::kGpuFallbackUnavailable)},
        {"error", metrics.get(EngineCounter::kGpuFallbackError)},
        {"timeout", metrics.get(EngineCounter::kGpuFallbackTimeout)}}},
  };
}

}  // namespace

void add_node_methods(const RpcContext& context, Dispatcher* dispatcher) {
  dispatcher->add(
      {"getconsensusinfo", {}, [context](const Params&) { return get_consensus_info(context); }});
  dispatcher->add({"getpeerinfo", {}, [context](const Params&) { return get_peer_info(context); }});
  dispatcher->add(
      {"getnetworkinfo", {}, [context](const Params&) { return get_network_info(context); }});
  dispatcher->add(
      {"getverifyinfo", {}, [context](const Params&) { return get_verify_info(context); }});
  dispatcher->add({"uptime",
                   {},
                   [context](const Params&) -> RpcResult {
                     const auto elapsed = std::chrono::steady_clock::now() - context.started;
                     return Json(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count());
                   },
                   /*during_warmup=*/true});
  dispatcher->add({"stop",
                   {},
                   [context](const Params&) -> RpcResult {
                     context.control->request_stop();
                     return Json("timecoind stopping");
                   },
                   /*during_warmup=*/true});
}

void add_all_methods(const RpcContext& context, Dispatcher* dispatcher) {
  add_chain_methods(context, dispatcher);
  add_transaction_methods(context, dispatcher);
  add_address_methods(context, dispatcher);
  add_mempool_methods(context, dispatcher);
  add_masternode_methods(context, dispatcher);
  add_node_methods(context, dispatcher);
}

}  // namespace tc::rpc
