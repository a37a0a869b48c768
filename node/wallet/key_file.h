// The wallet key file: one Ed25519 seed in a small JSON document, written with 0600 permissions.
//
//   {
//     "format": "timecoin-ed25519-seed-v1",
//     "seed": "<64 lower-case hex: the RFC 8032 32-byte private key>",
//     "pubkey": "<64 lower-case hex: its public key, a check against a damaged or mistyped seed>"
//   }
//
// The timecoin-wallet tool reads and writes it; a node may load a key from it the same way. Reading
// accepts any JSON whitespace and key order and ignores unknown keys, but the three fields above
// must be present and agree. Buffers this code holds the seed in are wiped after use (the seed
// still passes through the kernel and the file system). Any thread; no shared state.
#pragma once

#include <string>
#include <string_view>

#include "core/keys.h"
#include "core/status.h"

namespace tc::wallet {

inline constexpr std::string_view kKeyFileFormat = "timecoin-ed25519-seed-v1";
// A key file is about 200 bytes; anything much larger is not one.
inline constexpr std::size_t kKeyFileBytesMax = 4096;

// The document above for `key`, ending in a newline. The caller should secure_zero() it after use.
std::string key_file_text(const KeyPair& key);

// Parses a key file's contents. Errors, all kMalformed: "not a JSON object", "missing string field
// \"seed\"", "format is \"x\", expected \"timecoin-ed25519-seed-v1\"", "seed: expected 64 hex
// characters, got 3" (or a non-hex character), "pubkey 1234... does not match the seed's pubkey
// d75a...".
Result<KeyPair> parse_key_file(std::string_view text);

// Creates `path` with mode 0600 (less if the umask says so) and writes key_file_text(key) to it,
// synced. Never overwrites: an existing path is kAlreadyExists. Other failures are kIoError with
// the system's reason. Every message starts "key file <path>: ".
Status write_key_file(const std::string& path, const KeyPair& key);

// Reads and parses `path`. Errors: kIoError (cannot open or read, with the system's reason),
// kMalformed (over kKeyFileBytesMax, or as parse_key_file). Every message starts
// "key file <path>: ".
Result<KeyPair> read_key_file(const std::string& path);

}  // namespace tc::wallet
