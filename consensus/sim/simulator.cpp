#include "consensus/sim/simulator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/sim/adversary.h"
#include "consensus/sim/checkers.h"
#include "consensus/sim/set_schedule.h"
#include "consensus/sim/sim_app.h"
#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/sim_network.h"
#include "consensus/sim/sim_node.h"

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

constexpr std::uint64_t kCatchUpIntervalUs = 20000;  // block sync answers a peer at most this often
constexpr std::uint64_t kCatchUpBlocksMax = 16;

class Simulation;

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

// The run loop: builds the nodes, schedules the faults, and runs events in time order until every
// honest validator reached the target height, a checker failed, or time ran out.
class Simulation {
 public:
  explicit Simulation(const SimConfig& config)
      : config_(config),
        rng_(config.seed * 0x9E3779B97F4A7C15ull + 1),
        keys_(config.seed, config.validators),
        verifier_(keys_),
        network_(config_, rng_),
        trace_(config.trace_lines, network_) {}

  SimResult run();

  // ---- called by NodeHost ----
  void persist(Node& node, const SignedState& state) {
    if (!config_.persist_drops_state) node.persisted = state;
  }
  void broadcast(Node& node, const MessagePtr& message);
  void schedule_timer(Node& node, const TimeoutEvent& event, std::uint64_t delay_ms) {
    Event e;
    e.time_us = network_.now_us() + delay_ms * 1000;
    e.kind = EventKind::kTimer;
    e.node = node.index;
    e.incarnation = node.incarnation;
    e.timeout = event;
    network_.schedule(std::move(e));
  }
  void evidence(Node& node, const Evidence& evidence);

 private:
  void serve_catch_up(Node& node, std::uint32_t peer, std::uint64_t height);
  void request_catch_up(Node& node, std::uint32_t peer);
  // Every retransmission period: an honest validator outside the set of the height it decides
  // tells its peers that height, and schedules the next period.
  void send_status(Node& node);
  void on_commit(Node& node, std::uint64_t height, const Hash256& hash,
                 const CommitCertificate& certificate, bool valid);
  void deliver(const Event& event);
  void poll(Node& node);
  void start_engine(Node& node);
  // "set of h7..h9: v0:3 v2:5 v3:1(byz)" for the trace.
  void trace_set(std::uint64_t first_height);
  // Builds the schedule of sets from the config; a kConfig error names what is wrong with it.
  Status make_schedule();

  SimConfig config_;
  Rng rng_;
  SimKeyTable keys_;
  SimVerifier verifier_;  // the invariant checker's own verifier
  SimNetwork network_;
  Trace trace_;
  std::optional<SetSchedule> schedule_;  // every node's and the checkers' sets
  // With SimConfig::sets_disagree: validator 0's sets, from another seed.
  std::optional<SetSchedule> disagreeing_schedule_;
  Nodes nodes_;
  std::optional<Checkers> checkers_;    // from when the sets are known
  std::optional<Adversary> adversary_;  // likewise
  SimStats stats_;
  std::map<std::uint64_t, std::uint64_t> height_start_us_;  // first honest commit of height - 1
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

void Simulation::broadcast(Node& node, const MessagePtr& message) {
  const_cast<Message&>(*message).from_height = node.app->tip_height() + 1;
  checkers_->on_broadcast(node, *message);
  if (node.byzantine) {
    adversary_->send(node, message);
    return;
  }
  adversary_->record_for_replay(message);
  for (std::uint32_t to = 0; to < nodes_.size(); ++to)
    if (to != node.index) network_.send(node.index, to, message);
  if (message->kind == MessageKind::kProposal) adversary_->relay_payload_variants(message);
}

void Simulation::evidence(Node& node, const Evidence& evidence) {
  ++stats_.evidence_reported;
  trace_.add("v" + std::to_string(node.index) + " reports evidence against v" +
             std::to_string(evidence.validator_index) + " h" + std::to_string(evidence.height) +
             " r" + std::to_string(evidence.round));
  checkers_->on_evidence(node, evidence);
}

void Simulation::serve_catch_up(Node& node, std::uint32_t peer, std::uint64_t height) {
  if (node.byzantine || peer >= nodes_.size() || peer == node.index) return;
  if (height == 0 || height > node.app->tip_height()) return;
  std::uint64_t& last = node.catch_up_sent_us[peer];
  if (last != 0 && network_.now_us() < last + kCatchUpIntervalUs) return;
  last = network_.now_us();
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kCatchUp;
  message->from = node.index;
  const std::uint64_t end = std::min(node.app->tip_height(), height + kCatchUpBlocksMax - 1);
  for (std::uint64_t h = height; h <= end; ++h) message->blocks.push_back(node.app->block(h));
  network_.send(node.index, peer, message);
}

void Simulation::request_catch_up(Node& node, std::uint32_t peer) {
  if (node.byzantine || peer >= nodes_.size() || peer == node.index) return;
  std::uint64_t& last = node.sync_requested_us[peer];
  if (last != 0 && network_.now_us() < last + kCatchUpIntervalUs) return;
  last = network_.now_us();
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kSyncRequest;
  message->from = node.index;
  message->from_height = node.app->tip_height() + 1;
  network_.send(node.index, peer, message);
}

void Simulation::send_status(Node& node) {
  Event tick;
  tick.time_us = network_.now_us() + config_.timeouts.retransmit_ms * 1000;
  tick.kind = EventKind::kStatusTick;
  tick.node = node.index;
  network_.schedule(std::move(tick));
  const std::uint64_t height = node.app->tip_height() + 1;
  if (!node.up || node.byzantine || schedule_->index_of(node.index, height).has_value()) return;
  auto message = std::make_shared<Message>();
  message->kind = MessageKind::kStatus;
  message->from = node.index;
  message->from_height = height;
  for (std::uint32_t to = 0; to < nodes_.size(); ++to)
    if (to != node.index) network_.send(node.index, to, message);
}

void Simulation::on_commit(Node& node, std::uint64_t height, const Hash256& hash,
                           const CommitCertificate& certificate, bool valid) {
  trace_.add("v" + std::to_string(node.index) + " commits h" + std::to_string(height) + " " +
             short_hash(hash) + " (round " + std::to_string(certificate.round) + ")");
  if (node.byzantine) return;
  node.last_commit_us = network_.now_us();
  stats_.max_commit_round = std::max(stats_.max_commit_round, certificate.round);
  checkers_->on_commit(node, height, hash, certificate, valid);
  const bool first_commit = height_start_us_.try_emplace(height + 1, network_.now_us()).second;
  if (first_commit && schedule_->changes() &&
      schedule_->epoch_of(height + 1) != schedule_->epoch_of(height)) {
    trace_set(height + 1);
  }
  const auto start = height_start_us_.find(height);
  stats_.commit_latencies_us.push_back(network_.now_us() -
                                       (start == height_start_us_.end() ? 0 : start->second));
}

void Simulation::trace_set(std::uint64_t first_height) {
  if (!trace_.enabled()) return;
  const EpochSet& epoch = schedule_->at(first_height);
  std::string line = "set of h" + std::to_string(first_height) + "..h" +
                     std::to_string(first_height + config_.epoch_blocks - 1) + ":";
  for (const std::uint32_t member : epoch.members) {
    line += " v" + std::to_string(member) + ":" + std::to_string(epoch.powers[member]) +
            (nodes_[member]->byzantine ? "(byz)" : "");
  }
  trace_.add(line);
}

void Simulation::start_engine(Node& node) {
  EngineConfig engine_config;
  engine_config.chain_id = kChainId;
  engine_config.timeouts = config_.timeouts;
  engine_config.quorum_rule = config_.quorum_rule;
  engine_config.mutation = config_.engine_mutation;
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
    e.time_us = network_.now_us() + config_.network.poll_us;
    e.kind = EventKind::kPoll;
    e.node = node.index;
    e.incarnation = node.incarnation;
    network_.schedule(std::move(e));
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
        network_.now_us() > node.last_commit_us + 2000 * config_.timeouts.retransmit_ms) {
      request_catch_up(node, m->from);
    }
    if (trace_.enabled())
      trace_.add("v" + std::to_string(node.index) + " <- v" + std::to_string(m->from) + " " +
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
      case MessageKind::kStatus:
        break;  // its height is all it carries, read above
    }
  }
  if (!votes.empty()) node.engine->on_votes(votes);
}

Status Simulation::make_schedule() {
  auto config_error = [](std::string message) {
    return Status(StatusCode::kConfig, std::move(message));
  };
  const std::uint32_t n = config_.validators;
  if (n == 0 || n > kMaxValidators) {
    return config_error("validator count must be 1.." + std::to_string(kMaxValidators));
  }
  if (config_.set_changes) {
    if (n < 2) return config_error("changing sets need a pool of at least 2 validators");
    if (!config_.weights.empty()) {
      return config_error("changing sets draw their own powers, not weights");
    }
    if (config_.epoch_blocks == 0) return config_error("epoch_blocks must be at least 1");
    if (config_.byzantine >= n) {
      return config_error(std::to_string(config_.byzantine) +
                          " Byzantine validators in a pool of " + std::to_string(n) +
                          " leave no honest one");
    }
    schedule_.emplace(config_.seed, keys_, n, config_.byzantine, config_.epoch_blocks);
    if (config_.sets_disagree) {
      disagreeing_schedule_.emplace(config_.seed + 1, keys_, n, config_.byzantine,
                                    config_.epoch_blocks);
    }
    return Status::ok();
  }
  if (!config_.weights.empty() && config_.weights.size() != n) {
    return config_error(std::to_string(config_.weights.size()) + " weights for " +
                        std::to_string(n) + " validators");
  }
  std::vector<Validator> validators;
  for (std::uint32_t i = 0; i < n; ++i) {
    validators.push_back(
        Validator{keys_.pubkey(i), config_.weights.empty() ? 1 : config_.weights[i]});
  }
  auto set = ValidatorSet::create(validators);
  if (!set.is_ok()) return config_error(set.status().to_string());
  std::uint64_t byzantine_power = 0;
  for (std::uint32_t i = n - std::min(config_.byzantine, n); i < n; ++i)
    byzantine_power += set->power(i);
  if (config_.byzantine >= n || 3 * byzantine_power >= set->total_power()) {
    return config_error(std::to_string(config_.byzantine) + " Byzantine validators hold " +
                        std::to_string(byzantine_power) + " of " +
                        std::to_string(set->total_power()) + " voting power, not < 1/3");
  }
  schedule_.emplace(*set);
  return Status::ok();
}

SimResult Simulation::run() {
  SimResult result;
  if (const Status status = make_schedule(); !status.is_ok()) {
    result.ok = false;
    result.violation = "config: " + std::string(status.message());
    return result;
  }
  const std::uint32_t n = config_.validators;
  const std::uint64_t gst_us = std::max(config_.network.gst_ms, config_.late_proposals_ms) * 1000;
  network_.set_gst_us(gst_us);
  checkers_.emplace(config_, *schedule_, keys_, verifier_, nodes_, network_);
  adversary_.emplace(config_, rng_, keys_, *schedule_, nodes_, network_, *checkers_, trace_);

  for (std::uint32_t i = 0; i < n; ++i) {
    auto node = std::make_unique<Node>();
    node->index = i;
    node->byzantine = i >= n - config_.byzantine;
    Node* raw = node.get();
    node->app = std::make_unique<SimApp>(
        i, i == 0 && disagreeing_schedule_ ? *disagreeing_schedule_ : *schedule_,
        [this, raw](std::uint64_t h, const Hash256& hash, const CommitCertificate& c, bool valid) {
          on_commit(*raw, h, hash, c, valid);
        });
    node->signer = std::make_unique<SimSigner>(keys_, i);
    node->catch_up_sent_us.assign(n, 0);
    node->sync_requested_us.assign(n, 0);
    nodes_.push_back(std::move(node));
  }
  height_start_us_[1] = 0;
  if (schedule_->changes()) trace_set(1);

  // Faults before GST: crashes of honest validators and partitions, at seeded times.
  if (config_.crashes && gst_us > 0) {
    const std::uint64_t crash_count = rng_.uniform(1, 2);
    for (std::uint64_t c = 0; c < crash_count; ++c) {
      const std::uint32_t victim =
          static_cast<std::uint32_t>(rng_.uniform(0, n - 1 - config_.byzantine));
      const std::uint64_t at = rng_.uniform(0, gst_us * 3 / 4);
      const std::uint64_t back = std::min(gst_us, at + rng_.uniform(10000, 200000));
      Event crash;
      crash.time_us = at;
      crash.kind = EventKind::kCrash;
      crash.node = victim;
      network_.schedule(crash);
      Event restart;
      restart.time_us = back;
      restart.kind = EventKind::kRestart;
      restart.node = victim;
      network_.schedule(restart);
    }
  }
  if (config_.partitions && gst_us > 0) {
    std::uint64_t t = rng_.uniform(0, gst_us / 4);
    while (t < gst_us) {
      const std::uint64_t end = std::min(gst_us, t + rng_.uniform(50000, 400000));
      Event start;
      start.time_us = t;
      start.kind = EventKind::kPartitionStart;
      network_.schedule(start);
      Event heal;
      heal.time_us = end;
      heal.kind = EventKind::kPartitionEnd;
      network_.schedule(heal);
      t = end + rng_.uniform(20000, 300000);
    }
  }

  for (auto& node : nodes_) start_engine(*node);
  if (schedule_->changes()) {
    for (auto& node : nodes_) send_status(*node);
  }

  const std::uint64_t max_time_us = config_.max_time_ms * 1000;
  while (checkers_->ok() && !network_.idle()) {
    Event event = network_.take_next();
    if (event.time_us > max_time_us) break;
    network_.advance_to(event.time_us);
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
          if (event.timeout.step != TimeoutStep::kRetransmit && trace_.enabled()) {
            trace_.add("v" + std::to_string(node->index) + " timeout step " +
                       std::to_string(static_cast<int>(event.timeout.step)) + " h" +
                       std::to_string(event.timeout.height) + " r" +
                       std::to_string(event.timeout.round));
          }
          node->engine->on_timeout(event.timeout);
        }
        break;
      case EventKind::kCrash:
        if (node->up) {
          trace_.add("v" + std::to_string(node->index) + " crashes");
          ++stats_.crashes;
          for (std::size_t c = 0; c < node->metrics_before_restarts.counters.size(); ++c)
            node->metrics_before_restarts.counters[c] += node->engine->metrics().counters[c];
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
          trace_.add("v" + std::to_string(node->index) + " restarts at h" +
                     std::to_string(node->app->tip_height() + 1) + " from persisted state");
          node->up = true;
          node->last_commit_us = network_.now_us();
          start_engine(*node);
        }
        break;
      case EventKind::kPartitionStart:
        trace_.add(std::string("partition starts") +
                   (network_.start_partition() ? " (one-way)" : ""));
        break;
      case EventKind::kPartitionEnd:
        network_.end_partition();
        trace_.add("partition heals");
        break;
      case EventKind::kStatusTick:
        send_status(*node);
        break;
    }
    if ((++events_ & 63) == 0) checkers_->check_liveness();
    bool done = true;
    for (const auto& n2 : nodes_) {
      if (!n2->byzantine && n2->app->tip_height() < config_.target_height) {
        done = false;
        break;
      }
    }
    if (done) break;
  }

  stats_.sim_time_us = network_.now_us();
  std::uint64_t min_height = ~std::uint64_t{0};
  for (const auto& node : nodes_) {
    if (node->byzantine) continue;
    min_height = std::min(min_height, node->app->tip_height());
    EngineMetrics metrics = node->metrics_before_restarts;
    if (node->engine) {
      for (std::size_t c = 0; c < metrics.counters.size(); ++c)
        metrics.counters[c] += node->engine->metrics().counters[c];
      stats_.max_round = std::max(stats_.max_round, node->engine->round());
    }
    stats_.signatures_verified += metrics.get(Counter::kSignatureVerified);
    stats_.proposals_unbound += metrics.get(Counter::kProposalUnbound);
    stats_.blocks_invalid += metrics.get(Counter::kProposalInvalidBlock);
    stats_.votes_unknown_validator += metrics.get(Counter::kVoteUnknownValidator);
  }
  stats_.joiner_first_height_votes = checkers_->joiner_first_height_votes();
  stats_.min_height_committed = min_height;
  stats_.verify_batches = verifier_.batches();
  if (checkers_->ok() && config_.check_liveness && min_height < config_.target_height) {
    checkers_->fail("liveness: after " + std::to_string(network_.now_us() / 1000) +
                    " ms the lowest honest height is " + std::to_string(min_height) + ", target " +
                    std::to_string(config_.target_height));
  }
  stats_.messages_sent = network_.messages_sent();
  result.ok = checkers_->ok();
  result.violation = checkers_->violation();
  result.stats = stats_;
  if (!result.ok) result.trace = trace_.to_string();
  return result;
}

}  // namespace

SimResult run_simulation(const SimConfig& config) {
  Simulation simulation(config);
  return simulation.run();
}

}  // namespace tc::consensus::sim
