// Amount: a count of satoshis (1 TIME = 100,000,000 sat) with checked arithmetic.
//
// Every sum of amounts in the ledger (inputs, outputs, fees, rewards) goes through these functions
// so that an overflow is an error the caller sees, never a wrap-around. Plain value type; any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tc {

inline constexpr std::uint64_t kSatoshisPerTime = 100'000'000;

class Amount {
 public:
  constexpr Amount() = default;
  constexpr explicit Amount(std::uint64_t satoshis) : satoshis_(satoshis) {}
  static constexpr Amount from_time(std::uint64_t whole_time) {
    return Amount(whole_time * kSatoshisPerTime);
  }

  constexpr std::uint64_t satoshis() const { return satoshis_; }

  // Each returns nullopt when the exact result does not fit in 64 bits (or is negative, for sub).
  constexpr std::optional<Amount> checked_add(Amount other) const {
    std::uint64_t sum;
    if (__builtin_add_overflow(satoshis_, other.satoshis_, &sum)) return std::nullopt;
    return Amount(sum);
  }
  constexpr std::optional<Amount> checked_sub(Amount other) const {
    if (other.satoshis_ > satoshis_) return std::nullopt;
    return Amount(satoshis_ - other.satoshis_);
  }
  constexpr std::optional<Amount> checked_mul(std::uint64_t factor) const {
    std::uint64_t product;
    if (__builtin_mul_overflow(satoshis_, factor, &product)) return std::nullopt;
    return Amount(product);
  }

  // "12.34500000 TIME": exact decimal, never a float.
  std::string to_time_string() const;

  friend constexpr bool operator==(Amount, Amount) = default;
  friend constexpr auto operator<=>(Amount, Amount) = default;

 private:
  std::uint64_t satoshis_ = 0;
};

}  // namespace tc
