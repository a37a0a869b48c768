#include "node/topology.h"

#include <cstdio>
#include <vector>

#include "dataplane/ingress_ring.h"
#include "node/stages/peer_messages.h"
#include "node/stages/tx_ring.h"
#include "node/stages/verify_stage.h"

namespace tc::node {
namespace {

// Both rings carry consensus traffic: a few proposals and a few hundred votes per round, and
// block-sync pages (at most BlockSyncConfig::pages_in_window_max in flight). 1024 slots hold
// several rounds of a 64-validator set; a slot a full ring refuses is dropped and counted, and the
// engine's retransmission recovers it.
constexpr std::uint32_t kConsensusRingDepth = 1024;
// Transactions between the net and verify stages, in 64-byte cells (node/stages/tx_ring.h): 4 MiB
// hold about 10,000 transfers of 300 bytes, a few thousand peers' batches of frames and as many
// admitted transactions waiting to be forwarded. A peer's transaction the ring refuses is dropped
// and counted at the net stage; the verify stage waits for room to forward (it drops nothing).
constexpr std::uint32_t kTxRingCells = (std::uint32_t{4} << 20) / TxRing::kCellBytes;
// One verdict per peer transaction, read by the net stage every step.
constexpr std::uint32_t kVerifyResultDepth = 4096;

// Stages here share the machine with the OS and, on a devnet, with other nodes: they spin a
// little, then sleep 200 us when idle (a consensus message waits at most that long).
StageLoopOptions shared_core_loop(int core) {
  StageLoopOptions loop;
  loop.core = core;
  loop.burst_max = 64;
  loop.housekeeping_interval_ns = 10'000'000;  // 10 ms: block-sync polls, gauges
  loop.idle_spin_steps = 64;
  loop.idle_yield_steps = 64;
  loop.idle_sleep_us = 200;
  return loop;
}

Result<int> single_core(const std::vector<int>& cores, std::string_view key) {
  if (cores.empty()) return -1;
  if (cores.size() > 1) {
    return config_error("cores." + std::string(key) + " lists " + std::to_string(cores.size()) +
                        " cores; its stage is one thread, so list at most one");
  }
  return cores.front();
}

}  // namespace

Result<Topology> make_topology(const NodeConfig& config) {
  const int verify_core = config.cores.verify.empty() ? -1 : config.cores.verify.front();
  TC_ASSIGN_OR_RETURN(const int consensus_core, single_core(config.cores.consensus, "consensus"));
  TC_ASSIGN_OR_RETURN(const int net_core, single_core(config.cores.net, "net"));
  const int ingress_core = config.cores.ingress.empty() ? -1 : config.cores.ingress.front();
  const std::uint32_t ingress_depth = config.ingress.ring_depth;
  Topology t;
  // clang-format off
  //            name          [cores] key   loop
  t.stages = {{{"ingress",    "ingress",    shared_core_loop(ingress_core)},
               {"verify",     "verify",     shared_core_loop(verify_core)},
               {"net",        "net",        shared_core_loop(net_core)},
               {"consensus",  "consensus",  shared_core_loop(consensus_core)}}};
  //           name                     producer             consumer             depth                element_bytes                 slot
  t.rings = {{{"ingress_to_verify",     StageId::kIngress,   StageId::kVerify,    ingress_depth,       sizeof(dataplane::IngressTx), "IngressTx"},
              {"net_to_verify",         StageId::kNet,       StageId::kVerify,    kTxRingCells,        TxRing::kCellBytes,           "TxRecord cell"},
              {"verify_to_net_results", StageId::kVerify,    StageId::kNet,       kVerifyResultDepth,  sizeof(VerifyResult),         "VerifyResult"},
              {"verify_to_net",         StageId::kVerify,    StageId::kNet,       kTxRingCells,        TxRing::kCellBytes,           "TxRecord cell"},
              {"net_to_consensus",      StageId::kNet,       StageId::kConsensus, kConsensusRingDepth, sizeof(std::uint32_t),        "InboundMessage"},
              {"consensus_to_net",      StageId::kConsensus, StageId::kNet,       kConsensusRingDepth, sizeof(std::uint32_t),        "OutboundMessage"}}};
  // clang-format on
  return t;
}

std::string render_topology(const Topology& topology) {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof(line), "%-10s %-16s %-5s %-6s %s\n", "stage", "cores_key", "core",
                "burst", "idle_sleep_us");
  out += line;
  for (const StageSpec& s : topology.stages) {
    const std::string core = s.loop.core < 0 ? "-" : std::to_string(s.loop.core);
    const std::string key = s.config_key.empty() ? "-" : "cores." + std::string(s.config_key);
    std::snprintf(line, sizeof(line), "%-10.*s %-16s %-5s %-6u %u\n",
                  static_cast<int>(s.name.size()), s.name.data(), key.c_str(), core.c_str(),
                  s.loop.burst_max, s.loop.idle_sleep_us);
    out += line;
  }
  std::snprintf(line, sizeof(line), "%-21s %-10s %-10s %-6s %-13s %s\n", "ring", "from", "to",
                "depth", "element_bytes", "slot");
  out += line;
  for (const RingSpec& r : topology.rings) {
    const std::string_view from = topology.stage(r.producer).name;
    const std::string_view to = topology.stage(r.consumer).name;
    std::snprintf(line, sizeof(line), "%-21.*s %-10.*s %-10.*s %-6u %-13zu %.*s\n",
                  static_cast<int>(r.name.size()), r.name.data(), static_cast<int>(from.size()),
                  from.data(), static_cast<int>(to.size()), to.data(), r.depth, r.element_bytes,
                  static_cast<int>(r.slot.size()), r.slot.data());
    out += line;
  }
  return out;
}

}  // namespace tc::node
