#include "ledger/reward.h"

#include <string>

namespace tc::ledger {

std::vector<RewardRecipient> reward_window(std::uint64_t height,
                                           std::span<const RewardRecipient> active) {
  const std::size_t n = active.size();
  if (n <= kMaxCoinbaseRecipients) return {active.begin(), active.end()};
  // (height * K) mod n without overflow: 128-bit product.
  const auto start = static_cast<std::size_t>(
      (static_cast<unsigned __int128>(height) * kMaxCoinbaseRecipients) % n);
  std::vector<RewardRecipient> window;
  window.reserve(kMaxCoinbaseRecipients);
  for (std::size_t i = 0; i < kMaxCoinbaseRecipients; ++i)
    window.push_back(active[(start + i) % n]);
  return window;
}

Result<std::vector<TxOutput>> split_reward(Amount total,
                                           std::span<const RewardRecipient> recipients,
                                           const PubkeyHash& proposer_reward_pubkey_hash) {
  if (recipients.size() > kMaxCoinbaseRecipients) {
    return invalid_argument("reward split: " + std::to_string(recipients.size()) +
                            " recipients, at most " + std::to_string(kMaxCoinbaseRecipients) +
                            " per coinbase");
  }
  std::uint64_t total_weight = 0;
  for (const RewardRecipient& recipient : recipients) {
    if (__builtin_add_overflow(total_weight, recipient.weight, &total_weight)) {
      return invalid_argument("reward split: total weight overflows u64");
    }
  }
  std::vector<TxOutput> outputs;
  outputs.reserve(recipients.size() + 1);
  std::uint64_t paid = 0;
  if (total_weight > 0) {
    for (const RewardRecipient& recipient : recipients) {
      const unsigned __int128 product =
          static_cast<unsigned __int128>(total.satoshis()) * recipient.weight;
      const auto share = static_cast<std::uint64_t>(product / total_weight);
      if (share == 0) continue;
      outputs.push_back(TxOutput{Amount(share), recipient.reward_pubkey_hash});
      paid += share;  // sum of floors <= total: cannot overflow
    }
  }
  const std::uint64_t remainder = total.satoshis() - paid;
  if (remainder > 0) outputs.push_back(TxOutput{Amount(remainder), proposer_reward_pubkey_hash});
  return outputs;
}

}  // namespace tc::ledger
