#include "node/app/ledger_application.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"
#include "core/log.h"
#include "core/masternode_tier.h"
#include "ledger/block_builder.h"

namespace tc::node {
namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<std::uint64_t>::max() : sum;
}

}  // namespace

Result<consensus::ValidatorSet> validator_set_at(const ledger::MasternodeRegistry& registry,
                                                 std::uint64_t height) {
  std::vector<consensus::Validator> validators;
  for (const ledger::MasternodeRecord& record : registry.active_at(height)) {
    const std::uint64_t power = tier_rules(record.tier).voting_power;
    if (power == 0) continue;  // free tier: relays and earns, does not vote
    validators.push_back(consensus::Validator{record.consensus_pubkey, power});
  }
  auto set = consensus::ValidatorSet::create(std::move(validators));
  if (!set.is_ok()) {
    return set.status().with_context("validator set at height " + std::to_string(height));
  }
  return set;
}

LedgerApplication::LedgerApplication(ledger::Ledger& ledger, const Pubkey& proposer,
                                     std::function<std::uint64_t()> wall_clock_ms,
                                     CommitObserver on_commit, std::size_t executed_max)
    : ledger_(ledger),
      proposer_(proposer),
      wall_clock_ms_(std::move(wall_clock_ms)),
      on_commit_(std::move(on_commit)),
      executed_max_(executed_max) {
  TC_CHECK(executed_max_ > 0, "LedgerApplication: executed_max must be positive");
}

Result<std::shared_ptr<const consensus::ValidatorSet>> LedgerApplication::validator_set(
    std::uint64_t height) {
  const std::uint64_t epoch = height / ledger_.registry().epoch_blocks();
  if (set_ == nullptr || epoch != set_epoch_) {
    TC_ASSIGN_OR_RETURN(consensus::ValidatorSet set, validator_set_at(ledger_.registry(), height));
    set_ = std::make_shared<const consensus::ValidatorSet>(std::move(set));
    set_epoch_ = epoch;
  }
  return set_;
}

std::optional<consensus::BlockCandidate> LedgerApplication::build_block(std::uint64_t height,
                                                                        std::uint32_t round) {
  const auto tip = ledger_.tip();
  if (!tip.has_value() || tip->height + 1 != height) {
    if (failure_.is_ok()) {
      failure_ = internal_error("build of block " + std::to_string(height) +
                                ": the ledger's tip is not the parent");
    }
    return std::nullopt;
  }
  ledger::BlockTemplate tmpl;
  tmpl.height = height;
  tmpl.prev_hash = tip->hash;
  tmpl.timestamp_ms = std::max(wall_clock_ms_(), saturating_add(ledger_.tip_timestamp_ms(), 1));
  tmpl.proposer = proposer_;
  tmpl.round = round;
  std::vector<EvidencePayload> evidence;
  evidence.reserve(evidence_.size());
  for (const auto& [key, payload] : evidence_) evidence.push_back(payload);
  tmpl.evidence = evidence;

  Result<ledger::ExecutedBlock> executed = internal_error("not built");
  if (auto block = ledger_.build_block(tmpl); block.is_ok()) {
    executed = ledger_.execute_block(*block);
  } else {
    executed = block.status();
  }
  if (!executed.is_ok()) {
    TC_LOG_WARN("block build failed; proposing a coinbase-only block",
                {{"height", height}, {"round", round}, {"error", executed.status().to_string()}});
    ++counters_.built_empty;
    executed = build_empty_block(height, round, tmpl.timestamp_ms);
    if (!executed.is_ok()) {
      // A coinbase-only block reads no UTXO and pays the active set, which holds this proposer:
      // failing it means this node's ledger is broken.
      TC_LOG_ERROR(
          "coinbase-only block failed",
          {{"height", height}, {"round", round}, {"error", executed.status().to_string()}});
      if (failure_.is_ok()) {
        failure_ = executed.status().with_context("build of block " + std::to_string(height));
      }
      return std::nullopt;
    }
  }
  ++counters_.built;
  consensus::BlockCandidate candidate;
  candidate.hash = executed->hash;
  encode(executed->block, &candidate.payload);
  keep_executed(std::move(executed).value());
  return candidate;
}

Result<ledger::ExecutedBlock> LedgerApplication::build_empty_block(std::uint64_t height,
                                                                   std::uint32_t round,
                                                                   std::uint64_t timestamp_ms) {
  TC_ASSIGN_OR_RETURN(
      Transaction coinbase,
      ledger::make_coinbase(height, proposer_, Amount(0), ledger_.registry(), ledger_.params()));
  Block block;
  block.header.chain_id = ledger_.params().chain_id;
  block.header.height = height;
  block.header.prev_hash = ledger_.tip()->hash;
  block.header.timestamp_ms = timestamp_ms;
  block.header.proposer = proposer_;
  block.header.round = round;
  block.header.tx_count = 1;
  block.transactions.push_back(std::move(coinbase));
  const BlockRoots roots = block_roots(block.transactions);
  block.header.tx_root = roots.tx_root;
  block.header.wtx_root = roots.wtx_root;
  const Hash256 coinbase_txid = txid(block.transactions[0]);
  UtxoSetDigest utxo = ledger_.utxo_digest();
  for (std::uint32_t vout = 0; vout < block.transactions[0].outputs.size(); ++vout) {
    utxo.add(OutPoint{coinbase_txid, vout}, block.transactions[0].outputs[vout], height, true);
  }
  block.header.utxo_digest = utxo.digest();
  return ledger_.execute_block(block);
}

void LedgerApplication::add_evidence(const consensus::Evidence& evidence) {
  // The engine reports evidence only for the height it is deciding (older messages are stale), so
  // the registry still names that height's set, in the order the engine indexed.
  const Result<consensus::ValidatorSet> set = validator_set_at(ledger_.registry(), evidence.height);
  if (!set.is_ok() || evidence.validator_index >= set->size()) {
    ++counters_.evidence_dropped;
    return;
  }
  EvidencePayload payload;
  payload.validator = set->validator(evidence.validator_index).pubkey;
  if (evidence_.contains(payload.validator)) return;
  if (evidence_.size() == kPendingEvidenceMax) {
    ++counters_.evidence_dropped;
    return;
  }
  payload.height = evidence.height;
  payload.round = evidence.round;
  payload.step = static_cast<std::uint8_t>(evidence.step);
  payload.hash_a = evidence.hash_a;
  payload.pol_round_a = evidence.pol_round_a;
  payload.sig_a = evidence.sig_a;
  payload.hash_b = evidence.hash_b;
  payload.pol_round_b = evidence.pol_round_b;
  payload.sig_b = evidence.sig_b;
  if (std::tie(payload.hash_b, payload.pol_round_b) <
      std::tie(payload.hash_a, payload.pol_round_a)) {
    std::swap(payload.hash_a, payload.hash_b);
    std::swap(payload.pol_round_a, payload.pol_round_b);
    std::swap(payload.sig_a, payload.sig_b);
  }
  evidence_.emplace(payload.validator, payload);
  ++counters_.evidence_kept;
}

bool LedgerApplication::payload_binds(const Hash256& hash, ByteSpan payload) {
  const Status binding = ledger::check_block_binding(payload, hash);
  if (binding.is_ok()) return true;
  ++counters_.unbound;
  TC_LOG_DEBUG("proposal payload does not bind to its hash", {{"error", binding.to_string()}});
  return false;
}

bool LedgerApplication::validate_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                                       consensus::BlockOrigin origin) {
  ledger::ExecuteOptions options;
  if (origin == consensus::BlockOrigin::kProposal) {
    options.latest_timestamp_ms = ledger::latest_timestamp_ms(wall_clock_ms_());
  }
  auto executed = ledger_.execute_block(payload, options);
  Status verdict;
  if (!executed.is_ok()) {
    verdict = executed.status();
  } else if (executed->hash != hash) {
    verdict = invalid_argument("block " + std::to_string(height) +
                               ": header hash differs from the proposal's block hash");
  } else if (const auto record = ledger_.registry().find(executed->block.header.proposer);
             !record.has_value() || tier_rules(record->tier).voting_power == 0) {
    verdict = invalid_argument("block " + std::to_string(height) + ": proposer " +
                               to_hex(executed->block.header.proposer) + " has no voting power");
  }
  if (!verdict.is_ok()) {
    ++counters_.rejected;
    TC_LOG_WARN("proposal rejected", {{"height", height}, {"error", verdict.to_string()}});
    last_rejection_ = std::move(verdict);
    return false;
  }
  ++counters_.validated;
  keep_executed(std::move(executed).value());
  return true;
}

void LedgerApplication::keep_executed(ledger::ExecutedBlock executed) {
  const Hash256 hash = executed.hash;
  if (!executed_.contains(hash)) {
    if (executed_.size() == executed_max_) {
      executed_.erase(executed_order_.front());
      executed_order_.pop_front();
    }
    executed_order_.push_back(hash);
  }
  executed_[hash] = std::make_unique<ledger::ExecutedBlock>(std::move(executed));
}

Status LedgerApplication::commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                                       const CommitCertificate& certificate) {
  if (!failure_.is_ok()) return failure_;
  std::unique_ptr<ledger::ExecutedBlock> executed;
  if (auto it = executed_.find(hash); it != executed_.end()) {
    executed = std::move(it->second);
  } else {
    auto fresh = ledger_.execute_block(payload);
    if (!fresh.is_ok()) {
      failure_ = fresh.status().with_context("commit of block " + std::to_string(height));
      return failure_;
    }
    executed = std::make_unique<ledger::ExecutedBlock>(std::move(fresh).value());
  }
  executed_.clear();
  executed_order_.clear();
  auto finalized = ledger_.commit_block(*executed, certificate);
  if (!finalized.is_ok()) {
    failure_ = finalized.status().with_context("commit of block " + std::to_string(height));
    return failure_;
  }
  ++counters_.committed;
  counters_.slashed += executed->registry_delta.slashed.size();
  std::erase_if(evidence_, [&](const auto& entry) {
    return ledger_.registry().check_evidence_target(entry.first, entry.second.height) !=
           ledger::RejectReason::kOk;
  });
  if (on_commit_) on_commit_(CommittedBlockInfo{*executed, certificate, *finalized});
  return Status::ok();
}

}  // namespace tc::node
