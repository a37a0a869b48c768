// Portable SHA-256 / SHA-512 (FIPS 180-4) and the multi-buffer dispatch, which hands bursts to
// intel-ipsec-mb's job API when the build found the library (TC_HAVE_IPSEC_MB). The compression
// functions keep a rolling 16-word message schedule and run sixteen rounds per loop iteration with
// the working variables renamed instead of shifted, which lets the compiler keep all of them in
// registers.

#include "core/sha2.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

#if TC_HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>
#endif

namespace tc {
namespace {

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
constexpr std::uint32_t kSha256RoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the first 80
// primes.
constexpr std::uint64_t kSha512RoundConstants[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

// FIPS 180-4 §5.3.3 and §5.3.5: initial hash values.
constexpr std::uint32_t kSha256Initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
constexpr std::uint64_t kSha512Initial[8] = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};

constexpr std::size_t kSha256BlockBytes = 64;
constexpr std::size_t kSha512BlockBytes = 128;

std::uint32_t load_u32_be(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | static_cast<std::uint32_t>(p[3]);
}
std::uint64_t load_u64_be(const std::uint8_t* p) {
  return (static_cast<std::uint64_t>(load_u32_be(p)) << 32) | load_u32_be(p + 4);
}
void store_u32_be(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
void store_u64_be(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

// One round (FIPS 180-4 §6.2.2 step 3, §6.4.2 step 3) with the variables renamed by the caller:
// the new `a` lands in `h` and the new `e` in `d`.
template <typename Word, int kS0a, int kS0b, int kS0c, int kS1a, int kS1b, int kS1c>
inline void sha2_round(Word a, Word b, Word c, Word& d, Word e, Word f, Word g, Word& h,
                       Word constant_plus_word) {
  const Word t1 = h + (std::rotr(e, kS1a) ^ std::rotr(e, kS1b) ^ std::rotr(e, kS1c)) +
                  (g ^ (e & (f ^ g))) + constant_plus_word;
  const Word t2 =
      (std::rotr(a, kS0a) ^ std::rotr(a, kS0b) ^ std::rotr(a, kS0c)) + ((a & b) | (c & (a | b)));
  d += t1;
  h = t1 + t2;
}

// Advances the rolling schedule by sixteen words: w[i] becomes W[t] for t = 16 more than before.
template <typename Word, int kS0a, int kS0b, int kS0shift, int kS1a, int kS1b, int kS1shift>
inline void sha2_schedule(Word* w) {
  for (int i = 0; i < 16; ++i) {
    const Word w15 = w[(i + 1) & 15];
    const Word w2 = w[(i + 14) & 15];
    w[i] += (std::rotr(w2, kS1a) ^ std::rotr(w2, kS1b) ^ (w2 >> kS1shift)) + w[(i + 9) & 15] +
            (std::rotr(w15, kS0a) ^ std::rotr(w15, kS0b) ^ (w15 >> kS0shift));
  }
}

// Runs the rounds of one block over a loaded schedule. Rounds and schedule parameters differ
// between SHA-256 and SHA-512 only in word size, rotation counts and round count.
template <typename Word, int kRounds, auto Round, auto Schedule>
inline void sha2_block(Word* state, Word* w, const Word* round_constants) {
  Word a = state[0], b = state[1], c = state[2], d = state[3];
  Word e = state[4], f = state[5], g = state[6], h = state[7];
  for (int r = 0; r < kRounds; r += 16) {
    if (r > 0) Schedule(w);
    const Word* k = round_constants + r;
    Round(a, b, c, d, e, f, g, h, k[0] + w[0]);
    Round(h, a, b, c, d, e, f, g, k[1] + w[1]);
    Round(g, h, a, b, c, d, e, f, k[2] + w[2]);
    Round(f, g, h, a, b, c, d, e, k[3] + w[3]);
    Round(e, f, g, h, a, b, c, d, k[4] + w[4]);
    Round(d, e, f, g, h, a, b, c, k[5] + w[5]);
    Round(c, d, e, f, g, h, a, b, k[6] + w[6]);
    Round(b, c, d, e, f, g, h, a, k[7] + w[7]);
    Round(a, b, c, d, e, f, g, h, k[8] + w[8]);
    Round(h, a, b, c, d, e, f, g, k[9] + w[9]);
    Round(g, h, a, b, c, d, e, f, k[10] + w[10]);
    Round(f, g, h, a, b, c, d, e, k[11] + w[11]);
    Round(e, f, g, h, a, b, c, d, k[12] + w[12]);
    Round(d, e, f, g, h, a, b, c, k[13] + w[13]);
    Round(c, d, e, f, g, h, a, b, k[14] + w[14]);
    Round(b, c, d, e, f, g, h, a, k[15] + w[15]);
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

// Compresses `block_count` consecutive 64-byte blocks into `state`.
void sha256_compress(std::uint32_t* state, const std::uint8_t* blocks, std::size_t block_count) {
  for (; block_count > 0; --block_count, blocks += kSha256BlockBytes) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_u32_be(blocks + 4 * i);
    sha2_block<std::uint32_t, 64, sha2_round<std::uint32_t, 2, 13, 22, 6, 11, 25>,
               sha2_schedule<std::uint32_t, 7, 18, 3, 17, 19, 10>>(state, w, kSha256RoundConstants);
  }
}

// Compresses `block_count` consecutive 128-byte blocks into `state`.
void sha512_compress(std::uint64_t* state, const std::uint8_t* blocks, std::size_t block_count) {
  for (; block_count > 0; --block_count, blocks += kSha512BlockBytes) {
    std::uint64_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_u64_be(blocks + 8 * i);
    sha2_block<std::uint64_t, 80, sha2_round<std::uint64_t, 28, 34, 39, 14, 18, 41>,
               sha2_schedule<std::uint64_t, 1, 8, 7, 19, 61, 6>>(state, w, kSha512RoundConstants);
  }
}

// Shared buffering for the incremental classes: fills the partial block, compresses whole blocks
// straight from the input, and keeps the remainder.
template <std::size_t kBlockBytes, typename Compress>
void sha2_absorb(ByteSpan bytes, std::uint8_t* buffer, std::size_t& buffered_bytes,
                 Compress compress) {
  if (bytes.empty()) return;  // an empty span may carry a null pointer, which memcpy must not see
  const std::uint8_t* data = bytes.data();
  std::size_t size = bytes.size();
  if (buffered_bytes > 0) {
    const std::size_t take = std::min(size, kBlockBytes - buffered_bytes);
    std::memcpy(buffer + buffered_bytes, data, take);
    buffered_bytes += take;
    data += take;
    size -= take;
    if (buffered_bytes < kBlockBytes) return;
    compress(buffer, 1);
    buffered_bytes = 0;
  }
  const std::size_t whole_blocks = size / kBlockBytes;
  if (whole_blocks > 0) compress(data, whole_blocks);
  const std::size_t rest = size - whole_blocks * kBlockBytes;
  if (rest > 0) std::memcpy(buffer, data + whole_blocks * kBlockBytes, rest);
  buffered_bytes = rest;
}

void sha256_many_portable(std::span<const ByteSpan> messages, std::span<Hash256> digests) {
  for (std::size_t i = 0; i < messages.size(); ++i) digests[i] = sha256(messages[i]);
}

void sha512_many_portable(std::span<const ByteSpan> messages, std::span<Hash512> digests) {
  for (std::size_t i = 0; i < messages.size(); ++i) digests[i] = sha512(messages[i]);
}

#if TC_HAVE_IPSEC_MB

// The library's job validation rejects hash lengths above 65535 bytes (MB_MAX_LEN16); longer
// messages are hashed by the portable code in their slot.
constexpr std::size_t kIpsecMbMessageBytesMax = 65535;

// One multi-buffer manager per thread: the manager holds the lanes of jobs in flight, so it cannot
// be shared, and allocating it per call would cost more than hashing a burst.
class IpsecMbManager {
 public:
  IpsecMbManager() : manager_(alloc_mb_mgr(0)) {
    if (manager_ == nullptr) return;
    init_mb_mgr_auto(manager_, nullptr);
    if (imb_get_errno(manager_) != 0) {
      free_mb_mgr(manager_);
      manager_ = nullptr;
    }
  }
  ~IpsecMbManager() {
    if (manager_ != nullptr) free_mb_mgr(manager_);
  }
  IpsecMbManager(const IpsecMbManager&) = delete;
  IpsecMbManager& operator=(const IpsecMbManager&) = delete;

  IMB_MGR* get() const { return manager_; }

 private:
  IMB_MGR* manager_;
};

// This thread's manager, created on first use; nullptr when allocation or initialisation failed.
IMB_MGR* thread_ipsec_mb_manager() {
  thread_local IpsecMbManager manager;
  return manager.get();
}

// Submits one plain-hash job per message and flushes the manager before returning, so no job
// outlives the call. Each job writes its digest straight into its own slot; jobs complete out of
// order, and user_data carries the slot so that a job the library rejects is redone by
// `portable_hash`. Messages too long for the library never enter it.
template <typename Digest, typename PortableHash>
void ipsec_mb_hash_many(IMB_MGR* manager, IMB_HASH_ALG algorithm,
                        std::span<const ByteSpan> messages, std::span<Digest> digests,
                        PortableHash portable_hash) {
  static constexpr std::uint8_t kEmptySource = 0;  // the library rejects a null source
  const auto collect = [&](IMB_JOB* job) {
    for (; job != nullptr; job = IMB_GET_COMPLETED_JOB(manager)) {
      if (job->status != IMB_STATUS_COMPLETED) {
        const auto slot = reinterpret_cast<std::uintptr_t>(job->user_data);
        digests[slot] = portable_hash(messages[slot]);
      }
    }
  };
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const ByteSpan message = messages[i];
    if (message.size() > kIpsecMbMessageBytesMax) {
      digests[i] = portable_hash(message);
      continue;
    }
    IMB_JOB* job = IMB_GET_NEXT_JOB(manager);
    job->cipher_mode = IMB_CIPHER_NULL;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->hash_alg = algorithm;
    job->src = message.empty() ? &kEmptySource : message.data();
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = message.size();
    job->auth_tag_output = digests[i].data();
    job->auth_tag_output_len_in_bytes = Digest::kSize;
    job->user_data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i));
    collect(IMB_SUBMIT_JOB(manager));
  }
  for (IMB_JOB* job = IMB_FLUSH_JOB(manager); job != nullptr; job = IMB_FLUSH_JOB(manager)) {
    collect(job);
  }
}

void sha256_many_ipsec_mb(IMB_MGR* manager, std::span<const ByteSpan> messages,
                          std::span<Hash256> digests) {
  ipsec_mb_hash_many(manager, IMB_AUTH_SHA_256, messages, digests,
                     [](ByteSpan message) { return sha256(message); });
}

void sha512_many_ipsec_mb(IMB_MGR* manager, std::span<const ByteSpan> messages,
                          std::span<Hash512> digests) {
  ipsec_mb_hash_many(manager, IMB_AUTH_SHA_512, messages, digests,
                     [](ByteSpan message) { return sha512(message); });
}

// Hashes a few messages of lengths around the block boundaries through the library and compares
// them with the portable code, so that a library that misbehaves on this CPU is never selected.
bool ipsec_mb_self_test(IMB_MGR* manager) {
  constexpr std::size_t kLengths[] = {0, 3, 55, 56, 64, 111, 112, 128, 1000};
  constexpr std::size_t kCount = std::size(kLengths);
  std::uint8_t source[1000];
  for (std::size_t i = 0; i < sizeof(source); ++i) source[i] = static_cast<std::uint8_t>(i * 7);
  ByteSpan messages[kCount];
  for (std::size_t i = 0; i < kCount; ++i) messages[i] = ByteSpan(source, kLengths[i]);
  Hash256 digests256[kCount];
  Hash512 digests512[kCount];
  sha256_many_ipsec_mb(manager, messages, digests256);
  sha512_many_ipsec_mb(manager, messages, digests512);
  for (std::size_t i = 0; i < kCount; ++i) {
    if (digests256[i] != sha256(messages[i]) || digests512[i] != sha512(messages[i])) return false;
  }
  return true;
}

#endif  // TC_HAVE_IPSEC_MB

Sha2Backend probe_multi_buffer_backend() {
#if TC_HAVE_IPSEC_MB
  IMB_MGR* manager = thread_ipsec_mb_manager();
  if (manager != nullptr && ipsec_mb_self_test(manager)) return Sha2Backend::kIpsecMb;
#endif
  return Sha2Backend::kPortable;
}

}  // namespace

Sha256::Sha256() {
  std::memcpy(state_, kSha256Initial, sizeof(state_));
}

Sha256& Sha256::update(ByteSpan bytes) {
  total_bytes_ += bytes.size();
  sha2_absorb<kSha256BlockBytes>(bytes, buffer_, buffered_bytes_,
                                 [this](const std::uint8_t* blocks, std::size_t count) {
                                   sha256_compress(state_, blocks, count);
                                 });
  return *this;
}

Hash256 Sha256::finish() {
  // FIPS 180-4 §5.1.1: a 1 bit, zeros, then the message length in bits as a 64-bit big-endian
  // integer, filling one block or, when fewer than 9 bytes are left, two.
  std::uint8_t tail[2 * kSha256BlockBytes] = {};
  std::memcpy(tail, buffer_, buffered_bytes_);
  tail[buffered_bytes_] = 0x80;
  const std::size_t tail_blocks = buffered_bytes_ + 9 > kSha256BlockBytes ? 2 : 1;
  store_u64_be(tail + tail_blocks * kSha256BlockBytes - 8, total_bytes_ << 3);
  sha256_compress(state_, tail, tail_blocks);
  Hash256 digest;
  for (int i = 0; i < 8; ++i) store_u32_be(digest.data() + 4 * i, state_[i]);
  return digest;
}

Sha512::Sha512() {
  std::memcpy(state_, kSha512Initial, sizeof(state_));
}

Sha512& Sha512::update(ByteSpan bytes) {
  total_bytes_ += bytes.size();
  sha2_absorb<kSha512BlockBytes>(bytes, buffer_, buffered_bytes_,
                                 [this](const std::uint8_t* blocks, std::size_t count) {
                                   sha512_compress(state_, blocks, count);
                                 });
  return *this;
}

Hash512 Sha512::finish() {
  // FIPS 180-4 §5.1.2: as for SHA-256 with a 128-bit length; the high 64 bits hold the bits of
  // total_bytes_ shifted out by the multiplication by 8.
  std::uint8_t tail[2 * kSha512BlockBytes] = {};
  std::memcpy(tail, buffer_, buffered_bytes_);
  tail[buffered_bytes_] = 0x80;
  const std::size_t tail_blocks = buffered_bytes_ + 17 > kSha512BlockBytes ? 2 : 1;
  std::uint8_t* length = tail + tail_blocks * kSha512BlockBytes - 16;
  store_u64_be(length, total_bytes_ >> 61);
  store_u64_be(length + 8, total_bytes_ << 3);
  sha512_compress(state_, tail, tail_blocks);
  Hash512 digest;
  for (int i = 0; i < 8; ++i) store_u64_be(digest.data() + 8 * i, state_[i]);
  return digest;
}

Hash256 sha256(ByteSpan message) {
  return Sha256().update(message).finish();
}

Hash512 sha512(ByteSpan message) {
  return Sha512().update(message).finish();
}

std::string_view sha2_backend_name(Sha2Backend backend) {
  switch (backend) {
    case Sha2Backend::kPortable:
      return "portable";
    case Sha2Backend::kIpsecMb:
      return "ipsec-mb";
  }
  return "unknown";
}

Sha2Backend sha2_multi_buffer_backend() {
  static const Sha2Backend backend = probe_multi_buffer_backend();
  return backend;
}

void sha256_many(std::span<const ByteSpan> messages, std::span<Hash256> digests) {
  sha256_many(sha2_multi_buffer_backend(), messages, digests);
}

void sha512_many(std::span<const ByteSpan> messages, std::span<Hash512> digests) {
  sha512_many(sha2_multi_buffer_backend(), messages, digests);
}

void sha256_many(Sha2Backend backend, std::span<const ByteSpan> messages,
                 std::span<Hash256> digests) {
  assert(digests.size() == messages.size());
#if TC_HAVE_IPSEC_MB
  if (backend == Sha2Backend::kIpsecMb && sha2_multi_buffer_backend() == Sha2Backend::kIpsecMb) {
    if (IMB_MGR* manager = thread_ipsec_mb_manager(); manager != nullptr) {
      sha256_many_ipsec_mb(manager, messages, digests);
      return;
    }
  }
#else
  (void)backend;
#endif
  sha256_many_portable(messages, digests);
}

void sha512_many(Sha2Backend backend, std::span<const ByteSpan> messages,
                 std::span<Hash512> digests) {
  assert(digests.size() == messages.size());
#if TC_HAVE_IPSEC_MB
  if (backend == Sha2Backend::kIpsecMb && sha2_multi_buffer_backend() == Sha2Backend::kIpsecMb) {
    if (IMB_MGR* manager = thread_ipsec_mb_manager(); manager != nullptr) {
      sha512_many_ipsec_mb(manager, messages, digests);
      return;
    }
  }
#else
  (void)backend;
#endif
  sha512_many_portable(messages, digests);
}

}  // namespace tc
