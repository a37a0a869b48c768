// The consensus engine's signing and verification seams backed by real Ed25519: Ed25519Signer signs
// votes and proposals with this validator's libsodium key (core/keys.h), and BatchVoteVerifier
// checks everyone else's in batches with the CPU batch verifier of gpu/ (ZIP-215, the same verdicts
// as transaction signatures).
//
// Used by the devnet (node/devnet/devnet.h) and by timecoind's consensus stage. Each object
// belongs to the thread that owns its engine.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "consensus/crypto.h"
#include "core/keys.h"
#include "core/status.h"
#include "gpu/verifier.h"

namespace tc::node {

// Maps a gpu/ status to a tc::Status with the same name (gpu/ builds without core/).
Status status_from_gpu(gpu::Status status, std::string_view context);

class Ed25519Signer final : public consensus::Signer {
 public:
  explicit Ed25519Signer(const KeyPair& key) : key_(key) {}
  Pubkey pubkey() const override { return key_.pubkey(); }
  // The RFC 8032 signature of the 32-byte digest.
  Signature sign(const Hash256& digest) override { return tc::sign(key_, digest.span()); }

 private:
  KeyPair key_;
};

class BatchVoteVerifier final : public consensus::SignatureVerifier {
 public:
  // Sizes the batch verifier's scratch. Errors: kInvalidArgument for batch_size_max 0,
  // kUnavailable when the OS gives no randomness for the batch coefficients.
  Status init(const gpu::BatchVerifierCpuConfig& config);

  // One BatchVerifierCpu::verify call over every item (chunked inside by batch_size_max).
  // REQUIRES: init() succeeded; valid.size() == items.size().
  void verify_batch(std::span<const consensus::SignedDigest> items,
                    std::span<std::uint8_t> valid) override;

  std::uint64_t verified() const { return verified_; }
  std::uint64_t batches() const { return batches_; }

 private:
  gpu::BatchVerifierCpu verifier_;
  std::vector<gpu::SignatureRef> refs_;  // reused per call
  std::vector<gpu::Verdict> verdicts_;   // reused per call
  std::uint64_t verified_ = 0;
  std::uint64_t batches_ = 0;
};

}  // namespace tc::node
