// TxBatchVerifier: every signature of a burst of decoded transactions (ledger/tx_signatures.h:
// inputs over the sighash, a registration's possession proof) checked in one batch of the CPU
// batch verifier (gpu/verifier.h, ZIP-215), synchronously on the calling thread.
//
// The node's verify path is node/stages/verify_stage.h (the verify engine, GPU or CPU, behind the
// ledger's pre-check and admission); this is the same gathering without the stage, for the
// in-process devnet and as the benchmark baseline of the stage. One object belongs to one thread;
// its scratch grows to the largest burst seen and is reused.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"
#include "gpu/verifier.h"
#include "ledger/tx_signatures.h"

namespace tc::node {

class TxBatchVerifier {
 public:
  // Sizes the batch verifier. Errors: kInvalidArgument for batch_size_max 0, kUnavailable when the
  // OS gives no randomness for the batch coefficients.
  Status init(std::uint32_t chain_id, const gpu::BatchVerifierCpuConfig& config);

  // Sets valid[i] to 1 when every signature of txs[i] (ledger::gather_signatures) verifies and to
  // 0 otherwise (a coinbase has none and gets 1; the ledger refuses a coinbase outside a block).
  // Returns how many signatures it checked. REQUIRES: init() succeeded; valid.size() ==
  // txs.size(); evidence passed ledger::check_evidence.
  std::uint64_t verify(std::span<const TransactionView> txs, std::span<std::uint8_t> valid);

 private:
  std::uint32_t chain_id_ = 0;
  gpu::BatchVerifierCpu verifier_;
  std::vector<ledger::TxSignedMessages> messages_;  // one per transaction
  std::vector<gpu::SignatureRef> refs_;             // gather order, transactions in order
  std::vector<gpu::Verdict> verdicts_;
};

}  // namespace tc::node
