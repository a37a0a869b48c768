// LedgerApplication: the consensus engine's Application implemented by the ledger, and the mapping
// from the ledger's active masternodes to the engine's ValidatorSet.
//
// build_block asks the ledger for the next block from the mempool and executes it once (a
// proposer's own block is never proposed unchecked); validate_block executes a proposal against
// the tip without writing anything; commit_block writes the decided block with its certificate in
// one atomic backend commit (Ledger::commit_block). Executed blocks are cached by hash between
// validate and commit, so a block is executed once per node (twice when the cache's bound, the
// engine's blocks_per_height_max, evicted it first). Everything runs on the engine's owner
// thread (DESIGN §2: consensus and execute/commit share that thread here); mempool intake may run
// concurrently on other threads (ledger/ledger.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include "consensus/engine.h"
#include "consensus/validator_set.h"
#include "core/status.h"
#include "core/types.h"
#include "ledger/ledger.h"
#include "ledger/masternode_registry.h"

namespace tc::node {

// The validator set of `height`: every masternode active at that height with voting power (free
// tier excluded), power by tier (core/masternode_tier.h), in consensus-key order (the registry's
// order, which every node shares). Errors from ValidatorSet::create (no voting masternode, ...).
Result<consensus::ValidatorSet> validator_set_at(const ledger::MasternodeRegistry& registry,
                                                 std::uint64_t height);

// What the application reports when a block becomes final on this node.
struct CommittedBlockInfo {
  const ledger::ExecutedBlock& executed;
  const CommitCertificate& certificate;
  std::span<const Hash256> finalized;  // txids that became final (coinbase included)
};

struct LedgerApplicationCounters {
  std::uint64_t built = 0;
  std::uint64_t built_empty = 0;  // the mempool block failed; a coinbase-only block was proposed
  std::uint64_t validated = 0;
  std::uint64_t rejected = 0;
  std::uint64_t unbound = 0;  // payloads that were not the block their hash names
  std::uint64_t committed = 0;
  std::uint64_t evidence_kept = 0;     // reported evidence held for this node's blocks
  std::uint64_t evidence_dropped = 0;  // reported evidence not kept (pool full, unknown validator)
  std::uint64_t slashed = 0;           // validators named by evidence in committed blocks
};

// Reported evidence held at most, one entry per validator.
inline constexpr std::size_t kPendingEvidenceMax = 64;

class LedgerApplication final : public consensus::Application {
 public:
  using CommitObserver = std::function<void(const CommittedBlockInfo&)>;

  // `ledger` must outlive this object and be at its tip; `proposer` is this validator's consensus
  // key (named in the headers of the blocks it builds). The tip's timestamp is the ledger's
  // (Ledger::tip_timestamp_ms). `wall_clock_ms` gives Unix milliseconds for new block timestamps
  // and the proposals' clock bound. `on_commit` (may be empty) runs after each successful commit,
  // on this thread. `executed_max` bounds the executed-block cache: the engine's
  // EngineConfig::blocks_per_height_max, since the engine asks again for a block it evicted and a
  // Byzantine proposer can send variants without end. REQUIRES: executed_max > 0.
  LedgerApplication(ledger::Ledger& ledger, const Pubkey& proposer,
                    std::function<std::uint64_t()> wall_clock_ms, CommitObserver on_commit,
                    std::size_t executed_max);

  // validator_set_at(registry, height), computed once per epoch and shared until the next one.
  // REQUIRES: height is at most the tip + 1 (later epochs may still change).
  Result<std::shared_ptr<const consensus::ValidatorSet>> validator_set(
      std::uint64_t height) override;

  // The ledger's block for (height, round): the highest fee rates of the mempool, timestamp
  // max(wall clock, parent + 1) (saturating). When building or executing it fails (a backend read
  // error), the block carries only the coinbase (counted built_empty). When even that fails, or
  // height is not tip + 1, the failure is kept in failure() (the node must stop) and there is
  // nothing to propose (nullopt), so the round passes to the next proposer.
  std::optional<consensus::BlockCandidate> build_block(std::uint64_t height,
                                                       std::uint32_t round) override;

  // True when `payload` decodes to the next block, its header hash is `hash`, its header names a
  // proposer with voting power (free-tier masternodes never propose), and Ledger::execute_block
  // accepts it (every ledger rule, all signatures in one batch; for a proposal, not a certified
  // block from block sync, the timestamp at most ledger::kMaxTimestampDriftMs ahead of the wall
  // clock). The
  // header's round and proposer are not compared with the proposal's: a proposer re-proposes its
  // valid value (pol_round) with the header an earlier round's proposer built. Writes nothing; the
  // executed block is kept for commit_block. A rejection is counted and its reason kept in
  // last_rejection().
  bool validate_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                      consensus::BlockOrigin origin) override;

  // Keeps evidence this node's engine reported (it checked the signatures against the set of the
  // evidence's height) for the blocks this node builds, in the ledger's form: the validator's key
  // from that set, the pairs in canonical order. One entry per validator, at most
  // kPendingEvidenceMax (more are dropped, counted); an entry leaves when a committed block names
  // its validator or the ledger would no longer accept it (the validator left). Proposers include
  // what they hold (ledger::BlockTemplate::evidence), so the equivocator leaves the set at the next
  // epoch boundary whoever proposes first.
  void add_evidence(const consensus::Evidence& evidence);
  std::size_t evidence_pending() const { return evidence_.size(); }

  // ledger::check_block_binding; a payload that does not bind is counted (unbound), not rejected.
  bool payload_binds(const Hash256& hash, ByteSpan payload) override;

  // Commits the block (executing it first if this node has not) with its certificate. A failure
  // (backend write error, or a block the ledger refuses, which a > 2/3 certificate over a block
  // this node validated rules out) is returned, which stops the engine, and kept in failure(): the
  // node must stop, since its state no longer follows consensus. After a failure every later call
  // returns it again without writing.
  Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                      const CommitCertificate& certificate) override;

  // OK, or the first commit failure or failure to build any block.
  const Status& failure() const { return failure_; }
  const Status& last_rejection() const { return last_rejection_; }
  const LedgerApplicationCounters& counters() const { return counters_; }
  // Executed blocks cached for commit, at most `executed_max`.
  std::size_t executed_cached() const { return executed_.size(); }

 private:
  // Caches `executed` for commit_block, evicting the oldest cached block when full.
  void keep_executed(ledger::ExecutedBlock executed);
  // A coinbase-only block on the tip.
  Result<ledger::ExecutedBlock> build_empty_block(std::uint64_t height, std::uint32_t round,
                                                  std::uint64_t timestamp_ms);

  ledger::Ledger& ledger_;
  Pubkey proposer_;
  std::function<std::uint64_t()> wall_clock_ms_;
  CommitObserver on_commit_;
  std::shared_ptr<const consensus::ValidatorSet> set_;  // of the epoch starting at set_epoch_
  std::uint64_t set_epoch_ = 0;
  // Blocks of the current height executed against the tip, by hash, and their hashes oldest first;
  // cleared at each commit.
  std::map<Hash256, std::unique_ptr<ledger::ExecutedBlock>> executed_;
  std::deque<Hash256> executed_order_;
  std::map<Pubkey, EvidencePayload> evidence_;  // by validator
  std::size_t executed_max_;
  LedgerApplicationCounters counters_;
  Status failure_;
  Status last_rejection_;
};

}  // namespace tc::node
