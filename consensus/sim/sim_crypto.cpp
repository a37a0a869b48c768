#include "consensus/sim/sim_crypto.h"

#include <cassert>
#include <cstring>

#include "core/sha2.h"

namespace tc::consensus::sim {

SimKeyTable::SimKeyTable(std::uint64_t seed, std::size_t validator_count) {
  for (std::uint32_t i = 0; i < validator_count; ++i) {
    std::uint8_t input[19 + 8 + 4];
    std::memcpy(input, "TIMECOIN/sim/secret", 19);
    store_u64_le(input + 19, seed);
    store_u32_le(input + 27, i);
    secrets_.push_back(sha256(ByteSpan(input, sizeof(input))));
    std::uint8_t pub_input[19 + 32];
    std::memcpy(pub_input, "TIMECOIN/sim/pubkey", 19);
    std::memcpy(pub_input + 19, secrets_.back().data(), 32);
    pubkeys_.push_back(Pubkey::from_span(sha256(ByteSpan(pub_input, sizeof(pub_input))).span()));
    index_.emplace(pubkeys_.back(), i);
  }
}

Signature SimKeyTable::sign(std::uint32_t index, const Hash256& digest) const {
  std::uint8_t input[64];
  std::memcpy(input, secrets_[index].data(), 32);
  std::memcpy(input + 32, digest.data(), 32);
  const Hash256 mac = sha256(ByteSpan(input, sizeof(input)));
  Signature sig;
  std::memcpy(sig.data(), mac.data(), 32);
  return sig;
}

bool SimKeyTable::verify(const Pubkey& pubkey, const Hash256& digest, const Signature& sig) const {
  auto it = index_.find(pubkey);
  if (it == index_.end()) return false;
  return sign(it->second, digest) == sig;
}

void SimVerifier::verify_batch(std::span<const SignedDigest> items, std::span<std::uint8_t> valid) {
  assert(items.size() == valid.size());
  ++batches_;
  verified_ += items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    valid[i] = table_.verify(items[i].pubkey, items[i].digest, items[i].sig) ? 1 : 0;
  }
}

}  // namespace tc::consensus::sim
