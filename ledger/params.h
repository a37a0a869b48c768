// LedgerParams: the consensus-relevant numbers of the ledger (limits, fees, dust, reward, epochs)
// in one struct, with the protocol's values as defaults (DESIGN §3, docs/ledger.md).
//
// Every node of a network must run with the same values, except the proposer-side block size limit
// which a proposer may lower (never raise). Plain value; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/amount.h"
#include "core/codec.h"
#include "core/types.h"

namespace tc::ledger {

struct LedgerParams {
  std::uint32_t chain_id = kChainIdDevnet;
  // Largest transaction the ledger accepts (never above the codec's kMaxTransactionBytes).
  std::size_t tx_bytes_max = kMaxTransactionBytes;
  // Largest block a proposer builds and a replica accepts: the block encoding, header included.
  std::size_t block_bytes_max = 2'000'000;
  // Smallest value of an output of a transfer or registration (coinbase outputs are exempt).
  Amount dust_threshold = Amount(546);
  // fee >= fee_min and fee * fee_per_mille_divisor >= sum of outputs (0.1 % of the outputs).
  Amount fee_min = Amount(1'000);
  std::uint64_t fee_per_mille_divisor = 1'000;
  // Blocks a coinbase output waits before it may be spent: spendable in block h when
  // h >= created_height + coinbase_maturity_blocks. 0: BFT finality makes coinbases final at once
  // (docs/ledger.md, "Coinbase maturity").
  std::uint64_t coinbase_maturity_blocks = 0;
  // The subsidy of every block after genesis, split with the fees across active masternodes.
  Amount block_reward = Amount::from_time(100);
  // Validator-set changes take effect at heights that are multiples of this.
  std::uint64_t epoch_blocks = 100;
  // The free tier bound (docs/decisions/0003-free-tier-bound.md): all free-tier masternodes
  // together take at most this share of a block's reward, and a free-tier record leaves the set
  // this many epochs after it became active unless registered again (at most 1000).
  std::uint32_t free_tier_share_per_mille = 100;
  std::uint64_t free_tier_lifetime_epochs = 168;
};

}  // namespace tc::ledger
