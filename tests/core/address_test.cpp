// Goal: addresses encode and decode exactly as docs/protocol.md says, and every malformed or
// corrupted address is rejected with an error that names the problem. Method: fixed vectors
// computed independently (Python hashlib and a textbook Base58 over the protocol page's
// definition), plus exhaustive single-character corruption of one address. Scenarios: vector for
// the RFC 8032 TEST 1 pubkey on mainnet and testnet/devnet; the all-zero hash; round trip of
// several hashes on every network; each distinct error (prefix, missing digit, unknown digit,
// Base58 character with its position, too long, checksum, payload length); every single-character
// substitution of an address is caught by the alphabet or the checksum; a '1'<->'0' digit flip
// lands in the other family and decode_address_for rejects it; the network families.
#include "core/address.h"

#include <gtest/gtest.h>

#include <string>

#include "core/base58.h"
#include "core/types.h"

namespace tc {
namespace {

// pubkey_hash = SHA-256(d75a9801...511a)[0:20], where d75a9801... is the RFC 8032 TEST 1 pubkey.
constexpr std::string_view kTest1PubkeyHash = "21fe31dfa154a261626bf854046fd2271b7bed4b";
constexpr std::string_view kTest1Mainnet = "TIME146jp6a3cnphZZ4orZEBvg3GhVkwobjy2g";
constexpr std::string_view kTest1Test = "TIME046jp6a3cnphZZ4orZEBvg3GhVkwobjy2g";

PubkeyHash test1_hash() {
  return *fixed_from_hex<20>(kTest1PubkeyHash);
}

std::string decode_error(std::string_view text) {
  auto decoded = decode_address(text);
  EXPECT_FALSE(decoded.is_ok()) << text;
  return decoded.is_ok() ? std::string() : std::string(decoded.status().message());
}

TEST(AddressTest, EncodesKnownVectors) {
  EXPECT_EQ(encode_address(Network::kMainnet, test1_hash()), kTest1Mainnet);
  EXPECT_EQ(encode_address(Network::kTestnet, test1_hash()), kTest1Test);
  EXPECT_EQ(encode_address(Network::kDevnet, test1_hash()), kTest1Test);
  EXPECT_EQ(encode_address(Network::kMainnet, PubkeyHash{}), "TIME1111111111111111111117K4nzc");
}

TEST(AddressTest, DecodesKnownVectors) {
  auto mainnet = decode_address(kTest1Mainnet);
  ASSERT_TRUE(mainnet.is_ok()) << mainnet.status().to_string();
  EXPECT_EQ(mainnet->family, AddressFamily::kMainnet);
  EXPECT_EQ(mainnet->pubkey_hash, test1_hash());
  auto test = decode_address(kTest1Test);
  ASSERT_TRUE(test.is_ok());
  EXPECT_EQ(test->family, AddressFamily::kTest);
  EXPECT_EQ(test->pubkey_hash, test1_hash());
  auto zero = decode_address("TIME1111111111111111111117K4nzc");
  ASSERT_TRUE(zero.is_ok());
  EXPECT_TRUE(zero->pubkey_hash.is_zero());
}

TEST(AddressTest, RoundTripsOnEveryNetwork) {
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    for (int pattern = 0; pattern < 8; ++pattern) {
      PubkeyHash hash;
      for (std::size_t i = 0; i < hash.size(); ++i) {
        // Leading zero bytes for low patterns, 0xff runs for high ones.
        hash.bytes[i] = static_cast<std::uint8_t>(
            i < static_cast<std::size_t>(pattern) ? (pattern < 4 ? 0x00 : 0xff) : i * 29 + pattern);
      }
      const std::string text = encode_address(network, hash);
      EXPECT_LE(text.size(), kAddressHeadChars + kAddressBase58CharsMax);
      auto decoded = decode_address_for(network, text);
      ASSERT_TRUE(decoded.is_ok()) << text << ": " << decoded.status().to_string();
      EXPECT_EQ(*decoded, hash);
    }
  }
}

TEST(AddressTest, EachProblemHasItsOwnError) {
  EXPECT_EQ(decode_error(""), "address does not start with \"TIME\"");
  EXPECT_EQ(decode_error("time146jp6a3cnphZZ4orZEBvg3GhVkwobjy2g"),
            "address does not start with \"TIME\"");
  EXPECT_EQ(decode_error("TIME"), "address has no network digit after \"TIME\"");
  EXPECT_EQ(decode_error("TIME246jp6a3cnphZZ4orZEBvg3GhVkwobjy2g"),
            "unknown network digit '2' at position 4 (expected '1' mainnet or '0' testnet/devnet)");
  EXPECT_EQ(
      decode_error("TIME\n46jp"),
      "unknown network digit 0x0a at position 4 (expected '1' mainnet or '0' testnet/devnet)");
  EXPECT_EQ(decode_error("TIME146jp6a3cnOhZZ4orZEBvg3GhVkwobjy2g"),
            "invalid Base58 character 'O' at position 14");
  EXPECT_EQ(decode_error("TIME10"), "invalid Base58 character '0' at position 5");
  EXPECT_EQ(decode_error(std::string(kTest1Mainnet) + " "),
            "invalid Base58 character 0x20 at position 38");
  EXPECT_EQ(decode_error("TIME1" + std::string(34, '2')),
            "address Base58 part is 34 characters, longer than 33");
  EXPECT_EQ(decode_error("TIME1"),
            "address: Base58Check data is 0 bytes, shorter than its 4-byte checksum");
  const std::string swapped = "TIME146jp6a3cnphZZ4orZEBvg3GhVkwobjyg2";
  EXPECT_TRUE(
      decode_error(swapped).starts_with("address: Base58Check checksum mismatch: computed "))
      << decode_error(swapped);

  const Bytes long_payload(21, 0x00);  // zeros keep the text within 33 characters
  EXPECT_EQ(decode_error("TIME1" + base58check_encode(ByteSpan(long_payload))),
            "address payload is 21 bytes, expected a 20-byte pubkey hash");
  const Bytes short_payload(19, 0x42);
  EXPECT_EQ(decode_error("TIME0" + base58check_encode(ByteSpan(short_payload))),
            "address payload is 19 bytes, expected a 20-byte pubkey hash");
  EXPECT_EQ(decode_address("TIME").status().code(), StatusCode::kMalformed);
}

TEST(AddressTest, EverySingleCharacterSubstitutionIsDetected) {
  const std::string original(kTest1Mainnet);
  int checked = 0;
  for (std::size_t position = 0; position < original.size(); ++position) {
    for (int code = 0x20; code < 0x7f; ++code) {
      const char c = static_cast<char>(code);
      if (c == original[position]) continue;
      std::string corrupted = original;
      corrupted[position] = c;
      auto decoded = decode_address(corrupted);
      if (position == kAddressPrefix.size() && c == '0') {
        // The digit is outside the checksum: the flip is a valid address of the other family.
        ASSERT_TRUE(decoded.is_ok());
        EXPECT_EQ(decoded->family, AddressFamily::kTest);
        continue;
      }
      ASSERT_FALSE(decoded.is_ok()) << corrupted;
      EXPECT_EQ(decoded.status().code(), StatusCode::kMalformed);
      const std::string_view message = decoded.status().message();
      if (position < kAddressPrefix.size()) {
        EXPECT_EQ(message, "address does not start with \"TIME\"");
      } else if (position == kAddressPrefix.size()) {
        EXPECT_TRUE(message.starts_with("unknown network digit")) << message;
      } else if (!is_base58_char(c)) {
        EXPECT_TRUE(message.ends_with("at position " + std::to_string(position))) << message;
      } else {
        // A substituted Base58 digit changes the decoded number; the checksum catches it, or the
        // change of a leading '1' changes the byte count.
        EXPECT_TRUE(message.starts_with("address: Base58Check checksum mismatch") ||
                    message.starts_with("address payload is"))
            << corrupted << ": " << message;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(original.size()) * 94 - 1);
}

TEST(AddressTest, FamilyMismatchIsRejectedByDecodeAddressFor) {
  auto wrong = decode_address_for(Network::kMainnet, kTest1Test);
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message(), "address is for testnet/devnet, not mainnet");
  EXPECT_EQ(decode_address_for(Network::kDevnet, kTest1Mainnet).status().message(),
            "address is for mainnet, not devnet");
  EXPECT_TRUE(decode_address_for(Network::kDevnet, kTest1Test).is_ok());
  EXPECT_TRUE(decode_address_for(Network::kTestnet, kTest1Test).is_ok());
}

TEST(AddressTest, TestnetAndDevnetShareAFamily) {
  EXPECT_EQ(address_family(Network::kMainnet), AddressFamily::kMainnet);
  EXPECT_EQ(address_family(Network::kTestnet), AddressFamily::kTest);
  EXPECT_EQ(address_family(Network::kDevnet), AddressFamily::kTest);
}

}  // namespace
}  // namespace tc
