// Devnet: a whole local TimeCoin network in one process — K masternode validators, each with its
// own RocksDB ChainStore, Ledger and consensus Engine, joined by an in-process Bus (node/devnet/
// bus.h) instead of net/, with real UDP transaction ingress on validator 0. It is the main job of
// the appliance in CPU-fallback mode (timecoin-devnet, scripts/demo.sh); docs/devnet.md maps it to
// DESIGN §2. Each engine takes the validator set of every height from its ledger, so the run goes
// on across epoch boundaries where registrations join or deregistrations leave; follower nodes
// (keys not registered at genesis) commit every block and vote once a registration of their key
// is active.
//
// Threads: validator 0's IngressService (node/ingress/ingress_service.h: the socket backend, one
// queue) runs its receive loop on its own thread into the verify ring; everything else — verify
// stages, mempools, engines, block execution and commits of all validators, the bus and its timers
// — runs on the thread that calls run_until_height(), one event at a time in (due time, send
// order). Time is the real steady clock (ingress is real), so a run is reproducible in its outcome
// (agreement, what is finalized), not in its timings. All other methods are for that same owner
// thread, between runs, except ingress_frames().
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "core/codec.h"
#include "core/config.h"
#include "core/keys.h"
#include "core/status.h"
#include "core/types.h"
#include "dataplane/packet.h"
#include "ledger/ledger.h"
#include "ledger/mempool_config.h"
#include "ledger/params.h"
#include "node/devnet/bus.h"
#include "node/ingress/ingress_service.h"
#include "storage/chain_store.h"

namespace tc::node {

// Nodes (validators and followers together).
inline constexpr std::uint32_t kDevnetValidatorsMax = 64;
// Bounds the registry's epoch arithmetic (lifetime epochs x epoch length) far below u64 overflow.
inline constexpr std::uint64_t kDevnetEpochBlocksMax = 1'000'000;

struct DevnetConfig {
  // Gold masternodes registered at genesis (equal voting power), 1 to kDevnetValidatorsMax.
  std::uint32_t validators = 4;
  // Nodes whose keys are derived like the validators' (indices validators, validators + 1, ...)
  // but not registered at genesis. Each runs an engine that follows and commits every block, and
  // signs from the epoch boundary at which a registration of its key becomes active. validators +
  // followers is at most kDevnetValidatorsMax.
  std::uint32_t followers = 0;
  // Validator-set changes take effect at multiples of this height (ledger::LedgerParams::
  // epoch_blocks), 1 to kDevnetEpochBlocksMax.
  std::uint64_t epoch_blocks = ledger::LedgerParams{}.epoch_blocks;
  // Node i keeps its ChainStore and signing state in <data_dir>/validator-<i>. When no such
  // directory holds anything the devnet starts from genesis; when one does, it resumes the devnet
  // stored there (Devnet::create). Empty: a fresh directory under the system temp directory,
  // removed with the Devnet.
  std::string data_dir;
  // Block interval (commit wait) and step timeouts; the devnet profile's by default (1 s blocks).
  ConsensusSection consensus = default_config(Network::kDevnet).consensus;
  // One-way delay of every bus message.
  std::uint64_t bus_delay_ms = 2;
  // Validator 0's UDP transaction ingress; port 0 picks a free one (ingress_port()).
  std::string ingress_address = "127.0.0.1";
  std::uint16_t ingress_port = 0;
  std::uint32_t ingress_ring_depth = 4096;  // power of two
  // Transactions per verify batch (ingress and forwarded).
  std::uint32_t verify_burst_max = 256;
  // Genesis outputs (1 to 65,535), e.g. the load generator's funding_outputs().
  std::vector<TxOutput> allocations;
  // The devnet profile's [mempool] bounds.
  ledger::MempoolConfig mempool = ledger::mempool_config(default_config(Network::kDevnet).mempool);
};

// One committed block, as validator 0 saw it.
struct BlockRecord {
  std::uint64_t height = 0;
  Hash256 hash;
  std::uint32_t txs = 0;  // user transactions (the coinbase and equivocation evidence not counted)
  std::uint32_t proposer = 0;  // devnet validator index of the header's proposer
  std::uint32_t round = 0;     // the round whose precommits certify it
  // Devnet node indices of the certificate's precommits, in certificate order: those validator 0
  // held when it saw > 2/3 of the height's power, so a vote that arrived later is not named.
  std::vector<std::uint32_t> signers;
  // Validator 0's commit time minus the block's timestamp (set by its proposer when it built it):
  // proposal, prevotes, precommits, execution and the synced RocksDB commit.
  std::uint64_t latency_ms = 0;
  std::uint64_t committed_at_ms = 0;  // devnet clock (ms since create)
};

struct DevnetCounters {
  // Validator 0's ingress, by outcome (dataplane/packet.h), and every datagram it received.
  std::array<std::uint64_t, dataplane::kIngressOutcomeCount> ingress{};
  std::uint64_t ingress_frames = 0;
  // Validator 0's pre-check (ledger::Ledger::precheck) of ingress transactions before signature
  // verification, by ledger::RejectReason: [kOk] went on to verification, the rest were dropped
  // without a signature checked (and are not counted again below).
  std::array<std::uint64_t, ledger::kRejectReasonCount> prechecked{};
  // Validator 0's verify stage over pre-checked ingress transactions: all signatures valid, or not.
  std::uint64_t verified = 0;
  std::uint64_t bad_signature = 0;
  // Validator 0's mempool admission of verified ingress transactions, by ledger::RejectReason.
  std::array<std::uint64_t, ledger::kRejectReasonCount> admitted{};
  // Admitted transactions forwarded over the bus (each once), and (transaction, peer) pairs where
  // the peer did not admit a forwarded one (its pre-check, signatures or mempool rejected it).
  std::uint64_t forwarded = 0;
  std::uint64_t forward_rejected = 0;
  std::uint64_t signatures_checked = 0;  // by every verify stage (ingress and forwarded)
  std::uint64_t finalized = 0;           // user transactions in validator 0's committed blocks
  std::uint64_t evidence = 0;            // equivocation evidence reported by any engine
  std::uint64_t slashed = 0;  // validators named by evidence in validator 0's committed blocks
  BusCounters bus;
};

// One validator's state after a run.
struct ValidatorReport {
  Pubkey pubkey;
  storage::ChainTip tip;
  storage::UtxoSetScan utxo_digest;
  std::uint64_t blocks_built = 0;
  std::uint64_t blocks_rejected = 0;
  // Proposals and votes this node's engine signed: zero for a follower until its registration is
  // active, and still after it left the set.
  std::uint64_t signed_messages = 0;
};

class Devnet {
 public:
  using BlockObserver = std::function<void(const BlockRecord&)>;

  // Starts the devnet of `config` from genesis, or resumes the one stored in config.data_dir.
  //
  // From genesis (no <data_dir>/validator-<i> holds anything): creates the directories, opens
  // every ChainStore and commits the same genesis (the allocations and `validators` Gold
  // masternodes with keys derived from "TIMECOIN/devnet/validator" and the index; followers get
  // the next indices) into every node.
  //
  // Resuming (some validator-<i> holds anything): every node's directory must hold a store with a
  // tip and the signing_state directory, and no validator-<j> beyond this config's nodes may hold
  // anything. Each store's genesis must be the one this config commits (same allocations, at the
  // stored genesis timestamp, and the same genesis masternodes); the ledger is loaded from the
  // store. What a restart loses is what a real node loses too: mempools and in-flight messages.
  //
  // Then it binds the ingress socket, starts the ingress thread and starts every engine at its
  // store's tip + 1, with the validator set its ledger names for that height and the signed state
  // loaded from <validator dir>/signing_state (node/signing_state_file.h). Nodes may stand at
  // different tips (a crash between two nodes' commits): each node's tip must be on the chain of
  // the node furthest ahead, and a node behind is handed the certified blocks it lacks, read from
  // that node's store, through its engine's block-sync input (Engine::on_committed_block, which
  // checks each certificate against the node's own validator set and executes the block), before
  // create returns: the bus never carries blocks.
  //
  // Errors, each naming the node and its directory: kConfig for a bad count or epoch length, an
  // ingress address or port that cannot be bound, a stored genesis other than this config's, a
  // directory beyond this config's nodes that holds data, or a node directory that is empty while
  // another holds a devnet (more nodes configured than stored, or an interrupted first start);
  // kCorruption for a half-written node directory (no store, a store without genesis, no signing
  // state directory), a signing state that does not load, or a node whose chain leaves the
  // leader's or whose catch-up block is refused; and the store's, ledger's or verifier's errors.
  // It never starts a node afresh over data it could not resume: removing the directory is the
  // operator's decision.
  static Result<std::unique_ptr<Devnet>> create(const DevnetConfig& config);
  // The genesis allocations of the devnet stored in `data_dir` (read from validator-0's store,
  // which is closed again), so that a tool can rebuild the config that resumes it; empty when
  // `data_dir` is empty or its validator-0 holds nothing (a genesis has at least one allocation).
  // Errors: kCorruption when validator-0 holds data but no store with a genesis block, and the
  // store's errors, naming it.
  static Result<std::vector<TxOutput>> stored_allocations(const std::string& data_dir);

  ~Devnet();
  Devnet(const Devnet&) = delete;
  Devnet& operator=(const Devnet&) = delete;

  // Runs every validator until each has committed `height`; a validator that has pauses there
  // (its events wait for the next run), so all end on the same tip. `on_block` (may be empty) is
  // called on this thread for each block validator 0 commits. Errors: kUnavailable when
  // `timeout_ms` passes first (naming the heights reached), or a validator's commit failure.
  Status run_until_height(std::uint64_t height, std::uint64_t timeout_ms,
                          BlockObserver on_block = {});

  // Stops the ingress thread and closes the socket (datagrams sent later are not received); what
  // it put in the verify ring is still verified by later runs. Called by the destructor; safe to
  // call twice.
  void stop_ingress();

  std::uint16_t ingress_port() const { return ingress_port_; }
  // Datagrams the ingress thread has taken off the socket so far, as its loop last published them
  // (every millisecond, and exactly once it has stopped). Any thread.
  std::uint64_t ingress_frames() const;

  // Validators and followers: node i keeps its store in validator-<i>.
  std::uint32_t validator_count() const { return static_cast<std::uint32_t>(validators_.size()); }
  const Pubkey& validator_pubkey(std::uint32_t index) const;
  // Node `index`'s consensus key, for signing the proof of possession of a follower's
  // registration (a devnet's keys are derived from public seeds; they guard nothing).
  const KeyPair& consensus_key(std::uint32_t index) const;
  // Delivers a signed vote from node `from` to every other node, as that node's broadcast would:
  // how a test or a tool plays a Byzantine validator (a double vote) against the honest engines.
  // REQUIRES: from < validator_count(); between runs, on the owner thread.
  void send_vote(std::uint32_t from, const consensus::Vote& vote);
  // The genesis coinbase: allocation n is outpoint (genesis_txid(), n).
  const Hash256& genesis_txid() const { return genesis_txid_; }
  const std::string& data_dir() const { return data_dir_; }
  ledger::Ledger& ledger(std::uint32_t index);

  DevnetCounters counters() const;
  const std::vector<BlockRecord>& blocks() const { return blocks_; }
  // Tip and UTXO set digest of every validator (reads each whole UTXO set).
  Result<std::vector<ValidatorReport>> reports() const;

 private:
  struct Validator;
  class Host;

  Devnet() = default;
  Status open_validators(const DevnetConfig& config);
  enum class NodeStart : std::uint8_t { kFromGenesis, kResume };
  // Opens node `v`'s store, signing state and ledger in `path` (create's rules): commits `genesis`
  // from genesis; when resuming checks the stored genesis against it, after validator 0's call has
  // set genesis.timestamp_ms to the stored one. REQUIRES: called for validator 0 first.
  Status open_node_state(Validator& v, const std::filesystem::path& path, NodeStart start,
                         const ledger::LedgerConfig& ledger_config, ledger::GenesisConfig& genesis);
  // Brings every node behind the furthest one up to its tip, through block sync from its store.
  // REQUIRES: the engines have started.
  Status catch_up();
  Status start_ingress(const DevnetConfig& config);
  std::uint64_t now_ms() const;
  // Pre-checks, verifies and admits up to verify_burst_max transactions from the ingress ring at
  // validator 0, queueing the admitted ones for forwarding. Returns how many it took.
  std::uint32_t drain_ingress();
  // Pre-checks, verifies and admits transactions forwarded to `validator`.
  void admit_forwarded(Validator& validator, const std::vector<Bytes>& txs);
  // Hands the validator's delivered events to its engine (votes of one delivery in one burst).
  void process_inbox(Validator& validator);
  void on_commit(Validator& validator, const ledger::ExecutedBlock& executed,
                 const CommitCertificate& certificate);
  // Whether the validator has reached the height this run stops at.
  bool paused(const Validator& validator) const;

  std::string data_dir_;
  bool owns_data_dir_ = false;
  std::uint64_t start_ns_ = 0;
  std::uint64_t halt_height_ = 0;
  Hash256 genesis_txid_;
  std::uint32_t verify_burst_max_ = 0;
  std::unique_ptr<Bus> bus_;
  std::vector<std::unique_ptr<Validator>> validators_;
  std::vector<BusEvent> held_;          // events for paused validators, requeued by the next run
  std::vector<Bytes> forward_;          // admitted at validator 0, not yet forwarded
  std::vector<TransactionView> views_;  // verify scratch, reused per burst
  std::vector<std::uint8_t> valid_;
  std::vector<BlockRecord> blocks_;
  BlockObserver on_block_;
  DevnetCounters counters_;

  std::unique_ptr<IngressService> ingress_;
  std::uint16_t ingress_port_ = 0;
};

}  // namespace tc::node
