// MasternodeRegistry: the masternodes registered on chain (plus those of genesis), their collateral
// locks, and the active set of each height under the epoch rule.
//
// A record is written by the block that registers it and updated by the block that spends its
// collateral (deregistration); both take effect at the next epoch boundary: a record registered at
// height r (> 0) is active from the next multiple of epoch_blocks after r, genesis records from
// height 0, and a record deregistered at height d stays active until the next multiple of
// epoch_blocks after d. A free-tier record (no collateral to spend) leaves
// free_tier_lifetime_epochs epochs after it became active (docs/decisions/0003-free-tier-bound.md).
// Equivocation evidence in the block at height e removes a record like a deregistration at e
// (`slashed`), except that its collateral stays locked (frozen: no transaction may spend it) until
// the record is erased.
// The block before the boundary where a record leaves erases it. Records persist through the
// storage masternode family (key = consensus pubkey, value as encode_masternode_record()).
//
// The registry keeps the active set of the epoch of the next block, ranked, and the changes due at
// later boundaries, so a block's reward recipients and erasures cost time in the size of the
// coinbase and of the changes, not of the number of records. Reads (mempool intake, block
// building) may come from any thread; apply() comes from the execute stage only. A shared mutex
// guards the state.
#pragma once

#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/masternode_tier.h"
#include "core/status.h"
#include "core/types.h"
#include "ledger/reward.h"
#include "ledger/rules.h"

namespace tc::ledger {

struct MasternodeRecord {
  MasternodeTier tier = MasternodeTier::kFree;
  OutPoint collateral;  // all zero for the free tier and for genesis masternodes
  Pubkey consensus_pubkey;
  PubkeyHash reward_pubkey_hash;
  FixedBytes<16> p2p_address;
  std::uint16_t p2p_port = 0;
  std::uint64_t registered_height = 0;
  std::optional<std::uint64_t> deregistered_height;
  bool slashed = false;  // deregistered by equivocation evidence, collateral frozen until erased
  friend bool operator==(const MasternodeRecord&, const MasternodeRecord&) = default;

  bool has_collateral() const { return !(collateral.txid.is_zero() && collateral.vout == 0); }
};

// Record value: tier u8 | collateral_txid [32] | collateral_vout u32 | reward_pubkey_hash [20] |
// p2p_address [16] | p2p_port u16 | registered_height u64 | state u8 (0 registered, 1 deregistered,
// 2 slashed) | deregistered_height u64 (0 while registered); little-endian. The key is the
// consensus pubkey.
inline constexpr std::size_t kMasternodeRecordBytes = 92;
Bytes encode_masternode_record(const MasternodeRecord& record);
// kCorruption for a wrong size, tier or flag byte (the message names which).
Result<MasternodeRecord> decode_masternode_record(ByteSpan key, ByteSpan value);

// The record a registration transaction creates at `height`.
MasternodeRecord record_from_registration(const RegistrationPayload& payload, std::uint64_t height);

// First height at which a record registered at `height` is active, and the first height at which
// one deregistered at `height` is no longer active.
std::uint64_t activation_height(std::uint64_t registered_height, std::uint64_t epoch_blocks);
std::uint64_t deactivation_height(std::uint64_t deregistered_height, std::uint64_t epoch_blocks);

// The epoch rules of one network (LedgerParams' values).
struct RegistryRules {
  std::uint64_t epoch_blocks = 100;
  std::uint64_t free_tier_lifetime_epochs = 168;
};

// The first height at which `record` is no longer active: for a deregistered record
// deactivation_height(deregistered_height), for a free-tier one activation + lifetime epochs;
// none for a registered paid-tier record.
std::optional<std::uint64_t> end_height(const MasternodeRecord& record, const RegistryRules& rules);

// What one block does to the registry; computed by block execution, applied at commit.
struct RegistryDelta {
  std::vector<MasternodeRecord> registered;
  std::vector<Pubkey> deregistered;  // collateral spent in this block
  std::vector<Pubkey> slashed;       // named by equivocation evidence in this block
  std::vector<Pubkey> erased;        // deregistered records whose last active block this is
};

class MasternodeRegistry {
 public:
  explicit MasternodeRegistry(const RegistryRules& rules) : rules_(rules) {}

  // Replaces the state with `records` (from LedgerBackend::masternode_records()), the next block
  // being `next_height` (tip + 1; 0 before genesis). kCorruption when a record does not decode.
  Status load(std::span<const std::pair<Bytes, Bytes>> records, std::uint64_t next_height);

  // Whether the key has a record (active, pending or deregistered-but-not-yet-erased), and whether
  // the outpoint backs a record that is not deregistered.
  RegistrationClaims claims(const Pubkey& consensus_pubkey, const OutPoint& collateral) const;
  // The key of the record whose collateral is `outpoint` (not deregistered), if any.
  std::optional<Pubkey> owner_of_collateral(const OutPoint& outpoint) const;
  std::optional<MasternodeRecord> find(const Pubkey& consensus_pubkey) const;
  // Whether `outpoint` is the collateral of a slashed record not yet erased: spending it is
  // refused (kCollateralFrozen).
  bool collateral_frozen(const OutPoint& outpoint) const;
  // Whom evidence about `height` may name: kEvidenceNotValidator when the key has no record, a
  // free-tier one (no voting power) or one not active at `height`; kEvidenceAlreadyLeaving when
  // the record is deregistered or slashed already; else kOk.
  RejectReason check_evidence_target(const Pubkey& validator, std::uint64_t height) const;

  // The records active at `height`, in consensus-key order. A copy of every active record: for
  // tools, tests and validator sets, not for per-block ledger work.
  std::vector<MasternodeRecord> active_at(std::uint64_t height) const;
  // Whom block `height`'s coinbase pays (reward.h), and the reward address of `proposer` when it
  // is active at that height. O(log n + the windows) for a height in the epoch of the next block;
  // any other height costs a pass over every record.
  struct CoinbasePlan {
    RewardRecipients recipients;
    std::optional<PubkeyHash> proposer_reward_pubkey_hash;
  };
  CoinbasePlan coinbase_plan(std::uint64_t height, const Pubkey& proposer) const;
  // The keys of the records that stop being active at height + 1 (erased by block height).
  // O(the keys) for any height at or after the next block's epoch.
  std::vector<Pubkey> expiring_after(std::uint64_t height) const;

  // The storage writes that applying `delta` at `height` implies (for the block's BlockCommit), in
  // order: registered records, deregistered ones rewritten, erased keys. Changes nothing.
  std::vector<storage::RecordUpdate> storage_updates(const RegistryDelta& delta,
                                                     std::uint64_t height) const;
  // Applies a block's delta at `height`, after its commit succeeded, and moves the active set to
  // height + 1. REQUIRES: the delta came from executing that block against this registry.
  void apply(const RegistryDelta& delta, std::uint64_t height);

  std::size_t size() const;
  std::uint64_t epoch_blocks() const { return rules_.epoch_blocks; }

 private:
  // One tier group of an active set, ranked so that a window starts in O(log n).
  using RankedGroup =
      __gnu_pbds::tree<Pubkey, RewardRecipient, std::less<Pubkey>, __gnu_pbds::rb_tree_tag,
                       __gnu_pbds::tree_order_statistics_node_update>;
  struct ActiveSet {
    RankedGroup paid;
    RankedGroup free;
    std::uint64_t paid_weight = 0;
    std::uint64_t free_weight = 0;
    void insert(const MasternodeRecord& record);
    void erase(const Pubkey& key);
    CoinbasePlan plan(std::uint64_t height, const Pubkey& proposer) const;
  };
  std::uint64_t epoch_start(std::uint64_t height) const {
    return height / rules_.epoch_blocks * rules_.epoch_blocks;
  }
  // Files `record` under the active set (already active at active_from_) or its changes to come.
  void schedule(const MasternodeRecord& record);  // REQUIRES: mutex_ held exclusively
  // Applies the changes due at each boundary up to the epoch of `height`.
  void advance_to(std::uint64_t height);  // REQUIRES: mutex_ held exclusively

  const RegistryRules rules_;
  mutable std::shared_mutex mutex_;
  std::map<Pubkey, MasternodeRecord> records_;  // GUARDED_BY(mutex_)
  std::map<OutPoint, Pubkey> by_collateral_;    // GUARDED_BY(mutex_): not deregistered only
  // GUARDED_BY(mutex_): the active set from height active_from_ (an epoch start) to the next
  // boundary, and the records that join or leave at each later boundary.
  ActiveSet active_;
  std::uint64_t active_from_ = 0;
  std::map<std::uint64_t, std::vector<MasternodeRecord>> joining_;
  std::map<std::uint64_t, std::vector<Pubkey>> leaving_;
};

}  // namespace tc::ledger
