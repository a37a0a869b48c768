// Block building for the proposer: the highest fee rates from the mempool that fit the block size
// limit without conflicting, re-checked against the current UTXO set, behind a coinbase that pays
// block_reward + fees across the active masternodes (ledger/reward.h).
//
// Called from the consensus thread when this validator proposes (Ledger::build_block wraps it). It
// reads the mempool through a snapshot and the UTXO view through one batched lookup, so intake
// continues meanwhile. Transactions that fail the re-check are removed from the mempool; the space
// they would have used is not refilled in this block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/status.h"
#include "core/types.h"
#include "core/utxo_digest.h"
#include "ledger/masternode_registry.h"
#include "ledger/mempool.h"
#include "ledger/params.h"
#include "ledger/utxo_view.h"

namespace tc::ledger {

// What the consensus engine fixes about the block it asks for.
struct BlockTemplate {
  std::uint64_t height = 0;
  Hash256 prev_hash;
  std::uint64_t timestamp_ms = 0;
  Pubkey proposer;  // consensus key; must be an active masternode at `height`
  std::uint32_t round = 0;
  // Equivocation evidence this node holds (reported by its engine). The builder includes, right
  // after the coinbase, each one that execution would accept (check_evidence, the registry's
  // target check, both signatures, one per key), and leaves the rest out.
  std::span<const EvidencePayload> evidence;
};

struct BuildStats {
  std::size_t candidates = 0;        // pending transactions considered
  std::size_t included = 0;          // transactions in the block besides the coinbase
  std::size_t skipped_size = 0;      // did not fit the remaining space
  std::size_t skipped_conflict = 0;  // claimed an outpoint a higher-fee transaction claimed
  std::size_t dropped_invalid = 0;   // failed the re-check and left the mempool
  std::size_t evidence_included = 0;
  std::size_t evidence_skipped =
      0;  // evidence that execution would refuse (stale, invalid, repeated)
  std::size_t block_bytes = 0;
  Amount fees;
};

// Builds block `tmpl.height` on the state `view`, `registry` and `tip_utxo_digest` (the UTXO set
// digest's state at the tip) hold; the header's utxo_digest is that state with the block's spends
// removed and its outputs added. Errors: kInvalidArgument when the proposer is not active at that
// height or the reward cannot be split; the view's Status when the lookup fails.
// `block_bytes_max` is the proposer's limit (<= params.block_bytes_max). stats may be null.
Result<Block> build_block(const BlockTemplate& tmpl, Mempool& mempool, UtxoView& view,
                          const MasternodeRegistry& registry, const LedgerParams& params,
                          const UtxoSetDigest& tip_utxo_digest, std::size_t block_bytes_max,
                          BuildStats* stats);

// The coinbase of block `height`: split_block_reward(block_reward + fees) over the registry's
// coinbase_plan for that height, remainder to the proposer's reward address. Block building
// and block execution both call this, so the proposer and replicas agree by construction. Errors:
// kInvalidArgument when the proposer is not active, or fees + reward overflow.
Result<Transaction> make_coinbase(std::uint64_t height, const Pubkey& proposer, Amount fees,
                                  const MasternodeRegistry& registry, const LedgerParams& params);

}  // namespace tc::ledger
