// Base58 (the Bitcoin alphabet) and Base58Check (payload ‖ first 4 bytes of
// SHA-256(SHA-256(payload))) text encodings of byte strings.
//
// Addresses (core/address.h) are their only protocol use; tools and tests use them for display and
// parsing, never the hot path (both directions are quadratic in the length). Decoding is strict: no
// whitespace, no other alphabet. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

namespace tc {

// "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz": no 0, O, I or l.
inline constexpr std::string_view kBase58Alphabet =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Bytes of the Base58Check checksum appended to the payload.
inline constexpr std::size_t kBase58CheckChecksumBytes = 4;

// True when `c` is one of the 58 characters of kBase58Alphabet.
bool is_base58_char(char c);

// The kMalformed Status for a character outside the alphabet: "invalid Base58 character 'O' at
// position 7" (a character that does not print is shown as its code, 0x0a). Shared with parsers of
// text that embeds Base58 (addresses) so positions can count from the start of the whole text.
Status invalid_base58_char_error(char c, std::size_t position);

// Encodes `bytes` as a big-endian base-58 number; each leading zero byte becomes one leading '1'.
// The empty span encodes to "".
std::string base58_encode(ByteSpan bytes);

// Decodes text made by base58_encode (each leading '1' becomes a zero byte). Error: the first
// character outside the alphabet, as invalid_base58_char_error() with its position in `text`.
Result<Bytes> base58_decode(std::string_view text);

// base58_encode(payload ‖ checksum(payload)).
std::string base58check_encode(ByteSpan payload);

// Decodes Base58Check text and returns the payload without its checksum. Errors, all kMalformed:
// an invalid character (as base58_decode), fewer than 4 decoded bytes ("Base58Check data is 3
// bytes, shorter than its 4-byte checksum"), and a checksum that does not match ("Base58Check
// checksum mismatch: computed 1a2b3c4d, found 00112233"). Does not check the payload length.
Result<Bytes> base58check_decode(std::string_view text);

}  // namespace tc
