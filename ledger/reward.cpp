#include "ledger/reward.h"

#include <algorithm>
#include <string>

namespace tc::ledger {
namespace {

// Appends floor(pool * weight / total_weight) for each recipient with a non-zero share; returns
// what it paid (at most pool).
Result<std::uint64_t> pay_by_weight(Amount pool, std::span<const RewardRecipient> recipients,
                                    std::vector<TxOutput>* outputs) {
  std::uint64_t total_weight = 0;
  for (const RewardRecipient& recipient : recipients) {
    if (__builtin_add_overflow(total_weight, recipient.weight, &total_weight)) {
      return invalid_argument("reward split: total weight overflows u64");
    }
  }
  std::uint64_t paid = 0;
  if (total_weight == 0) return paid;
  for (const RewardRecipient& recipient : recipients) {
    const unsigned __int128 product =
        static_cast<unsigned __int128>(pool.satoshis()) * recipient.weight;
    const auto share = static_cast<std::uint64_t>(product / total_weight);
    if (share == 0) continue;
    outputs->push_back(TxOutput{Amount(share), recipient.reward_pubkey_hash});
    paid += share;  // sum of floors <= pool: cannot overflow
  }
  return paid;
}

Status check_window(std::size_t size, std::size_t max, const char* group) {
  if (size <= max) return Status::ok();
  return invalid_argument("reward split: " + std::to_string(size) + " " + group +
                          " recipients, at most " + std::to_string(max) + " per coinbase");
}

}  // namespace

std::vector<RewardRecipient> reward_window(std::uint64_t height,
                                           std::span<const RewardRecipient> active,
                                           std::size_t window_max) {
  const std::size_t n = active.size();
  if (n <= window_max) return {active.begin(), active.end()};
  // (height * K) mod n without overflow: 128-bit product.
  const auto start =
      static_cast<std::size_t>((static_cast<unsigned __int128>(height) * window_max) % n);
  std::vector<RewardRecipient> window;
  window.reserve(window_max);
  for (std::size_t i = 0; i < window_max; ++i) window.push_back(active[(start + i) % n]);
  return window;
}

Amount free_tier_pool(Amount total, std::uint64_t paid_weight, std::uint64_t free_weight,
                      std::uint32_t share_per_mille) {
  if (free_weight == 0) return Amount(0);
  const unsigned __int128 sum = static_cast<unsigned __int128>(paid_weight) + free_weight;
  const auto by_weight = static_cast<std::uint64_t>(
      static_cast<unsigned __int128>(total.satoshis()) * free_weight / sum);
  const auto cap = static_cast<std::uint64_t>(static_cast<unsigned __int128>(total.satoshis()) *
                                              share_per_mille / 1000);
  return Amount(std::min(by_weight, cap));
}

Result<std::vector<TxOutput>> split_reward(Amount total,
                                           std::span<const RewardRecipient> recipients,
                                           const PubkeyHash& proposer_reward_pubkey_hash) {
  TC_RETURN_IF_ERROR(check_window(recipients.size(), kMaxCoinbaseRecipients, "masternode"));
  std::vector<TxOutput> outputs;
  outputs.reserve(recipients.size() + 1);
  TC_ASSIGN_OR_RETURN(const std::uint64_t paid, pay_by_weight(total, recipients, &outputs));
  const std::uint64_t remainder = total.satoshis() - paid;
  if (remainder > 0) outputs.push_back(TxOutput{Amount(remainder), proposer_reward_pubkey_hash});
  return outputs;
}

Result<std::vector<TxOutput>> split_block_reward(Amount total, const RewardRecipients& recipients,
                                                 std::uint32_t free_tier_share_per_mille,
                                                 const PubkeyHash& proposer_reward_pubkey_hash) {
  TC_RETURN_IF_ERROR(check_window(recipients.paid.size(), kMaxPaidRecipients, "paid-tier"));
  TC_RETURN_IF_ERROR(check_window(recipients.free.size(), kMaxFreeRecipients, "free-tier"));
  const Amount free_pool = free_tier_pool(total, recipients.paid_weight, recipients.free_weight,
                                          free_tier_share_per_mille);
  std::vector<TxOutput> outputs;
  outputs.reserve(recipients.paid.size() + recipients.free.size() + 1);
  TC_ASSIGN_OR_RETURN(
      const std::uint64_t paid_tiers,
      pay_by_weight(Amount(total.satoshis() - free_pool.satoshis()), recipients.paid, &outputs));
  TC_ASSIGN_OR_RETURN(const std::uint64_t free_tier,
                      pay_by_weight(free_pool, recipients.free, &outputs));
  const std::uint64_t remainder = total.satoshis() - paid_tiers - free_tier;
  if (remainder > 0) outputs.push_back(TxOutput{Amount(remainder), proposer_reward_pubkey_hash});
  return outputs;
}

}  // namespace tc::ledger
