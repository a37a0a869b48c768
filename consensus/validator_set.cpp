#include "consensus/validator_set.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace tc::consensus {

Result<ValidatorSet> ValidatorSet::create(std::vector<Validator> validators) {
  if (validators.empty()) return invalid_argument("validator set is empty");
  if (validators.size() > kMaxValidators) {
    return invalid_argument("validator set has " + std::to_string(validators.size()) +
                            " validators, more than " + std::to_string(kMaxValidators));
  }
  ValidatorSet set;
  for (std::uint32_t i = 0; i < validators.size(); ++i) {
    const Validator& v = validators[i];
    if (v.power == 0) {
      return invalid_argument("validator " + std::to_string(i) + " (" + to_hex(v.pubkey) +
                              ") has zero voting power");
    }
    if (v.power > kMaxTotalVotingPower || set.total_power_ + v.power > kMaxTotalVotingPower) {
      return invalid_argument("total voting power exceeds 2^50 at validator " + std::to_string(i));
    }
    if (!set.index_.emplace(v.pubkey, i).second) {
      return invalid_argument("validator " + std::to_string(i) + ": duplicate key " +
                              to_hex(v.pubkey));
    }
    set.total_power_ += v.power;
  }
  set.validators_ = std::move(validators);
  return set;
}

std::optional<std::uint32_t> ValidatorSet::index_of(const Pubkey& pubkey) const {
  auto it = index_.find(pubkey);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::uint32_t proposer_of(const ValidatorSet& set, std::uint64_t height, std::uint32_t round) {
  using u128 = unsigned __int128;
  const std::uint64_t total = set.total_power();
  const std::uint64_t k = (height % total + total - 1 + round % total) % total;
  // Point j of validator i has the value (2j + 1) / (2 p_i); compared by cross-multiplication
  // (< 2^101 with powers below 2^50), ties by index.
  struct Point {
    std::uint64_t j;
    std::uint32_t index;
  };
  const auto before = [&set](const Point& a, const Point& b) {
    const u128 left = static_cast<u128>(2 * a.j + 1) * set.power(b.index);
    const u128 right = static_cast<u128>(2 * b.j + 1) * set.power(a.index);
    return left != right ? left < right : a.index < b.index;
  };
  // Points of value below (2k + 1) / (2 total), the middle of step k's share of the period: each
  // validator's count there is within one of its proportional share, so step k lies within n
  // points of them, which two small heap walks find.
  std::vector<std::uint64_t> below(set.size());
  std::uint64_t below_total = 0;
  for (std::uint32_t i = 0; i < set.size(); ++i) {
    const u128 scaled = static_cast<u128>(2 * k + 1) * set.power(i);
    const u128 ceiling = (scaled + total - 1) / total;
    below[i] = static_cast<std::uint64_t>(ceiling / 2);
    below_total += below[i];
  }
  std::vector<Point> heap;
  if (below_total <= k) {
    const auto later = [&before](const Point& a, const Point& b) { return before(b, a); };
    for (std::uint32_t i = 0; i < set.size(); ++i)
      if (below[i] < set.power(i)) heap.push_back(Point{below[i], i});
    std::make_heap(heap.begin(), heap.end(), later);
    for (std::uint64_t skip = k - below_total; skip > 0; --skip) {
      std::pop_heap(heap.begin(), heap.end(), later);
      if (++heap.back().j < set.power(heap.back().index)) {
        std::push_heap(heap.begin(), heap.end(), later);
      } else {
        heap.pop_back();
      }
    }
  } else {
    for (std::uint32_t i = 0; i < set.size(); ++i)
      if (below[i] > 0) heap.push_back(Point{below[i] - 1, i});
    std::make_heap(heap.begin(), heap.end(), before);
    for (std::uint64_t skip = below_total - 1 - k; skip > 0; --skip) {
      std::pop_heap(heap.begin(), heap.end(), before);
      if (heap.back().j-- > 0) {
        std::push_heap(heap.begin(), heap.end(), before);
      } else {
        heap.pop_back();
      }
    }
  }
  assert(!heap.empty());
  return heap.front().index;
}

}  // namespace tc::consensus
