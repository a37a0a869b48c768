// Token buckets for the peer layer: each peer gets one bucket for all its messages and one per
// message type (net/peer_manager.h). A message that finds its bucket empty is dropped, counted, and
// adds to the peer's misbehaviour score. Header-only; not thread-safe (one peer's buckets live on
// the peer manager's io thread).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

#include "net/frame.h"

namespace tc::net {

// A bucket refills at `per_second` tokens per second up to `burst`; a message takes one token.
// per_second == 0 means unlimited.
struct TokenBucketConfig {
  double per_second = 0;
  double burst = 0;
};

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts full, so a new peer may send a burst at once.
  TokenBucket(const TokenBucketConfig& config, Clock::time_point now)
      : config_(config), tokens_(config.burst), last_(now) {}

  // Takes one token if there is one at `now`. Times earlier than the last call count as no time.
  bool take(Clock::time_point now) {
    if (config_.per_second <= 0) return true;
    if (now > last_) {
      const double seconds = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(config_.burst, tokens_ + seconds * config_.per_second);
      last_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  TokenBucketConfig config_;
  double tokens_;
  Clock::time_point last_;
};

// The limits one node applies to each peer's inbound messages.
struct RateLimits {
  TokenBucketConfig per_peer;  // all messages of one peer together
  std::array<TokenBucketConfig, kMaxMessageType + 1> per_type{};  // indexed by the type byte

  TokenBucketConfig& type(MessageType t) { return per_type[static_cast<std::uint8_t>(t)]; }
  const TokenBucketConfig& type(MessageType t) const {
    return per_type[static_cast<std::uint8_t>(t)];
  }
};

// Defaults sized for a set of up to a few hundred validators at one block a second: a validator
// sends two votes per round plus re-gossip of others' (hence the vote allowance), one proposal and
// one certificate per height; sync and peer exchange are request/response and need far less. A peer
// announces its tip at most every PeerManagerConfig::tip_announce_interval (100 ms by default), so
// TipStatus allows twice that rate.
inline RateLimits default_rate_limits() {
  RateLimits limits;
  limits.per_peer = {10'000, 20'000};
  limits.type(MessageType::kProposal) = {50, 100};
  limits.type(MessageType::kVote) = {4'000, 8'000};
  limits.type(MessageType::kCommitCertificate) = {100, 200};
  limits.type(MessageType::kTransactionBatch) = {500, 1'000};
  limits.type(MessageType::kBlockRangeRequest) = {50, 100};
  limits.type(MessageType::kBlockRangeResponse) = {100, 200};
  limits.type(MessageType::kSnapshotChunkRequest) = {100, 200};
  limits.type(MessageType::kSnapshotChunkResponse) = {200, 400};
  limits.type(MessageType::kPeerExchange) = {1, 4};
  limits.type(MessageType::kPing) = {5, 10};
  limits.type(MessageType::kPong) = {5, 10};
  limits.type(MessageType::kTipStatus) = {20, 40};
  return limits;
}

}  // namespace tc::net
