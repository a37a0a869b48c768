// The block reward split: the coinbase of block h pays (block_reward + fees of the block) across
// the masternodes active at h by tier reward weight, and the integer remainder to the proposer.
//
// The proposer builds its coinbase with these outputs and every replica recomputes them and demands
// exactly the same list, so the split is a consensus rule. The free tier (no collateral, so as
// many records as anyone pays fees for) shares one pool that is at most free_tier_share_per_mille
// of the total whatever the number of free records (docs/decisions/0003-free-tier-bound.md); the
// paid tiers share the rest. Within a pool shares are floor(pool * weight / pool_weight) in 128-bit
// arithmetic, in the order given (consensus-key order), a zero share gets no output, and the
// remainder (total - sum of shares), when non-zero, is one last output to the proposer's reward
// address. No satoshi is created or lost. At most kMaxPaidRecipients paid and kMaxFreeRecipients
// free masternodes are paid per block: with more active, block h pays the windows reward_window()
// picks, which rotate through each tier group so that over many blocks each is paid in proportion
// to its weight. Pure; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/amount.h"
#include "core/codec.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::ledger {

struct RewardRecipient {
  PubkeyHash reward_pubkey_hash;
  std::uint64_t weight = 0;
};

// The most masternodes one coinbase pays (consensus rule): kMaxPaidRecipients of the paid tiers
// plus kMaxFreeRecipients of the free tier. A coinbase with this many outputs plus the proposer's
// remainder must decode (kMaxTransactionBytes) with room to spare, whatever the number of
// registered masternodes (free-tier ones cost no collateral).
inline constexpr std::size_t kMaxCoinbaseRecipients = 2'048;
inline constexpr std::size_t kMaxFreeRecipients = 512;
inline constexpr std::size_t kMaxPaidRecipients = kMaxCoinbaseRecipients - kMaxFreeRecipients;
static_assert(kTransactionHeaderBytes + kOutputBytes * (kMaxCoinbaseRecipients + 1) +
                      kCoinbasePayloadBytes <=
                  kMaxTransactionBytes / 3 * 2,
              "the largest coinbase must fit a transaction with a third to spare");

// The recipients block `height` pays out of `active` (one group of the active set, in consensus-key
// order): all of them when there are at most window_max (K); otherwise K consecutive ones starting
// at index (height * K) mod n, wrapping past the end to the start, in that (window) order.
// Consecutive heights take consecutive windows, so every masternode is in the window equally often.
std::vector<RewardRecipient> reward_window(std::uint64_t height,
                                           std::span<const RewardRecipient> active,
                                           std::size_t window_max = kMaxCoinbaseRecipients);

// Who block h's coinbase pays: the paid-tier window (at most kMaxPaidRecipients) and the free-tier
// window (at most kMaxFreeRecipients), and the total reward weight of each whole group (not only
// its window), which sizes the free pool.
struct RewardRecipients {
  std::vector<RewardRecipient> paid;
  std::vector<RewardRecipient> free;
  std::uint64_t paid_weight = 0;
  std::uint64_t free_weight = 0;
};

// The free tier's pool out of `total`: its share by weight, floor(total * free_weight /
// (paid_weight + free_weight)), but at most floor(total * share_per_mille / 1000); 0 without free
// weight. 128-bit arithmetic. REQUIRES: share_per_mille <= 1000.
Amount free_tier_pool(Amount total, std::uint64_t paid_weight, std::uint64_t free_weight,
                      std::uint32_t share_per_mille);

// The coinbase outputs for `total`. Errors (kInvalidArgument): more than kMaxCoinbaseRecipients
// recipients, or a total weight that overflows u64. With no recipient
// or zero total weight everything goes to the proposer. An empty result only for a zero total.
Result<std::vector<TxOutput>> split_reward(Amount total,
                                           std::span<const RewardRecipient> recipients,
                                           const PubkeyHash& proposer_reward_pubkey_hash);

// The coinbase outputs of a block: free_tier_pool() split over recipients.free by weight, the rest
// of `total` split over recipients.paid by weight (paid outputs first), then the remainder to the
// proposer. Errors (kInvalidArgument): a window over its maximum, or a window's weight overflowing
// u64.
Result<std::vector<TxOutput>> split_block_reward(Amount total, const RewardRecipients& recipients,
                                                 std::uint32_t free_tier_share_per_mille,
                                                 const PubkeyHash& proposer_reward_pubkey_hash);

}  // namespace tc::ledger
