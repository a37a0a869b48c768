// One simulated validator: its engine with the application, signer and host it is given, the
// state that survives a crash (the chain and the persisted signed state), and its inbox. Owned by
// the simulator's run loop; the adversary and the checkers read it. Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "consensus/engine.h"
#include "consensus/sim/sim_app.h"
#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/sim_network.h"

namespace tc::consensus::sim {

struct Node {
  std::uint32_t index = 0;
  bool byzantine = false;
  bool up = true;
  std::uint32_t incarnation = 0;
  std::unique_ptr<SimApp> app;
  std::unique_ptr<SimSigner> signer;
  std::unique_ptr<EngineHost> host;
  std::unique_ptr<Engine> engine;  // null while the node is down
  SignedState persisted;           // the node's signed-state file
  std::vector<MessagePtr> inbox;
  bool poll_scheduled = false;
  std::uint64_t last_commit_us = 0;
  EngineMetrics metrics_before_restarts;         // summed over the engines that crashed
  std::vector<std::uint64_t> catch_up_sent_us;   // per peer
  std::vector<std::uint64_t> sync_requested_us;  // per peer
};

using Nodes = std::vector<std::unique_ptr<Node>>;

}  // namespace tc::consensus::sim
