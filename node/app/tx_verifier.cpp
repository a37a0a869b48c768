#include "node/app/tx_verifier.h"

#include <cassert>

#include "ledger/tx_signatures.h"
#include "node/app/consensus_crypto.h"

namespace tc::node {

Status TxBatchVerifier::init(std::uint32_t chain_id, const gpu::BatchVerifierCpuConfig& config) {
  chain_id_ = chain_id;
  return status_from_gpu(verifier_.init(config), "transaction verifier init");
}

std::uint64_t TxBatchVerifier::verify(std::span<const TransactionView> txs,
                                      std::span<std::uint8_t> valid) {
  assert(valid.size() == txs.size());
  std::size_t total = 0;
  for (const TransactionView& tx : txs) total += ledger::signature_count(tx);
  messages_.resize(txs.size());
  refs_.resize(total);
  std::size_t k = 0;
  for (std::size_t t = 0; t < txs.size(); ++t) {
    k += ledger::gather_signatures(txs[t], chain_id_, &messages_[t], std::span(refs_).subspan(k));
  }
  verdicts_.assign(total, gpu::Verdict::kReject);
  const gpu::Status status = verifier_.verify(refs_, verdicts_, nullptr);
  // The spans match and init() succeeded (REQUIRES): verify cannot fail, and a failure would leave
  // every verdict kReject, never an acceptance.
  assert(status == gpu::Status::kOk);
  (void)status;
  k = 0;
  for (std::size_t t = 0; t < txs.size(); ++t) {
    const std::size_t count = ledger::signature_count(txs[t]);
    valid[t] = ledger::judge_signatures(txs[t], std::span(verdicts_).subspan(k, count), nullptr) ==
                       ledger::RejectReason::kOk
                   ? 1
                   : 0;
    k += count;
  }
  return total;
}

}  // namespace tc::node
