// MasternodeRegistry: the masternodes registered on chain (plus those of genesis), their collateral
// locks, and the active set of each height under the epoch rule.
//
// A record is written by the block that registers it and updated by the block that spends its
// collateral (deregistration); both take effect at the next epoch boundary: a record registered at
// height r (> 0) is active from the next multiple of epoch_blocks after r, genesis records from
// height 0, and a record deregistered at height d stays active until the next multiple of
// epoch_blocks after d, when the block before that boundary erases it. Records persist through the
// storage masternode family (key = consensus pubkey, value as encode_masternode_record()).
// Reads (mempool intake, block building) may come from any thread; apply() comes from the execute
// stage only. A shared mutex guards the state.
#pragma once

#include <cstdint>
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
  friend bool operator==(const MasternodeRecord&, const MasternodeRecord&) = default;

  bool has_collateral() const { return !(collateral.txid.is_zero() && collateral.vout == 0); }
};

// Record value: tier u8 | collateral_txid [32] | collateral_vout u32 | reward_pubkey_hash [20] |
// p2p_address [16] | p2p_port u16 | registered_height u64 | deregistered u8 (0/1) |
// deregistered_height u64 (0 unless deregistered); little-endian. The key is the consensus pubkey.
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

// What one block does to the registry; computed by block execution, applied at commit.
struct RegistryDelta {
  std::vector<MasternodeRecord> registered;
  std::vector<Pubkey> deregistered;  // collateral spent in this block
  std::vector<Pubkey> erased;        // deregistered records whose last active block this is
};

class MasternodeRegistry {
 public:
  explicit MasternodeRegistry(std::uint64_t epoch_blocks) : epoch_blocks_(epoch_blocks) {}

  // Replaces the state with `records` (from LedgerBackend::masternode_records()). kCorruption
  // when a record does not decode.
  Status load(std::span<const std::pair<Bytes, Bytes>> records);

  // Whether the key has a record (active, pending or deregistered-but-not-yet-erased), and whether
  // the outpoint backs a record that is not deregistered.
  RegistrationClaims claims(const Pubkey& consensus_pubkey, const OutPoint& collateral) const;
  // The key of the record whose collateral is `outpoint` (not deregistered), if any.
  std::optional<Pubkey> owner_of_collateral(const OutPoint& outpoint) const;
  std::optional<MasternodeRecord> find(const Pubkey& consensus_pubkey) const;

  // The records active at `height`, in consensus-key order (the order of coinbase outputs).
  std::vector<MasternodeRecord> active_at(std::uint64_t height) const;
  // The keys of deregistered records that stop being active at height + 1 (erased by block height).
  std::vector<Pubkey> expiring_after(std::uint64_t height) const;

  // The storage writes that applying `delta` at `height` implies (for the block's BlockCommit), in
  // order: registered records, deregistered ones rewritten, erased keys. Changes nothing.
  std::vector<storage::RecordUpdate> storage_updates(const RegistryDelta& delta,
                                                     std::uint64_t height) const;
  // Applies a block's delta at `height`, after its commit succeeded.
  // REQUIRES: the delta came from executing that block against this registry.
  void apply(const RegistryDelta& delta, std::uint64_t height);

  std::size_t size() const;
  std::uint64_t epoch_blocks() const { return epoch_blocks_; }

 private:
  const std::uint64_t epoch_blocks_;
  mutable std::shared_mutex mutex_;
  std::map<Pubkey, MasternodeRecord> records_;  // GUARDED_BY(mutex_)
  std::map<OutPoint, Pubkey> by_collateral_;    // GUARDED_BY(mutex_): not deregistered only
};

}  // namespace tc::ledger
