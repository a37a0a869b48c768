// Goal: hex conversion, fixed byte strings and little-endian helpers behave exactly as the protocol
// page says. Method: known values and boundary cases.
// Scenarios: hex round trip, upper-case input, odd length, non-hex character with its position,
// wrong fixed length; LE load/store of extreme values; FixedBytes ordering and zero test.
#include "core/bytes.h"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(HexTest, RoundTripsAndAcceptsEitherCase) {
  const Bytes bytes = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(ByteSpan(bytes)), "0001abff");
  auto decoded = from_hex("0001ABff");
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, bytes);
  EXPECT_TRUE(from_hex("")->empty());
}

TEST(HexTest, RejectsOddLengthAndNonHexWithPosition) {
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.is_ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kMalformed);
  EXPECT_EQ(odd.status().message(), "hex string has odd length 3");
  auto bad = from_hex("00zz");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "non-hex character at position 2");
  EXPECT_EQ(from_hex("0g").status().message(), "non-hex character at position 1");
}

TEST(HexTest, FixedFromHexChecksLength) {
  auto short_hash = fixed_from_hex<32>("00");
  ASSERT_FALSE(short_hash.is_ok());
  EXPECT_EQ(short_hash.status().message(), "expected 64 hex characters, got 2");
  auto hash = fixed_from_hex<4>("deadbeef");
  ASSERT_TRUE(hash.is_ok());
  EXPECT_EQ(hash->bytes[0], 0xde);
  EXPECT_EQ(to_hex(*hash), "deadbeef");
}

TEST(LittleEndianTest, StoresAndLoadsExtremes) {
  std::uint8_t buffer[8];
  store_u64_le(buffer, 0x0102030405060708ull);
  EXPECT_EQ(buffer[0], 0x08);
  EXPECT_EQ(buffer[7], 0x01);
  EXPECT_EQ(load_u64_le(buffer), 0x0102030405060708ull);
  store_u64_le(buffer, ~0ull);
  EXPECT_EQ(load_u64_le(buffer), ~0ull);
  store_u32_le(buffer, 0x80000001u);
  EXPECT_EQ(load_u32_le(buffer), 0x80000001u);
  EXPECT_EQ(buffer[3], 0x80);
  store_u16_le(buffer, 0xfffe);
  EXPECT_EQ(load_u16_le(buffer), 0xfffe);
  EXPECT_EQ(buffer[0], 0xfe);
}

TEST(FixedBytesTest, ZeroTestAndOrdering) {
  Hash256 zero;
  EXPECT_TRUE(zero.is_zero());
  Hash256 one = zero;
  one.bytes[31] = 1;
  EXPECT_FALSE(one.is_zero());
  EXPECT_LT(zero, one);
  Hash256 high = zero;
  high.bytes[0] = 1;
  EXPECT_LT(one, high);  // lexicographic from the first byte
}

}  // namespace
}  // namespace tc
