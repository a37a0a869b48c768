#include "node/app/consensus_crypto.h"

#include <cassert>
#include <string>

namespace tc::node {

Status status_from_gpu(gpu::Status status, std::string_view context) {
  const std::string message = std::string(context) + ": " + gpu::status_name(status);
  // Only the codes with a tc::StatusCode of the same meaning are mapped; any other (a CUDA
  // failure, a deadline) is kInternal with the gpu/ name in the message.
  if (status == gpu::Status::kOk) return Status::ok();
  if (status == gpu::Status::kInvalidArgument) return invalid_argument(message);
  if (status == gpu::Status::kResourceExhausted) {
    return Status(StatusCode::kResourceExhausted, message);
  }
  if (status == gpu::Status::kUnavailable) return unavailable(message);
  return internal_error(message);
}

Status BatchVoteVerifier::init(const gpu::BatchVerifierCpuConfig& config) {
  return status_from_gpu(verifier_.init(config), "vote verifier init");
}

void BatchVoteVerifier::verify_batch(std::span<const consensus::SignedDigest> items,
                                     std::span<std::uint8_t> valid) {
  assert(valid.size() == items.size());
  refs_.clear();
  for (const consensus::SignedDigest& item : items) {
    refs_.push_back(gpu::SignatureRef{item.pubkey.data(), Pubkey::size(), item.sig.data(),
                                      Signature::size(), item.digest.data(), Hash256::size()});
  }
  verdicts_.assign(items.size(), gpu::Verdict::kReject);
  const gpu::Status status = verifier_.verify(refs_, verdicts_, nullptr);
  // The spans match and init() succeeded (REQUIRES), so verify cannot fail.
  assert(status == gpu::Status::kOk);
  (void)status;
  for (std::size_t i = 0; i < items.size(); ++i) {
    valid[i] = verdicts_[i] == gpu::Verdict::kAccept ? 1 : 0;
  }
  verified_ += items.size();
  ++batches_;
}

}  // namespace tc::node
