#include "node/app/tx_verifier.h"

#include <cassert>

#include "core/hashing.h"
#include "node/app/consensus_crypto.h"

namespace tc::node {

Status TxBatchVerifier::init(std::uint32_t chain_id, const gpu::BatchVerifierCpuConfig& config) {
  chain_id_ = chain_id;
  return status_from_gpu(verifier_.init(config), "transaction verifier init");
}

std::uint64_t TxBatchVerifier::verify(std::span<const TransactionView> txs,
                                      std::span<std::uint8_t> valid) {
  assert(valid.size() == txs.size());
  sighashes_.resize(txs.size());
  refs_.clear();
  for (std::size_t t = 0; t < txs.size(); ++t) {
    sighashes_[t] = sighash(txs[t], chain_id_);
    for (std::size_t i = 0; i < txs[t].input_count(); ++i) {
      const InputView input = txs[t].input(i);
      refs_.push_back(gpu::SignatureRef{input.pubkey_data(), Pubkey::size(), input.sig_data(),
                                        Signature::size(), sighashes_[t].data(), Hash256::size()});
    }
  }
  verdicts_.assign(refs_.size(), gpu::Verdict::kReject);
  const gpu::Status status = verifier_.verify(refs_, verdicts_, nullptr);
  // The spans match and init() succeeded (REQUIRES): verify cannot fail, and a failure would leave
  // every verdict kReject, never an acceptance.
  assert(status == gpu::Status::kOk);
  (void)status;
  std::size_t k = 0;
  for (std::size_t t = 0; t < txs.size(); ++t) {
    std::uint8_t all = 1;
    for (std::size_t i = 0; i < txs[t].input_count(); ++i, ++k) {
      if (verdicts_[k] != gpu::Verdict::kAccept) all = 0;
    }
    valid[t] = all;
  }
  return refs_.size();
}

}  // namespace tc::node
