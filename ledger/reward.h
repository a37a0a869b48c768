// The block reward split: the coinbase of block h pays (block_reward + fees of the block) across
// the masternodes active at h by tier reward weight, and the integer remainder to the proposer.
//
// The proposer builds its coinbase with these outputs and every replica recomputes them and demands
// exactly the same list, so the split is a consensus rule: shares are floor(total * weight /
// total_weight) in 128-bit arithmetic, in the order given (consensus-key order), a zero share gets
// no output, and the remainder (total - sum of shares), when non-zero, is one last output to the
// proposer's reward address. No satoshi is created or lost. Pure; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/amount.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::ledger {

struct RewardRecipient {
  PubkeyHash reward_pubkey_hash;
  std::uint64_t weight = 0;
};

// The coinbase outputs for `total`. Errors (kInvalidArgument): more than 65,534 recipients (a
// coinbase holds at most 65,535 outputs), or a total weight that overflows u64. With no recipient
// or zero total weight everything goes to the proposer. An empty result only for a zero total.
Result<std::vector<TxOutput>> split_reward(Amount total,
                                           std::span<const RewardRecipient> recipients,
                                           const PubkeyHash& proposer_reward_pubkey_hash);

}  // namespace tc::ledger
