// The simulator's adversary: everything a Byzantine validator's engine broadcasts goes through
// here and leaves altered (SimConfig::byzantine_behaviours), and altered copies of honest
// proposals are relayed as any peer could.
//
// Byzantine validators equivocate as proposers (different blocks to two groups of honest
// validators, the same split for all Byzantine nodes), double-vote for the other group's block or
// nil, sign votes for unknown blocks, withhold whole rounds, send corrupted signatures and votes
// forged in honest names, replay old messages, race payload variants (an altered payload under a
// signed hash) and propose hash-bound blocks that the application refuses. It signs only with
// keys in the set of the height it attacks, under their index there; with changing sets
// (SimConfig::set_changes) it also signs votes with a Byzantine key outside that set, which
// engines must drop as from an unknown validator. Every validly signed vote it makes is reported to
// the checkers. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "consensus/sim/checkers.h"
#include "consensus/sim/set_schedule.h"
#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/sim_network.h"
#include "consensus/sim/sim_node.h"
#include "consensus/sim/simulator.h"

namespace tc::consensus::sim {

class Adversary {
 public:
  // The references must outlive the adversary; `rng` is the run's one generator.
  Adversary(const SimConfig& config, Rng& rng, const SimKeyTable& keys, SetSchedule& schedule,
            const Nodes& nodes, SimNetwork& network, Checkers& checkers, Trace& trace);

  // Sends what Byzantine `node`'s engine broadcast, altered by the configured behaviours.
  void send(Node& node, const MessagePtr& message);
  // An honest broadcast, kept for replays. Called before it is sent.
  void record_for_replay(const MessagePtr& message);
  // With kPayloadVariants, the last validator (Byzantine) relays copies of an honest proposal with
  // an altered payload to some validators. Called after the genuine proposal is sent.
  void relay_payload_variants(const MessagePtr& proposal);

 private:
  // A vote like `base` for `hash`, signed with pool identity `signer`'s key under set index
  // `index` (a corrupted signature when `corrupt`).
  MessagePtr byzantine_vote(std::uint32_t signer, std::uint32_t index, const Vote& base,
                            const Hash256& hash, bool corrupt);
  // A validly signed vote from a Byzantine identity outside the set of base.height, under an index
  // past the end of that set; nullptr when every Byzantine identity is in the set.
  MessagePtr outsider_vote(const Vote& base, const Hash256& hash);
  // A copy of `proposal`, relayed by `relay`, with one payload byte altered.
  MessagePtr payload_variant(const MessagePtr& proposal, const Node& relay);

  const SimConfig& config_;
  Rng& rng_;
  const SimKeyTable& keys_;
  SetSchedule& schedule_;
  const Nodes& nodes_;
  SimNetwork& network_;
  Checkers& checkers_;
  Trace& trace_;
  // (height, round) -> the two blocks a Byzantine proposer sent, for the double votes.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::pair<Hash256, Hash256>> equivocated_;
  std::map<std::pair<std::uint64_t, std::uint32_t>, bool> withholding_;
  std::vector<MessagePtr> replay_pool_;
};

}  // namespace tc::consensus::sim
