// The signing and verification seams of the consensus engine: a Signer for this validator's votes
// and proposals, and a batch SignatureVerifier for everyone else's.
//
// The node backs Signer with libsodium Ed25519 (core/keys.h) and SignatureVerifier with the batch
// verification engine (gpu/, with its CPU fallback), which checks ZIP-215 Ed25519 over the 32-byte
// digests of consensus/messages.h. The simulator backs both with a keyed-hash scheme that is for
// simulation only (consensus/sim/sim_crypto.h). Both are called only from the engine's owner
// thread.
#pragma once

#include <cstdint>
#include <span>

#include "core/bytes.h"

namespace tc::consensus {

// One signature check: does `sig` by `pubkey` sign the 32-byte `digest`?
struct SignedDigest {
  Pubkey pubkey;
  Hash256 digest;
  Signature sig;
};

class Signer {
 public:
  virtual ~Signer() = default;
  virtual Pubkey pubkey() const = 0;
  // Signs a 32-byte digest. The engine calls it only after its restart guard allowed the message
  // and the host persisted the signed state (consensus/engine.h).
  virtual Signature sign(const Hash256& digest) = 0;
};

class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // Sets valid[i] to 1 when items[i] verifies and 0 otherwise, for every i. One call is one batch;
  // the engine passes every vote of one input burst that survived the cheap checks.
  // REQUIRES: valid.size() == items.size().
  virtual void verify_batch(std::span<const SignedDigest> items, std::span<std::uint8_t> valid) = 0;
};

}  // namespace tc::consensus
