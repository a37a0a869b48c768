// The simulator's invariant checkers: what every run must satisfy, checked as events happen so
// that a failure names the first step that broke it.
//
// Agreement (no two honest commits differ at a height); validity (every block an honest validator
// commits passes its application's validation just before the commit); a valid > 2/3 certificate
// for every commit (under the correct rule, whatever rule the engines run); no honest validator
// signs two conflicting messages, across restarts; an honest validator locked on a block prevotes
// another only with a prevote quorum for it from a round at or after its lock (line 28); evidence
// is valid and never names an honest validator; after GST every honest validator commits within a
// bound derived from the timeouts. The first violation is kept. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "consensus/sim/set_schedule.h"
#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/sim_network.h"
#include "consensus/sim/sim_node.h"
#include "consensus/sim/simulator.h"
#include "consensus/validator_set.h"

namespace tc::consensus::sim {

class Checkers {
 public:
  // The references must outlive the checkers; `verifier` is the simulator's own, not an engine's,
  // and `schedule` the reference for every height's set. `keys` tells a node's own signatures.
  Checkers(const SimConfig& config, SetSchedule& schedule, const SimKeyTable& keys,
           SimVerifier& verifier, const Nodes& nodes, const SimNetwork& network);

  bool ok() const { return violation_.empty(); }
  const std::string& violation() const { return violation_; }
  // Records a violation; only the first is kept.
  void fail(const std::string& violation) {
    if (violation_.empty()) violation_ = violation;
  }

  // A message `node`'s engine broadcast, before the adversary (for a Byzantine node) sees it.
  void on_broadcast(const Node& node, const Message& message);
  // A validly signed vote made outside any engine (the adversary's), for the lock checker.
  void note_signed_vote(const Vote& vote);
  // `valid`: whether the application accepted the block just before the commit.
  void on_commit(const Node& node, std::uint64_t height, const Hash256& hash,
                 const CommitCertificate& certificate, bool valid);
  void on_evidence(const Node& node, const Evidence& evidence);
  // After GST: every honest validator committed within liveness_bound_us of GST or its last
  // commit.
  void check_liveness();
  // Votes honest validators signed at the first height of an epoch whose set they just joined.
  std::uint64_t joiner_first_height_votes() const { return joiner_first_height_votes_; }

 private:
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
  void check_lock(const Node& node, const Vote& vote);
  // Returns whether `key` was signed for the first time.
  bool check_honest_signature(const Node& node, SignKey key, const Hash256& hash,
                              std::uint32_t pol_round);
  void check_honest_vote(const Node& node, const Vote& vote, std::optional<std::uint32_t> index);
  void check_honest_proposal(const Node& node, const Proposal& proposal);
  std::uint64_t liveness_bound_us(std::uint32_t round) const;
  // "v0 h4 r7 prevote lock 2 valid 3, ..." for failure messages.
  std::string engine_states() const;

  const SimConfig& config_;
  SetSchedule& schedule_;
  const SimKeyTable& keys_;
  SimVerifier& verifier_;
  const Nodes& nodes_;
  const SimNetwork& network_;
  std::string violation_;
  std::map<std::uint64_t, Hash256> decided_;  // agreement: height -> first commit
  std::map<SignKey, std::pair<Hash256, std::uint32_t>> honest_signed_;
  // (height, round, block) -> which set indexes of that height signed a prevote for it.
  std::map<std::tuple<std::uint64_t, std::uint32_t, Hash256>, std::vector<bool>> prevote_signers_;
  std::uint64_t joiner_first_height_votes_ = 0;
};

}  // namespace tc::consensus::sim
