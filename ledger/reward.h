// The block reward split: the coinbase of block h pays (block_reward + fees of the block) across
// the masternodes active at h by tier reward weight, and the integer remainder to the proposer.
//
// The proposer builds its coinbase with these outputs and every replica recomputes them and demands
// exactly the same list, so the split is a consensus rule: shares are floor(total * weight /
// total_weight) in 128-bit arithmetic, in the order given (consensus-key order), a zero share gets
// no output, and the remainder (total - sum of shares), when non-zero, is one last output to the
// proposer's reward address. No satoshi is created or lost. At most kMaxCoinbaseRecipients
// masternodes are paid per block: with more active, block h pays the window reward_window() picks,
// which rotates through the active set so that over many blocks each is paid in proportion to its
// weight. Pure; any thread.
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

// The most masternodes one coinbase pays (consensus rule). A coinbase with this many outputs plus
// the proposer's remainder must decode (kMaxTransactionBytes) with room to spare, whatever the
// number of registered masternodes (free-tier ones cost no collateral).
inline constexpr std::size_t kMaxCoinbaseRecipients = 2'048;
static_assert(kTransactionHeaderBytes + kOutputBytes * (kMaxCoinbaseRecipients + 1) +
                      kCoinbasePayloadBytes <=
                  kMaxTransactionBytes / 3 * 2,
              "the largest coinbase must fit a transaction with a third to spare");

// The recipients block `height` pays out of `active` (the active set in consensus-key order): all
// of them when there are at most kMaxCoinbaseRecipients; otherwise kMaxCoinbaseRecipients
// consecutive ones starting at index (height * kMaxCoinbaseRecipients) mod n, wrapping past the end
// to the start, in that (window) order. Consecutive heights take consecutive windows, so every
// masternode is in the window equally often.
std::vector<RewardRecipient> reward_window(std::uint64_t height,
                                           std::span<const RewardRecipient> active);

// The coinbase outputs for `total`. Errors (kInvalidArgument): more than kMaxCoinbaseRecipients
// recipients, or a total weight that overflows u64. With no recipient
// or zero total weight everything goes to the proposer. An empty result only for a zero total.
Result<std::vector<TxOutput>> split_reward(Amount total,
                                           std::span<const RewardRecipient> recipients,
                                           const PubkeyHash& proposer_reward_pubkey_hash);

}  // namespace tc::ledger
