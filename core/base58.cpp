#include "core/base58.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/sha2.h"

namespace tc {
namespace {

// Digit value of each ASCII character, -1 outside the alphabet.
constexpr std::array<std::int8_t, 128> make_digit_table() {
  std::array<std::int8_t, 128> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < kBase58Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase58Alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr std::array<std::int8_t, 128> kDigitTable = make_digit_table();

int digit_value(char c) {
  const auto code = static_cast<unsigned char>(c);
  return code < kDigitTable.size() ? kDigitTable[code] : -1;
}

std::array<std::uint8_t, kBase58CheckChecksumBytes> checksum(ByteSpan payload) {
  const Hash256 once = sha256(payload);
  const Hash256 twice = sha256(once.span());
  std::array<std::uint8_t, kBase58CheckChecksumBytes> result;
  std::memcpy(result.data(), twice.data(), result.size());
  return result;
}

}  // namespace

bool is_base58_char(char c) {
  return digit_value(c) >= 0;
}

Status invalid_base58_char_error(char c, std::size_t position) {
  const auto code = static_cast<unsigned char>(c);
  std::string shown;
  if (code >= 0x21 && code < 0x7f) {
    shown = std::string("'") + c + "'";
  } else {
    shown = "0x" + to_hex(ByteSpan(&code, 1));
  }
  return malformed("invalid Base58 character " + shown + " at position " +
                   std::to_string(position));
}

std::string base58_encode(ByteSpan bytes) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // log(256) / log(58) < 1.38: enough base-58 digits for the rest of the number.
  std::vector<std::uint8_t> digits((bytes.size() - zeros) * 138 / 100 + 1, 0);
  std::size_t used = 0;  // digits in use, counted from the least significant end
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    std::uint32_t carry = bytes[i];
    std::size_t j = 0;
    for (auto it = digits.rbegin(); (carry != 0 || j < used) && it != digits.rend(); ++it, ++j) {
      carry += 256u * *it;
      *it = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    used = j;
  }
  std::string text(zeros, '1');
  for (std::size_t i = digits.size() - used; i < digits.size(); ++i) {
    text.push_back(kBase58Alphabet[digits[i]]);
  }
  return text;
}

Result<Bytes> base58_decode(std::string_view text) {
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  // log(58) / log(256) < 0.733: enough bytes for the rest of the number.
  Bytes bytes((text.size() - ones) * 733 / 1000 + 1, 0);
  std::size_t used = 0;  // bytes in use, counted from the least significant end
  for (std::size_t i = ones; i < text.size(); ++i) {
    const int digit = digit_value(text[i]);
    if (digit < 0) return invalid_base58_char_error(text[i], i);
    std::uint32_t carry = static_cast<std::uint32_t>(digit);
    std::size_t j = 0;
    for (auto it = bytes.rbegin(); (carry != 0 || j < used) && it != bytes.rend(); ++it, ++j) {
      carry += 58u * *it;
      *it = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = j;
  }
  Bytes result(ones, 0);
  result.insert(result.end(), bytes.end() - static_cast<std::ptrdiff_t>(used), bytes.end());
  return result;
}

std::string base58check_encode(ByteSpan payload) {
  Bytes data(payload.begin(), payload.end());
  const auto sum = checksum(payload);
  data.insert(data.end(), sum.begin(), sum.end());
  return base58_encode(ByteSpan(data));
}

Result<Bytes> base58check_decode(std::string_view text) {
  TC_ASSIGN_OR_RETURN(Bytes data, base58_decode(text));
  if (data.size() < kBase58CheckChecksumBytes) {
    return malformed("Base58Check data is " + std::to_string(data.size()) +
                     " bytes, shorter than its 4-byte checksum");
  }
  const std::size_t payload_bytes = data.size() - kBase58CheckChecksumBytes;
  const ByteSpan payload(data.data(), payload_bytes);
  const ByteSpan found(data.data() + payload_bytes, kBase58CheckChecksumBytes);
  const auto computed = checksum(payload);
  if (!std::equal(computed.begin(), computed.end(), found.begin())) {
    return malformed("Base58Check checksum mismatch: computed " + to_hex(ByteSpan(computed)) +
                     ", found " + to_hex(found));
  }
  data.resize(payload_bytes);
  return data;
}

}  // namespace tc
