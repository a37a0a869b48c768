#include "ledger/masternode_registry.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

namespace tc::ledger {

Bytes encode_masternode_record(const MasternodeRecord& record) {
  Bytes out(kMasternodeRecordBytes);
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(record.tier);
  std::memcpy(p + 1, record.collateral.txid.data(), 32);
  store_u32_le(p + 33, record.collateral.vout);
  std::memcpy(p + 37, record.reward_pubkey_hash.data(), 20);
  std::memcpy(p + 57, record.p2p_address.data(), 16);
  store_u16_le(p + 73, record.p2p_port);
  store_u64_le(p + 75, record.registered_height);
  p[83] = record.slashed ? 2 : (record.deregistered_height ? 1 : 0);
  store_u64_le(p + 84, record.deregistered_height.value_or(0));
  return out;
}

Result<MasternodeRecord> decode_masternode_record(ByteSpan key, ByteSpan value) {
  if (key.size() != 32 || value.size() != kMasternodeRecordBytes) {
    return corruption("masternode record: key " + std::to_string(key.size()) + " bytes, value " +
                      std::to_string(value.size()) + " bytes, expected 32 and " +
                      std::to_string(kMasternodeRecordBytes));
  }
  MasternodeRecord record;
  record.consensus_pubkey = Pubkey::from_span(key);
  const std::uint8_t* p = value.data();
  const auto tier = tier_from_byte(p[0]);
  if (!tier) {
    return corruption("masternode record " + to_hex(key) + ": tier byte " + std::to_string(p[0]));
  }
  record.tier = *tier;
  record.collateral.txid = Hash256::from_span(ByteSpan(p + 1, 32));
  record.collateral.vout = load_u32_le(p + 33);
  record.reward_pubkey_hash = PubkeyHash::from_span(ByteSpan(p + 37, 20));
  record.p2p_address = FixedBytes<16>::from_span(ByteSpan(p + 57, 16));
  record.p2p_port = load_u16_le(p + 73);
  record.registered_height = load_u64_le(p + 75);
  if (p[83] > 2) {
    return corruption("masternode record " + to_hex(key) + ": state byte " + std::to_string(p[83]));
  }
  if (p[83] != 0) record.deregistered_height = load_u64_le(p + 84);
  record.slashed = p[83] == 2;
  return record;
}

MasternodeRecord record_from_registration(const RegistrationPayload& payload,
                                          std::uint64_t height) {
  MasternodeRecord record;
  record.tier = static_cast<MasternodeTier>(payload.tier);
  record.collateral = payload.collateral;
  record.consensus_pubkey = payload.consensus_pubkey;
  record.reward_pubkey_hash = payload.reward_pubkey_hash;
  record.p2p_address = payload.p2p_address;
  record.p2p_port = payload.p2p_port;
  record.registered_height = height;
  return record;
}

std::uint64_t activation_height(std::uint64_t registered_height, std::uint64_t epoch_blocks) {
  if (registered_height == 0) return 0;
  return (registered_height / epoch_blocks + 1) * epoch_blocks;
}

std::uint64_t deactivation_height(std::uint64_t deregistered_height, std::uint64_t epoch_blocks) {
  return (deregistered_height / epoch_blocks + 1) * epoch_blocks;
}

std::optional<std::uint64_t> end_height(const MasternodeRecord& record,
                                        const RegistryRules& rules) {
  if (record.deregistered_height) {
    return deactivation_height(*record.deregistered_height, rules.epoch_blocks);
  }
  if (record.tier != MasternodeTier::kFree) return std::nullopt;
  return activation_height(record.registered_height, rules.epoch_blocks) +
         rules.free_tier_lifetime_epochs * rules.epoch_blocks;
}

namespace {

bool active_at_height(const MasternodeRecord& record, const RegistryRules& rules,
                      std::uint64_t height) {
  if (activation_height(record.registered_height, rules.epoch_blocks) > height) return false;
  const auto end = end_height(record, rules);
  return !end || *end > height;
}

// Block `height`'s window of `group` (reward_window() over the group in key order), found by rank.
template <typename Group>
std::vector<RewardRecipient> window_of(const Group& group, std::uint64_t height,
                                       std::size_t window_max) {
  std::vector<RewardRecipient> window;
  const std::size_t n = group.size();
  const std::size_t count = std::min(n, window_max);
  window.reserve(count);
  std::size_t start = 0;
  if (n > window_max) {
    start = static_cast<std::size_t>((static_cast<unsigned __int128>(height) * window_max) % n);
  }
  auto it = group.find_by_order(start);
  for (std::size_t i = 0; i < count; ++i, ++it) {
    if (it == group.end()) it = group.begin();
    window.push_back(it->second);
  }
  return window;
}

}  // namespace

void MasternodeRegistry::ActiveSet::insert(const MasternodeRecord& record) {
  const RewardRecipient recipient{record.reward_pubkey_hash, tier_rules(record.tier).reward_weight};
  const bool free = record.tier == MasternodeTier::kFree;
  (free ? free_weight : paid_weight) += recipient.weight;
  (free ? this->free : paid).insert({record.consensus_pubkey, recipient});
}

void MasternodeRegistry::ActiveSet::erase(const Pubkey& key) {
  for (auto [group, weight] : {std::pair{&paid, &paid_weight}, std::pair{&free, &free_weight}}) {
    const auto it = group->find(key);
    if (it == group->end()) continue;
    *weight -= it->second.weight;
    group->erase(it);
  }
}

MasternodeRegistry::CoinbasePlan MasternodeRegistry::ActiveSet::plan(std::uint64_t height,
                                                                     const Pubkey& proposer) const {
  CoinbasePlan plan;
  plan.recipients.paid = window_of(paid, height, kMaxPaidRecipients);
  plan.recipients.free = window_of(free, height, kMaxFreeRecipients);
  plan.recipients.paid_weight = paid_weight;
  plan.recipients.free_weight = free_weight;
  for (const RankedGroup* group : {&paid, &free}) {
    const auto it = group->find(proposer);
    if (it != group->end()) plan.proposer_reward_pubkey_hash = it->second.reward_pubkey_hash;
  }
  return plan;
}

Status MasternodeRegistry::load(std::span<const std::pair<Bytes, Bytes>> records,
                                std::uint64_t next_height) {
  std::map<Pubkey, MasternodeRecord> loaded;
  std::map<OutPoint, Pubkey> by_collateral;
  for (const auto& [key, value] : records) {
    TC_ASSIGN_OR_RETURN(MasternodeRecord record, decode_masternode_record(key, value));
    if (record.has_collateral() && (!record.deregistered_height || record.slashed)) {
      by_collateral[record.collateral] = record.consensus_pubkey;
    }
    loaded[record.consensus_pubkey] = record;
  }
  std::unique_lock lock(mutex_);
  records_ = std::move(loaded);
  by_collateral_ = std::move(by_collateral);
  active_ = ActiveSet{};
  active_from_ = epoch_start(next_height);
  joining_.clear();
  leaving_.clear();
  for (const auto& [key, record] : records_) schedule(record);
  return Status::ok();
}

void MasternodeRegistry::schedule(const MasternodeRecord& record) {
  const std::uint64_t from = activation_height(record.registered_height, rules_.epoch_blocks);
  const auto end = end_height(record, rules_);
  if (end && *end <= active_from_) return;
  if (from <= active_from_) {
    active_.insert(record);
  } else {
    joining_[from].push_back(record);
  }
  if (end) leaving_[*end].push_back(record.consensus_pubkey);
}

void MasternodeRegistry::advance_to(std::uint64_t height) {
  while (active_from_ < epoch_start(height)) {
    active_from_ += rules_.epoch_blocks;
    // Joins first: a record that joins and leaves at one boundary was never active.
    if (const auto it = joining_.find(active_from_); it != joining_.end()) {
      for (const MasternodeRecord& record : it->second) active_.insert(record);
      joining_.erase(it);
    }
    if (const auto it = leaving_.find(active_from_); it != leaving_.end()) {
      for (const Pubkey& key : it->second) active_.erase(key);
      leaving_.erase(it);
    }
  }
}

RegistrationClaims MasternodeRegistry::claims(const Pubkey& consensus_pubkey,
                                              const OutPoint& collateral) const {
  std::shared_lock lock(mutex_);
  return RegistrationClaims{records_.contains(consensus_pubkey),
                            by_collateral_.contains(collateral)};
}

std::optional<Pubkey> MasternodeRegistry::owner_of_collateral(const OutPoint& outpoint) const {
  std::shared_lock lock(mutex_);
  const auto it = by_collateral_.find(outpoint);
  if (it == by_collateral_.end()) return std::nullopt;
  return it->second;
}

std::optional<MasternodeRecord> MasternodeRegistry::find(const Pubkey& consensus_pubkey) const {
  std::shared_lock lock(mutex_);
  const auto it = records_.find(consensus_pubkey);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

bool MasternodeRegistry::collateral_frozen(const OutPoint& outpoint) const {
  std::shared_lock lock(mutex_);
  const auto owner = by_collateral_.find(outpoint);
  if (owner == by_collateral_.end()) return false;
  const auto record = records_.find(owner->second);
  return record != records_.end() && record->second.slashed;
}

RejectReason MasternodeRegistry::check_evidence_target(const Pubkey& validator,
                                                       std::uint64_t height) const {
  std::shared_lock lock(mutex_);
  const auto it = records_.find(validator);
  if (it == records_.end() || it->second.tier == MasternodeTier::kFree) {
    return RejectReason::kEvidenceNotValidator;
  }
  if (it->second.deregistered_height) return RejectReason::kEvidenceAlreadyLeaving;
  if (!active_at_height(it->second, rules_, height)) return RejectReason::kEvidenceNotValidator;
  return RejectReason::kOk;
}

std::vector<MasternodeRecord> MasternodeRegistry::active_at(std::uint64_t height) const {
  std::shared_lock lock(mutex_);
  std::vector<MasternodeRecord> active;
  for (const auto& [key, record] : records_) {
    if (active_at_height(record, rules_, height)) active.push_back(record);
  }
  return active;
}

MasternodeRegistry::CoinbasePlan MasternodeRegistry::coinbase_plan(std::uint64_t height,
                                                                   const Pubkey& proposer) const {
  std::shared_lock lock(mutex_);
  if (epoch_start(height) == active_from_) return active_.plan(height, proposer);
  ActiveSet scanned;
  for (const auto& [key, record] : records_) {
    if (active_at_height(record, rules_, height)) scanned.insert(record);
  }
  return scanned.plan(height, proposer);
}

std::vector<Pubkey> MasternodeRegistry::expiring_after(std::uint64_t height) const {
  std::shared_lock lock(mutex_);
  std::vector<Pubkey> keys;
  const auto it = leaving_.find(height + 1);
  if (it == leaving_.end()) return keys;
  for (const Pubkey& key : it->second) {
    const auto record = records_.find(key);
    if (record != records_.end() && end_height(record->second, rules_) == height + 1) {
      keys.push_back(key);
    }
  }
  return keys;
}

std::vector<storage::RecordUpdate> MasternodeRegistry::storage_updates(const RegistryDelta& delta,
                                                                       std::uint64_t height) const {
  std::shared_lock lock(mutex_);
  std::vector<storage::RecordUpdate> updates;
  auto key_bytes = [](const Pubkey& key) { return Bytes(key.bytes.begin(), key.bytes.end()); };
  for (const MasternodeRecord& record : delta.registered) {
    updates.push_back(storage::RecordUpdate{key_bytes(record.consensus_pubkey),
                                            encode_masternode_record(record), false});
  }
  for (const auto* keys : {&delta.deregistered, &delta.slashed}) {
    for (const Pubkey& key : *keys) {
      const auto it = records_.find(key);
      if (it == records_.end()) continue;
      MasternodeRecord record = it->second;
      record.deregistered_height = height;
      record.slashed = keys == &delta.slashed;
      updates.push_back(
          storage::RecordUpdate{key_bytes(key), encode_masternode_record(record), false});
    }
  }
  for (const Pubkey& key : delta.erased) {
    updates.push_back(storage::RecordUpdate{key_bytes(key), {}, true});
  }
  return updates;
}

void MasternodeRegistry::apply(const RegistryDelta& delta, std::uint64_t height) {
  std::unique_lock lock(mutex_);
  for (const MasternodeRecord& record : delta.registered) {
    records_[record.consensus_pubkey] = record;
    if (record.has_collateral()) by_collateral_[record.collateral] = record.consensus_pubkey;
    schedule(record);
  }
  for (const Pubkey& key : delta.deregistered) {
    auto it = records_.find(key);
    if (it == records_.end()) continue;
    it->second.deregistered_height = height;
    by_collateral_.erase(it->second.collateral);
    leaving_[deactivation_height(height, rules_.epoch_blocks)].push_back(key);
  }
  for (const Pubkey& key : delta.slashed) {
    auto it = records_.find(key);
    if (it == records_.end()) continue;
    it->second.deregistered_height = height;
    it->second.slashed = true;
    leaving_[deactivation_height(height, rules_.epoch_blocks)].push_back(key);
  }
  for (const Pubkey& key : delta.erased) {
    const auto it = records_.find(key);
    if (it == records_.end()) continue;
    if (it->second.slashed) by_collateral_.erase(it->second.collateral);
    records_.erase(it);
  }
  advance_to(height + 1);
}

std::size_t MasternodeRegistry::size() const {
  std::shared_lock lock(mutex_);
  return records_.size();
}

}  // namespace tc::ledger
