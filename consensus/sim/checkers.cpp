#include "consensus/sim/checkers.h"

#include <algorithm>
#include <sstream>

#include "consensus/certificate.h"

namespace tc::consensus::sim {

Checkers::Checkers(const SimConfig& config, SetSchedule& schedule, const SimKeyTable& keys,
                   SimVerifier& verifier, const Nodes& nodes, const SimNetwork& network)
    : config_(config),
      schedule_(schedule),
      keys_(keys),
      verifier_(verifier),
      nodes_(nodes),
      network_(network) {}

void Checkers::on_broadcast(const Node& node, const Message& message) {
  // A node's own vote carries its index in the set of the vote's height; the others it broadcasts
  // are relayed.
  std::optional<std::uint32_t> index;
  if (message.kind == MessageKind::kVote) {
    index = schedule_.index_of(node.index, message.vote.height);
    if (index == message.vote.validator_index) {
      if (!node.byzantine) check_lock(node, message.vote);
      note_signed_vote(message.vote);
    }
  }
  if (node.byzantine) return;
  if (message.kind == MessageKind::kProposal) {
    check_honest_proposal(node, message.proposal);
  } else if (message.kind == MessageKind::kVote) {
    check_honest_vote(node, message.vote, index);
  }
}

void Checkers::check_honest_vote(const Node& node, const Vote& vote,
                                 std::optional<std::uint32_t> index) {
  if (index == vote.validator_index) {
    const bool first = check_honest_signature(
        node, SignKey{node.index, vote.height, vote.round, sign_step_of(vote.type)},
        vote.block_hash, kNoPolRound);
    // A validator that joins at an epoch's first height signs there already.
    if (first && schedule_.changes() && vote.height > 1 &&
        schedule_.epoch_of(vote.height - 1) != schedule_.epoch_of(vote.height) &&
        !schedule_.index_of(node.index, vote.height - 1).has_value()) {
      ++joiner_first_height_votes_;
    }
    return;
  }
  // Not under its own index: a relay, unless the node's own key signed it.
  if (!keys_.verify(keys_.pubkey(node.index), vote_digest(kChainId, vote), vote.sig)) return;
  std::ostringstream out;
  out << "honest validator v" << node.index << " signed a vote at h" << vote.height << " r"
      << vote.round << " as index " << vote.validator_index << ", but the set of h" << vote.height;
  if (index.has_value()) {
    out << " holds it at index " << *index;
  } else {
    out << " does not hold it";
  }
  fail(out.str());
}

void Checkers::check_honest_proposal(const Node& node, const Proposal& proposal) {
  const std::optional<std::uint32_t> index = schedule_.index_of(node.index, proposal.height);
  if (!index.has_value() || *index != proposal.proposer_index ||
      proposer_of(*schedule_.set_of(proposal.height), proposal.height, proposal.round) != *index) {
    std::ostringstream out;
    out << "honest validator v" << node.index << " proposed at h" << proposal.height << " r"
        << proposal.round << " as index " << proposal.proposer_index
        << ", which is not its turn in the set of that height (its index there: "
        << (index.has_value() ? std::to_string(*index) : "none") << ")";
    fail(out.str());
  }
  check_honest_signature(node,
                         SignKey{node.index, proposal.height, proposal.round, SignStep::kProposal},
                         proposal.block_hash, proposal.pol_round);
}

void Checkers::note_signed_vote(const Vote& vote) {
  if (vote.type != VoteType::kPrevote || vote.block_hash.is_zero()) return;
  std::vector<bool>& signers = prevote_signers_[{vote.height, vote.round, vote.block_hash}];
  signers.resize(nodes_.size());
  signers[vote.validator_index] = true;
}

void Checkers::check_lock(const Node& node, const Vote& vote) {
  const Engine& engine = *node.engine;
  const ValidatorSet& set = *schedule_.set_of(vote.height);
  if (vote.type != VoteType::kPrevote || vote.block_hash.is_zero() ||
      vote.height != engine.height() || engine.locked_round() < 0 ||
      engine.locked_round() >= std::int64_t{vote.round} ||
      engine.locked_hash() == vote.block_hash) {
    return;
  }
  // Line 28 is the only way out of a lock: prevotes of > 2/3 of the power for the new block in a
  // round at or after the lock and before this one, so those signatures exist somewhere.
  for (auto r = static_cast<std::uint32_t>(engine.locked_round()); r < vote.round; ++r) {
    const auto it = prevote_signers_.find({vote.height, r, vote.block_hash});
    if (it == prevote_signers_.end()) continue;
    std::uint64_t power = 0;
    for (std::uint32_t i = 0; i < it->second.size(); ++i)
      if (it->second[i]) power += set.power(i);
    if (is_quorum(power, set.total_power())) return;
  }
  std::ostringstream out;
  out << "lock violated: honest validator v" << node.index << " locked on "
      << short_hash(engine.locked_hash()) << " in round " << engine.locked_round() << " prevoted "
      << short_hash(vote.block_hash) << " at h" << vote.height << " r" << vote.round
      << " with no prevote quorum for it since";
  fail(out.str());
}

bool Checkers::check_honest_signature(const Node& node, SignKey key, const Hash256& hash,
                                      std::uint32_t pol_round) {
  auto [it, inserted] = honest_signed_.try_emplace(key, hash, pol_round);
  if (inserted) return true;
  if (it->second.first != hash || it->second.second != pol_round) {
    std::ostringstream out;
    out << "honest validator v" << node.index << " signed conflicting messages at h" << key.height
        << " r" << key.round << " step " << static_cast<int>(key.step) << ": "
        << short_hash(it->second.first) << " and " << short_hash(hash);
    fail(out.str());
  }
  return false;
}

void Checkers::on_commit(const Node& node, std::uint64_t height, const Hash256& hash,
                         const CommitCertificate& certificate, bool valid) {
  if (node.byzantine) return;
  auto [it, inserted] = decided_.try_emplace(height, hash);
  if (!inserted && it->second != hash) {
    fail("agreement violated at height " + std::to_string(height) + ": v" +
         std::to_string(node.index) + " committed " + short_hash(hash) + ", another honest " +
         "validator committed " + short_hash(it->second));
  }
  if (!valid) {
    fail("validity violated at height " + std::to_string(height) + ": v" +
         std::to_string(node.index) + " committed " + short_hash(hash) +
         ", which its application rejects");
  }
  if (config_.check_certificates) {
    const Status status = verify_certificate(certificate, kChainId, height, hash,
                                             *schedule_.set_of(height), verifier_, is_quorum);
    if (!status.is_ok()) {
      fail("v" + std::to_string(node.index) +
           " committed without a valid certificate: " + status.to_string());
    }
  }
}

void Checkers::on_evidence(const Node& node, const Evidence& evidence) {
  if (node.byzantine) return;
  if (evidence.height == 0) {
    fail("v" + std::to_string(node.index) + " reported evidence for height 0");
    return;
  }
  const EpochSet& epoch = schedule_.at(evidence.height);
  const Status status = verify_evidence(evidence, kChainId, *epoch.set, verifier_);
  if (!status.is_ok())
    fail("v" + std::to_string(node.index) + " reported bad evidence: " + status.to_string());
  if (evidence.validator_index >= epoch.members.size()) return;
  const std::uint32_t identity = epoch.members[evidence.validator_index];
  if (!nodes_[identity]->byzantine) {
    fail("v" + std::to_string(node.index) + " reported evidence against honest validator v" +
         std::to_string(identity) + " (index " + std::to_string(evidence.validator_index) +
         " in the set of h" + std::to_string(evidence.height) + ")");
  }
}

std::uint64_t Checkers::liveness_bound_us(std::uint32_t round) const {
  // Enough rounds for the proposer rotation to reach an honest validator twice, each round with
  // its full timeouts plus message delays, and retransmission to repair pre-GST losses.
  const TimeoutConfig& t = config_.timeouts;
  const std::uint32_t rounds = static_cast<std::uint32_t>(nodes_.size()) + 3;
  std::uint64_t bound_ms = 2 * t.retransmit_ms + t.commit_wait_ms;
  for (std::uint32_t r = round; r < round + rounds; ++r) {
    bound_ms += t.propose_ms(r) + t.prevote_ms(r) + t.precommit_ms(r) +
                6 * config_.network.latency_max_us / 1000 + 2;
  }
  return 2 * bound_ms * 1000;
}

void Checkers::check_liveness() {
  if (!config_.check_liveness || network_.now_us() < network_.gst_us()) return;
  std::uint32_t round = 0;
  for (const auto& node : nodes_)
    if (!node->byzantine && node->up) round = std::max(round, node->engine->round());
  const std::uint64_t bound = liveness_bound_us(round);
  for (const auto& node : nodes_) {
    if (node->byzantine) continue;
    const std::uint64_t since = std::max(node->last_commit_us, network_.gst_us());
    if (network_.now_us() > since + bound) {
      fail("liveness: honest validator v" + std::to_string(node->index) +
           " committed nothing for " + std::to_string((network_.now_us() - since) / 1000) +
           " ms after GST (bound " + std::to_string(bound / 1000) + " ms), stuck at height " +
           std::to_string(node->engine->height()) + " round " +
           std::to_string(node->engine->round()) + "; " + engine_states());
    }
  }
}

std::string Checkers::engine_states() const {
  std::ostringstream out;
  for (const auto& node : nodes_) {
    out << "v" << node->index << (node->byzantine ? "(byz)" : "");
    if (!node->up) {
      out << " down; ";
      continue;
    }
    const Engine& e = *node->engine;
    out << " h" << e.height() << " r" << e.round() << " step" << static_cast<int>(e.step())
        << " lock " << e.locked_round() << " " << short_hash(e.locked_hash()) << " valid "
        << e.valid_round() << "; ";
  }
  return out.str();
}

}  // namespace tc::consensus::sim
