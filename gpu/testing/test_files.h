// Reading test-data files: whole files and hex fields. Shared by the Ed25519 test suites in
// tests/gpu/ and by timecoin-gpu-check (gpu/tools/), which must build on a bare CUDA machine, so
// nothing here depends on anything outside the C++ standard library. Stateless; any thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tc::gpu::test {

// Decodes lowercase or uppercase hex into *out; returns false on odd length or a non-hex character
// (*out then holds the bytes before the bad pair).
inline bool parse_hex(std::string_view text, std::vector<std::uint8_t>* out) {
  out->clear();
  if (text.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}

// The bytes of a hex string known to be well formed (tests); malformed input gives the bytes
// before the first bad pair. Takes a std::string so JSON string values convert implicitly.
inline std::vector<std::uint8_t> hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  parse_hex(text, &out);
  return out;
}

// Lowercase hex of bytes.
inline std::string to_hex(const std::uint8_t* bytes, std::size_t count) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * count, '0');
  for (std::size_t i = 0; i < count; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

// Reads the whole file at path into *out; false when it cannot be opened or read.
inline bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return false;
  *out = buffer.str();
  return true;
}

// The whole file at path, or an empty string when it cannot be read (tests, which then fail on
// the missing content).
inline std::string read_file(const std::string& path) {
  std::string out;
  read_file(path, &out);
  return out;
}

}  // namespace tc::gpu::test
