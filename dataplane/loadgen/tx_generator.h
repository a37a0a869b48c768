// TxGenerator: the load generator's source of transactions: deterministic funded keys, validly
// signed transfers, and on request a chosen share of malformed, duplicated and badly signed ones.
//
// Key i is KeyPair::from_seed(SHA-256("TIMECOIN/loadgen/key" | seed u64 | i u32)). Transfer n
// spends outpoint (funding_txid, n) with key n % key_count and pays `outputs` outputs to the next
// key, so a devnet genesis that creates funding_outputs() makes every generated transfer spendable;
// wire hashes are all distinct. Used by node/tools/loadgen_main.cpp (timecoin-loadgen), the DPDK
// and socket tests, and the ingress benchmark. One TxGenerator belongs to one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/types.h"

namespace tc::dataplane {

struct TxGeneratorConfig {
  std::uint32_t chain_id = kChainIdDevnet;
  std::uint64_t seed = 1;
  std::uint32_t key_count = 16;
  Hash256 funding_txid;  // the transaction whose outputs fund the transfers
  // Defaults meet the ledger's fee rule (>= 1,000 sat and >= 0.1 % of the outputs): each funding
  // output holds 1 TIME and each transfer pays 100,000 sat of it as fee.
  std::uint64_t funding_value_sat = 100'000'000;
  std::uint64_t fee_sat = 100'000;
  std::uint32_t outputs = 3;  // 1 input + 3 outputs = 252 bytes
  // The transfer the stream starts at (the funding output it spends first): a resumed devnet's
  // load skips the outputs its earlier runs spent.
  std::uint64_t first_sequence = 0;
  // Shares of the stream, in parts per thousand (their sum <= 1000); the rest are valid.
  std::uint32_t malformed_per_mille = 0;
  std::uint32_t duplicate_per_mille = 0;
  std::uint32_t bad_signature_per_mille = 0;
};

enum class GeneratedKind : std::uint8_t { kValid, kMalformed, kDuplicate, kBadSignature };

class TxGenerator {
 public:
  // Derives the keys; signs nothing yet.
  // REQUIRES: key_count >= 1, outputs >= 1, the shares sum to <= 1000.
  explicit TxGenerator(const TxGeneratorConfig& config);

  const std::vector<KeyPair>& keys() const { return keys_; }

  // The outputs a genesis (or funding transaction) must create, in vout order, so that transfers
  // 0..count-1 spend existing outputs: vout n pays funding_value_sat to key n % key_count.
  std::vector<TxOutput> funding_outputs(std::uint32_t count) const;

  // The signed transfer number `sequence` (spending vout `sequence`), encoded.
  Bytes transfer(std::uint64_t sequence) const;

  // The next datagram payload of the mixed stream, replacing *out; returns what it is. A duplicate
  // repeats the last valid transfer (a valid one when none was made yet); a malformed one is a
  // valid encoding cut short, with a bad version, or with a trailing byte, in turn; a badly signed
  // one has one bit of its first signature flipped.
  GeneratedKind next(Bytes* out);

  std::uint64_t sequence() const { return sequence_; }

 private:
  std::uint32_t roll();  // 0..999, deterministic from the seed

  TxGeneratorConfig config_;
  std::vector<KeyPair> keys_;
  std::uint64_t sequence_ = 0;
  std::uint64_t random_state_;
  std::uint32_t malformed_variant_ = 0;
  Bytes last_valid_;
};

}  // namespace tc::dataplane
