// Ledger: the rules of money in one object — mempool intake, block building for the proposer, block
// execution for every node (re-check everything, signatures in one batch per block), the atomic
// commit to the backend, the masternode registry and each txid's status.
//
// Threads: precheck, submit, tx_status and the read accessors from any thread (the verify stage's
// threads precheck and submit concurrently); build_block from the consensus thread; execute_block
// and commit_block from one thread at a time (the execute/commit stage, which may be the consensus
// thread). The backend must outlive the ledger, and every write to it must go through the ledger.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"
#include "core/types.h"
#include "gpu/verifier.h"
#include "ledger/block_builder.h"
#include "ledger/masternode_registry.h"
#include "ledger/mempool.h"
#include "ledger/params.h"
#include "ledger/rules.h"
#include "ledger/utxo_view.h"

namespace tc::ledger {

// How block execution checks signatures. kBatch is the node's mode; kSingle is the baseline the
// benchmark compares against (same verdicts, one verify_single per input).
enum class SignatureCheck : std::uint8_t { kBatch, kSingle };

struct LedgerConfig {
  LedgerParams params;
  MempoolConfig mempool;
  SignatureCheck signature_check = SignatureCheck::kBatch;
  gpu::BatchVerifierCpuConfig verifier;
};

// What genesis holds: coinbase allocations and the first masternodes. A genesis masternode of a
// paid tier may name one of the allocations (outpoint (genesis coinbase txid, n)) holding exactly
// its tier's collateral: spending it later deregisters the masternode like any other. One without a
// collateral can leave the set only through equivocation evidence.
struct GenesisConfig {
  std::uint64_t timestamp_ms = 0;
  std::vector<TxOutput> allocations;          // 1 to 65,535 outputs
  std::vector<MasternodeRecord> masternodes;  // registered_height is set to 0
};

// The genesis block of `config` for `chain_id`: height 0, zero prev_hash, one coinbase (height 0)
// paying the allocations in order, proposer zero, utxo_digest over those allocations.
Block make_genesis_block(const GenesisConfig& config, std::uint32_t chain_id);

// Whether `block_bytes` is exactly the block `hash` names: it decodes, its header hashes to `hash`,
// and tx_root and wtx_root are the Merkle roots of its txids and wire hashes, so every byte of
// every transaction is bound. Stateless (no tip, no UTXO), so it also runs on blocks of a later
// height. A relay's altered copy of a proposal fails here, and must then not be mistaken for an
// invalid block (consensus::Application::payload_binds). Errors: kMalformed (codec) or
// kInvalidArgument naming the height and the root that differs.
Status check_block_binding(ByteSpan block_bytes, const Hash256& hash);

// A block that passed every rule, with everything its commit writes. Made by execute_block.
struct ExecutedBlock {
  Block block;
  Hash256 hash;
  std::vector<Hash256> txids;  // block order; these become final when the block commits
  std::vector<OutPoint> spent;
  std::vector<storage::CreatedUtxo> created;
  RegistryDelta registry_delta;
  std::vector<storage::RecordUpdate> masternode_updates;
  UtxoSetDigest utxo_digest;     // the UTXO set digest's state after the block (header.utxo_digest)
  std::vector<OutPoint> claims;  // inputs, registration collaterals and key claims
  Amount fees;
};

enum class TxState : std::uint8_t { kUnknown, kPending, kFinalized };
struct TxStatus {
  TxState state = TxState::kUnknown;
  std::uint64_t height = 0;  // for kFinalized: the block that included it
};

// How far a proposed block's timestamp may run ahead of the validating node's wall clock. A block
// further in the future is refused, so a Byzantine proposer cannot push the chain's time to the end
// of the u64 range (every later block must be later still).
inline constexpr std::uint64_t kMaxTimestampDriftMs = 15'000;

// now_ms + kMaxTimestampDriftMs, saturating at 2^64 - 1: ExecuteOptions::latest_timestamp_ms for a
// node whose wall clock reads now_ms.
std::uint64_t latest_timestamp_ms(std::uint64_t now_ms);

// What execute_block checks that depends on how the block reached this node.
struct ExecuteOptions {
  // The latest header timestamp accepted. Set for a proposal (latest_timestamp_ms of the local
  // clock). Absent for a block a commit certificate already made final (block sync, commit): the
  // chain holds it, and a node with a slow clock must still follow the chain.
  std::optional<std::uint64_t> latest_timestamp_ms;
};

struct ExecuteStats {
  std::uint64_t signatures = 0;
  gpu::BatchVerifyStats verify;
};

class Ledger {
 public:
  // Loads the tip and the masternode records from `backend`. Errors: the backend's (kCorruption
  // for an undecodable record), kUnavailable when the batch verifier cannot be initialised.
  static Result<std::unique_ptr<Ledger>> open(const LedgerConfig& config, LedgerBackend* backend);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Commits block 0. kInvalidArgument when the backend already has a tip, there are no allocations
  // or more than 65,535, two genesis masternodes share a key, or a collateral is not an allocation
  // of this genesis holding exactly its tier's collateral, is named by a free-tier record, or backs
  // two records.
  Status commit_genesis(const GenesisConfig& genesis);

  // The checks of submit() that need no signature (Mempool::precheck): stateless rules, a txid
  // already pending, inputs missing or spent (a replay of a finalized transaction is kMissingInput,
  // as submit() says; its spent inputs are found by the UTXO lookup, so no txid-index read is
  // needed), stateful and registration rules, and outpoints claimed by a pending transaction. For
  // the verify stage to run before signature verification, so that a transaction submit() would
  // reject anyway costs a UTXO lookup instead of its signatures. A rejection is submit()'s, with
  // the same reason, in the same state; kOk means only that signatures are worth checking (submit
  // re-checks everything, so a concurrent change is harmless). Reads, never changes state or
  // counters. Any thread, concurrently with submit; allocates nothing on a warm thread.
  RejectReason precheck(const TransactionView& tx, TxFailure* failure = nullptr) const {
    return mempool_.precheck(tx, failure);
  }
  // Mempool intake (Mempool::admit) of a transaction whose signatures were verified.
  RejectReason submit(const TransactionView& tx, std::uint64_t now_ms, TxFailure* failure = nullptr,
                      Hash256* txid_out = nullptr) {
    return mempool_.admit(tx, now_ms, failure, txid_out);
  }
  // Drops pending transactions older than the TTL; returns how many.
  std::size_t expire(std::uint64_t now_ms) { return mempool_.expire(now_ms); }

  // The next block for the proposer (block_builder.h), on top of the current tip. `block_bytes_max`
  // 0 means params.block_bytes_max. kInvalidArgument before genesis or when tmpl does not extend
  // the tip.
  Result<Block> build_block(const BlockTemplate& tmpl, std::size_t block_bytes_max = 0,
                            BuildStats* stats = nullptr);

  // Checks `block_bytes` as the next block against every rule: codec, size limit, chain id, height
  // and prev_hash extend the tip, timestamp above the tip's and at most
  // options.latest_timestamp_ms (when set), exactly one coinbase first with the block's height,
  // tx_root and wtx_root, equivocation evidence only right after the coinbase, each transaction's
  // stateless rules (check_evidence for evidence), every signature, every registration's proof of
  // possession and both signatures of every evidence (one batch), evidence naming a validator of
  // its height that does not already leave (once per key), inputs present and unspent and owned
  // and not a frozen collateral, no output spent twice in the block, amounts and fees, lock times,
  // registrations (collateral, key, no claim twice), and the coinbase paying exactly the reward
  // split. Writes nothing. Errors:
  // kMalformed (codec) or kInvalidArgument, with a message naming the block height and, where it
  // applies, the tx index and input index ("block 7: tx 3: input 1: bad_signature"); a backend read
  // error as returned.
  Result<ExecutedBlock> execute_block(ByteSpan block_bytes, const ExecuteOptions& options = {},
                                      ExecuteStats* stats = nullptr);
  Result<ExecutedBlock> execute_block(const Block& block, const ExecuteOptions& options = {},
                                      ExecuteStats* stats = nullptr);

  // Commits an executed block with its certificate as one atomic backend write, then updates the
  // registry and the mempool (included and invalidated transactions leave, their locks are
  // released); the backend's txid index gets the block's txids in the same write. Returns the txids
  // that became final. REQUIRES: `executed` came from execute_block on the current tip. Errors: the
  // backend's (nothing changed in memory then).
  Result<std::vector<Hash256>> commit_block(const ExecutedBlock& executed,
                                            const CommitCertificate& certificate);

  // Pending while in the mempool; otherwise finalized with the height of its block when the
  // backend's txid index holds it (every block committed to this store, across restarts; not
  // blocks before an imported UTXO snapshot); otherwise unknown. The mempool is asked first: a
  // commit writes the backend before the mempool drops the block's transactions, so a txid that
  // leaves the mempool concurrently is found in the backend. A backend read error is logged and
  // reads as unknown. One backend point lookup per call for a txid that is not pending.
  TxStatus tx_status(const Hash256& txid) const;

  std::optional<storage::ChainTip> tip() const { return backend_->tip(); }
  Mempool& mempool() { return mempool_; }
  const MasternodeRegistry& registry() const { return registry_; }
  const LedgerParams& params() const { return config_.params; }
  LedgerBackend& backend() { return *backend_; }
  // The UTXO set digest's state at the tip (the empty set before genesis). Execute thread only.
  const UtxoSetDigest& utxo_digest() const { return utxo_digest_; }
  // The tip block's timestamp; 0 before genesis and, until the next commit, on a store loaded from
  // a UTXO snapshot (which holds no tip header). Execute thread only.
  std::uint64_t tip_timestamp_ms() const { return tip_timestamp_ms_; }

 private:
  Ledger(const LedgerConfig& config, LedgerBackend* backend);
  Status verify_signatures(std::span<const TransactionView> txs, std::uint64_t height,
                           ExecuteStats* stats);

  const LedgerConfig config_;
  LedgerBackend* backend_;
  MasternodeRegistry registry_;
  Mempool mempool_;
  UtxoSetDigest utxo_digest_;           // at the tip; execute thread only, replaced at each commit
  std::uint64_t tip_timestamp_ms_ = 0;  // execute thread only, replaced at each commit
  gpu::BatchVerifierCpu verifier_;      // execute thread only
  std::vector<gpu::SignatureRef> signature_refs_;  // execute thread only; reused per block
  std::vector<gpu::Verdict> verdicts_;             // execute thread only; reused per block
};

}  // namespace tc::ledger
