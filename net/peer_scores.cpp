#include "net/peer_scores.h"

#include <algorithm>

#include "core/status.h"

namespace tc::net {

double decayed_score(double score, double seconds, double per_second) {
  return std::max(0.0, score - std::max(0.0, seconds) * per_second);
}

PeerScores::PeerScores(std::size_t capacity, double decay_per_second)
    : capacity_(capacity), decay_per_second_(decay_per_second) {
  TC_CHECK(capacity > 0, "PeerScores needs room for one key");
}

double PeerScores::at(const Kept& kept, Clock::time_point now) const {
  return decayed_score(kept.score, std::chrono::duration<double>(now - kept.at).count(),
                       decay_per_second_);
}

void PeerScores::keep(const Pubkey& key, double score, Clock::time_point now) {
  kept_.erase(key);
  if (score <= 0) return;
  if (kept_.size() >= capacity_) {
    // One pass over at most `capacity` entries, only when a score is kept with the table full:
    // when a misbehaving peer disconnects, not per message.
    auto lowest = kept_.begin();
    double lowest_score = at(lowest->second, now);
    for (auto it = std::next(kept_.begin()); it != kept_.end(); ++it) {
      const double s = at(it->second, now);
      if (s < lowest_score) {
        lowest = it;
        lowest_score = s;
      }
    }
    if (lowest_score >= score) return;
    kept_.erase(lowest);
  }
  kept_.emplace(key, Kept{score, now});
}

double PeerScores::take(const Pubkey& key, Clock::time_point now) {
  const auto it = kept_.find(key);
  if (it == kept_.end()) return 0;
  const double score = at(it->second, now);
  kept_.erase(it);
  return score;
}

}  // namespace tc::net
