#include "node/devnet/devnet.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "core/log.h"
#include "core/masternode_tier.h"
#include "core/sha2.h"
#include "core/stage_loop.h"
#include "dataplane/ingress_ring.h"
#include "ledger/utxo_view.h"
#include "node/app/consensus_crypto.h"
#include "node/app/ledger_application.h"
#include "node/app/tx_verifier.h"
#include "node/signing_state_file.h"

namespace tc::node {
namespace {

// Ingress bursts the loop verifies before it turns to the engines again.
constexpr std::uint32_t kIngressBurstsPerTurn = 4;
// The longest the loop sleeps when idle: how late it may notice a datagram in the ring.
constexpr std::chrono::microseconds kIdleSleepMax{500};

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

KeyPair validator_key(std::uint32_t index) {
  static constexpr std::string_view kTag = "TIMECOIN/devnet/validator";
  std::uint8_t preimage[kTag.size() + 4];
  std::memcpy(preimage, kTag.data(), kTag.size());
  store_u32_le(preimage + kTag.size(), index);
  return KeyPair::from_seed(sha256(ByteSpan(preimage, sizeof(preimage))));
}

std::filesystem::path node_path(const std::string& data_dir, std::uint32_t index) {
  return std::filesystem::path(data_dir) / ("validator-" + std::to_string(index));
}

// Whether `path` exists and is not an empty directory (a file there counts as data, so that it is
// refused rather than mistaken for a fresh start).
bool holds_data(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return false;
  return !std::filesystem::is_directory(path, error) || !std::filesystem::is_empty(path, error);
}

// A validator-<j> directory with j >= `nodes` that holds data belongs to a devnet with more nodes
// than this config: resuming without it would drop a node's chain, so it is refused.
Status check_no_extra_nodes(const std::string& data_dir, std::uint32_t nodes) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, error)) {
    const std::string name = entry.path().filename().string();
    constexpr std::string_view kPrefix = "validator-";
    if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) continue;
    const std::string_view digits = std::string_view(name).substr(kPrefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    if (digits.size() > 9 || std::stoul(std::string(digits)) < nodes) continue;
    if (holds_data(entry.path())) {
      return config_error("devnet: " + entry.path().string() +
                          " holds a node beyond this config's " + std::to_string(nodes) +
                          " (validators + followers)");
    }
  }
  if (error) return io_error("devnet: cannot list " + data_dir + ": " + error.message());
  return Status::ok();
}

consensus::EngineConfig engine_config(const ConsensusSection& c) {
  consensus::EngineConfig config;
  config.chain_id = kChainIdDevnet;
  config.timeouts.propose_base_ms = c.timeout_propose_ms;
  config.timeouts.propose_delta_ms = c.timeout_propose_delta_ms;
  config.timeouts.prevote_base_ms = c.timeout_prevote_ms;
  config.timeouts.prevote_delta_ms = c.timeout_prevote_delta_ms;
  config.timeouts.precommit_base_ms = c.timeout_precommit_ms;
  config.timeouts.precommit_delta_ms = c.timeout_precommit_delta_ms;
  config.timeouts.commit_wait_ms = c.block_interval_ms;
  return config;
}

}  // namespace

// ---- one validator ------------------------------------------------------------------------------

// The engine's outputs: signed state made durable in the validator's SigningStateFile, messages
// and timers onto the bus, evidence counted and logged.
class Devnet::Host final : public consensus::EngineHost {
 public:
  Host(Devnet& devnet, Validator& validator) : devnet_(devnet), validator_(validator) {}
  Status persist_signed_state(const consensus::SignedState& state) override;
  void broadcast_proposal(const consensus::Proposal& proposal) override;
  void broadcast_vote(const consensus::Vote& vote) override;
  void schedule_timeout(const consensus::TimeoutEvent& event, std::uint64_t delay_ms) override;
  void report_evidence(const consensus::Evidence& evidence) override;

 private:
  Devnet& devnet_;
  Validator& validator_;
};

// Members are destroyed in reverse order: the engine first, the store last.
struct Devnet::Validator {
  std::uint32_t index = 0;
  KeyPair key;
  std::unique_ptr<storage::ChainStore> store;
  std::unique_ptr<ledger::StoreBackend> backend;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<LedgerApplication> app;
  std::unique_ptr<Ed25519Signer> signer;
  BatchVoteVerifier vote_verifier;
  TxBatchVerifier tx_verifier;
  std::unique_ptr<SigningStateFile> signing_state;
  consensus::SignedState persisted;  // as loaded before the engine starts
  std::unique_ptr<Host> host;
  std::unique_ptr<consensus::Engine> engine;
  std::uint64_t committed_height = 0;
  std::vector<BusEvent> inbox;  // delivered, not yet handed to the engine
  Status failure;               // sticky; ends the run

  explicit Validator(std::uint32_t i) : index(i), key(validator_key(i)) {}
};

Status Devnet::Host::persist_signed_state(const consensus::SignedState& state) {
  Status status = validator_.signing_state->store(state);
  if (!status.is_ok()) {
    // The validator can never sign again (the file refuses every later store): end the run.
    validator_.failure =
        status.with_context("devnet validator " + std::to_string(validator_.index));
  }
  return status;
}

void Devnet::Host::broadcast_proposal(const consensus::Proposal& proposal) {
  std::vector<Bytes> items(1);
  consensus::encode_proposal(proposal, items[0]);
  devnet_.bus_->broadcast(validator_.index, BusEventKind::kProposal, std::move(items));
}

void Devnet::Host::broadcast_vote(const consensus::Vote& vote) {
  std::vector<Bytes> items(1);
  consensus::encode_vote(vote, items[0]);
  devnet_.bus_->broadcast(validator_.index, BusEventKind::kVote, std::move(items));
}

void Devnet::send_vote(std::uint32_t from, const consensus::Vote& vote) {
  std::vector<Bytes> items(1);
  consensus::encode_vote(vote, items[0]);
  bus_->broadcast(from, BusEventKind::kVote, std::move(items));
}

void Devnet::Host::schedule_timeout(const consensus::TimeoutEvent& event, std::uint64_t delay_ms) {
  devnet_.bus_->schedule_timeout(validator_.index, event, delay_ms);
}

void Devnet::Host::report_evidence(const consensus::Evidence& evidence) {
  ++devnet_.counters_.evidence;
  validator_.app->add_evidence(evidence);
  TC_LOG_WARN("equivocation evidence", {{"reporter", validator_.index},
                                        {"validator_index", evidence.validator_index},
                                        {"height", evidence.height},
                                        {"round", evidence.round}});
}

// ---- setup --------------------------------------------------------------------------------------

Result<std::unique_ptr<Devnet>> Devnet::create(const DevnetConfig& config) {
  if (config.validators == 0 || config.validators > kDevnetValidatorsMax ||
      config.followers > kDevnetValidatorsMax - config.validators) {
    return config_error("devnet: validators must be 1 to " + std::to_string(kDevnetValidatorsMax) +
                        " and validators + followers at most that, got " +
                        std::to_string(config.validators) + " + " +
                        std::to_string(config.followers));
  }
  if (config.epoch_blocks == 0 || config.epoch_blocks > kDevnetEpochBlocksMax) {
    return config_error("devnet: epoch_blocks must be 1 to " +
                        std::to_string(kDevnetEpochBlocksMax) + ", got " +
                        std::to_string(config.epoch_blocks));
  }
  if (config.allocations.empty() || config.allocations.size() > 65'535) {
    return config_error("devnet: genesis needs 1 to 65,535 allocations, got " +
                        std::to_string(config.allocations.size()));
  }
  if (config.verify_burst_max == 0 || config.consensus.block_interval_ms == 0) {
    return config_error("devnet: verify_burst_max and block_interval_ms must be positive");
  }
  std::unique_ptr<Devnet> devnet(new Devnet());
  devnet->start_ns_ = steady_now_ns();
  devnet->verify_burst_max_ = config.verify_burst_max;
  devnet->bus_ = std::make_unique<Bus>(config.validators + config.followers, config.bus_delay_ms);
  TC_RETURN_IF_ERROR(devnet->open_validators(config));
  TC_RETURN_IF_ERROR(devnet->start_ingress(config));
  devnet->bus_->set_now(devnet->now_ms());
  for (auto& validator : devnet->validators_) {
    validator->engine->start(validator->committed_height + 1, validator->persisted);
  }
  TC_RETURN_IF_ERROR(devnet->catch_up());
  return devnet;
}

Status Devnet::open_validators(const DevnetConfig& config) {
  std::error_code error;
  if (config.data_dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path(error) / "timecoin-devnet-XXXXXX").string();
    if (error || ::mkdtemp(pattern.data()) == nullptr) {
      return io_error("devnet: cannot create a temporary data directory under " + pattern);
    }
    data_dir_ = pattern;
    owns_data_dir_ = true;
  } else {
    data_dir_ = config.data_dir;
  }

  const std::uint32_t nodes = config.validators + config.followers;
  std::vector<std::filesystem::path> paths;
  std::optional<std::uint32_t> stored;  // a node whose directory holds data
  for (std::uint32_t i = 0; i < nodes; ++i) {
    paths.push_back(node_path(data_dir_, i));
    if (!stored && holds_data(paths.back())) stored = i;
  }
  const bool resume = stored.has_value();
  if (resume) TC_RETURN_IF_ERROR(check_no_extra_nodes(data_dir_, nodes));

  ledger::GenesisConfig genesis;
  genesis.timestamp_ms = wall_clock_ms();  // replaced by the stored one when resuming
  genesis.allocations = config.allocations;
  for (std::uint32_t i = 0; i < nodes; ++i) {
    validators_.push_back(std::make_unique<Validator>(i));
    if (i >= config.validators) continue;
    ledger::MasternodeRecord record;
    record.tier = MasternodeTier::kGold;
    record.consensus_pubkey = validators_.back()->key.pubkey();
    record.reward_pubkey_hash = pubkey_hash(record.consensus_pubkey);
    genesis.masternodes.push_back(record);
  }

  ledger::LedgerConfig ledger_config;
  ledger_config.mempool = config.mempool;
  ledger_config.params.epoch_blocks = config.epoch_blocks;
  gpu::BatchVerifierCpuConfig verifier_config;
  verifier_config.batch_size_max = config.verify_burst_max;
  for (auto& owned : validators_) {
    Validator& v = *owned;
    const std::filesystem::path& path = paths[v.index];
    const std::string where =
        "devnet validator " + std::to_string(v.index) + " (" + path.string() + ")";
    if (resume && !holds_data(path)) {
      return config_error(where + ": empty, but " + paths[*stored].string() +
                          " holds a devnet: this config has more nodes than the devnet stored "
                          "there, or its first start was interrupted (remove " +
                          data_dir_ + " to start from genesis)");
    }
    TC_RETURN_IF_ERROR(open_node_state(v, path,
                                       resume ? NodeStart::kResume : NodeStart::kFromGenesis,
                                       ledger_config, genesis)
                           .with_context(where));
    v.committed_height = v.ledger->tip()->height;

    TC_RETURN_IF_ERROR(v.vote_verifier.init(verifier_config).with_context(where));
    TC_RETURN_IF_ERROR(v.tx_verifier.init(kChainIdDevnet, verifier_config).with_context(where));
    v.signer = std::make_unique<Ed25519Signer>(v.key);
    // The application caches as many executed blocks as the engine keeps valid ones per height.
    const consensus::EngineConfig engine = engine_config(config.consensus);
    v.app = std::make_unique<LedgerApplication>(
        *v.ledger, v.key.pubkey(), &wall_clock_ms,
        [this, &v](const CommittedBlockInfo& info) {
          on_commit(v, info.executed, info.certificate);
        },
        engine.blocks_per_height_max);
    v.host = std::make_unique<Host>(*this, v);
    v.engine = std::make_unique<consensus::Engine>(engine, v.signer.get(), v.vote_verifier, *v.app,
                                                   *v.host);
  }
  genesis_txid_ = txid(ledger::make_genesis_block(genesis, kChainIdDevnet).transactions[0]);
  return Status::ok();
}

Status Devnet::open_node_state(Validator& v, const std::filesystem::path& path, NodeStart start,
                               const ledger::LedgerConfig& ledger_config,
                               ledger::GenesisConfig& genesis) {
  const bool resume = start == NodeStart::kResume;
  const std::filesystem::path signing_path = path / "signing_state";
  std::error_code error;
  if (!resume) {
    std::filesystem::create_directories(path, error);
    if (error) return io_error("cannot create " + path.string() + ": " + error.message());
  } else if (!std::filesystem::is_directory(signing_path, error)) {
    return corruption("no signing state directory " + signing_path.string() +
                      " (half-written data directory; a validator that lost what it signed "
                      "must not sign again)");
  }
  storage::StoreOptions store_options;
  store_options.path = path.string();
  store_options.block_cache_bytes = 8u << 20;
  store_options.create_if_missing = !resume;
  auto store = storage::ChainStore::open(store_options);
  if (store.status().code() == StatusCode::kNotFound) {
    return corruption("holds no chain store (half-written data directory)");
  }
  if (!store.is_ok()) return store.status();
  v.store = std::move(store).value();
  if (resume && !v.store->tip()) {
    return corruption("its chain store has no genesis (half-written data directory)");
  }
  auto signing_state = SigningStateFile::open(signing_path.string());
  if (!signing_state.is_ok()) return signing_state.status();
  v.signing_state = std::move(signing_state).value();
  auto persisted = v.signing_state->load();
  if (!persisted.is_ok()) return persisted.status();
  v.persisted = std::move(persisted).value();
  v.backend = std::make_unique<ledger::StoreBackend>(v.store.get(), nullptr);
  auto ledger = ledger::Ledger::open(ledger_config, v.backend.get());
  if (!ledger.is_ok()) return ledger.status();
  v.ledger = std::move(ledger).value();
  if (!resume) return v.ledger->commit_genesis(genesis);

  // The genesis block commits to its timestamp and allocations, not to the genesis masternodes
  // (the registry holds those): both are compared. The first node's stored timestamp stands for
  // the devnet's; every later node must then match the same block.
  TC_ASSIGN_OR_RETURN(const Hash256 stored_hash, v.store->block_hash_at(0));
  if (v.index == 0) {
    TC_ASSIGN_OR_RETURN(const BlockHeader stored_header, v.store->header(stored_hash));
    genesis.timestamp_ms = stored_header.timestamp_ms;
  }
  const Hash256 expected_hash =
      block_hash(ledger::make_genesis_block(genesis, kChainIdDevnet).header);
  if (stored_hash != expected_hash) {
    return config_error("holds a devnet whose genesis block " + to_hex(stored_hash.span()) +
                        " is not this config's " + to_hex(expected_hash.span()) +
                        " (other allocations, or another devnet's directory)");
  }
  std::vector<Pubkey> stored_keys;
  for (const ledger::MasternodeRecord& record : v.ledger->registry().active_at(0)) {
    stored_keys.push_back(record.consensus_pubkey);
  }
  std::vector<Pubkey> expected_keys;
  for (const ledger::MasternodeRecord& record : genesis.masternodes) {
    expected_keys.push_back(record.consensus_pubkey);
  }
  std::sort(expected_keys.begin(), expected_keys.end());
  if (stored_keys != expected_keys) {
    return config_error("holds a devnet of " + std::to_string(stored_keys.size()) +
                        " genesis validators, not this config's " +
                        std::to_string(expected_keys.size()));
  }
  return Status::ok();
}

Result<std::vector<TxOutput>> Devnet::stored_allocations(const std::string& data_dir) {
  const std::filesystem::path path = node_path(data_dir, 0);
  if (data_dir.empty() || !holds_data(path)) return std::vector<TxOutput>{};
  const std::string where = "devnet validator 0 (" + path.string() + ")";
  storage::StoreOptions store_options;
  store_options.path = path.string();
  store_options.create_if_missing = false;
  auto store = storage::ChainStore::open(store_options);
  if (store.status().code() == StatusCode::kNotFound) {
    return corruption(where + ": holds no chain store (half-written data directory)");
  }
  if (!store.is_ok()) return store.status().with_context(where);
  auto hash = (*store)->block_hash_at(0);
  if (!hash.is_ok()) return hash.status().with_context(where + ": genesis");
  auto genesis = (*store)->block(*hash);
  if (!genesis.is_ok()) return genesis.status().with_context(where + ": genesis");
  if (genesis->transactions.empty()) return corruption(where + ": genesis block has no coinbase");
  return std::move(genesis->transactions[0].outputs);
}

Status Devnet::catch_up() {
  const Validator* leader = validators_.front().get();
  for (const auto& v : validators_) {
    if (v->committed_height > leader->committed_height) leader = v.get();
  }
  const std::string source = "validator-" + std::to_string(leader->index);
  for (auto& owned : validators_) {
    Validator& v = *owned;
    if (v.committed_height == leader->committed_height) continue;
    const std::string where = "devnet validator " + std::to_string(v.index) + " (" +
                              node_path(data_dir_, v.index).string() + ")";
    TC_ASSIGN_OR_RETURN(const Hash256 common, leader->store->block_hash_at(v.committed_height));
    if (common != v.ledger->tip()->hash) {
      return corruption(where + ": its block " + std::to_string(v.committed_height) + " " +
                        to_hex(v.ledger->tip()->hash.span()) + " is not " + source + "'s " +
                        to_hex(common.span()));
    }
    while (v.committed_height < leader->committed_height) {
      consensus::CommittedBlock block;
      block.height = v.committed_height + 1;
      const std::string at =
          where + ": catch-up block " + std::to_string(block.height) + " from " + source;
      auto hash = leader->store->block_hash_at(block.height);
      if (!hash.is_ok()) return hash.status().with_context(at);
      block.hash = *hash;
      auto body = leader->store->block(block.hash);
      if (!body.is_ok()) return body.status().with_context(at);
      encode(*body, &block.payload);
      auto certificate = leader->store->certificate_at(block.height);
      if (!certificate.is_ok()) return certificate.status().with_context(at);
      block.certificate = std::move(certificate).value();
      v.engine->on_committed_block(block);
      if (!v.failure.is_ok()) return v.failure;
      if (!v.app->failure().is_ok()) return v.app->failure().with_context(at);
      if (v.committed_height != block.height) {
        return corruption(at + ": refused (" + v.app->last_rejection().to_string() +
                          "; a certificate that does not verify against the node's own set is "
                          "refused too)");
      }
    }
  }
  return Status::ok();
}

Status Devnet::start_ingress(const DevnetConfig& config) {
  // The devnet profile's [ingress] (socket backend, one queue, a 2^16-key recent set) on the
  // devnet's own address, port and ring depth, with bursts of 64 datagrams.
  NodeConfig node = default_config(Network::kDevnet);
  node.net.ingress_listen_address = config.ingress_address;
  node.net.ingress_udp_port = config.ingress_port;
  node.ingress.backend = IngressBackend::kSocket;
  node.ingress.queues = 1;
  node.ingress.burst_max = 64;
  node.ingress.ring_depth = config.ingress_ring_depth;
  node.cores.ingress.clear();
  IngressServiceOptions options;
  // This machine's cores are shared with every validator's work: sleep soon when idle.
  options.loop.idle_spin_steps = 64;
  options.loop.idle_yield_steps = 64;
  options.loop.idle_sleep_us = 100;
  auto service = IngressService::start(node, options);
  if (!service.is_ok()) return service.status().with_context("devnet ingress");
  ingress_ = std::move(service).value();
  ingress_port_ = ingress_->udp_port();
  return Status::ok();
}

void Devnet::stop_ingress() {
  if (ingress_ != nullptr) ingress_->stop();
}

std::uint64_t Devnet::ingress_frames() const {
  return ingress_->counters(0).frames;
}

Devnet::~Devnet() {
  stop_ingress();
  validators_.clear();  // closes every store before the directory goes
  if (owns_data_dir_) {
    std::error_code error;
    std::filesystem::remove_all(data_dir_, error);
  }
}

// ---- the loop -----------------------------------------------------------------------------------

std::uint64_t Devnet::now_ms() const {
  return (steady_now_ns() - start_ns_) / 1'000'000;
}

bool Devnet::paused(const Validator& validator) const {
  return validator.committed_height >= halt_height_;
}

Status Devnet::run_until_height(std::uint64_t height, std::uint64_t timeout_ms,
                                BlockObserver on_block) {
  halt_height_ = height;
  on_block_ = std::move(on_block);
  for (BusEvent& event : held_) bus_->requeue(std::move(event));
  held_.clear();
  const std::uint64_t deadline_ms = now_ms() + timeout_ms;
  for (;;) {
    const std::uint64_t now = now_ms();
    bus_->set_now(now);
    bool worked = false;
    for (std::uint32_t burst = 0; burst < kIngressBurstsPerTurn; ++burst) {
      if (drain_ingress() == 0) break;
      worked = true;
    }
    if (!forward_.empty()) {
      counters_.forwarded += forward_.size();
      bus_->broadcast(0, BusEventKind::kTransactions, std::move(forward_));
      forward_.clear();
    }
    while (auto event = bus_->pop_due()) {
      Validator& to = *validators_[event->to];
      (paused(to) ? held_ : to.inbox).push_back(std::move(*event));
      worked = true;
    }
    bool all_done = true;
    for (auto& validator : validators_) {
      if (!validator->inbox.empty()) process_inbox(*validator);
      if (!validator->failure.is_ok()) return validator->failure;
      if (!validator->app->failure().is_ok()) return validator->app->failure();
      if (!paused(*validator)) all_done = false;
    }
    if (all_done) return Status::ok();
    if (now >= deadline_ms) {
      std::string heights;
      for (auto& validator : validators_) {
        heights += (heights.empty() ? "" : ", ") + std::to_string(validator->committed_height);
      }
      return unavailable("devnet: height " + std::to_string(height) + " not reached within " +
                         std::to_string(timeout_ms) + " ms (committed heights: " + heights + ")");
    }
    if (!worked) {
      auto wait = kIdleSleepMax;
      if (auto due = bus_->next_due(); due && *due <= now) wait = std::chrono::microseconds(0);
      std::this_thread::sleep_for(wait);
    }
  }
}

std::uint32_t Devnet::drain_ingress() {
  dataplane::IngressRing& ring = ingress_->ring(0);
  const std::uint32_t n = ring.peek(verify_burst_max_);
  if (n == 0) return 0;
  Validator& v = *validators_[0];
  views_.clear();
  for (std::uint32_t i = 0; i < n; ++i) {
    TransactionView view;
    // The ring holds only transactions that passed this very decode (dataplane/ingress_ring.h).
    const DecodeError decoded = decode_transaction_view(ring.ready(i).transaction(), &view);
    assert(decoded == DecodeError::kOk);
    (void)decoded;
    // What the ledger would reject anyway (a replayed finalized transaction, a missing input, a
    // pending duplicate) is dropped before it costs a signature verification.
    const ledger::RejectReason precheck = v.ledger->precheck(view);
    ++counters_.prechecked[static_cast<std::size_t>(precheck)];
    if (precheck == ledger::RejectReason::kOk) views_.push_back(view);
  }
  valid_.resize(views_.size());
  counters_.signatures_checked += v.tx_verifier.verify(views_, valid_);
  const std::uint64_t now = now_ms();
  for (std::size_t i = 0; i < views_.size(); ++i) {
    if (valid_[i] == 0) {
      ++counters_.bad_signature;
      continue;
    }
    ++counters_.verified;
    const ledger::RejectReason reason = v.ledger->submit(views_[i], now);
    ++counters_.admitted[static_cast<std::size_t>(reason)];
    if (reason == ledger::RejectReason::kOk) {
      forward_.emplace_back(views_[i].bytes().begin(), views_[i].bytes().end());
    }
  }
  ring.release(n);
  return n;
}

void Devnet::admit_forwarded(Validator& validator, const std::vector<Bytes>& txs) {
  views_.clear();
  for (const Bytes& bytes : txs) {
    TransactionView view;
    if (decode_transaction_view(bytes, &view) == DecodeError::kOk &&
        validator.ledger->precheck(view) == ledger::RejectReason::kOk) {
      views_.push_back(view);
    } else {
      ++counters_.forward_rejected;
    }
  }
  valid_.resize(views_.size());
  counters_.signatures_checked += validator.tx_verifier.verify(views_, valid_);
  const std::uint64_t now = now_ms();
  for (std::size_t i = 0; i < views_.size(); ++i) {
    if (valid_[i] == 0 || validator.ledger->submit(views_[i], now) != ledger::RejectReason::kOk) {
      ++counters_.forward_rejected;
    }
  }
}

void Devnet::process_inbox(Validator& v) {
  std::vector<BusEvent> inbox = std::move(v.inbox);
  v.inbox.clear();
  std::vector<consensus::Vote> votes;
  auto flush_votes = [&] {
    if (!votes.empty()) v.engine->on_votes(votes);
    votes.clear();
  };
  for (std::size_t k = 0; k < inbox.size(); ++k) {
    if (paused(v) || !v.failure.is_ok()) {
      // It committed the run's last height mid-delivery: the rest waits for the next run.
      held_.push_back(std::move(inbox[k]));
      continue;
    }
    BusEvent& event = inbox[k];
    switch (event.kind) {
      case BusEventKind::kVote: {
        auto vote = consensus::decode_vote((*event.items)[0]);
        // The bus carries what encode_vote wrote, so decoding cannot fail.
        assert(vote.is_ok());
        votes.push_back(*vote);
        // One delivery's votes go to the engine as one burst (one batch verification).
        const bool next_is_vote = k + 1 < inbox.size() && inbox[k + 1].kind == BusEventKind::kVote;
        if (!next_is_vote) flush_votes();
        break;
      }
      case BusEventKind::kProposal: {
        auto proposal = consensus::decode_proposal((*event.items)[0]);
        assert(proposal.is_ok());
        v.engine->on_proposal(*proposal);
        break;
      }
      case BusEventKind::kTimeout:
        v.engine->on_timeout(event.timeout);
        break;
      case BusEventKind::kTransactions:
        admit_forwarded(v, *event.items);
        break;
    }
  }
}

void Devnet::on_commit(Validator& v, const ledger::ExecutedBlock& executed,
                       const CommitCertificate& certificate) {
  const std::uint64_t height = executed.block.header.height;
  v.committed_height = height;
  if (v.index != 0) return;
  BlockRecord record;
  record.height = height;
  record.hash = executed.hash;
  const std::size_t evidence = executed.registry_delta.slashed.size();
  record.txs = static_cast<std::uint32_t>(executed.block.transactions.size() - 1 - evidence);
  counters_.slashed += evidence;
  for (const auto& other : validators_) {
    if (other->key.pubkey() == executed.block.header.proposer) record.proposer = other->index;
  }
  record.round = certificate.round;
  for (const CommitSignature& signature : certificate.signatures) {
    for (const auto& other : validators_) {
      if (other->key.pubkey() == signature.validator) record.signers.push_back(other->index);
    }
  }
  const std::uint64_t wall = wall_clock_ms();
  const std::uint64_t stamp = executed.block.header.timestamp_ms;
  record.latency_ms = wall > stamp ? wall - stamp : 0;
  record.committed_at_ms = now_ms();
  counters_.finalized += record.txs;
  blocks_.push_back(record);
  if (on_block_) on_block_(record);
}

// ---- reports ------------------------------------------------------------------------------------

const Pubkey& Devnet::validator_pubkey(std::uint32_t index) const {
  return validators_.at(index)->key.pubkey();
}

const KeyPair& Devnet::consensus_key(std::uint32_t index) const {
  return validators_.at(index)->key;
}

ledger::Ledger& Devnet::ledger(std::uint32_t index) {
  return *validators_.at(index)->ledger;
}

DevnetCounters Devnet::counters() const {
  DevnetCounters counters = counters_;
  counters.bus = bus_->counters();
  const IngressQueueCounters ingress = ingress_->counters(0);
  counters.ingress_frames = ingress.frames;
  counters.ingress = ingress.outcomes;
  return counters;
}

Result<std::vector<ValidatorReport>> Devnet::reports() const {
  std::vector<ValidatorReport> reports;
  for (const auto& v : validators_) {
    ValidatorReport report;
    report.pubkey = v->key.pubkey();
    const auto tip = v->backend->tip();
    if (tip) report.tip = *tip;
    auto digest = v->backend->utxo_set_digest();
    if (!digest.is_ok()) {
      return digest.status().with_context("devnet validator " + std::to_string(v->index));
    }
    report.utxo_digest = *digest;
    report.blocks_built = v->app->counters().built;
    report.blocks_rejected = v->app->counters().rejected;
    report.signed_messages = v->engine->metrics().get(consensus::Counter::kSigned);
    reports.push_back(report);
  }
  return reports;
}

}  // namespace tc::node
