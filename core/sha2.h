// SHA-256 and SHA-512 (FIPS 180-4): a single-message API, an incremental API, and a multi-buffer
// API that hashes many independent messages at once.
//
// The single and incremental APIs serve the codec (txid, sighash, block hash) and tools. The
// multi-buffer API serves hot paths that hash a burst of independent messages (wire hashes of a
// burst of datagrams, leaves of a Merkle tree): it is backed by intel-ipsec-mb's multi-buffer
// managers where the library is present and the CPU supports them, otherwise by the portable code.
// Every backend gives the same digests; tests/core/sha2_test.cpp checks all of them against the
// NIST CAVP files. All functions are thread-safe and allocate nothing per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"

namespace tc {

Hash256 sha256(ByteSpan message);
Hash512 sha512(ByteSpan message);

// Incremental hashing of a message given in pieces (the txid over a transaction's non-signature
// fields). Plain value types; not shared between threads.
class Sha256 {
 public:
  Sha256();
  Sha256& update(ByteSpan bytes);
  Hash256 finish();  // the object must not be updated afterwards

 private:
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
};

class Sha512 {
 public:
  Sha512();
  Sha512& update(ByteSpan bytes);
  Hash512 finish();

 private:
  std::uint64_t state_[8];
  std::uint8_t buffer_[128];
  std::size_t buffered_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
};

enum class Sha2Backend : std::uint8_t {
  kPortable,  // one message at a time, portable C++
  kIpsecMb,   // intel-ipsec-mb multi-buffer manager (SSE / AVX2 / AVX-512 lanes)
};
std::string_view sha2_backend_name(Sha2Backend backend);

// The backend that sha256_many / sha512_many use on this machine: kIpsecMb when the library was
// found at build time and its manager initialises on this CPU, else kPortable. Decided once.
Sha2Backend sha2_multi_buffer_backend();

// Hashes messages[i] into digests[i] for every i. REQUIRES: digests.size() == messages.size().
// Messages may differ in length and may be empty. Output order equals input order. Any thread may
// call these; the ipsec-mb backend keeps one manager per calling thread (about 200 KiB, allocated
// on the thread's first call and freed at thread exit) and drains it before returning. Messages
// longer than the library's 65535-byte job limit are hashed by the portable code in their slot.
void sha256_many(std::span<const ByteSpan> messages, std::span<Hash256> digests);
void sha512_many(std::span<const ByteSpan> messages, std::span<Hash512> digests);

// The same with an explicit backend, for tests and benchmarks; falls back to kPortable when the
// requested backend is unavailable (sha2_multi_buffer_backend() says which one is).
void sha256_many(Sha2Backend backend, std::span<const ByteSpan> messages,
                 std::span<Hash256> digests);
void sha512_many(Sha2Backend backend, std::span<const ByteSpan> messages,
                 std::span<Hash512> digests);

}  // namespace tc
