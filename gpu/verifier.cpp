#include "gpu/verifier.h"

#include <algorithm>
#include <cmath>

namespace tc::gpu {
namespace {

using ed25519::DecodedSignature;
using ed25519::PointCached;
using ed25519::PointP1P1;
using ed25519::PointP2;
using ed25519::PointP3;
using ed25519::Scalar;
using ed25519::VerifyOutcome;

constexpr int kWindowBitsMax = 10;

// The failure policy's constants, from the per-signature costs measured by bench_ed25519 (batch
// sizes 8 to 1024) and its mixes of invalid signatures (docs/benchmarks.md). An equation over
// fewer than 8 signatures costs about as much as their single checks (0.94 of them at 4), so
// smaller groups are checked singly; groups are sized so that they hold about a quarter of an
// invalid signature on average, the cheapest expected cost per signature in the model (an eighth
// to a half give nearly the same).
constexpr std::size_t kEquationSizeMin = 8;
constexpr double kInvalidPerGroupTarget = 0.25;

SignatureOutcome to_signature_outcome(VerifyOutcome outcome) {
  switch (outcome) {
    case VerifyOutcome::kValid:
      return SignatureOutcome::kValid;
    case VerifyOutcome::kNonCanonicalS:
      return SignatureOutcome::kNonCanonicalS;
    case VerifyOutcome::kBadPublicKey:
      return SignatureOutcome::kBadPublicKey;
    case VerifyOutcome::kBadR:
      return SignatureOutcome::kBadR;
    case VerifyOutcome::kEquation:
      return SignatureOutcome::kEquation;
  }
  return SignatureOutcome::kEquation;
}

bool lengths_ok(const SignatureRef& sig) {
  return sig.pubkey_bytes == 32 && sig.sig_bytes == 64 &&
         (sig.msg != nullptr || sig.msg_bytes == 0);
}

// k = SHA-512(R || A || M) mod L over the bytes as given.
Scalar challenge(const SignatureRef& sig) {
  std::uint8_t digest[64];
  if (sig.msg_bytes == 32) {
    ed25519::sha512_ram32(sig.sig, sig.pubkey, sig.msg, digest);
  } else {
    ed25519::Sha512Stream hash;
    ed25519::sha512_stream_init(&hash);
    ed25519::sha512_stream_update(&hash, sig.sig, 32);
    ed25519::sha512_stream_update(&hash, sig.pubkey, 32);
    ed25519::sha512_stream_update(&hash, sig.msg, sig.msg_bytes);
    ed25519::sha512_stream_finish(&hash, digest);
  }
  return ed25519::sc_reduce64(digest);
}

// Pippenger window width for a multi-scalar multiplication over `points` points (about
// log2(points) - 2, which balances bucket filling against the per-window bucket sums).
int window_bits_for(std::size_t points) {
  int bits = 3;
  while (bits < kWindowBitsMax && (std::size_t{1} << (bits + 2)) < points) ++bits;
  return bits;
}

// Windows of signed radix-2^bits digits that cover a scalar < 2^253, plus one for the last carry.
int window_count_for(int bits) {
  return (253 + bits - 1) / bits + 1;
}

// Signed radix-2^bits digits of s: digits[w] in [-2^(bits-1), 2^(bits-1)], sum digits[w] 2^(w
// bits).
void signed_digits(std::int16_t* digits, const Scalar& s, int bits, int windows) {
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  std::uint64_t carry = 0;
  for (int w = 0; w < windows; ++w) {
    const int pos = w * bits;
    std::uint64_t value = 0;
    if (pos < 256) {
      const int limb = pos >> 6, shift = pos & 63;
      value = s.v[limb] >> shift;
      if (shift + bits > 64 && limb + 1 < 4) value |= s.v[limb + 1] << (64 - shift);
      value &= mask;
    }
    value += carry;
    if (value >= (std::uint64_t{1} << (bits - 1))) {
      digits[w] = static_cast<std::int16_t>(static_cast<std::int64_t>(value) - (1 << bits));
      carry = 1;
    } else {
      digits[w] = static_cast<std::int16_t>(value);
      carry = 0;
    }
  }
}

PointP3 add_p3(const PointP3& a, const PointP3& b) {
  return ed25519::point_add_p3(a, b);
}

}  // namespace

SignatureOutcome verify_single_outcome(const SignatureRef& sig) {
  if (!lengths_ok(sig)) return SignatureOutcome::kWrongLength;
  if (sig.msg_bytes == 32) {
    return to_signature_outcome(ed25519::verify_signature_msg32(sig.pubkey, sig.sig, sig.msg));
  }
  return to_signature_outcome(
      ed25519::verify_signature(sig.pubkey, sig.sig, sig.msg, sig.msg_bytes));
}

Status BatchVerifierCpu::init(const BatchVerifierCpuConfig& config) {
  std::uint8_t zero_key[32] = {};
  const Status sized = init_with_key(config, zero_key);
  if (sized != Status::kOk) return sized;
  ChaCha20Rng seeded(zero_key);
  const Status keyed = ChaCha20Rng::from_os(&seeded);
  if (keyed != Status::kOk) {
    rng_.reset();
    return keyed;
  }
  rng_ = seeded;
  return Status::kOk;
}

Status BatchVerifierCpu::init_with_key(const BatchVerifierCpuConfig& config,
                                       const std::uint8_t key[32]) {
  if (config.batch_size_max == 0) return Status::kInvalidArgument;
  config_ = config;
  config_.single_check_below = std::max<std::size_t>(config.single_check_below, 1);
  // A probed group is larger than single_check_below, so probing leaves at least one candidate.
  config_.probe_signatures = std::min(config.probe_signatures, config_.single_check_below);
  recent_checked_ = 0;
  recent_invalid_ = 0;
  const std::size_t n = config.batch_size_max;
  const std::size_t points = 2 * n + 1;
  const int bits = window_bits_for(points);
  decoded_.assign(n, DecodedSignature{});
  candidates_.assign(n, 0);
  points_.assign(points, ed25519::point_identity());
  points_cached_.assign(points, ed25519::point_to_cached(ed25519::point_identity()));
  scalars_.assign(points, Scalar{});
  digits_.assign(points * static_cast<std::size_t>(window_count_for(3)), 0);
  buckets_.assign(std::size_t{1} << (bits - 1), ed25519::point_identity());
  bucket_used_.assign(std::size_t{1} << (bits - 1), 0);
  rng_.emplace(key);
  return Status::kOk;
}

Status BatchVerifierCpu::verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                                BatchVerifyStats* stats) {
  if (sigs.size() != verdicts.size()) return Status::kInvalidArgument;
  if (!rng_) return Status::kUnavailable;
  BatchVerifyStats local;
  BatchVerifyStats* counters = stats != nullptr ? stats : &local;
  for (std::size_t begin = 0; begin < sigs.size(); begin += config_.batch_size_max) {
    const std::size_t count = std::min(config_.batch_size_max, sigs.size() - begin);
    verify_chunk(sigs.subspan(begin, count), verdicts.subspan(begin, count), counters);
  }
  return Status::kOk;
}

double BatchVerifierCpu::recent_failure_share() const {
  return recent_checked_ > 0 ? recent_invalid_ / recent_checked_ : 0.0;
}

void BatchVerifierCpu::verify_chunk(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                                    BatchVerifyStats* stats) {
  std::size_t candidate_count = 0;
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    ++stats->signatures;
    verdicts[i] = Verdict::kReject;
    const SignatureRef& sig = sigs[i];
    if (!lengths_ok(sig) ||
        ed25519::decode_signature(&decoded_[i], sig.pubkey, sig.sig) != VerifyOutcome::kValid) {
      ++stats->rejected_before_batch;
      continue;
    }
    decoded_[i].k = challenge(sig);
    candidates_[candidate_count++] = static_cast<std::uint32_t>(i);
  }
  // Each group's outcome feeds the history before the next group is sized, so the policy also
  // adapts within a chunk.
  for (std::size_t begin = 0; begin < candidate_count;) {
    const std::size_t end = begin + std::min(group_size_from_history(), candidate_count - begin);
    record_group(end - begin, resolve_group(begin, end, verdicts, stats));
    begin = end;
  }
}

std::size_t BatchVerifierCpu::group_size_from_history() const {
  const double share = recent_failure_share();
  std::size_t size = config_.batch_size_max;
  while (size > 1 && static_cast<double>(size) * share > kInvalidPerGroupTarget) size /= 2;
  return size;
}

void BatchVerifierCpu::record_group(std::size_t checked, std::size_t invalid) {
  if (config_.failure_half_life_signatures == 0) return;
  const double decay = std::exp2(-static_cast<double>(checked) /
                                 static_cast<double>(config_.failure_half_life_signatures));
  recent_checked_ = recent_checked_ * decay + static_cast<double>(checked);
  recent_invalid_ = recent_invalid_ * decay + static_cast<double>(invalid);
}

std::size_t BatchVerifierCpu::resolve_group(std::size_t begin, std::size_t end,
                                            std::span<Verdict> verdicts, BatchVerifyStats* stats) {
  if (end - begin < kEquationSizeMin) return check_singly(begin, end, verdicts, stats);
  ++stats->batch_equations;
  if (batch_equation_holds(begin, end)) {
    for (std::size_t c = begin; c < end; ++c) verdicts[candidates_[c]] = Verdict::kAccept;
    return 0;
  }
  ++stats->batch_equations_failed;
  return resolve_failed_group(begin, end, verdicts, stats);
}

std::size_t BatchVerifierCpu::resolve_failed_group(std::size_t begin, std::size_t end,
                                                   std::span<Verdict> verdicts,
                                                   BatchVerifyStats* stats) {
  if (end - begin <= config_.single_check_below) return check_singly(begin, end, verdicts, stats);
  const std::size_t probes = config_.probe_signatures;
  if (probes > 0) {
    // Probes are single checks the group would need anyway when its failures are dense, and at
    // random positions an attacker cannot place its invalid signatures around them.
    draw_to_front(begin, end, probes);
    stats->probe_checks += probes;
    const std::size_t invalid = check_singly(begin, begin + probes, verdicts, stats);
    if (invalid > 0) return invalid + check_singly(begin + probes, end, verdicts, stats);
    begin += probes;  // the invalid signature is still among the rest
    if (end - begin <= config_.single_check_below) {
      return check_singly(begin, end, verdicts, stats);
    }
  }
  const std::size_t middle = begin + (end - begin) / 2;
  ++stats->batch_equations;
  if (batch_equation_holds(begin, middle)) {
    for (std::size_t c = begin; c < middle; ++c) verdicts[candidates_[c]] = Verdict::kAccept;
    // The group failed and its left half holds, so the right half fails: no equation for it.
    // (Were the right half valid after all, its halving would still end in passing checks.)
    return resolve_failed_group(middle, end, verdicts, stats);
  }
  ++stats->batch_equations_failed;
  const std::size_t invalid = resolve_failed_group(begin, middle, verdicts, stats);
  return invalid + resolve_group(middle, end, verdicts, stats);
}

std::size_t BatchVerifierCpu::check_singly(std::size_t begin, std::size_t end,
                                           std::span<Verdict> verdicts, BatchVerifyStats* stats) {
  std::size_t invalid = 0;
  for (std::size_t c = begin; c < end; ++c) {
    ++stats->single_checks;
    const std::uint32_t slot = candidates_[c];
    const bool valid = ed25519::verify_decoded(decoded_[slot]) == VerifyOutcome::kValid;
    verdicts[slot] = valid ? Verdict::kAccept : Verdict::kReject;
    invalid += valid ? 0 : 1;
  }
  return invalid;
}

void BatchVerifierCpu::draw_to_front(std::size_t begin, std::size_t end, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t bytes[4];
    rng_->fill(bytes, sizeof bytes);
    const std::uint32_t draw = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) |
                               (static_cast<std::uint32_t>(bytes[3]) << 24);
    const std::size_t pick = begin + i + draw % (end - begin - i);
    std::swap(candidates_[begin + i], candidates_[pick]);
  }
}

// Pippenger's bucket method with signed digits over points_[0, 2 count + 1).
bool BatchVerifierCpu::batch_equation_holds(std::size_t begin, std::size_t end) {
  const std::size_t count = end - begin;
  const std::size_t points = 2 * count + 1;
  Scalar b_scalar{};  // sum z_i S_i mod L
  for (std::size_t c = 0; c < count; ++c) {
    const DecodedSignature& d = decoded_[candidates_[begin + c]];
    std::uint8_t z_bytes[16];
    rng_->fill(z_bytes, sizeof z_bytes);
    const Scalar z{{ed25519::load64_le(z_bytes), ed25519::load64_le(z_bytes + 8), 0, 0}};
    b_scalar = ed25519::sc_add(b_scalar, ed25519::sc_mul(z, d.s));
    points_[1 + 2 * c] = d.r;
    scalars_[1 + 2 * c] = z;
    points_[2 + 2 * c] = d.a;
    scalars_[2 + 2 * c] = ed25519::sc_mul(z, d.k);
  }
  points_[0] = ed25519::point_base();
  scalars_[0] = ed25519::sc_neg(b_scalar);

  const int bits = window_bits_for(points);
  const int windows = window_count_for(bits);
  const std::size_t bucket_count = std::size_t{1} << (bits - 1);
  for (std::size_t i = 0; i < points; ++i) {
    points_cached_[i] = ed25519::point_to_cached(points_[i]);
    signed_digits(&digits_[i * windows], scalars_[i], bits, windows);
  }

  PointP3 acc = ed25519::point_identity();
  for (int w = windows - 1; w >= 0; --w) {
    if (w != windows - 1) {
      PointP2 t = ed25519::point_p3_to_p2(acc);
      for (int b = 0; b < bits - 1; ++b) t = ed25519::point_p1p1_to_p2(ed25519::point_dbl(t));
      acc = ed25519::point_p1p1_to_p3(ed25519::point_dbl(t));
    }
    std::fill(bucket_used_.begin(), bucket_used_.begin() + bucket_count, 0);
    for (std::size_t i = 0; i < points; ++i) {
      const int digit = digits_[i * windows + w];
      if (digit == 0) continue;
      const std::size_t b = static_cast<std::size_t>(digit > 0 ? digit : -digit) - 1;
      if (!bucket_used_[b]) {
        buckets_[b] = digit > 0 ? points_[i] : ed25519::point_neg(points_[i]);
        bucket_used_[b] = 1;
      } else {
        const PointP1P1 sum = digit > 0 ? ed25519::point_add(buckets_[b], points_cached_[i])
                                        : ed25519::point_sub(buckets_[b], points_cached_[i]);
        buckets_[b] = ed25519::point_p1p1_to_p3(sum);
      }
    }
    // sum_b (b + 1) bucket[b] as a running sum from the top bucket down.
    bool have_running = false, have_total = false;
    PointP3 running{}, total{};
    for (std::size_t b = bucket_count; b-- > 0;) {
      if (bucket_used_[b]) {
        running = have_running ? add_p3(running, buckets_[b]) : buckets_[b];
        have_running = true;
      }
      if (have_running) {
        total = have_total ? add_p3(total, running) : running;
        have_total = true;
      }
    }
    if (have_total) acc = add_p3(acc, total);
  }
  return ed25519::point_is_identity(ed25519::point_mul_by_cofactor(acc));
}

Status verify_batch_cpu(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts,
                        const BatchVerifierCpuConfig& config) {
  if (sigs.size() != verdicts.size()) return Status::kInvalidArgument;
  BatchVerifierCpu verifier;
  BatchVerifierCpuConfig sized = config;
  sized.batch_size_max = std::max<std::size_t>(1, std::min(config.batch_size_max, sigs.size()));
  const Status status = verifier.init(sized);
  if (status != Status::kOk) return status;
  return verifier.verify(sigs, verdicts, nullptr);
}

}  // namespace tc::gpu
