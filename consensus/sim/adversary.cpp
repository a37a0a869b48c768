#include "consensus/sim/adversary.h"

#include <string>

#include "core/sha2.h"

namespace tc::consensus::sim {

Adversary::Adversary(const SimConfig& config, Rng& rng, const SimKeyTable& keys,
                     SetSchedule& schedule, const Nodes& nodes, SimNetwork& network,
                     Checkers& checkers, Trace& trace)
    : config_(config),
      rng_(rng),
      keys_(keys),
      schedule_(schedule),
      nodes_(nodes),
      network_(network),
      checkers_(checkers),
      trace_(trace) {}

void Adversary::record_for_replay(const MessagePtr& message) {
  if (replay_pool_.size() < 512) {
    replay_pool_.push_back(message);
  } else {
    replay_pool_[rng_.uniform(0, replay_pool_.size() - 1)] = message;
  }
}

MessagePtr Adversary::payload_variant(const MessagePtr& proposal, const Node& relay) {
  auto variant = std::make_shared<Message>(*proposal);
  variant->from = relay.index;
  variant->from_height = relay.app->tip_height() + 1;
  Bytes& payload = variant->proposal.payload;
  payload[rng_.uniform(0, payload.size() - 1)] ^= static_cast<std::uint8_t>(rng_.uniform(1, 255));
  return variant;
}

void Adversary::relay_payload_variants(const MessagePtr& proposal) {
  // Any peer that relays a proposal can alter its payload; the last validator, when Byzantine,
  // plays that peer for honest proposers, so that altered copies race genuine ones.
  if (config_.byzantine == 0 || !(config_.byzantine_behaviours & kPayloadVariants)) return;
  const Node& relay = *nodes_.back();
  for (std::uint32_t to = 0; to < nodes_.size(); ++to) {
    if (to == relay.index || to == proposal->from || !rng_.chance(0.5)) continue;
    network_.send(relay.index, to, payload_variant(proposal, relay));
  }
}

MessagePtr Adversary::byzantine_vote(std::uint32_t signer, std::uint32_t index, const Vote& base,
                                     const Hash256& hash, bool corrupt) {
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kVote;
  message->from = signer;
  message->vote = base;
  message->vote.validator_index = index;
  message->vote.block_hash = hash;
  message->vote.sig = keys_.sign(signer, vote_digest(kChainId, message->vote));
  if (corrupt) {
    message->vote.sig.bytes[rng_.uniform(0, 31)] ^= 0x40;
  } else {
    checkers_.note_signed_vote(message->vote);
  }
  return message;
}

MessagePtr Adversary::outsider_vote(const Vote& base, const Hash256& hash) {
  const EpochSet& epoch = schedule_.at(base.height);
  for (std::uint32_t signer = config_.validators - config_.byzantine; signer < config_.validators;
       ++signer) {
    if (epoch.set_index[signer].has_value()) continue;
    auto message = std::make_shared<Message>();
    message->kind = MessageKind::kVote;
    message->from = signer;
    message->vote = base;
    message->vote.validator_index = static_cast<std::uint32_t>(epoch.members.size()) + signer;
    message->vote.block_hash = hash;
    message->vote.sig = keys_.sign(signer, vote_digest(kChainId, message->vote));
    return message;
  }
  return nullptr;
}

void Adversary::send(Node& node, const MessagePtr& message) {
  const std::uint32_t behaviours = config_.byzantine_behaviours;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  if (message->kind == MessageKind::kProposal) {
    height = message->proposal.height;
    round = message->proposal.round;
  } else if (message->kind == MessageKind::kVote) {
    height = message->vote.height;
    round = message->vote.round;
  } else {
    return;  // Byzantine nodes serve no block sync
  }
  const auto key = std::make_pair(height, round);
  if (behaviours & kWithhold) {
    auto [it, inserted] = withholding_.try_emplace(key, false);
    if (inserted) it->second = rng_.chance(0.25);
    if (it->second) return;
  }
  // The honest validators split into two groups per (height, round), the same for all Byzantine
  // nodes: the split-brain attack needs them to agree on who sees which block.
  Rng split(config_.seed ^ (height * 0x100000001B3ull) ^ (std::uint64_t{round} << 40));
  std::vector<std::uint8_t> group(nodes_.size(), 0);
  for (std::uint32_t i = 0; i < nodes_.size(); ++i)
    group[i] = static_cast<std::uint8_t>(split.next() & 1);

  auto send_to_group = [&](std::uint8_t g, const MessagePtr& m) {
    for (std::uint32_t to = 0; to < nodes_.size(); ++to)
      if (to != node.index && (nodes_[to]->byzantine || group[to] == g))
        network_.send(node.index, to, m);
  };

  if (message->kind == MessageKind::kProposal) {
    // Each copy may race an altered payload under the same signed hash to its receiver.
    auto send_proposal = [&](std::uint8_t g, const MessagePtr& m) {
      for (std::uint32_t to = 0; to < nodes_.size(); ++to) {
        if (to == node.index || (!nodes_[to]->byzantine && group[to] != g)) continue;
        if ((behaviours & kPayloadVariants) && rng_.chance(0.5)) {
          network_.send(node.index, to, payload_variant(m, node));
        }
        network_.send(node.index, to, m);
      }
    };
    const Proposal& p = message->proposal;
    const bool fresh = p.pol_round == kNoPolRound;
    const bool invalid = (behaviours & kInvalidBlocks) && fresh && rng_.chance(0.3);
    const bool equivocate = (behaviours & kEquivocateProposal) && fresh;
    if (!invalid && !equivocate) {
      send_proposal(0, message);
      send_proposal(1, message);
      return;
    }
    auto other = std::make_shared<Message>(*message);
    const BlockCandidate b =
        invalid ? node.app->build_invalid_block(
                      p.height, p.round,
                      static_cast<InvalidBlockKind>(rng_.uniform(0, kInvalidBlockKinds - 1)))
                : node.app->make_block(p.height, p.round);
    other->proposal.block_hash = b.hash;
    other->proposal.payload = b.payload;
    other->proposal.sig = keys_.sign(node.index, proposal_digest(kChainId, other->proposal));
    const std::string what = invalid ? " (byzantine) proposes invalid " : " (byzantine) proposes ";
    if (!equivocate) {
      trace_.add("v" + std::to_string(node.index) + what + short_hash(b.hash) + " at h" +
                 std::to_string(height) + " r" + std::to_string(round));
      send_proposal(0, other);
      send_proposal(1, other);
      return;
    }
    equivocated_[key] = {p.block_hash, b.hash};
    trace_.add("v" + std::to_string(node.index) + " (byzantine) equivocates " +
               short_hash(p.block_hash) + "/" + short_hash(b.hash) + (invalid ? " (invalid)" : "") +
               " at h" + std::to_string(height) + " r" + std::to_string(round));
    send_proposal(0, message);
    send_proposal(1, other);
    return;
  }

  const Vote& v = message->vote;
  // The votes it signs itself go under its own index in the set of the vote's height (the engine
  // also relays other validators' votes); outside that set it signs nothing for that height.
  const std::optional<std::uint32_t> own = schedule_.index_of(node.index, v.height);
  if (behaviours & kDoubleVote) {
    // Group 0 gets the engine's vote; group 1 gets a vote for the other equivocated block, or nil.
    Hash256 other_hash;
    if (auto it = equivocated_.find(key); it != equivocated_.end()) {
      other_hash = v.block_hash == it->second.first ? it->second.second : it->second.first;
    }
    send_to_group(0, message);
    if (other_hash == v.block_hash || !own.has_value()) {
      send_to_group(1, message);
    } else {
      send_to_group(1, byzantine_vote(node.index, *own, v, other_hash, false));
    }
  } else {
    send_to_group(0, message);
    send_to_group(1, message);
  }
  auto random_hash = [&] {
    Hash256 h;
    for (std::size_t i = 0; i < 32; i += 8) store_u64_le(h.data() + i, rng_.next());
    return h;
  };
  const std::uint32_t target = static_cast<std::uint32_t>(rng_.uniform(0, nodes_.size() - 1));
  if ((behaviours & kUnknownBlockVotes) && rng_.chance(0.2) && target != node.index &&
      own.has_value()) {
    network_.send(node.index, target, byzantine_vote(node.index, *own, v, random_hash(), false));
  }
  if ((behaviours & kInvalidSignatures) && rng_.chance(0.2) && target != node.index) {
    // A corrupted signature of its own, and a vote forged in the name of an honest member of the
    // height's set.
    if (own.has_value()) {
      network_.send(node.index, target, byzantine_vote(node.index, *own, v, random_hash(), true));
    }
    const EpochSet& epoch = schedule_.at(v.height);
    const auto victim = static_cast<std::uint32_t>(rng_.uniform(0, epoch.members.size() - 1));
    if (!nodes_[epoch.members[victim]]->byzantine) {
      network_.send(node.index, target,
                    byzantine_vote(epoch.members[victim], victim, v, random_hash(), true));
    }
    // A validly signed vote from outside the set, which only the set's range refuses.
    if (schedule_.changes()) {
      if (MessagePtr outsider = outsider_vote(v, random_hash())) {
        network_.send(node.index, target, outsider);
      }
    }
  }
  if ((behaviours & kReplay) && !replay_pool_.empty() && rng_.chance(0.2) && target != node.index) {
    network_.send(node.index, target, replay_pool_[rng_.uniform(0, replay_pool_.size() - 1)]);
  }
}

}  // namespace tc::consensus::sim
