#include "consensus/sim/sim_app.h"

#include <cstring>

#include "core/sha2.h"

namespace tc::consensus::sim {
namespace {

// "SIMBLK", height, parent hash, proposer index, round, nonce, marker.
constexpr std::size_t kBlockPayloadBytes = 6 + 8 + 32 + 4 + 4 + 8 + 1;
constexpr std::size_t kMarkerOffset = kBlockPayloadBytes - 1;
// A marker the application refuses: a well-formed, hash-bound block that is invalid, standing for
// a block with a bad transaction.
constexpr std::uint8_t kRefusedMarker = 0xBA;

}  // namespace

BlockCandidate SimApp::make_block(std::uint64_t height, std::uint32_t round) {
  BlockCandidate candidate;
  candidate.payload.resize(kBlockPayloadBytes);
  std::uint8_t* p = candidate.payload.data();
  std::memcpy(p, "SIMBLK", 6);
  store_u64_le(p + 6, height);
  std::memcpy(p + 14, tip_hash().data(), 32);
  store_u32_le(p + 46, index_);
  store_u32_le(p + 50, round);
  store_u64_le(p + 54, ++nonce_);
  candidate.hash = sha256(candidate.payload);
  return candidate;
}

BlockCandidate SimApp::build_invalid_block(std::uint64_t height, std::uint32_t round,
                                           InvalidBlockKind kind) {
  BlockCandidate candidate = make_block(height, round);
  std::uint8_t* p = candidate.payload.data();
  switch (kind) {
    case InvalidBlockKind::kWrongHeight:
      store_u64_le(p + 6, height + 1);
      break;
    case InvalidBlockKind::kWrongParent:
      p[14] ^= 0x01;
      break;
    case InvalidBlockKind::kRefusedMarker:
      p[kMarkerOffset] = kRefusedMarker;
      break;
  }
  candidate.hash = sha256(candidate.payload);
  return candidate;
}

bool SimApp::payload_binds(const Hash256& hash, ByteSpan payload) {
  return sha256(payload) == hash;
}

bool SimApp::validate_block(std::uint64_t height, const Hash256&, ByteSpan payload, BlockOrigin) {
  return payload.size() == kBlockPayloadBytes && std::memcmp(payload.data(), "SIMBLK", 6) == 0 &&
         load_u64_le(payload.data() + 6) == height && height == tip_height() + 1 &&
         std::memcmp(payload.data() + 14, tip_hash().data(), 32) == 0 &&
         payload[kMarkerOffset] != kRefusedMarker;
}

Status SimApp::commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                            const CommitCertificate& certificate) {
  // The validity checker's input: the engine must never commit a block this state refuses, so it
  // is judged again here rather than trusting what the engine remembered.
  const bool valid = payload_binds(hash, payload) &&
                     validate_block(height, hash, payload, BlockOrigin::kCertified);
  chain_.push_back(
      CommittedBlock{height, hash, Bytes(payload.begin(), payload.end()), certificate});
  hook_(height, hash, certificate, valid);
  return Status::ok();
}

}  // namespace tc::consensus::sim
