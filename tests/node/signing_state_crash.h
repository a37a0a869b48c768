// What the SIGKILL test (signing_state_crash_test.cpp) and its child program
// (signing_state_crash_child.cpp) share: the signed-message log, one fixed-size record per message
// a validator signed, appended and fsync'd after the signed state is persisted and before the
// message leaves, so the log holds at least every message that ever left.
#pragma once

#include <cstdint>
#include <cstring>

#include "consensus/messages.h"
#include "core/bytes.h"

namespace tc::node::crash_test {

// validator u32 ‖ step u8 ‖ 0[3] ‖ height u64 ‖ round u32 ‖ pol_round u32 ‖ block_hash 32
inline constexpr std::size_t kSignedLogRecordBytes = 56;
inline constexpr char kSignedLogName[] = "signed.log";
// Exit status of a child that finds two validators committing different blocks at one height.
inline constexpr int kExitDisagreement = 3;

struct SignedRecord {
  std::uint32_t validator = 0;
  consensus::SignStep step = consensus::SignStep::kNone;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::uint32_t pol_round = consensus::kNoPolRound;
  Hash256 block_hash;
};

inline void encode_record(const SignedRecord& r, std::uint8_t* p) {
  std::memset(p, 0, kSignedLogRecordBytes);
  store_u32_le(p, r.validator);
  p[4] = static_cast<std::uint8_t>(r.step);
  store_u64_le(p + 8, r.height);
  store_u32_le(p + 16, r.round);
  store_u32_le(p + 20, r.pol_round);
  std::memcpy(p + 24, r.block_hash.data(), 32);
}

inline SignedRecord decode_record(const std::uint8_t* p) {
  SignedRecord r;
  r.validator = load_u32_le(p);
  r.step = static_cast<consensus::SignStep>(p[4]);
  r.height = load_u64_le(p + 8);
  r.round = load_u32_le(p + 16);
  r.pol_round = load_u32_le(p + 20);
  r.block_hash = Hash256::from_span(ByteSpan(p + 24, 32));
  return r;
}

}  // namespace tc::node::crash_test
