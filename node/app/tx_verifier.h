// TxBatchVerifier: the verify stage's work on one burst of decoded transactions — every input
// signature of every transaction checked in one batch of the CPU batch verifier (gpu/verifier.h,
// ZIP-215), against the sighash for the node's chain.
//
// Verification is stateless (DESIGN §2): key, signature and 32-byte sighash are inside the
// transaction, so this runs before any UTXO lookup, on transactions from the wire, from peers and
// (through the ledger's own verifier) inside blocks. One object belongs to one thread; its scratch
// grows to the largest burst seen and is reused.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"
#include "gpu/verifier.h"

namespace tc::node {

class TxBatchVerifier {
 public:
  // Sizes the batch verifier. Errors: kInvalidArgument for batch_size_max 0, kUnavailable when the
  // OS gives no randomness for the batch coefficients.
  Status init(std::uint32_t chain_id, const gpu::BatchVerifierCpuConfig& config);

  // Sets valid[i] to 1 when every input signature of txs[i] verifies for sighash(txs[i], chain_id)
  // and to 0 otherwise (a transaction without inputs has nothing to verify and gets 1; the ledger
  // refuses a coinbase outside a block). Returns how many signatures it checked.
  // REQUIRES: init() succeeded; valid.size() == txs.size().
  std::uint64_t verify(std::span<const TransactionView> txs, std::span<std::uint8_t> valid);

 private:
  std::uint32_t chain_id_ = 0;
  gpu::BatchVerifierCpu verifier_;
  std::vector<Hash256> sighashes_;       // one per transaction
  std::vector<gpu::SignatureRef> refs_;  // one per input, transactions in order
  std::vector<gpu::Verdict> verdicts_;
};

}  // namespace tc::node
