#include "storage/layout.h"

#include <string>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace tc::storage {

UtxoKey encode_utxo_key(const OutPoint& outpoint) {
  UtxoKey key;
  std::memcpy(key.data(), outpoint.txid.data(), 32);
  for (int i = 0; i < 4; ++i)
    key[32 + i] = static_cast<std::uint8_t>(outpoint.vout >> (24 - 8 * i));
  return key;
}

OutPoint decode_utxo_key(ByteSpan key) {
  OutPoint outpoint;
  outpoint.txid = Hash256::from_span(key);
  outpoint.vout = 0;
  for (int i = 0; i < 4; ++i) outpoint.vout = (outpoint.vout << 8) | key[32 + i];
  return outpoint;
}

UtxoValue encode_utxo_value(const UtxoEntry& entry) {
  UtxoValue value;
  store_u64_le(value.data(), entry.output.value.satoshis());
  std::memcpy(value.data() + 8, entry.output.pubkey_hash.data(), 20);
  store_u64_le(value.data() + 28, entry.height);
  value[36] = entry.coinbase ? 1 : 0;
  store_u32_le(value.data() + kUtxoValueChecksumOffset,
               crc32c(ByteSpan(value.data(), kUtxoValueChecksumOffset)));
  return value;
}

Result<UtxoEntry> decode_utxo_value(ByteSpan value) {
  if (value.size() != kUtxoValueBytes) {
    return corruption("utxo value has " + std::to_string(value.size()) + " bytes, expected " +
                      std::to_string(kUtxoValueBytes));
  }
  const std::uint32_t stored = load_u32_le(value.data() + kUtxoValueChecksumOffset);
  const std::uint32_t computed = crc32c(value.first(kUtxoValueChecksumOffset));
  if (stored != computed) return corruption("utxo value checksum mismatch");
  if ((value[36] & ~1u) != 0) {
    return corruption("utxo value has reserved flag bits set: " + std::to_string(value[36]));
  }
  UtxoEntry entry;
  entry.output.value = Amount(load_u64_le(value.data()));
  entry.output.pubkey_hash = PubkeyHash::from_span(value.subspan(8, 20));
  entry.height = load_u64_le(value.data() + 28);
  entry.coinbase = value[36] == 1;
  return entry;
}

TxIndexValue encode_tx_index_value(const TxLocation& location) {
  TxIndexValue value;
  store_u64_le(value.data(), location.height);
  store_u32_le(value.data() + 8, location.index);
  store_u32_le(value.data() + kTxIndexValueChecksumOffset,
               crc32c(ByteSpan(value.data(), kTxIndexValueChecksumOffset)));
  return value;
}

Result<TxLocation> decode_tx_index_value(ByteSpan value) {
  if (value.size() != kTxIndexValueBytes) {
    return corruption("tx index value has " + std::to_string(value.size()) + " bytes, expected " +
                      std::to_string(kTxIndexValueBytes));
  }
  const std::uint32_t stored = load_u32_le(value.data() + kTxIndexValueChecksumOffset);
  if (stored != crc32c(value.first(kTxIndexValueChecksumOffset))) {
    return corruption("tx index value checksum mismatch");
  }
  return TxLocation{load_u64_le(value.data()), load_u32_le(value.data() + 8)};
}

HeightKey encode_height_key(std::uint64_t height) {
  HeightKey key;
  for (int i = 0; i < 8; ++i) key[i] = static_cast<std::uint8_t>(height >> (56 - 8 * i));
  return key;
}

std::uint64_t decode_height_key(ByteSpan key) {
  std::uint64_t height = 0;
  for (int i = 0; i < 8; ++i) height = (height << 8) | key[i];
  return height;
}

std::uint32_t crc32c(ByteSpan bytes) {
  std::uint32_t crc = 0xffffffffu;
  std::size_t i = 0;
#if defined(__SSE4_2__)
  std::uint64_t crc64 = crc;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    crc64 = _mm_crc32_u64(crc64, word);
  }
  crc = static_cast<std::uint32_t>(crc64);
  for (; i < bytes.size(); ++i) crc = _mm_crc32_u8(crc, bytes[i]);
#else
  for (; i < bytes.size(); ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
#endif
  return crc ^ 0xffffffffu;
}

}  // namespace tc::storage
