// Goal: the chain store's byte layouts are exactly those of docs/formats/storage.md.
// Method: encode known values and compare bytes; decode damaged values.
// Scenarios:
//   - CRC32C of "123456789" is 0xe3069283 (the check value of RFC 3720 / the CRC catalogue);
//   - UTXO keys sort by (txid, vout) numerically: vout is big-endian;
//   - a UTXO value round-trips and its bytes are at the documented offsets;
//   - a wrong size, a flipped bit, or a reserved flag bit is kCorruption;
//   - height keys sort numerically and round-trip;
//   - a tx index value round-trips at the documented offsets; a wrong size or a flipped bit is
//     kCorruption.
#include "storage/layout.h"

#include <gtest/gtest.h>

#include <string_view>

namespace tc::storage {
namespace {

TEST(Layout, Crc32cCheckValue) {
  constexpr std::string_view kCheck = "123456789";
  EXPECT_EQ(crc32c(ByteSpan(reinterpret_cast<const std::uint8_t*>(kCheck.data()), kCheck.size())),
            0xe3069283u);
  EXPECT_EQ(crc32c(ByteSpan()), 0u);
}

TEST(Layout, UtxoKeysSortByTxidThenVout) {
  OutPoint low{Hash256{}, 255};
  OutPoint high{Hash256{}, 256};
  EXPECT_LT(encode_utxo_key(low), encode_utxo_key(high));
  OutPoint other = low;
  other.txid.bytes[0] = 1;
  other.vout = 0;
  EXPECT_LT(encode_utxo_key(high), encode_utxo_key(other));
  const UtxoKey key = encode_utxo_key(high);
  EXPECT_EQ(key[34], 0x01);
  EXPECT_EQ(key[35], 0x00);
  EXPECT_EQ(decode_utxo_key(key), high);
}

TEST(Layout, UtxoValueRoundTripsAtDocumentedOffsets) {
  UtxoEntry entry;
  entry.output.value = Amount(0x0102030405060708ull);
  entry.output.pubkey_hash.bytes.fill(0xab);
  entry.height = 812;
  entry.coinbase = true;
  const UtxoValue value = encode_utxo_value(entry);
  EXPECT_EQ(value[0], 0x08);
  EXPECT_EQ(value[8], 0xab);
  EXPECT_EQ(load_u64_le(value.data() + 28), 812u);
  EXPECT_EQ(value[36], 1);
  EXPECT_EQ(load_u32_le(value.data() + kUtxoValueChecksumOffset),
            crc32c(ByteSpan(value.data(), kUtxoValueChecksumOffset)));
  auto decoded = decode_utxo_value(value);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, entry);
}

TEST(Layout, DamagedUtxoValuesAreCorruption) {
  const UtxoValue value = encode_utxo_value(UtxoEntry{});
  EXPECT_EQ(decode_utxo_value(ByteSpan(value.data(), 40)).status().code(), StatusCode::kCorruption);
  UtxoValue flipped = value;
  flipped[3] ^= 0x10;
  auto bad = decode_utxo_value(flipped);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("checksum"), std::string_view::npos);
  UtxoValue reserved = value;
  reserved[36] = 0x02;
  store_u32_le(reserved.data() + kUtxoValueChecksumOffset,
               crc32c(ByteSpan(reserved.data(), kUtxoValueChecksumOffset)));
  EXPECT_EQ(decode_utxo_value(reserved).status().code(), StatusCode::kCorruption);
}

TEST(Layout, HeightKeysSortNumerically) {
  EXPECT_LT(encode_height_key(255), encode_height_key(256));
  EXPECT_LT(encode_height_key(1), encode_height_key(1ull << 40));
  EXPECT_EQ(decode_height_key(encode_height_key(0x0102030405060708ull)), 0x0102030405060708ull);
}

TEST(Layout, TxIndexValueRoundTripsAndChecksItsCrc) {
  const TxLocation location{0x0102030405060708ull, 0x0a0b0c0du};
  const TxIndexValue value = encode_tx_index_value(location);
  EXPECT_EQ(value[0], 0x08);
  EXPECT_EQ(value[7], 0x01);
  EXPECT_EQ(load_u32_le(value.data() + 8), 0x0a0b0c0du);
  EXPECT_EQ(load_u32_le(value.data() + kTxIndexValueChecksumOffset),
            crc32c(ByteSpan(value.data(), kTxIndexValueChecksumOffset)));
  auto decoded = decode_tx_index_value(value);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, location);
  EXPECT_EQ(decode_tx_index_value(ByteSpan(value.data(), 12)).status().code(),
            StatusCode::kCorruption);
  TxIndexValue flipped = value;
  flipped[9] ^= 0x04;
  auto bad = decode_tx_index_value(flipped);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("checksum"), std::string_view::npos);
}

}  // namespace
}  // namespace tc::storage
