#include "dataplane/loadgen/tx_generator.h"

#include <cassert>
#include <cstring>

#include "core/codec.h"
#include "core/hashing.h"
#include "core/sha2.h"

namespace tc::dataplane {

TxGenerator::TxGenerator(const TxGeneratorConfig& config)
    : config_(config),
      sequence_(config.first_sequence),
      random_state_(config.seed * 0x9e3779b97f4a7c15ull + 1) {
  assert(config.key_count >= 1 && config.outputs >= 1);
  assert(config.malformed_per_mille + config.duplicate_per_mille + config.bad_signature_per_mille <=
         1000);
  keys_.reserve(config.key_count);
  for (std::uint32_t i = 0; i < config.key_count; ++i) {
    static constexpr char kTag[] = "TIMECOIN/loadgen/key";
    std::uint8_t preimage[sizeof(kTag) - 1 + 12];
    std::memcpy(preimage, kTag, sizeof(kTag) - 1);
    store_u64_le(preimage + sizeof(kTag) - 1, config.seed);
    store_u32_le(preimage + sizeof(kTag) - 1 + 8, i);
    keys_.push_back(KeyPair::from_seed(sha256(ByteSpan(preimage, sizeof(preimage)))));
  }
}

std::vector<TxOutput> TxGenerator::funding_outputs(std::uint32_t count) const {
  std::vector<TxOutput> outputs;
  outputs.reserve(count);
  for (std::uint32_t n = 0; n < count; ++n) {
    outputs.push_back(
        TxOutput{Amount(config_.funding_value_sat), pubkey_hash(keys_[n % keys_.size()].pubkey())});
  }
  return outputs;
}

Bytes TxGenerator::transfer(std::uint64_t sequence) const {
  const KeyPair& key = keys_[sequence % keys_.size()];
  const KeyPair& payee = keys_[(sequence + 1) % keys_.size()];
  Transaction tx;
  tx.kind = TxKind::kTransfer;
  tx.chain_id = config_.chain_id;
  TxInput input;
  input.prev = OutPoint{config_.funding_txid, static_cast<std::uint32_t>(sequence)};
  tx.inputs.push_back(input);
  const std::uint64_t spend = config_.funding_value_sat - config_.fee_sat;
  const PubkeyHash payee_hash = pubkey_hash(payee.pubkey());
  for (std::uint32_t o = 0; o < config_.outputs; ++o) {
    const std::uint64_t share = spend / config_.outputs + (o == 0 ? spend % config_.outputs : 0);
    tx.outputs.push_back(TxOutput{Amount(share), payee_hash});
  }
  sign_transaction(key, &tx);
  Bytes bytes;
  encode(tx, &bytes);
  return bytes;
}

std::uint32_t TxGenerator::roll() {
  // xorshift64*: deterministic, and good enough to mix the shares.
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  return static_cast<std::uint32_t>(((random_state_ * 0x2545f4914f6cdd1dull) >> 32) % 1000);
}

GeneratedKind TxGenerator::next(Bytes* out) {
  const std::uint32_t r = roll();
  std::uint32_t bound = config_.malformed_per_mille;
  GeneratedKind kind = GeneratedKind::kValid;
  if (r < bound) {
    kind = GeneratedKind::kMalformed;
  } else if (r < (bound += config_.duplicate_per_mille)) {
    kind = last_valid_.empty() ? GeneratedKind::kValid : GeneratedKind::kDuplicate;
  } else if (r < bound + config_.bad_signature_per_mille) {
    kind = GeneratedKind::kBadSignature;
  }
  if (kind == GeneratedKind::kDuplicate) {
    *out = last_valid_;
    return kind;
  }
  *out = transfer(sequence_++);
  switch (kind) {
    case GeneratedKind::kValid:
      last_valid_ = *out;
      break;
    case GeneratedKind::kMalformed:
      switch (malformed_variant_++ % 3) {
        case 0:
          out->resize(out->size() / 2);  // truncated
          break;
        case 1:
          store_u16_le(out->data(), 0x7777);  // unknown version
          break;
        default:
          out->push_back(0);  // trailing byte
          break;
      }
      break;
    case GeneratedKind::kBadSignature:
      (*out)[kTransactionHeaderBytes + kInputSigOffset + 40] ^= 0x01;  // a bit of S
      break;
    case GeneratedKind::kDuplicate:
      break;
  }
  return kind;
}

}  // namespace tc::dataplane
