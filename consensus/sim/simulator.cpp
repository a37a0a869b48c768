#include "consensus/sim/simulator.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "consensus/certificate.h"
#include "consensus/sim/sim_crypto.h"
#include "core/sha2.h"

namespace tc::consensus::sim {

TimeoutConfig default_sim_timeouts() {
  TimeoutConfig t;
  t.propose_base_ms = 60;
  t.propose_delta_ms = 20;
  t.prevote_base_ms = 30;
  t.prevote_delta_ms = 10;
  t.precommit_base_ms = 30;
  t.precommit_delta_ms = 10;
  t.commit_wait_ms = 0;
  t.retransmit_ms = 100;
  return t;
}

NetworkConfig lan_network() {
  NetworkConfig n;
  n.latency_min_us = 200;
  n.latency_max_us = 1000;
  n.drop_probability = 0;
  n.tail_probability = 0;
  n.tail_max_us = 0;
  n.duplicate_probability = 0;
  n.gst_ms = 0;
  return n;
}

namespace {

constexpr std::uint32_t kChainId = 0x51A;  // the simulator's own chain id
constexpr std::size_t kBlockPayloadBytes = 6 + 8 + 32 + 4 + 4 + 8;
constexpr std::uint64_t kCatchUpIntervalUs = 20000;  // block sync answers a peer at most this often
constexpr std::uint64_t kCatchUpBlocksMax = 16;

// SplitMix64: a small, fully specified generator, so a seed means the same run everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi) {  // inclusive
    return lo + next() % (hi - lo + 1);
  }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

// ---- the simulated application: blocks that chain by parent hash ------------------------------

class SimApp final : public Application {
 public:
  using CommitHook = std::function<void(std::uint64_t, const Hash256&, const CommitCertificate&)>;
  SimApp(std::uint32_t index, std::shared_ptr<const ValidatorSet> set, CommitHook hook)
      : index_(index), set_(std::move(set)), hook_(std::move(hook)) {}

  std::uint64_t tip_height() const { return chain_.size(); }
  const Hash256& tip_hash() const { return chain_.empty() ? genesis_ : chain_.back().hash; }
  // REQUIRES: 1 <= height <= tip_height().
  const CommittedBlock& block(std::uint64_t height) const { return chain_[height - 1]; }

  // The simulated network keeps one set for every height.
  Result<std::shared_ptr<const ValidatorSet>> validator_set(std::uint64_t) override { return set_; }

  std::optional<BlockCandidate> build_block(std::uint64_t height, std::uint32_t round) override {
    BlockCandidate candidate;
    candidate.payload.resize(kBlockPayloadBytes);
    std::uint8_t* p = candidate.payload.data();
    std::memcpy(p, "SIMBLK", 6);
    store_u64_le(p + 6, height);
    std::memcpy(p + 14, tip_hash().data(), 32);
    store_u32_le(p + 46, index_);
    store_u32_le(p + 50, round);
    store_u64_le(p + 54, ++nonce_);
    candidate.hash = sha256(candidate.payload);
    return candidate;
  }

  bool payload_binds(const Hash256& hash, ByteSpan payload) override {
    return sha256(payload) == hash;
  }

  bool validate_block(std::uint64_t height, const Hash256&, ByteSpan payload,
                      BlockOrigin) override {
    return payload.size() == kBlockPayloadBytes && std::memcmp(payload.data(), "SIMBLK", 6) == 0 &&
           load_u64_le(payload.data() + 6) == height && height == tip_height() + 1 &&
           std::memcmp(payload.data() + 14, tip_hash().data(), 32) == 0;
  }

  Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                      const CommitCertificate& certificate) override {
    chain_.push_back(
        CommittedBlock{height, hash, Bytes(payload.begin(), payload.end()), certificate});
    hook_(height, hash, certificate);
    return Status::ok();
  }

 private:
  std::uint32_t index_;
  std::shared_ptr<const ValidatorSet> set_;
  CommitHook hook_;
  Hash256 genesis_;
  std::vector<CommittedBlock> chain_;  // survives crashes: it is the node's disk
  std::uint64_t nonce_ = 0;
};

// ---- messages and events ------------------------------------------------------------------------

enum class MessageKind : std::uint8_t { kProposal, kVote, kCatchUp, kSyncRequest };

struct Message {
  MessageKind kind = MessageKind::kVote;
  std::uint32_t from = 0;
  std::uint64_t from_height = 0;  // the sender's current height, as a P2P status header carries
  Proposal proposal;
  Vote vote;
  std::vector<CommittedBlock> blocks;
};
using MessagePtr = std::shared_ptr<const Message>;

enum class EventKind : std::uint8_t {
  kDeliver,
  kPoll,
  kTimer,
  kCrash,
  kRestart,
  kPartitionStart,
  kPartitionEnd
};

struct Event {
  std::uint64_t time_us = 0;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::kDeliver;
  std::uint32_t node = 0;
  std::uint32_t incarnation = 0;
  TimeoutEvent timeout;
  MessagePtr message;
};
struct EventLater {
  bool operator()(const Event& a, const Event& b) const {
    return a.time_us != b.time_us ? a.time_us > b.time_us : a.seq > b.seq;
  }
};

struct TraceEntry {
  std::uint64_t time_us;
  std::string text;
};

struct SignKey {
  std::uint32_t validator;
  std::uint64_t height;
  std::uint32_t round;
  SignStep step;
  friend bool operator<(const SignKey& a, const SignKey& b) {
    return std::tie(a.validator, a.height, a.round, a.step) <
           std::tie(b.validator, b.height, b.round, b.step);
  }
};

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
  }
  return out.str();
}

class Simulation;

// ---- one simulated node -------------------------------------------------------------------------

struct Node;

class NodeHost final : public EngineHost {
 public:
  NodeHost(Simulation& sim, Node& node) : sim_(sim), node_(node) {}
  Status persist_signed_state(const SignedState& state) override;
  void broadcast_proposal(const Proposal& proposal) override;
  void broadcast_vote(const Vote& vote) override;
  void schedule_timeout(const TimeoutEvent& event, std::uint64_t delay_ms) override;
  void report_evidence(const Evidence& evidence) override;

 private:
  Simulation& sim_;
  Node& node_;
};

struct Node {
  std::uint32_t index = 0;
  bool byzantine = false;
  bool up = true;
  std::uint32_t incarnation = 0;
  std::unique_ptr<SimApp> app;
  std::unique_ptr<SimSigner> signer;
  std::unique_ptr<NodeHost> host;
  std::unique_ptr<Engine> engine;
  SignedState persisted;  // the node's signed-state file
  std::vector<MessagePtr> inbox;
  bool poll_scheduled = false;
  std::uint64_t last_commit_us = 0;
  std::uint64_t verified_before_restarts = 0;
  std::vector<std::uint64_t> catch_up_sent_us;   // per peer
  std::vector<std::uint64_t> sync_requested_us;  // per peer
};

class Simulation {
 public:
  explicit Simulation(const SimConfig& config)
      : config_(config),
        rng_(config.seed * 0x9E3779B97F4A7C15ull + 1),
        keys_(config.seed, config.validators),
        verifier_(keys_) {}

  SimResult run();

  // ---- called by NodeHost ----
  void persist(Node& node, const SignedState& state) { node.persisted = state; }
  void broadcast(Node& node, const MessagePtr& message);
  void schedule_timer(Node& node, const TimeoutEvent& event, std::uint64_t delay_ms) {
    Event e;
    e.time_us = now_us_ + delay_ms * 1000;
    e.kind = EventKind::kTimer;
    e.node = node.index;
    e.incarnation = node.incarnation;
    e.timeout = event;
    push(std::move(e));
  }
  void evidence(Node& node, const Evidence& evidence);
  void serve_catch_up(Node& node, std::uint32_t peer, std::uint64_t height);
  void request_catch_up(Node& node, std::uint32_t peer);
  void on_commit(Node& node, std::uint64_t height, const Hash256& hash,
                 const CommitCertificate& certificate);

 private:
  void push(Event event) {
    event.seq = next_seq_++;
    queue_.push(std::move(event));
  }
  void send(std::uint32_t from, std::uint32_t to, const MessagePtr& message);
  bool link_blocked(std::uint32_t from, std::uint32_t to) const;
  void deliver(const Event& event);
  void poll(Node& node);
  void start_engine(Node& node);
  void check_honest_signature(const Node& node, SignKey key, const Hash256& hash,
                              std::uint32_t pol_round);
  void byzantine_send(Node& node, const MessagePtr& message);
  MessagePtr byzantine_vote(std::uint32_t signer_index, const Vote& base, const Hash256& hash,
                            bool corrupt);
  void check_liveness();
  void fail(const std::string& violation) {
    if (violation_.empty()) violation_ = violation;
  }
  void trace(std::string text) {
    if (config_.trace_lines == 0) return;
    trace_.push_back(TraceEntry{now_us_, std::move(text)});
    if (trace_.size() > config_.trace_lines) trace_.pop_front();
  }
  bool honest(std::uint32_t index) const { return !nodes_[index]->byzantine; }
  std::uint64_t liveness_bound_us(std::uint32_t round) const;
  // "v0 h4 r7 prevote lock 2 valid 3, ..." for failure messages.
  std::string engine_states() const {
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

  SimConfig config_;
  Rng rng_;
  SimKeyTable keys_;
  SimVerifier verifier_;  // the invariant checker's own verifier
  std::optional<ValidatorSet> set_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t now_us_ = 0;
  std::uint64_t gst_us_ = 0;
  std::string violation_;
  std::deque<TraceEntry> trace_;
  SimStats stats_;

  std::map<std::uint64_t, Hash256> decided_;                // agreement: height -> first commit
  std::map<std::uint64_t, std::uint64_t> height_start_us_;  // first honest commit of height - 1
  std::map<SignKey, std::pair<Hash256, std::uint32_t>> honest_signed_;

  // Network partition state.
  bool partitioned_ = false;
  bool asymmetric_ = false;
  std::vector<std::uint8_t> side_;

  // Adversary state.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::pair<Hash256, Hash256>> equivocated_;
  std::map<std::pair<std::uint64_t, std::uint32_t>, bool> withholding_;
  std::vector<MessagePtr> replay_pool_;
  std::uint64_t events_ = 0;
};

Status NodeHost::persist_signed_state(const SignedState& state) {
  sim_.persist(node_, state);
  return Status::ok();
}
void NodeHost::broadcast_proposal(const Proposal& proposal) {
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kProposal;
  message->from = node_.index;
  message->proposal = proposal;
  sim_.broadcast(node_, message);
}
void NodeHost::broadcast_vote(const Vote& vote) {
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kVote;
  message->from = node_.index;
  message->vote = vote;
  sim_.broadcast(node_, message);
}
void NodeHost::schedule_timeout(const TimeoutEvent& event, std::uint64_t delay_ms) {
  sim_.schedule_timer(node_, event, delay_ms);
}
void NodeHost::report_evidence(const Evidence& evidence) {
  sim_.evidence(node_, evidence);
}

// ---- network ------------------------------------------------------------------------------------

bool Simulation::link_blocked(std::uint32_t from, std::uint32_t to) const {
  if (!partitioned_ || side_[from] == side_[to]) return false;
  return !asymmetric_ || side_[from] == 0;
}

void Simulation::send(std::uint32_t from, std::uint32_t to, const MessagePtr& message) {
  ++stats_.messages_sent;
  if (link_blocked(from, to)) return;
  const bool before_gst = now_us_ < gst_us_;
  if (before_gst && rng_.chance(config_.network.drop_probability)) return;
  const int copies = rng_.chance(config_.network.duplicate_probability) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    std::uint64_t latency =
        rng_.uniform(config_.network.latency_min_us, config_.network.latency_max_us);
    if (before_gst && rng_.chance(config_.network.tail_probability)) {
      latency += rng_.uniform(0, config_.network.tail_max_us);
    }
    if (message->kind == MessageKind::kProposal && now_us_ < config_.late_proposals_ms * 1000) {
      latency += config_.timeouts.propose_ms(message->proposal.round) * 1000;
    }
    Event e;
    e.time_us = now_us_ + latency;
    e.kind = EventKind::kDeliver;
    e.node = to;
    e.message = message;
    push(std::move(e));
  }
}

void Simulation::broadcast(Node& node, const MessagePtr& message) {
  const_cast<Message&>(*message).from_height = node.app->tip_height() + 1;
  if (node.byzantine) {
    byzantine_send(node, message);
    return;
  }
  if (message->kind == MessageKind::kProposal) {
    const Proposal& p = message->proposal;
    check_honest_signature(node, SignKey{node.index, p.height, p.round, SignStep::kProposal},
                           p.block_hash, p.pol_round);
  } else if (message->kind == MessageKind::kVote) {
    const Vote& v = message->vote;
    if (v.validator_index == node.index) {
      check_honest_signature(node, SignKey{node.index, v.height, v.round, sign_step_of(v.type)},
                             v.block_hash, kNoPolRound);
    }
  }
  if (replay_pool_.size() < 512) {
    replay_pool_.push_back(message);
  } else {
    replay_pool_[rng_.uniform(0, replay_pool_.size() - 1)] = message;
  }
  for (std::uint32_t to = 0; to < nodes_.size(); ++to)
    if (to != node.index) send(node.index, to, message);
}

void Simulation::check_honest_signature(const Node& node, SignKey key, const Hash256& hash,
                                        std::uint32_t pol_round) {
  auto [it, inserted] = honest_signed_.try_emplace(key, hash, pol_round);
  if (inserted) return;
  if (it->second.first != hash || it->second.second != pol_round) {
    std::ostringstream out;
    out << "honest validator v" << node.index << " signed conflicting messages at h" << key.height
        << " r" << key.round << " step " << static_cast<int>(key.step) << ": "
        << short_hash(it->second.first) << " and " << short_hash(hash);
    fail(out.str());
  }
}

// ---- the adversary: everything Byzantine nodes send goes through here ---------------------------

MessagePtr Simulation::byzantine_vote(std::uint32_t signer_index, const Vote& base,
                                      const Hash256& hash, bool corrupt) {
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kVote;
  message->from = signer_index;
  message->vote = base;
  message->vote.validator_index = signer_index;
  message->vote.block_hash = hash;
  message->vote.sig = keys_.sign(signer_index, vote_digest(kChainId, message->vote));
  if (corrupt) message->vote.sig.bytes[rng_.uniform(0, 31)] ^= 0x40;
  return message;
}

void Simulation::byzantine_send(Node& node, const MessagePtr& message) {
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
      if (to != node.index && (nodes_[to]->byzantine || group[to] == g)) send(node.index, to, m);
  };

  if (message->kind == MessageKind::kProposal) {
    const Proposal& p = message->proposal;
    if ((behaviours & kEquivocateProposal) && p.pol_round == kNoPolRound) {
      auto other = std::make_shared<Message>(*message);
      const BlockCandidate b = *node.app->build_block(p.height, p.round);
      other->proposal.block_hash = b.hash;
      other->proposal.payload = b.payload;
      other->proposal.sig = keys_.sign(node.index, proposal_digest(kChainId, other->proposal));
      equivocated_[key] = {p.block_hash, b.hash};
      trace("v" + std::to_string(node.index) + " (byzantine) equivocates " +
            short_hash(p.block_hash) + "/" + short_hash(b.hash) + " at h" + std::to_string(height) +
            " r" + std::to_string(round));
      send_to_group(0, message);
      send_to_group(1, other);
      return;
    }
    send_to_group(0, message);
    send_to_group(1, message);
    return;
  }

  const Vote& v = message->vote;
  if (behaviours & kDoubleVote) {
    // Group 0 gets the engine's vote; group 1 gets a vote for the other equivocated block, or nil.
    Hash256 other_hash;
    if (auto it = equivocated_.find(key); it != equivocated_.end()) {
      other_hash = v.block_hash == it->second.first ? it->second.second : it->second.first;
    }
    send_to_group(0, message);
    if (other_hash == v.block_hash) {
      send_to_group(1, message);
    } else {
      send_to_group(1, byzantine_vote(node.index, v, other_hash, false));
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
  if ((behaviours & kUnknownBlockVotes) && rng_.chance(0.2) && target != node.index) {
    send(node.index, target, byzantine_vote(node.index, v, random_hash(), false));
  }
  if ((behaviours & kInvalidSignatures) && rng_.chance(0.2) && target != node.index) {
    // A corrupted signature of its own, and a vote forged in an honest validator's name.
    send(node.index, target, byzantine_vote(node.index, v, random_hash(), true));
    const std::uint32_t victim = static_cast<std::uint32_t>(rng_.uniform(0, nodes_.size() - 1));
    if (honest(victim)) send(node.index, target, byzantine_vote(victim, v, random_hash(), true));
  }
  if ((behaviours & kReplay) && !replay_pool_.empty() && rng_.chance(0.2) && target != node.index) {
    send(node.index, target, replay_pool_[rng_.uniform(0, replay_pool_.size() - 1)]);
  }
}

// ---- nodes --------------------------------------------------------------------------------------

void Simulation::evidence(Node& node, const Evidence& evidence) {
  ++stats_.evidence_reported;
  trace("v" + std::to_string(node.index) + " reports evidence against v" +
        std::to_string(evidence.validator_index) + " h" + std::to_string(evidence.height) + " r" +
        std::to_string(evidence.round));
  if (node.byzantine) return;
  const Status status = verify_evidence(evidence, kChainId, *set_, verifier_);
  if (!status.is_ok())
    fail("v" + std::to_string(node.index) + " reported bad evidence: " + status.to_string());
  if (honest(evidence.validator_index)) {
    fail("v" + std::to_string(node.index) + " reported evidence against honest validator v" +
         std::to_string(evidence.validator_index));
  }
}

void Simulation::serve_catch_up(Node& node, std::uint32_t peer, std::uint64_t height) {
  if (node.byzantine || peer >= nodes_.size() || peer == node.index) return;
  if (height == 0 || height > node.app->tip_height()) return;
  std::uint64_t& last = node.catch_up_sent_us[peer];
  if (last != 0 && now_us_ < last + kCatchUpIntervalUs) return;
  last = now_us_;
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kCatchUp;
  message->from = node.index;
  const std::uint64_t end = std::min(node.app->tip_height(), height + kCatchUpBlocksMax - 1);
  for (std::uint64_t h = height; h <= end; ++h) message->blocks.push_back(node.app->block(h));
  send(node.index, peer, message);
}

void Simulation::request_catch_up(Node& node, std::uint32_t peer) {
  if (node.byzantine || peer >= nodes_.size() || peer == node.index) return;
  std::uint64_t& last = node.sync_requested_us[peer];
  if (last != 0 && now_us_ < last + kCatchUpIntervalUs) return;
  last = now_us_;
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kSyncRequest;
  message->from = node.index;
  message->from_height = node.app->tip_height() + 1;
  send(node.index, peer, message);
}

void Simulation::on_commit(Node& node, std::uint64_t height, const Hash256& hash,
                           const CommitCertificate& certificate) {
  trace("v" + std::to_string(node.index) + " commits h" + std::to_string(height) + " " +
        short_hash(hash) + " (round " + std::to_string(certificate.round) + ")");
  if (node.byzantine) return;
  node.last_commit_us = now_us_;
  stats_.max_commit_round = std::max(stats_.max_commit_round, certificate.round);
  auto [it, inserted] = decided_.try_emplace(height, hash);
  if (!inserted && it->second != hash) {
    fail("agreement violated at height " + std::to_string(height) + ": v" +
         std::to_string(node.index) + " committed " + short_hash(hash) + ", another honest " +
         "validator committed " + short_hash(it->second));
  }
  if (config_.check_certificates) {
    const Status status =
        verify_certificate(certificate, kChainId, height, hash, *set_, verifier_, is_quorum);
    if (!status.is_ok()) {
      fail("v" + std::to_string(node.index) +
           " committed without a valid certificate: " + status.to_string());
    }
  }
  height_start_us_.try_emplace(height + 1, now_us_);
  const auto start = height_start_us_.find(height);
  stats_.commit_latencies_us.push_back(now_us_ -
                                       (start == height_start_us_.end() ? 0 : start->second));
}

void Simulation::start_engine(Node& node) {
  EngineConfig engine_config;
  engine_config.chain_id = kChainId;
  engine_config.timeouts = config_.timeouts;
  engine_config.quorum_rule = config_.quorum_rule;
  node.host = std::make_unique<NodeHost>(*this, node);
  node.engine =
      std::make_unique<Engine>(engine_config, node.signer.get(), verifier_, *node.app, *node.host);
  node.engine->start(node.app->tip_height() + 1, node.persisted);
}

void Simulation::deliver(const Event& event) {
  Node& node = *nodes_[event.node];
  if (!node.up) return;
  node.inbox.push_back(event.message);
  if (!node.poll_scheduled) {
    node.poll_scheduled = true;
    Event e;
    e.time_us = now_us_ + config_.network.poll_us;
    e.kind = EventKind::kPoll;
    e.node = node.index;
    e.incarnation = node.incarnation;
    push(std::move(e));
  }
}

void Simulation::poll(Node& node) {
  node.poll_scheduled = false;
  std::vector<MessagePtr> inbox = std::move(node.inbox);
  node.inbox.clear();
  std::vector<Vote> votes;
  for (const MessagePtr& m : inbox) {
    // Block sync: a node that has decided nothing for two retransmission periods asks a sender
    // that is already deciding a later height for the blocks it lacks.
    if (m->from_height > node.app->tip_height() + 1 &&
        now_us_ > node.last_commit_us + 2000 * config_.timeouts.retransmit_ms) {
      request_catch_up(node, m->from);
    }
    if (config_.trace_lines > 0)
      trace("v" + std::to_string(node.index) + " <- v" + std::to_string(m->from) + " " +
            describe(*m));
    switch (m->kind) {
      case MessageKind::kCatchUp:
        for (const CommittedBlock& block : m->blocks) node.engine->on_committed_block(block);
        break;
      case MessageKind::kProposal:
        node.engine->on_proposal(m->proposal);
        break;
      case MessageKind::kVote:
        votes.push_back(m->vote);
        break;
      case MessageKind::kSyncRequest:
        serve_catch_up(node, m->from, m->from_height);
        break;
    }
  }
  if (!votes.empty()) node.engine->on_votes(votes);
}

std::uint64_t Simulation::liveness_bound_us(std::uint32_t round) const {
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

void Simulation::check_liveness() {
  if (!config_.check_liveness || now_us_ < gst_us_) return;
  std::uint32_t round = 0;
  for (const auto& node : nodes_)
    if (!node->byzantine && node->up) round = std::max(round, node->engine->round());
  const std::uint64_t bound = liveness_bound_us(round);
  for (const auto& node : nodes_) {
    if (node->byzantine) continue;
    const std::uint64_t since = std::max(node->last_commit_us, gst_us_);
    if (now_us_ > since + bound) {
      fail("liveness: honest validator v" + std::to_string(node->index) +
           " committed nothing for " + std::to_string((now_us_ - since) / 1000) +
           " ms after GST (bound " + std::to_string(bound / 1000) + " ms), stuck at height " +
           std::to_string(node->engine->height()) + " round " +
           std::to_string(node->engine->round()) + "; " + engine_states());
    }
  }
}

SimResult Simulation::run() {
  SimResult result;
  const std::uint32_t n = config_.validators;
  if (n == 0 || n > kMaxValidators) {
    result.ok = false;
    result.violation = "config: validator count must be 1.." + std::to_string(kMaxValidators);
    return result;
  }
  if (!config_.weights.empty() && config_.weights.size() != n) {
    result.ok = false;
    result.violation = "config: " + std::to_string(config_.weights.size()) + " weights for " +
                       std::to_string(n) + " validators";
    return result;
  }
  std::vector<Validator> validators;
  for (std::uint32_t i = 0; i < n; ++i) {
    validators.push_back(
        Validator{keys_.pubkey(i), config_.weights.empty() ? 1 : config_.weights[i]});
  }
  auto set = ValidatorSet::create(validators);
  if (!set.is_ok()) {
    result.ok = false;
    result.violation = "config: " + set.status().to_string();
    return result;
  }
  set_ = std::move(set).value();
  std::uint64_t byzantine_power = 0;
  for (std::uint32_t i = n - std::min(config_.byzantine, n); i < n; ++i)
    byzantine_power += set_->power(i);
  if (config_.byzantine >= n || 3 * byzantine_power >= set_->total_power()) {
    result.ok = false;
    result.violation = "config: " + std::to_string(config_.byzantine) +
                       " Byzantine validators hold " + std::to_string(byzantine_power) + " of " +
                       std::to_string(set_->total_power()) + " voting power, not < 1/3";
    return result;
  }
  gst_us_ = std::max(config_.network.gst_ms, config_.late_proposals_ms) * 1000;
  side_.assign(n, 0);

  const auto shared_set = std::make_shared<const ValidatorSet>(*set_);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto node = std::make_unique<Node>();
    node->index = i;
    node->byzantine = i >= n - config_.byzantine;
    Node* raw = node.get();
    node->app = std::make_unique<SimApp>(
        i, shared_set,
        [this, raw](std::uint64_t h, const Hash256& hash, const CommitCertificate& c) {
          on_commit(*raw, h, hash, c);
        });
    node->signer = std::make_unique<SimSigner>(keys_, i);
    node->catch_up_sent_us.assign(n, 0);
    node->sync_requested_us.assign(n, 0);
    nodes_.push_back(std::move(node));
  }
  height_start_us_[1] = 0;

  // Faults before GST: crashes of honest validators and partitions, at seeded times.
  if (config_.crashes && gst_us_ > 0) {
    const std::uint64_t crash_count = rng_.uniform(1, 2);
    for (std::uint64_t c = 0; c < crash_count; ++c) {
      const std::uint32_t victim =
          static_cast<std::uint32_t>(rng_.uniform(0, n - 1 - config_.byzantine));
      const std::uint64_t at = rng_.uniform(0, gst_us_ * 3 / 4);
      const std::uint64_t back = std::min(gst_us_, at + rng_.uniform(10000, 200000));
      Event crash;
      crash.time_us = at;
      crash.kind = EventKind::kCrash;
      crash.node = victim;
      push(crash);
      Event restart;
      restart.time_us = back;
      restart.kind = EventKind::kRestart;
      restart.node = victim;
      push(restart);
    }
  }
  if (config_.partitions && gst_us_ > 0) {
    std::uint64_t t = rng_.uniform(0, gst_us_ / 4);
    while (t < gst_us_) {
      const std::uint64_t end = std::min(gst_us_, t + rng_.uniform(50000, 400000));
      Event start;
      start.time_us = t;
      start.kind = EventKind::kPartitionStart;
      push(start);
      Event heal;
      heal.time_us = end;
      heal.kind = EventKind::kPartitionEnd;
      push(heal);
      t = end + rng_.uniform(20000, 300000);
    }
  }

  for (auto& node : nodes_) start_engine(*node);

  const std::uint64_t max_time_us = config_.max_time_ms * 1000;
  while (violation_.empty() && !queue_.empty()) {
    Event event = queue_.top();
    queue_.pop();
    if (event.time_us > max_time_us) break;
    now_us_ = event.time_us;
    Node* node = event.kind == EventKind::kPartitionStart || event.kind == EventKind::kPartitionEnd
                     ? nullptr
                     : nodes_[event.node].get();
    switch (event.kind) {
      case EventKind::kDeliver:
        deliver(event);
        break;
      case EventKind::kPoll:
        if (node->up && event.incarnation == node->incarnation) poll(*node);
        break;
      case EventKind::kTimer:
        if (node->up && event.incarnation == node->incarnation) {
          if (event.timeout.step != TimeoutStep::kRetransmit && config_.trace_lines > 0) {
            trace("v" + std::to_string(node->index) + " timeout step " +
                  std::to_string(static_cast<int>(event.timeout.step)) + " h" +
                  std::to_string(event.timeout.height) + " r" +
                  std::to_string(event.timeout.round));
          }
          node->engine->on_timeout(event.timeout);
        }
        break;
      case EventKind::kCrash:
        if (node->up) {
          trace("v" + std::to_string(node->index) + " crashes");
          ++stats_.crashes;
          node->verified_before_restarts +=
              node->engine->metrics().get(Counter::kSignatureVerified);
          node->up = false;
          ++node->incarnation;
          node->engine.reset();
          node->host.reset();
          node->inbox.clear();
          node->poll_scheduled = false;
        }
        break;
      case EventKind::kRestart:
        if (!node->up) {
          trace("v" + std::to_string(node->index) + " restarts at h" +
                std::to_string(node->app->tip_height() + 1) + " from persisted state");
          node->up = true;
          node->last_commit_us = now_us_;
          start_engine(*node);
        }
        break;
      case EventKind::kPartitionStart:
        partitioned_ = true;
        asymmetric_ = rng_.chance(0.3);
        for (auto& s : side_) s = static_cast<std::uint8_t>(rng_.next() & 1);
        trace(std::string("partition starts") + (asymmetric_ ? " (one-way)" : ""));
        break;
      case EventKind::kPartitionEnd:
        partitioned_ = false;
        trace("partition heals");
        break;
    }
    if ((++events_ & 63) == 0) check_liveness();
    bool done = true;
    for (const auto& n2 : nodes_) {
      if (!n2->byzantine && n2->app->tip_height() < config_.target_height) {
        done = false;
        break;
      }
    }
    if (done) break;
  }

  stats_.sim_time_us = now_us_;
  std::uint64_t min_height = ~std::uint64_t{0};
  for (const auto& node : nodes_) {
    if (node->byzantine) continue;
    min_height = std::min(min_height, node->app->tip_height());
    stats_.signatures_verified += node->verified_before_restarts;
    if (node->engine) {
      stats_.signatures_verified += node->engine->metrics().get(Counter::kSignatureVerified);
      stats_.max_round = std::max(stats_.max_round, node->engine->round());
    }
  }
  stats_.min_height_committed = min_height;
  stats_.verify_batches = verifier_.batches();
  if (violation_.empty() && config_.check_liveness && min_height < config_.target_height) {
    fail("liveness: after " + std::to_string(now_us_ / 1000) + " ms the lowest honest height is " +
         std::to_string(min_height) + ", target " + std::to_string(config_.target_height));
  }
  result.ok = violation_.empty();
  result.violation = violation_;
  result.stats = stats_;
  if (!result.ok) {
    std::ostringstream out;
    for (const TraceEntry& entry : trace_) {
      out << "  " << entry.time_us / 1000 << "." << (entry.time_us % 1000) / 100 << " ms  "
          << entry.text << "\n";
    }
    result.trace = out.str();
  }
  return result;
}

}  // namespace

SimResult run_simulation(const SimConfig& config) {
  Simulation simulation(config);
  return simulation.run();
}

}  // namespace tc::consensus::sim
