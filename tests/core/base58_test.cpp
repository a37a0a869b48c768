// Goal: Base58 and Base58Check match Bitcoin's encodings exactly and reject bad text with a precise
// error. Method: Bitcoin Core's published base58_encode_decode vectors (src/test/data/
// base58_encode_decode.json, every entry of the file) in both directions, a well-known Base58Check
// string (the Bitcoin genesis coinbase address), and hand-built corruptions.
// Scenarios: encode and decode of every vector; leading zero bytes <-> leading '1's; each of 0, O,
// I, l and non-ASCII bytes rejected with its position; Base58Check round trip, genesis address,
// checksum mismatch message, data shorter than the checksum; a quick self round trip of every
// length 0..64 of a fixed byte pattern.
#include "core/base58.h"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

struct Vector {
  const char* hex;
  const char* base58;
};

// Bitcoin Core src/test/data/base58_encode_decode.json (MIT licence), all 14 entries.
constexpr Vector kBitcoinCoreVectors[] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
     "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2"
     "e"
     "2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5"
     "d"
     "5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8"
     "c"
     "8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9bab"
     "b"
     "bcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9e"
     "a"
     "ebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     "1cWB5HCBdLjAuqGGReWE3R3CguuwSjw6RHn39s2yuDRTS5NsBgNiFpWgAnEx6VQi8csexkgYw3mdYrMHr8x9i7aEwP8kZ"
     "7vc"
     "cXWqKDvGv3u1GxFKPuAkn8JCPPGDMf3vMMnbzm6Nh9zh1gcNsMvH3ZNLmP5fSG6DGbbi2tuwMWPthr4boWwCxf7ewSgNQ"
     "eac"
     "yozhKDDQQ1qL5fQFUW52QKUZDZ5fw3KXNQJMcNTcaB723LchjeKun7MuGW5qyCBZYzA1KjofN1gYBV3NqyhQJ3Ns746GN"
     "uf9"
     "N2pQPmHz4xpnSrrfCvy6TVVz5d4PdrjeshsWQwpZsZGzvbdAdN8MKV5QsBDY"},
};

Bytes hex_bytes(std::string_view hex) {
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes.is_ok()) << hex;
  return bytes.is_ok() ? *bytes : Bytes{};
}

TEST(Base58Test, EncodesBitcoinCoreVectors) {
  for (const Vector& vector : kBitcoinCoreVectors) {
    const Bytes bytes = hex_bytes(vector.hex);
    EXPECT_EQ(base58_encode(ByteSpan(bytes)), vector.base58) << vector.hex;
  }
}

TEST(Base58Test, DecodesBitcoinCoreVectors) {
  for (const Vector& vector : kBitcoinCoreVectors) {
    auto decoded = base58_decode(vector.base58);
    ASSERT_TRUE(decoded.is_ok()) << vector.base58 << ": " << decoded.status().to_string();
    EXPECT_EQ(to_hex(ByteSpan(*decoded)), vector.hex);
  }
}

TEST(Base58Test, LeadingZeroBytesAreLeadingOnes) {
  const Bytes bytes = {0, 0, 0, 1};
  EXPECT_EQ(base58_encode(ByteSpan(bytes)), "1112");
  EXPECT_EQ(*base58_decode("1112"), bytes);
  EXPECT_EQ(*base58_decode("1"), Bytes{0});
  EXPECT_TRUE(base58_decode("")->empty());
}

TEST(Base58Test, RejectsCharactersOutsideTheAlphabetWithPosition) {
  EXPECT_EQ(base58_decode("0").status().message(), "invalid Base58 character '0' at position 0");
  EXPECT_EQ(base58_decode("a3gO").status().message(), "invalid Base58 character 'O' at position 3");
  EXPECT_EQ(base58_decode("11I").status().message(), "invalid Base58 character 'I' at position 2");
  EXPECT_EQ(base58_decode("2l").status().message(), "invalid Base58 character 'l' at position 1");
  EXPECT_EQ(base58_decode("2g ").status().message(), "invalid Base58 character 0x20 at position 2");
  EXPECT_EQ(base58_decode("2\xc3\xa9").status().message(),
            "invalid Base58 character 0xc3 at position 1");
  EXPECT_EQ(base58_decode("+").status().code(), StatusCode::kMalformed);
  for (char c : {'0', 'O', 'I', 'l'}) EXPECT_FALSE(is_base58_char(c));
  for (char c : kBase58Alphabet) EXPECT_TRUE(is_base58_char(c));
}

TEST(Base58Test, RoundTripsEveryLengthOfAPattern) {
  Bytes bytes;
  for (int length = 0; length <= 64; ++length) {
    auto decoded = base58_decode(base58_encode(ByteSpan(bytes)));
    ASSERT_TRUE(decoded.is_ok());
    EXPECT_EQ(*decoded, bytes) << "length " << length;
    // Zero bytes at the front and inside, and high bytes, in a fixed pattern.
    bytes.push_back(static_cast<std::uint8_t>(length < 3 ? 0 : (length * 37) & 0xff));
  }
}

TEST(Base58CheckTest, MatchesTheBitcoinGenesisAddress) {
  // Version byte 0x00 and hash160 of the genesis coinbase key give Bitcoin's best-known address.
  const Bytes payload = hex_bytes("0062e907b15cbf27d5425399ebf6f0fb50ebb88f18");
  EXPECT_EQ(base58check_encode(ByteSpan(payload)), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
  auto decoded = base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, payload);
}

TEST(Base58CheckTest, RoundTripsAndDetectsCorruption) {
  const Bytes payload = {0xde, 0xad, 0xbe, 0xef};
  const std::string text = base58check_encode(ByteSpan(payload));
  EXPECT_EQ(*base58check_decode(text), payload);
  EXPECT_TRUE(base58check_decode(base58check_encode(ByteSpan()))->empty());

  std::string corrupted = text;
  corrupted.back() = corrupted.back() == '2' ? '3' : '2';
  auto bad = base58check_decode(corrupted);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformed);
  EXPECT_TRUE(bad.status().message().starts_with("Base58Check checksum mismatch: computed "))
      << bad.status().message();
}

TEST(Base58CheckTest, ReportsExactChecksumValuesAndShortData) {
  // 0x61 0x62 0x63 0x64 0x65: payload "a" with checksum "bcde", which is not its checksum.
  const Bytes data = {0x61, 0x62, 0x63, 0x64, 0x65};
  auto bad = base58check_decode(base58_encode(ByteSpan(data)));
  ASSERT_FALSE(bad.is_ok());
  // SHA-256(SHA-256("a")) starts bf5d3aff.
  EXPECT_EQ(bad.status().message(),
            "Base58Check checksum mismatch: computed bf5d3aff, found 62636465");
  EXPECT_EQ(base58check_decode("2g").status().message(),
            "Base58Check data is 1 bytes, shorter than its 4-byte checksum");
  EXPECT_EQ(base58check_decode("0").status().message(),
            "invalid Base58 character '0' at position 0");
}

}  // namespace
}  // namespace tc
