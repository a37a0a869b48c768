// SIMULATION ONLY: a keyed-hash signature scheme for the consensus simulator, standing in for
// Ed25519 so that thousands of seeded runs stay fast while forged and corrupted signatures can
// still be modelled.
//
// Validator i's secret is SHA-256("TIMECOIN/sim/secret" ‖ seed ‖ i); its "public key" is a hash of
// the secret, and a signature is SHA-256(secret ‖ digest) followed by 32 zero bytes. Verification
// recomputes the MAC from the simulator's key table, so anyone without the table (every simulated
// node) cannot forge. This is NOT a signature scheme: the node uses Ed25519 (core/keys.h) through
// the injected Signer and the batch SignatureVerifier of gpu/. Single-threaded use.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "consensus/crypto.h"

namespace tc::consensus::sim {

class SimKeyTable {
 public:
  SimKeyTable(std::uint64_t seed, std::size_t validator_count);

  const Pubkey& pubkey(std::uint32_t index) const { return pubkeys_[index]; }
  Signature sign(std::uint32_t index, const Hash256& digest) const;
  bool verify(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) const;

 private:
  std::vector<Hash256> secrets_;
  std::vector<Pubkey> pubkeys_;
  std::unordered_map<Pubkey, std::uint32_t> index_;
};

class SimSigner final : public Signer {
 public:
  SimSigner(const SimKeyTable& table, std::uint32_t index) : table_(table), index_(index) {}
  Pubkey pubkey() const override { return table_.pubkey(index_); }
  Signature sign(const Hash256& digest) override { return table_.sign(index_, digest); }

 private:
  const SimKeyTable& table_;
  std::uint32_t index_;
};

class SimVerifier final : public SignatureVerifier {
 public:
  explicit SimVerifier(const SimKeyTable& table) : table_(table) {}
  void verify_batch(std::span<const SignedDigest> items, std::span<std::uint8_t> valid) override;
  std::uint64_t verified() const { return verified_; }
  std::uint64_t batches() const { return batches_; }

 private:
  const SimKeyTable& table_;
  std::uint64_t verified_ = 0;
  std::uint64_t batches_ = 0;
};

}  // namespace tc::consensus::sim
