// TxRing: a bounded single-producer/single-consumer ring of transactions of any size up to
// kMaxTransactionBytes, each stored in place as a TxRecord header followed by its bytes. It links
// the verify stage to the sources that are not ingress (RPC sendrawtransaction, peers' forwarded
// transactions, a proposal's transactions) and to the net stage (admitted transactions to forward).
//
// Why not SpscRing<T> or IngressRing: their slots have one fixed size, and a transaction from RPC
// or a peer may be 100,000 bytes while most are a few hundred; a fixed slot of the largest size
// would make a ring of 1,024 transactions cost 100 MB. Here the storage is one arena of 64-byte
// cells: a record takes ceil((64 + length) / 64) cells, so the ring holds as many transactions as
// their bytes allow. Records are written in place by the producer (reserve / publish: one copy,
// from the producer's buffer) and read in place by the consumer (next / release_oldest), so the
// consumer may hold records it has read for as long as it works on them (the verify stage keeps a
// record until its signatures are verified and its result sent) and the producer's bytes need not
// outlive the push.
//
// Shape: indices are free-running 64-bit cell counts; the producer's and the consumer's sit on
// separate cache-line pairs (kRingIndexAlign). A record never wraps: when it does not fit before
// the end of the arena, the producer writes a padding record there and starts at cell 0. With a
// capacity of at least 2 * record_cells_max (init checks it), a record of any allowed size fits
// once the consumer has released enough. Exactly one producer thread and one consumer thread;
// nothing blocks or allocates after init.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/spsc_ring.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::node {

// Where a transaction entered the node; the verify stage sends each one's result back there.
enum class VerifySource : std::uint8_t {
  kIngress = 0,  // a UDP datagram through dataplane/ (IngressRing); no answer, counters only
  kRpc,          // sendrawtransaction: accept, or reject with the ledger's reason
  kPeer,         // a transaction a peer forwarded: rejections are reported for peer scoring
  kProposal,     // a transaction inside a proposed block: signatures only, no admission
  kCount,
};
// "ingress", "rpc", "peer", "proposal": metric labels and logs.
std::string_view verify_source_name(VerifySource source);

// One record's header; the transaction's bytes follow it in the arena. The producer fills the
// fields it needs; the ring itself reads only cells and length.
struct alignas(64) TxRecord {
  std::uint32_t cells = 0;   // cells this record occupies, header included (set by the ring)
  std::uint32_t length = 0;  // transaction bytes after the header
  std::uint64_t tag = 0;     // the producer's correlation id (an RPC request, a proposal); echoed
  std::uint64_t height = 0;  // kProposal: the proposed block's height (evidence rules); else 0
  std::uint32_t origin = 0;  // kPeer: the peer it came from (scoring; not forwarded back there)
  VerifySource source = VerifySource::kIngress;  // on the forward ring: where it entered
  bool padding = false;  // set by the ring: the rest of the arena is skipped
  Hash256 txid;          // on the forward ring: the admitted transaction's txid

  ByteSpan transaction() const {
    return ByteSpan(reinterpret_cast<const std::uint8_t*>(this + 1), length);
  }
  std::uint8_t* bytes() { return reinterpret_cast<std::uint8_t*>(this + 1); }
};
static_assert(sizeof(TxRecord) == 64, "a record header is one cell");

class TxRing {
 public:
  static constexpr std::size_t kCellBytes = sizeof(TxRecord);
  // Cells a record of `length` bytes occupies.
  static constexpr std::uint32_t record_cells(std::size_t length) {
    return static_cast<std::uint32_t>(1 + (length + kCellBytes - 1) / kCellBytes);
  }
  // The smallest arena init() accepts: a power of two holding two records of the largest length.
  static constexpr std::size_t kCapacityBytesMin = std::size_t{256} << 10;
  static constexpr std::size_t kCapacityBytesMax = std::size_t{1} << 34;

  // Bytes init() allocates for an arena of `capacity_bytes`.
  static constexpr std::size_t footprint(std::size_t capacity_bytes) { return capacity_bytes; }

  // Allocates the arena. kInvalidArgument unless capacity_bytes is a power of two of at least
  // kCapacityBytesMin (256 KiB: twice the largest record) and at most 2^34 (the message names the
  // capacity). Not thread-safe; call before producer and consumer start.
  Status init(std::size_t capacity_bytes);

  std::size_t capacity_bytes() const { return std::size_t{mask_ + 1} * kCellBytes; }

  // ---- Producer side (one thread) ----
  // A record with room for `length` bytes after its header, or null when the ring lacks the room
  // now (or length > kMaxTransactionBytes, which never fits). The header is reset to defaults but
  // for cells and length; write the fields and bytes, then publish(). Reserving again before
  // publish() returns the same record.
  TxRecord* reserve(std::size_t length);
  // Makes the reserved record visible to the consumer.
  void publish();
  // reserve, copy `transaction` and `header`'s tag/height/origin/source/txid, publish. False (and
  // nothing written) when the ring lacks room.
  bool push(ByteSpan transaction, const TxRecord& header);

  // ---- Consumer side (one thread) ----
  // The oldest published record not yet returned by next(), or null when there is none. The
  // record stays valid and unchanged until release_oldest() releases it.
  const TxRecord* next();
  // Returns the oldest record next() gave out to the producer. REQUIRES: one is held.
  void release_oldest();
  // Records published and not yet released (held by the consumer or not yet read): a snapshot.
  bool empty() const {
    return published_tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }

 private:
  TxRecord& cell(std::uint64_t index) { return cells_[index & mask_]; }
  // Past a padding record at `index`, if there is one.
  std::uint64_t skip_padding(std::uint64_t index);

  std::unique_ptr<TxRecord[]> cells_;
  std::uint64_t mask_ = 0;
  // Producer's private line: its tail (past the last published record), the reserved record's
  // start, and its copy of the consumer's head.
  alignas(kRingIndexAlign) std::uint64_t tail_ = 0;
  std::uint64_t reserved_at_ = 0;
  std::uint32_t reserved_cells_ = 0;
  std::uint64_t cached_head_ = 0;
  alignas(kRingIndexAlign) std::atomic<std::uint64_t> published_tail_{0};
  // Consumer's private line: where next() reads, the oldest held record, and its copy of the tail.
  alignas(kRingIndexAlign) std::uint64_t read_ = 0;
  std::uint64_t consumer_head_ = 0;
  std::uint64_t cached_tail_ = 0;
  alignas(kRingIndexAlign) std::atomic<std::uint64_t> head_{0};
};

}  // namespace tc::node
