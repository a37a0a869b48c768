// The deterministic consensus simulator: N engines in one process on a simulated network and clock,
// all driven by one seed, with crash/restart and Byzantine faults, and invariant checkers that run
// after every step.
//
// One run is a pure function of its SimConfig: a failing seed reproduces exactly. Networks: uniform
// latency plus a reordering tail, drops, duplication, partitions that heal (symmetric or one-way),
// until the global stabilisation time (GST); after GST links are reliable with bounded latency.
// Invariants: agreement, a valid > 2/3 certificate for every commit, validity (every block an
// honest validator commits passes its application's validation just before the commit), no
// conflicting signatures from honest validators, honest validators sign only at heights whose set
// holds them, under their index there, evidence only against Byzantine validators, and a commit by
// every honest validator within a bound after GST. Every check uses the set of the height
// concerned, which may change every few heights (SimConfig::set_changes). Used by timecoin-sim and
// tests/consensus; single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "consensus/validator_set.h"

namespace tc::consensus::sim {

struct NetworkConfig {
  std::uint64_t latency_min_us = 1000;
  std::uint64_t latency_max_us = 10000;
  // Before GST only: loss, and an extra delay of up to tail_max_us for a fraction of messages.
  double drop_probability = 0.05;
  double tail_probability = 0.1;
  std::uint64_t tail_max_us = 50000;
  double duplicate_probability = 0.02;  // before and after GST
  std::uint64_t gst_ms = 1500;
  // A node takes its inbox in bursts this often (the stage loop); votes of one burst are verified
  // in one batch.
  std::uint64_t poll_us = 100;
};

enum ByzantineBehaviour : std::uint32_t {
  kEquivocateProposal = 1u << 0,  // a Byzantine proposer sends different blocks to two groups
  kDoubleVote = 1u << 1,          // votes for the other group's block, or nil, to one group
  kUnknownBlockVotes = 1u << 2,   // signed votes for random hashes
  kWithhold = 1u << 3,            // stays silent for whole rounds
  kInvalidSignatures = 1u << 4,   // corrupted signatures, and votes forged in honest names
  kReplay = 1u << 5,              // re-sends old messages of any validator
  // Relays signed proposals (its own and honest ones) with an altered payload under the same hash:
  // copies that do not bind, racing the genuine one.
  kPayloadVariants = 1u << 6,
  // Proposes signed, hash-bound blocks that the application refuses: a wrong height, a wrong
  // parent, or the refused marker.
  kInvalidBlocks = 1u << 7,
  kAllBehaviours = (1u << 8) - 1,
};

// Timeouts sized for the default network: propose 60 + 20r ms, prevote/precommit 30 + 10r ms,
// retransmission every 100 ms, no commit wait.
TimeoutConfig default_sim_timeouts();

struct SimConfig {
  std::uint64_t seed = 1;
  std::uint32_t validators = 4;
  std::vector<std::uint64_t> weights;  // voting power per validator; empty: all 1
  // Byzantine validators are the last `byzantine` indexes; their power must be < 1/3 of the total.
  std::uint32_t byzantine = 0;
  std::uint32_t byzantine_behaviours = kAllBehaviours;
  bool partitions = false;
  // When non-zero: until this time (and GST no earlier), every proposal arrives only after its
  // round's propose timeout (a slow link from the proposers), so rounds end nil while each leaves
  // a new valid block behind: many rounds at one height, more blocks than an engine holds.
  std::uint64_t late_proposals_ms = 0;
  bool crashes = false;
  // When set, `validators` is a pool of identities and the validator set changes every
  // epoch_blocks heights (set_schedule.h): members join, leave and change power, the Byzantine
  // identities (still the last `byzantine`) always hold < 1/3 of the set's power, and `weights`
  // must be empty. Identities outside a height's set follow it without signing.
  bool set_changes = false;
  std::uint64_t epoch_blocks = 3;
  std::uint64_t target_height = 8;  // the run ends when every honest validator committed it
  std::uint64_t max_time_ms = 120000;
  NetworkConfig network;
  TimeoutConfig timeouts = default_sim_timeouts();
  // Tests inject a broken rule here; the invariant checker always uses is_quorum.
  QuorumRule quorum_rule = is_quorum;
  // Tests only (mutation tests): a broken engine rule, and a host whose persist_signed_state
  // reports success without storing anything.
  EngineMutation engine_mutation = EngineMutation::kNone;
  bool persist_drops_state = false;
  // Tests only (mutation test): with set_changes, validator 0's application derives its sets from
  // another seed, so it disagrees with the others about every set.
  bool sets_disagree = false;
  bool check_certificates = true;
  bool check_liveness = true;
  std::size_t trace_lines = 40;
};

// Ready-made network profiles.
NetworkConfig lan_network();  // 0.2-1 ms, no loss, no tail, no duplicates, GST at 0

struct SimStats {
  std::uint64_t min_height_committed = 0;  // lowest height every honest validator committed
  std::uint64_t sim_time_us = 0;
  std::uint64_t messages_sent = 0;        // unicast sends, including retransmissions and block sync
  std::uint64_t signatures_verified = 0;  // by honest engines, all heights
  std::uint64_t verify_batches = 0;
  std::uint64_t evidence_reported = 0;
  // Honest engines' drops of proposals whose payload does not bind to their hash, and of blocks
  // their application refused (Counter::kProposalUnbound, kProposalInvalidBlock).
  std::uint64_t proposals_unbound = 0;
  std::uint64_t blocks_invalid = 0;
  // Honest engines' drops of votes whose validator index is outside their height's set
  // (Counter::kVoteUnknownValidator).
  std::uint64_t votes_unknown_validator = 0;
  // With set_changes: votes that honest validators signed at the first height of an epoch whose
  // set they had just joined.
  std::uint64_t joiner_first_height_votes = 0;
  std::uint64_t crashes = 0;
  std::uint32_t max_round = 0;         // of the honest engines when the run ends
  std::uint32_t max_commit_round = 0;  // the highest round of an honest commit's certificate
  std::vector<std::uint64_t> commit_latencies_us;  // per honest commit: commit time - height start
};

struct SimResult {
  bool ok = true;
  std::string violation;  // empty when ok
  std::string trace;      // the last trace_lines events, on failure
  SimStats stats;
};

// Runs one seeded simulation. Errors in the config itself (Byzantine power >= 1/3, sizes, weights
// or fewer than 2 validators with set_changes, epoch_blocks 0) are returned as a violation string
// starting with "config:".
SimResult run_simulation(const SimConfig& config);

}  // namespace tc::consensus::sim
