// Topology: the one table of timecoind's stages, the cores they run on and the rings between them
// (DESIGN §2, STYLE §2). node/daemon.cpp builds every stage and ring from it and nowhere else, so
// this table is the node's data path as it actually runs:
//
//   ingress ──(ingress_to_verify: datagrams, one IngressRing per RX queue)──► verify
//   net ──(net_to_verify: peers' forwarded transactions)──► verify
//   verify ──(verify_to_net_results: the verdict on each peer's transaction, for scoring)──► net
//   verify ──(verify_to_net: admitted transactions to forward, next proposers first)──► net
//   net ──(net_to_consensus: proposals, votes, certificates, block pages, peers' tips)──► consensus
//   consensus ──(consensus_to_net: own proposals, votes, certificates, block requests,
//                validators, next proposers)──► net
//
// The verify stage is node/stages/verify_stage.h (the one path by which a transaction enters the
// mempool). The net stage owns the io_context of every peer connection (net/peer_manager.h) and
// serves block ranges from the store; the consensus stage owns the engine, the ledger's
// execute/commit and block sync. Each stage is one thread run by core/stage_loop.h's
// run_stage_loop, pinned to the first core of its [cores] list (unpinned when the list is empty);
// the verify stage's engine also runs one CPU worker per core of cores.verify. Built once at
// startup; a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/stage_loop.h"
#include "core/status.h"

namespace tc::node {

enum class StageId : std::uint8_t { kIngress, kVerify, kNet, kConsensus, kCount };
inline constexpr std::size_t kStageCount = static_cast<std::size_t>(StageId::kCount);

enum class RingId : std::uint8_t {
  kIngressToVerify,
  kNetToVerify,
  kVerifyToNetResults,
  kVerifyToNet,
  kNetToConsensus,
  kConsensusToNet,
  kCount
};
inline constexpr std::size_t kRingCount = static_cast<std::size_t>(RingId::kCount);

struct StageSpec {
  std::string_view name;
  std::string_view config_key;  // the [cores] key its core comes from; empty: none yet
  StageLoopOptions loop;        // core from that key (-1: unpinned), burst and idle backoff
};

struct RingSpec {
  std::string_view name;
  StageId producer = StageId::kNet;
  StageId consumer = StageId::kNet;
  std::uint32_t depth = 0;        // slots (a TxRing's: 64-byte cells); a power of two
  std::size_t element_bytes = 0;  // one slot's bytes (a MessageRing's: the slot index it passes)
  std::string_view slot;          // what a slot holds

  // A TxRing's arena: depth cells of element_bytes.
  std::size_t capacity_bytes() const { return std::size_t{depth} * element_bytes; }
};

struct Topology {
  std::array<StageSpec, kStageCount> stages;
  std::array<RingSpec, kRingCount> rings;

  const StageSpec& stage(StageId id) const { return stages[static_cast<std::size_t>(id)]; }
  const RingSpec& ring(RingId id) const { return rings[static_cast<std::size_t>(id)]; }
};

// The table for `config`. Error, kConfig naming the key: cores.consensus or cores.net names more
// than one core (each stage is one thread). The ingress row shows the first of cores.ingress (the
// IngressService pins one loop per queue to each); the verify row the first of cores.verify (its
// engine pins one worker to each).
Result<Topology> make_topology(const NodeConfig& config);

// The table as aligned text, one stage or ring per line (logged at startup).
std::string render_topology(const Topology& topology);

}  // namespace tc::node
