#include "node/daemon.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "consensus/messages.h"
#include "core/hashing.h"
#include "core/log.h"
#include "gpu/verifier.h"
#include "ledger/mempool_config.h"
#include "ledger/utxo_view.h"
#include "node/genesis_file.h"
#include "node/rpc/methods.h"
#include "node/wallet/key_file.h"

namespace tc::node {
namespace {

bool verify_ed25519(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) {
  const gpu::SignatureRef ref{pubkey.data(), 32, sig.data(), 64, digest.data(), 32};
  return gpu::verify_single(ref) == gpu::Verdict::kAccept;
}

consensus::EngineConfig engine_config(const NodeConfig& config) {
  const ConsensusSection& c = config.consensus;
  consensus::EngineConfig engine;
  engine.chain_id = config.node.chain_id;
  engine.timeouts.propose_base_ms = c.timeout_propose_ms;
  engine.timeouts.propose_delta_ms = c.timeout_propose_delta_ms;
  engine.timeouts.prevote_base_ms = c.timeout_prevote_ms;
  engine.timeouts.prevote_delta_ms = c.timeout_prevote_delta_ms;
  engine.timeouts.precommit_base_ms = c.timeout_precommit_ms;
  engine.timeouts.precommit_delta_ms = c.timeout_precommit_delta_ms;
  engine.timeouts.commit_wait_ms = c.block_interval_ms;
  return engine;
}

// The RPC ring into the verify stage and its result ring. RPC calls are few and each waits for its
// verdict, so the smallest ring (room for two of the largest transactions) and a result slot per
// HTTP worker many times over are plenty; the topology table does not list them because no stage
// thread produces into them.
constexpr std::size_t kRpcRingBytes = TxRing::kCapacityBytesMin;
constexpr std::uint32_t kRpcResultDepth = 256;

// Whether `path` exists and is not an empty directory.
bool holds_data(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return false;
  return !std::filesystem::is_directory(path, error) || !std::filesystem::is_empty(path, error);
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::open(const NodeConfig& config) {
  TC_ASSIGN_OR_RETURN(const Topology topology, make_topology(config));
  TC_ASSIGN_OR_RETURN(std::unique_ptr<DataDir> dir, DataDir::lock(config.node.data_dir));
  auto key = wallet::read_key_file(dir->key_file());
  if (!key.is_ok()) {
    return key.status().with_context(
        "node key (write the validator's key file, e.g. with "
        "timecoin-wallet, to " +
        dir->key_file() + ")");
  }
  std::unique_ptr<Daemon> daemon(new Daemon(topology, std::move(dir), *key));
  TC_RETURN_IF_ERROR(daemon->open_chain(config));

  TC_RETURN_IF_ERROR(daemon->inbound_.init(topology.ring(RingId::kNetToConsensus).depth));
  TC_RETURN_IF_ERROR(daemon->outbound_.init(topology.ring(RingId::kConsensusToNet).depth));
  TC_RETURN_IF_ERROR(
      daemon->net_to_verify_.init(topology.ring(RingId::kNetToVerify).capacity_bytes()));
  TC_RETURN_IF_ERROR(
      daemon->verify_to_net_results_.init(topology.ring(RingId::kVerifyToNetResults).depth));
  TC_RETURN_IF_ERROR(
      daemon->verify_to_net_.init(topology.ring(RingId::kVerifyToNet).capacity_bytes()));
  TC_RETURN_IF_ERROR(daemon->rpc_to_verify_.init(kRpcRingBytes));
  TC_RETURN_IF_ERROR(daemon->verify_to_rpc_results_.init(kRpcResultDepth));

  ConsensusStageConfig consensus_config;
  consensus_config.engine = engine_config(config);
  consensus_config.verify_batch_max = std::max<std::uint32_t>(config.verify.batch_size_max, 1);
  // A node normally commits within moments of the fastest peer; two block intervals behind it is
  // missing the certificate, not slow.
  consensus_config.sync_grace_ms = 2 * std::uint64_t{config.consensus.block_interval_ms} + 1000;
  consensus_config.snapshot = &daemon->snapshots_.consensus;
  daemon->consensus_ =
      std::make_unique<ConsensusStage>(consensus_config, *daemon->ledger_, *daemon->signing_state_,
                                       daemon->key_, daemon->inbound_, daemon->outbound_);
  TC_RETURN_IF_ERROR(daemon->consensus_->init());

  // The ingress stage's rings are its own (IngressService sizes them from ingress.ring_depth,
  // the topology's ingress_to_verify row); its loops take the table's idle backoff.
  IngressServiceOptions ingress_options;
  ingress_options.loop = topology.stage(StageId::kIngress).loop;
  TC_ASSIGN_OR_RETURN(daemon->ingress_, IngressService::start(config, ingress_options));
  VerifyStageRings verify_rings;
  for (std::uint32_t queue = 0; queue < daemon->ingress_->queue_count(); ++queue) {
    verify_rings.ingress.push_back(&daemon->ingress_->ring(queue));
  }
  verify_rings.rpc = &daemon->rpc_to_verify_;
  verify_rings.rpc_results = &daemon->verify_to_rpc_results_;
  verify_rings.peer = &daemon->net_to_verify_;
  verify_rings.peer_results = &daemon->verify_to_net_results_;
  verify_rings.forward = &daemon->verify_to_net_;
  VerifyStageConfig verify_config = verify_stage_config(config);
  verify_config.snapshot = &daemon->snapshots_.verify;
  daemon->verify_ = std::make_unique<VerifyStage>();
  TC_RETURN_IF_ERROR(
      daemon->verify_->init(verify_config, daemon->ledger_.get(), verify_rings, &daemon->metrics_)
          .with_context("verify stage"));
  const VerifyBatchPolicy& policy = daemon->verify_->policy();
  TC_LOG_INFO("verify stage", {{"backend", policy.gpu ? "gpu" : "cpu"},
                               {"batch_size_max", policy.batch_size_max},
                               {"batches_in_flight_max", policy.batches_in_flight_max},
                               {"cpu_workers", policy.cpu_workers}});

  NetStageConfig net_config;
  net::PeerManagerConfig& peers = net_config.peers;
  peers.connection.chain_id = config.node.chain_id;
  peers.connection.consensus_codec = {&consensus::check_vote_encoding,
                                      &consensus::check_proposal_encoding};
  peers.connection.verify_digest = &verify_ed25519;
  asio::error_code error;
  const asio::ip::address listen = asio::ip::make_address(config.net.p2p_listen_address, error);
  if (error) {
    return config_error("net.p2p_listen_address \"" + config.net.p2p_listen_address +
                        "\" is not an IP address");
  }
  peers.listen_endpoint = asio::ip::tcp::endpoint(listen, config.net.p2p_port);
  if (config.net.max_peers > 0) peers.max_inbound = config.net.max_peers;
  TC_ASSIGN_OR_RETURN(net_config.seeds, resolve_seed_peers(config.net.seed_peers));
  net_config.snapshot = &daemon->snapshots_.network;
  daemon->net_ = std::make_unique<NetStage>(
      daemon->key_, net_config, *daemon->store_, daemon->inbound_, daemon->outbound_,
      daemon->net_to_verify_, daemon->verify_to_net_results_, daemon->verify_to_net_);
  TC_RETURN_IF_ERROR(daemon->net_->init());
  TC_RETURN_IF_ERROR(daemon->start_rpc(config));
  return daemon;
}

Status Daemon::start_rpc(const NodeConfig& config) {
  rpc_control_ =
      std::make_unique<RpcControl>(rpc_to_verify_, verify_to_rpc_results_, rpc_stop_requested_);
  dispatcher_ = std::make_unique<rpc::Dispatcher>(rpc::DispatcherConfig{}, &metrics_);
  rpc::RpcContext context;
  context.network = config.node.profile;
  context.store = store_.get();
  context.ledger = ledger_.get();
  context.snapshots = &snapshots_;
  context.control = rpc_control_.get();
  rpc::add_all_methods(context, dispatcher_.get());
  rpc::RpcServerConfig server_config;
  server_config.listen_address = config.net.rpc_listen_address;
  server_config.port = config.net.rpc_port;
  server_config.data_dir = data_dir_->path();
  TC_ASSIGN_OR_RETURN(rpc_server_,
                      rpc::RpcServer::start(server_config, dispatcher_.get(), &metrics_));
  return Status::ok();
}

Status Daemon::open_chain(const NodeConfig& config) {
  const DataDir& dir = *data_dir_;
  TC_ASSIGN_OR_RETURN(const GenesisFile genesis, read_genesis_file(dir.genesis_file()));
  const std::uint32_t chain_id = config.node.chain_id;
  if (network_chain_id(genesis.network) != chain_id) {
    return config_error("genesis file " + dir.genesis_file() + ": network \"" +
                        std::string(network_name(genesis.network)) +
                        "\" is not the configured node.profile \"" +
                        std::string(network_name(config.node.profile)) + "\"");
  }
  const bool first_start = !holds_data(dir.chain_store());
  if (first_start && holds_data(dir.signing_state())) {
    return corruption("data directory " + dir.path() + ": a signing state without a chain store " +
                      "(a validator that lost its chain must not restart from genesis blindly; "
                      "remove the directory to start afresh)");
  }
  storage::StoreOptions store_options;
  store_options.path = dir.chain_store();
  store_options.create_if_missing = true;
  TC_ASSIGN_OR_RETURN(store_, storage::ChainStore::open(store_options));
  std::error_code error;
  if (store_->tip() && store_->tip()->height > 0 &&
      !std::filesystem::is_directory(dir.signing_state(), error)) {
    // This validator has taken part in consensus (the directory is created before anything is
    // signed) and forgot what it signed: it could sign twice.
    return corruption("data directory " + dir.path() + ": a chain at height " +
                      std::to_string(store_->tip()->height) + " without the " +
                      dir.signing_state() + " directory (half-written or damaged data directory)");
  }
  TC_ASSIGN_OR_RETURN(signing_state_, SigningStateFile::open(dir.signing_state()));
  backend_ = std::make_unique<ledger::StoreBackend>(store_.get(), nullptr);

  ledger::LedgerConfig ledger_config;
  ledger_config.mempool = ledger::mempool_config(config.mempool);
  TC_ASSIGN_OR_RETURN(ledger_, ledger::Ledger::open(ledger_config, backend_.get()));

  const Hash256 expected = block_hash(ledger::make_genesis_block(genesis.genesis, chain_id).header);
  if (!store_->tip()) {
    TC_RETURN_IF_ERROR(ledger_->commit_genesis(genesis.genesis).with_context("genesis"));
    TC_LOG_INFO("genesis committed", {{"hash", to_hex(expected)},
                                      {"masternodes", genesis.genesis.masternodes.size()},
                                      {"allocations", genesis.genesis.allocations.size()}});
    return Status::ok();
  }
  // The genesis block commits to its timestamp and allocations, not to the genesis masternodes
  // (the registry holds those): both are compared.
  TC_ASSIGN_OR_RETURN(const Hash256 stored, store_->block_hash_at(0));
  if (stored != expected) {
    return config_error("genesis file " + dir.genesis_file() + ": its block " + to_hex(expected) +
                        " is not the stored chain's genesis " + to_hex(stored) +
                        " (another network's data directory, or a changed genesis file)");
  }
  std::vector<Pubkey> stored_keys;
  for (const ledger::MasternodeRecord& record : ledger_->registry().active_at(0)) {
    stored_keys.push_back(record.consensus_pubkey);
  }
  std::vector<Pubkey> expected_keys;
  for (const ledger::MasternodeRecord& record : genesis.genesis.masternodes) {
    expected_keys.push_back(record.consensus_pubkey);
  }
  std::sort(stored_keys.begin(), stored_keys.end());
  std::sort(expected_keys.begin(), expected_keys.end());
  if (stored_keys != expected_keys) {
    return config_error("genesis file " + dir.genesis_file() +
                        ": its masternodes are not the stored chain's genesis masternodes");
  }
  TC_LOG_INFO("chain resumed", {{"height", store_->tip()->height}});
  return Status::ok();
}

Daemon::~Daemon() {
  // The RPC server first (its handlers read the stages' rings and the store), then the stages (the
  // net stage's connections point at its peer manager), the store last.
  if (rpc_server_) rpc_server_->stop();
  net_.reset();
  consensus_.reset();
  verify_.reset();
  ingress_.reset();
}

Status Daemon::run(const std::atomic<bool>& stop) {
  const std::string table = render_topology(topology_);
  for (std::size_t start = 0, end; start < table.size(); start = end + 1) {
    end = table.find('\n', start);
    if (end == std::string::npos) end = table.size();
    TC_LOG_INFO("topology", {{"row", std::string_view(table).substr(start, end - start)}});
  }
  std::atomic<bool> net_stop{false};
  std::atomic<bool> consensus_stop{false};
  std::atomic<bool> verify_stop{false};
  std::atomic<bool> verify_exited{false};
  std::atomic<bool> net_exited{false};
  std::atomic<bool> consensus_exited{false};
  Status net_status;
  Status consensus_status;
  Status verify_status;
  std::thread net_thread([&] {
    net_status = run_stage_loop(*net_, topology_.stage(StageId::kNet).loop, net_stop);
    net_->fini();
    net_exited.store(true, std::memory_order_release);
  });
  std::thread consensus_thread([&] {
    consensus_status =
        run_stage_loop(*consensus_, topology_.stage(StageId::kConsensus).loop, consensus_stop);
    consensus_exited.store(true, std::memory_order_release);
  });
  std::thread verify_thread([&] {
    verify_status = run_stage_loop(*verify_, topology_.stage(StageId::kVerify).loop, verify_stop);
    verify_->fini();
    verify_exited.store(true, std::memory_order_release);
  });
  TC_LOG_INFO("timecoind running", {{"p2p_port", net_->listen_port()},
                                    {"rpc_port", rpc_server_->port()},
                                    {"ingress_port", ingress_->udp_port()},
                                    {"ingress_backend", ingress_backend_name(ingress_->backend())},
                                    {"height", consensus_->committed_height()},
                                    {"data_dir", data_dir_->path()}});
  while (!stop.load(std::memory_order_acquire) &&
         !rpc_stop_requested_.load(std::memory_order_acquire) && !consensus_->failed() &&
         !net_exited.load(std::memory_order_acquire) &&
         !verify_exited.load(std::memory_order_acquire) &&
         !consensus_exited.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  TC_LOG_INFO("timecoind stopping", {{"height", consensus_->committed_height()}});
  // No RPC call may produce into the verify stage's RPC ring once the stage is told to stop.
  rpc_server_->stop();
  ingress_->stop();
  net_->close_intake();
  verify_stop.store(true, std::memory_order_release);
  verify_thread.join();
  consensus_stop.store(true, std::memory_order_release);
  consensus_thread.join();
  net_stop.store(true, std::memory_order_release);
  net_thread.join();
  TC_RETURN_IF_ERROR(consensus_status.with_context("consensus stage"));
  TC_RETURN_IF_ERROR(net_status.with_context("net stage"));
  TC_RETURN_IF_ERROR(verify_status.with_context("verify stage"));
  if (consensus_->failed()) return consensus_->failure();
  const VerifyStageCounters& verified = verify_->counters();
  const auto all_sources = [&](VerifyOutcome outcome) {
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < kVerifySourceCount; ++s) {
      total += verified.outcome(static_cast<VerifySource>(s), outcome);
    }
    return total;
  };
  TC_LOG_INFO(
      "timecoind stopped",
      {{"height", consensus_->committed_height()},
       {"proposals_in", consensus_->outcome(ConsensusOutcome::kProposal)},
       {"votes_in", consensus_->outcome(ConsensusOutcome::kVote)},
       {"consensus_out_dropped", consensus_->outcome(ConsensusOutcome::kOutboundFull)},
       {"syncs", consensus_->outcome(ConsensusOutcome::kSyncStarted)},
       {"synced_blocks", consensus_->outcome(ConsensusOutcome::kSyncCommitted)},
       {"tx_admitted", all_sources(VerifyOutcome::kAdmitted)},
       {"tx_admitted_from_peers", verified.outcome(VerifySource::kPeer, VerifyOutcome::kAdmitted)},
       {"tx_malformed", all_sources(VerifyOutcome::kMalformed)},
       {"tx_precheck_rejected", all_sources(VerifyOutcome::kPrecheckRejected)},
       {"tx_bad_signature", all_sources(VerifyOutcome::kBadSignature)},
       {"tx_admit_rejected", all_sources(VerifyOutcome::kAdmitRejected)},
       {"tx_forwarded", verified.forwarded},
       {"tx_peer_dropped", net_->outcome(NetOutcome::kTxVerifyFull)},
       {"tx_peer_reported", net_->outcome(NetOutcome::kTxReported)}});
  return Status::ok();
}

}  // namespace tc::node
