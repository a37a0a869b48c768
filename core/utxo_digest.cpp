// UTXO set digest v1. The per-element path is: encode the element beside its tag on the stack,
// SHA-256 it into the key, run the 32 ChaCha20 blocks side by side (chacha20_sliced_blocks) and
// add (or subtract) the keystream words to the lanes. The state keeps the sliced ChaCha20's
// word-major order, so no transpose runs per element; serialize() and parse() map between that
// order and lane order.

#include "core/utxo_digest.h"

#include <bit>
#include <cstring>
#include <span>
#include <string>

#include "core/chacha20.h"
#include "core/sha2.h"

namespace tc {
namespace {

static_assert(kChaCha20SlicedBlocks * kChaCha20BlockBytes == UtxoSetDigest::kStateBytes);

// Index in the word-sliced state of lane `lane`: lane 2 * (16 * block + word) + half sits at
// 2 * (32 * word + block) + half, where chacha20_sliced_blocks leaves that keystream word.
constexpr std::size_t sliced_index(std::size_t lane) {
  const std::size_t half = lane % 2;
  const std::size_t word = (lane / 2) % kChaCha20BlockWords;
  const std::size_t block = lane / (2 * kChaCha20BlockWords);
  return 2 * (kChaCha20SlicedBlocks * word + block) + half;
}

// The hot inner loops: lanes[i] += / -= values[i] mod 2^16, vectorised to paddw / psubw.
void add_lanes(std::span<std::uint16_t> lanes, std::span<const std::uint16_t> values) {
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    lanes[i] = static_cast<std::uint16_t>(lanes[i] + values[i]);
  }
}
void subtract_lanes(std::span<std::uint16_t> lanes, std::span<const std::uint16_t> values) {
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    lanes[i] = static_cast<std::uint16_t>(lanes[i] - values[i]);
  }
}

enum class Sign { kAdd, kSubtract };

// Adds or subtracts the expansion of `key` to the word-sliced `lanes`.
void combine_expansion(std::span<std::uint16_t, UtxoSetDigest::kLanes> lanes, const Hash256& key,
                       Sign sign) {
  ChaCha20SlicedBlocks sliced;
  chacha20_sliced_blocks(ChaCha20Key{key.bytes}, 0, ChaCha20Nonce{}, sliced);
  // Each keystream word as two lanes, its low half first.
  alignas(64) std::uint16_t values[UtxoSetDigest::kLanes];
  static_assert(sizeof(sliced.words) == sizeof(values));
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(values, sliced.words, sizeof(values));
  } else {
    const std::uint32_t* words = &sliced.words[0][0];
    for (std::size_t i = 0; i < UtxoSetDigest::kLanes / 2; ++i) {
      values[2 * i] = static_cast<std::uint16_t>(words[i]);
      values[2 * i + 1] = static_cast<std::uint16_t>(words[i] >> 16);
    }
  }
  if (sign == Sign::kAdd) {
    add_lanes(lanes, values);
  } else {
    subtract_lanes(lanes, values);
  }
}

}  // namespace

void encode_utxo_element(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                         bool coinbase, std::uint8_t* out) {
  std::memcpy(out, outpoint.txid.data(), 32);
  store_u32_le(out + 32, outpoint.vout);
  store_u64_le(out + 36, output.value.satoshis());
  std::memcpy(out + 44, output.pubkey_hash.data(), 20);
  store_u64_le(out + 64, height);
  out[72] = coinbase ? 1 : 0;
}

Hash256 utxo_element_key(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                         bool coinbase) {
  std::uint8_t preimage[kUtxoElementTag.size() + kUtxoElementBytes];
  std::memcpy(preimage, kUtxoElementTag.data(), kUtxoElementTag.size());
  encode_utxo_element(outpoint, output, height, coinbase, preimage + kUtxoElementTag.size());
  return sha256(ByteSpan(preimage, sizeof(preimage)));
}

void UtxoSetDigest::add(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                        bool coinbase) {
  combine_expansion(lanes_, utxo_element_key(outpoint, output, height, coinbase), Sign::kAdd);
}

void UtxoSetDigest::remove(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                           bool coinbase) {
  combine_expansion(lanes_, utxo_element_key(outpoint, output, height, coinbase), Sign::kSubtract);
}

void UtxoSetDigest::add(const UtxoSetDigest& other) {
  add_lanes(lanes_, other.lanes_);
}

void UtxoSetDigest::subtract(const UtxoSetDigest& other) {
  subtract_lanes(lanes_, other.lanes_);
}

Hash256 UtxoSetDigest::digest() const {
  std::uint8_t state[kStateBytes];
  serialize(state);
  Sha256 hasher;
  hasher.update(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(kUtxoSetTag.data()), kUtxoSetTag.size()));
  hasher.update(ByteSpan(state, kStateBytes));
  return hasher.finish();
}

void UtxoSetDigest::serialize(std::uint8_t* out) const {
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    store_u16_le(out + 2 * lane, lanes_[sliced_index(lane)]);
  }
}

Result<UtxoSetDigest> UtxoSetDigest::parse(ByteSpan bytes) {
  if (bytes.size() != kStateBytes) {
    return malformed("utxo set digest state: expected " + std::to_string(kStateBytes) +
                     " bytes, got " + std::to_string(bytes.size()));
  }
  UtxoSetDigest state;
  for (std::size_t lane = 0; lane < kLanes; ++lane) {
    state.lanes_[sliced_index(lane)] = load_u16_le(bytes.data() + 2 * lane);
  }
  return state;
}

}  // namespace tc
