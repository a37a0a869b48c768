// UTXO set digest v1 (docs/formats/utxo_digest.md): an LtHash16 accumulator over the unspent
// outputs, so that a block header can commit to the UTXO set after the block without hashing the
// whole set.
//
// Each unspent output is an element; its 73-byte encoding is hashed into a key, the key is
// expanded by ChaCha20 into 1024 16-bit lanes, and the set's state is the lane-wise sum mod 2^16
// of its elements' expansions. Adding and removing an element are one expansion and one lane-wise
// add or subtract, in any order; the digest is SHA-256 over the state. The ledger's execute and
// commit stages update one state per block for every created and spent output. A UtxoSetDigest is
// a plain 2 KiB value: one owner, not shared between threads without external locking; the
// functions here allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "core/types.h"

namespace tc {

// The domain tags (ASCII, no terminator) that open the element key's and the digest's preimages.
inline constexpr std::string_view kUtxoElementTag = "TIMECOIN/v1/utxo";  // 16 bytes
inline constexpr std::string_view kUtxoSetTag = "TIMECOIN/v1/utxoset";   // 19 bytes

// Element encoding of one unspent output, 73 bytes:
//   txid[32] | vout u32 LE | value u64 LE | pubkey_hash[20] | height u64 LE | coinbase u8 (0/1)
// `height` is the height of the block that created the output.
inline constexpr std::size_t kUtxoElementBytes = 73;
void encode_utxo_element(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                         bool coinbase, std::uint8_t* out);  // writes out[0..72]

// key = SHA-256(kUtxoElementTag | element): the ChaCha20 key that expands into the lanes.
Hash256 utxo_element_key(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
                         bool coinbase);

class UtxoSetDigest {
 public:
  static constexpr std::size_t kLanes = 1024, kStateBytes = 2048;

  // The empty set: every lane zero.
  UtxoSetDigest() = default;

  // Adds or removes one element: its expansion (the first 2048 bytes of the ChaCha20 keystream
  // under its key, zero nonce, counters 0..31, as 1024 little-endian u16 lanes) is added to or
  // subtracted from the lanes mod 2^16. Neither checks membership: removing an element that was
  // never added gives a state no set has, and adding one twice counts it twice; the ledger's
  // UTXO rules prevent both. remove() exactly undoes add() of the same element, in any order.
  // About one microsecond each; no allocation.
  void add(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height, bool coinbase);
  void remove(const OutPoint& outpoint, const TxOutput& output, std::uint64_t height,
              bool coinbase);

  // Lane-wise add / subtract of another state: the digest of the union of two disjoint sets, or
  // of a set less a subset of it (a block's delta applied to or taken back from the previous set).
  void add(const UtxoSetDigest& other);
  void subtract(const UtxoSetDigest& other);

  // digest = SHA-256(kUtxoSetTag | the 2048 serialised bytes). The empty set's digest is not zero.
  Hash256 digest() const;

  // Writes the state as kStateBytes bytes: lane 0..1023, each u16 little-endian (for the store).
  void serialize(std::uint8_t* out) const;

  // Reads a state written by serialize(). Every lane value is valid, so the only error is a size
  // other than kStateBytes: kMalformed, naming both sizes. It does not check that the state is the
  // digest of any particular set.
  static Result<UtxoSetDigest> parse(ByteSpan bytes);

  friend bool operator==(const UtxoSetDigest&, const UtxoSetDigest&) = default;

 private:
  // The lanes in the word-sliced order of chacha20_sliced_blocks (core/chacha20.h), not in lane
  // order: lane-wise arithmetic does not care about the order, so the per-element path adds
  // keystream words where the sliced ChaCha20 leaves them and only serialize() and parse() permute.
  alignas(16) std::uint16_t lanes_[kLanes] = {};
};

}  // namespace tc
