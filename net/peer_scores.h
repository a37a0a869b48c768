// PeerScores: the misbehaviour scores of peers that are not connected now, by node key, so that a
// peer cannot wash its score by disconnecting and coming back (net/peer_manager.h keeps the score
// of a connected peer itself, leaves it here when the connection ends and takes it back at the
// next handshake with that key). Scores keep decaying while kept. Bounded: past `capacity` keys
// the lowest score is forgotten first, so fresh keys with nothing against them cannot push out a
// misbehaving peer's entry. Not thread-safe: it lives on the peer manager's io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>

#include "core/bytes.h"

namespace tc::net {

// `score` after `seconds` of decay at `per_second`, never below 0.
double decayed_score(double score, double seconds, double per_second);

class PeerScores {
 public:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: capacity > 0.
  PeerScores(std::size_t capacity, double decay_per_second);

  // Remembers `score` for `key` as of `now`, replacing what was kept for it. A score of 0 or less
  // is not kept (and forgets the key). When the table is full, the entry with the lowest score at
  // `now` is forgotten first, which is the new one when it is the lowest.
  void keep(const Pubkey& key, double score, Clock::time_point now);
  // Removes `key`'s entry and returns its score decayed to `now`; 0 when none is kept.
  double take(const Pubkey& key, Clock::time_point now);

  std::size_t size() const { return kept_.size(); }

 private:
  struct Kept {
    double score = 0;
    Clock::time_point at;
  };
  double at(const Kept& kept, Clock::time_point now) const;

  std::size_t capacity_;
  double decay_per_second_;
  std::map<Pubkey, Kept> kept_;
};

}  // namespace tc::net
