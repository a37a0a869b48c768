#include "consensus/sim/sim_network.h"

#include <sstream>

namespace tc::consensus::sim {

std::string short_hash(const Hash256& hash) {
  return hash.is_zero() ? "nil" : to_hex(ByteSpan(hash.data(), 4));
}

std::string describe(const Message& m) {
  std::ostringstream out;
  switch (m.kind) {
    case MessageKind::kProposal:
      out << "proposal h" << m.proposal.height << " r" << m.proposal.round << " "
          << short_hash(m.proposal.block_hash);
      if (m.proposal.pol_round != kNoPolRound) out << " pol" << m.proposal.pol_round;
      break;
    case MessageKind::kVote:
      out << (m.vote.type == VoteType::kPrevote ? "prevote" : "precommit") << " h" << m.vote.height
          << " r" << m.vote.round << " " << short_hash(m.vote.block_hash) << " by v"
          << m.vote.validator_index;
      break;
    case MessageKind::kCatchUp:
      out << "catch-up " << m.blocks.size() << " blocks from h"
          << (m.blocks.empty() ? 0 : m.blocks.front().height);
      break;
    case MessageKind::kSyncRequest:
      out << "sync request from h" << m.from_height;
      break;
    case MessageKind::kStatus:
      out << "status at h" << m.from_height;
      break;
  }
  return out.str();
}

SimNetwork::SimNetwork(const SimConfig& config, Rng& rng) : config_(config), rng_(rng) {}

void SimNetwork::schedule(Event event) {
  event.seq = next_seq_++;
  queue_.push(std::move(event));
}

Event SimNetwork::take_next() {
  Event event = queue_.top();
  queue_.pop();
  return event;
}

bool SimNetwork::link_blocked(std::uint32_t from, std::uint32_t to) const {
  if (!partitioned_ || side_[from] == side_[to]) return false;
  return !asymmetric_ || side_[from] == 0;
}

void SimNetwork::send(std::uint32_t from, std::uint32_t to, const MessagePtr& message) {
  ++messages_sent_;
  if (link_blocked(from, to)) return;
  const NetworkConfig& network = config_.network;
  const bool before_gst = now_us_ < gst_us_;
  if (before_gst && rng_.chance(network.drop_probability)) return;
  const int copies = rng_.chance(network.duplicate_probability) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    std::uint64_t latency = rng_.uniform(network.latency_min_us, network.latency_max_us);
    if (before_gst && rng_.chance(network.tail_probability)) {
      latency += rng_.uniform(0, network.tail_max_us);
    }
    if (message->kind == MessageKind::kProposal && now_us_ < config_.late_proposals_ms * 1000) {
      latency += config_.timeouts.propose_ms(message->proposal.round) * 1000;
    }
    Event e;
    e.time_us = now_us_ + latency;
    e.kind = EventKind::kDeliver;
    e.node = to;
    e.message = message;
    schedule(std::move(e));
  }
}

bool SimNetwork::start_partition() {
  partitioned_ = true;
  asymmetric_ = rng_.chance(0.3);
  side_.resize(config_.validators);
  for (auto& s : side_) s = static_cast<std::uint8_t>(rng_.next() & 1);
  return asymmetric_;
}

void Trace::add(std::string text) {
  if (lines_ == 0) return;
  entries_.push_back(Entry{network_.now_us(), std::move(text)});
  if (entries_.size() > lines_) entries_.pop_front();
}

std::string Trace::to_string() const {
  std::ostringstream out;
  for (const Entry& entry : entries_) {
    out << "  " << entry.time_us / 1000 << "." << (entry.time_us % 1000) / 100 << " ms  "
        << entry.text << "\n";
  }
  return out.str();
}

}  // namespace tc::consensus::sim
