// ConsensusStage: the consensus engine (consensus/engine.h) with the ledger as its application
// (node/app/ledger_application.h: build, validate, execute and commit blocks), this validator's
// signer and durable signing state, the engine's timers, and block sync (net/block_sync.h) for a
// node that fell behind. It is the consensus and execute/commit stage of DESIGN §2 on one thread.
//
// Input: InboundMessages from the net stage (proposals, votes, certificates, block-sync pages,
// closed peers). Output: OutboundMessages to it (this node's proposals, votes and certificates for
// every validator, block-range requests, reports of invalid peers, the validator set of each new
// epoch, and the next height's proposers after each commit). A full output ring drops the message
// and counts it (kOutboundFull): the engine retransmits its own messages of the current round, and
// block sync asks again.
//
// Peers' heights are the tips they announce (TipStatus, net/peer_manager.h: after the handshake and
// as they commit), passed in by the net stage; this node announces its own after each commit
// (kAnnounceTip; the net stage announces the stored tip at start). When some peer has committed the
// height this node is still deciding for longer than sync_grace_ms (long enough that the node's own
// commit, normally moments behind the fastest peer's, would have happened), the stage starts a
// BlockSync from its next height, fed with every peer's height; it ends the sync once done.
// Certificates are checked against the validator set of their height
// (consensus::verify_certificate) and blocks against the certified hash
// (ledger::check_block_binding), and committed through Engine::on_committed_block, which executes
// them: the same path the devnet's catch-up uses.
//
// Shape (STYLE §2): init, step(burst), housekeeping(now), counters by outcome. Runs on its own
// thread through run_stage_loop; the ledger's mempool may take transactions concurrently from other
// threads (ledger/ledger.h). failed() may be read from any thread: the node must stop when it is
// true (the engine could not persist what it signed, or the application could not commit).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "consensus/engine.h"
#include "core/keys.h"
#include "core/status.h"
#include "ledger/ledger.h"
#include "net/block_sync.h"
#include "node/app/consensus_crypto.h"
#include "node/app/ledger_application.h"
#include "node/rpc/node_state.h"
#include "node/signing_state_file.h"
#include "node/stages/peer_messages.h"

namespace tc::node {

struct ConsensusStageConfig {
  consensus::EngineConfig engine;  // chain_id, timeouts (commit_wait_ms is the block interval)
  net::BlockSyncConfig block_sync;
  // How long a peer must be known to have committed this node's current height before block sync
  // starts.
  std::uint64_t sync_grace_ms = 2000;
  // Signatures per batch of the vote and certificate verifier.
  std::uint32_t verify_batch_max = 256;
  // Where housekeeping publishes the engine's height, round, step and validator set, whenever one
  // of them changed (so after each step change and each commit); null: not published. Must outlive
  // the stage.
  rpc::Published<rpc::ConsensusSnapshot>* snapshot = nullptr;
};

enum class ConsensusOutcome : std::uint8_t {
  kProposal,      // inbound proposals handed to the engine
  kVote,          // inbound votes handed to the engine
  kBlockPage,     // block-sync pages handed to the sync
  kUndecodable,   // inbound bytes that did not decode (the net stage checked them already)
  kStalePage,     // a block-sync page with no sync running
  kTimeout,       // timers fired
  kOutboundFull,  // outbound messages dropped: the ring to the net stage was full
  kSyncStarted,
  kSyncCommitted,  // blocks committed through block sync
  kCount
};
inline constexpr std::size_t kConsensusOutcomeCount =
    static_cast<std::size_t>(ConsensusOutcome::kCount);

class ConsensusStage final : public consensus::EngineHost,
                             public net::BlockSyncChain,
                             public net::BlockSyncNetwork {
 public:
  // `ledger`, `signing_state`, the rings must outlive the stage. `key` is this node's consensus
  // key; whether it signs a height depends on that height's validator set.
  ConsensusStage(const ConsensusStageConfig& config, ledger::Ledger& ledger,
                 SigningStateFile& signing_state, const KeyPair& key, InboundRing& inbound,
                 OutboundRing& outbound);
  ~ConsensusStage() override;

  // Sizes the verifier, loads the signed state, starts the engine at the ledger's tip + 1 and
  // sends the validator set of that height to the net stage. Errors: the verifier's, the signing
  // state's (kCorruption: the node must not start), kCorruption when the engine cannot name the
  // validator set. On the startup thread, before the stage thread starts.
  Status init();

  // Handles up to burst_max inbound messages (a run of votes as one burst) and every due timer.
  std::uint32_t step(std::uint32_t burst_max);
  // Polls block sync, and starts or ends it.
  void housekeeping(std::uint64_t now_ns);

  // True once the engine stopped or the application failed: the node must stop. Any thread.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Why, once failed() (stage thread, or after it was joined).
  Status failure() const;
  // The last committed height, as of the last housekeeping or commit. Any thread.
  std::uint64_t committed_height() const {
    return committed_height_.load(std::memory_order_relaxed);
  }
  std::uint64_t outcome(ConsensusOutcome o) const { return outcomes_[static_cast<std::size_t>(o)]; }

  // consensus::EngineHost
  Status persist_signed_state(const consensus::SignedState& state) override;
  void broadcast_proposal(const consensus::Proposal& proposal) override;
  void broadcast_vote(const consensus::Vote& vote) override;
  void schedule_timeout(const consensus::TimeoutEvent& event, std::uint64_t delay_ms) override;
  void report_evidence(const consensus::Evidence& evidence) override;

  // net::BlockSyncChain
  Status check_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) override;
  Status commit_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) override;
  // net::BlockSyncNetwork
  bool send_request(const Pubkey& peer, const net::proto::BlockRangeRequest& request) override;
  void report_bad_peer(const Pubkey& peer, const Status& why) override;

 private:
  struct Timer {
    std::uint64_t due_ns = 0;
    consensus::TimeoutEvent event;
    bool operator>(const Timer& other) const { return due_ns > other.due_ns; }
  };

  // Called by the application after each commit: logs the block, announces it as this node's tip
  // and, when the validator set of the next height differs, sends the new set.
  void on_commit(const CommittedBlockInfo& info);
  void publish_validators(std::uint64_t height);
  // Sends the proposers of rounds 0 and 1 of `height` (the net stage forwards transactions to
  // them first, so the next block can hold them).
  void publish_next_proposers(std::uint64_t height);
  // Copies `bytes` into an outbound slot of `kind` for `peer`; counts a drop when the ring is full.
  void send(OutboundKind kind, const Pubkey& peer, ByteSpan bytes);
  void handle(const InboundMessage& message);
  void flush_votes();
  // A peer announced that it committed `height`.
  void note_peer_height(const Pubkey& peer, std::uint64_t height);
  void maybe_start_sync(std::uint64_t now_ns);
  void check_failure();
  // The first proposal of `height` seen (received or sent) starts its commit latency.
  void note_proposal(std::uint64_t height);
  void publish_snapshot();
  void count(ConsensusOutcome o, std::uint64_t n = 1) {
    outcomes_[static_cast<std::size_t>(o)] += n;
  }

  ConsensusStageConfig config_;
  ledger::Ledger& ledger_;
  SigningStateFile& signing_state_;
  KeyPair key_;
  InboundRing& inbound_;
  OutboundRing& outbound_;

  Ed25519Signer signer_;
  BatchVoteVerifier verifier_;
  std::unique_ptr<LedgerApplication> app_;
  std::unique_ptr<consensus::Engine> engine_;

  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<consensus::Vote> votes_;  // a run of inbound votes, handed over as one burst
  Bytes scratch_;                       // encodings of outbound messages, reused

  std::map<Pubkey, std::uint64_t> peer_heights_;  // connected peers' announced tips
  std::uint64_t behind_since_ns_ = 0;             // 0: no peer is known to be ahead
  std::unique_ptr<net::BlockSync> sync_;
  net::proto::BlockRangeResponse page_;  // reused
  std::string request_bytes_;            // reused
  Bytes last_validators_;                // records last sent to the net stage

  std::array<std::uint64_t, kConsensusOutcomeCount> outcomes_{};
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> committed_height_{0};
  Status failure_;

  // The snapshot last published: its engine position (height 0: none yet).
  std::uint64_t published_height_ = 0;
  std::uint32_t published_round_ = 0;
  consensus::Step published_step_ = consensus::Step::kPropose;
  std::uint64_t proposal_seen_height_ = 0;  // the highest height a proposal was seen for
  std::uint64_t proposal_seen_ns_ = 0;      // when its first proposal was seen
  std::optional<std::chrono::microseconds> last_commit_latency_;
};

}  // namespace tc::node
