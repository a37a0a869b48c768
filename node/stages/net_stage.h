// NetStage: the node's peer-to-peer side. It owns the io_context that every peer connection runs
// on (net/peer_manager.h: listening, dialling seeds and validators, the authenticated handshake,
// rate limits, bans kept in the store's peers column family, gossip with duplicate suppression),
// and passes messages between peers and the consensus stage (node/stages/consensus_stage.h):
//
//   - proposals and votes from peers, block-sync pages and the tips peers announce (TipStatus) go
//     into the inbound ring;
//     a full ring drops the message and counts it (kInboundFull): consensus retransmits;
//   - this node's proposals and votes from the outbound ring go to every connected validator, each
//     time the engine sends them (its retransmissions included), each commit is announced as this
//     node's tip (announce_tip; the stored tip at init), block-range requests go to the peer they
//     name, reports of invalid messages to the peer's score, and each new
//     validator set to set_validators and set_registrations;
//   - peers' transaction batches go, one record per transaction, into the net_to_verify TxRing of
//     the verify stage (node/stages/verify_stage.h; a transaction the full ring refuses is dropped,
//     counted: kTxVerifyFull); the verdicts come back on verify_to_net_results, and a peer whose
//     transaction did not decode or carried a bad signature is reported (report_invalid) for its
//     score. What the verify stage admitted from this node's own sources (verify_to_net) is
//     forwarded as one batch per step with PeerManager::forward_transactions, to the next
//     proposers first (the consensus stage names them after each commit); what it admitted from
//     peers is not forwarded again (the sender sent it to every peer it is connected to);
//   - block-range requests from peers are answered here, from the ChainStore (which any thread may
//     read), with net::answer_block_range, so serving never waits for consensus;
//   - every kNetworkSnapshotIntervalNs, housekeeping publishes the connected peers
//     (PeerManager::peer_infos) for the RPC's getpeerinfo and getnetworkinfo
//     (node/rpc/node_state.h) when the config names a slot.
//
// Shape (STYLE §2): init on the startup thread (binds the P2P port); then step(burst) and
// housekeeping(now) on the stage thread through run_stage_loop, and fini() on that thread after
// the loop returns. close_intake() may be called from any thread.
#pragma once

#include <array>
#include <asio.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "net/block_sync.h"
#include "net/peer_manager.h"
#include "node/net_peer_store.h"
#include "node/rpc/node_state.h"
#include "node/stages/peer_messages.h"
#include "node/stages/tx_ring.h"
#include "node/stages/verify_stage.h"
#include "storage/chain_store.h"

namespace tc::node {

// Resolves the [net] seed_peers entries ("host:port", "[ipv6]:port"; host names through the
// system resolver). Error, kConfig naming the entry: no port, a port outside 1..65535, a name that
// does not resolve.
Result<std::vector<net::PeerEndpoint>> resolve_seed_peers(const std::vector<std::string>& seeds);

struct NetStageConfig {
  // REQUIRED: connection.chain_id, consensus_codec and verify_digest; listen_endpoint.
  net::PeerManagerConfig peers;
  std::vector<net::PeerEndpoint> seeds;
  net::BlockPageLimits pages;  // of the block ranges this node serves
  // Where housekeeping publishes the network snapshot; null: not published. Must outlive the stage.
  rpc::Published<rpc::NetworkSnapshot>* snapshot = nullptr;
};

// How often the net stage publishes its network snapshot: fresh enough for an operator, rare
// enough that the allocation it costs is nothing.
inline constexpr std::uint64_t kNetworkSnapshotIntervalNs = 200'000'000;

enum class NetOutcome : std::uint8_t {
  kProposal,      // proposals from peers passed to consensus
  kVote,          // votes passed to consensus
  kBlockPage,     // block-sync pages passed to consensus
  kInboundFull,   // messages dropped: the ring to consensus was full
  kIntakeClosed,  // messages dropped while shutting down
  kBlocksServed,  // block-range requests answered
  kServeFailed,   // requests the store could not answer (the page went out empty)
  kIgnored,       // message types this node does not handle (certificates, snapshot sync)
  kBroadcast,     // this node's consensus messages sent
  kTxBatch,       // peers' transaction batches passed to verify
  kTxVerifyFull,  // peers' transactions dropped: the ring to verify was full
  kTxReported,    // peers' transactions the verify stage found malformed or badly signed
  kTxForwarded,   // transactions forwarded to peers
  kCount
};
inline constexpr std::size_t kNetOutcomeCount = static_cast<std::size_t>(NetOutcome::kCount);

class NetStage final : public net::PeerHandler {
 public:
  // `store` and the rings must outlive the stage. The stage is the producer of `inbound` and
  // `to_verify` and the consumer of `outbound`, `verify_results` and `forward`.
  NetStage(const KeyPair& key, const NetStageConfig& config, storage::ChainStore& store,
           InboundRing& inbound, OutboundRing& outbound, TxRing& to_verify,
           VerifyResultRing& verify_results, TxRing& forward);
  ~NetStage() override;

  // Creates the peer manager, announces the stored tip, loads bans, binds the P2P port and adds the
  // seeds. Errors: the peer
  // manager's (kConfig naming the endpoint that cannot be bound, the store's).
  Status init();

  // Runs the io handlers that are ready, sends up to burst_max outbound messages, handles up to
  // burst_max verdicts on peers' transactions and forwards up to burst_max admitted ones.
  std::uint32_t step(std::uint32_t burst_max);
  void housekeeping(std::uint64_t now_ns);
  // Stops passing peers' messages to consensus (they are dropped, counted). Any thread.
  void close_intake() { intake_closed_.store(true, std::memory_order_release); }
  // Closes every connection (DISCONNECT_SHUTTING_DOWN) and runs the io_context until they are
  // gone. Stage thread, after its loop returned.
  void fini();

  std::uint16_t listen_port() const { return listen_port_; }
  std::uint64_t outcome(NetOutcome o) const { return outcomes_[static_cast<std::size_t>(o)]; }

  // net::PeerHandler (io thread)
  void on_peer_established(const Pubkey& key) override;
  void on_peer_closed(const Pubkey& key, const Status& why) override;
  void on_peer_tip(const Pubkey& key, const net::PeerTip& tip) override;
  void on_message(const Pubkey& peer, net::MessageType type,
                  const net::InboundMessages& messages) override;

 private:
  class StoreBlockSource;

  // Copies `bytes` into an inbound slot; counts a drop when the ring is full or intake closed.
  bool pass(InboundKind kind, const Pubkey& peer, const std::string& bytes);
  void pass_transactions(const Pubkey& peer, const net::proto::TransactionBatch& batch);
  std::uint32_t report_rejected_transactions(std::uint32_t burst_max);
  std::uint32_t forward_admitted_transactions(std::uint32_t burst_max);
  void send(const OutboundMessage& message);
  // Sends this node's own proposal, vote or certificate to every connected validator.
  template <typename Message>
  void send_to_validators(const Message& message);
  void serve_blocks(const Pubkey& peer, const net::proto::BlockRangeRequest& request);
  void count(NetOutcome o) { ++outcomes_[static_cast<std::size_t>(o)]; }
  void publish_snapshot();

  KeyPair key_;
  NetStageConfig config_;
  storage::ChainStore& store_;
  InboundRing& inbound_;
  OutboundRing& outbound_;
  TxRing& to_verify_;
  VerifyResultRing& verify_results_;
  TxRing& forward_;

  asio::io_context io_;
  ChainStorePeerStore peer_store_;
  std::unique_ptr<StoreBlockSource> source_;
  std::unique_ptr<net::PeerManager> manager_;
  std::uint16_t listen_port_ = 0;
  std::atomic<bool> intake_closed_{false};

  // Reused envelopes.
  net::proto::ProposalMessage proposal_;
  net::proto::VoteMessage vote_;
  net::proto::BlockRangeRequest request_;
  net::proto::BlockRangeResponse response_;
  net::proto::TransactionBatch batch_;
  VerifyResult result_;
  std::string response_bytes_;
  std::vector<net::PeerAddressRecord> validators_;
  std::vector<Pubkey> next_proposers_;  // forward_transactions sends to these first
  // The peer of each batch passed to verify, at the batch's number (its records' origin) modulo
  // the table's size. A verdict whose batch was overwritten by a later one (kBatchOrigins batches
  // passed meanwhile) names no peer and is not scored.
  struct BatchOrigin {
    std::uint32_t batch = 0;
    Pubkey peer;
  };
  static constexpr std::uint32_t kBatchOrigins = 4096;
  std::vector<BatchOrigin> batch_origins_ = std::vector<BatchOrigin>(kBatchOrigins);
  std::uint32_t next_batch_ = 1;
  std::uint64_t next_snapshot_ns_ = 0;

  std::array<std::uint64_t, kNetOutcomeCount> outcomes_{};
};

}  // namespace tc::node
