#include "node/stages/tx_ring.h"

#include <string>

namespace tc::node {

static_assert(TxRing::kCapacityBytesMin >=
                  2 * TxRing::kCellBytes * TxRing::record_cells(kMaxTransactionBytes),
              "the smallest arena must hold two records of the largest length");

std::string_view verify_source_name(VerifySource source) {
  switch (source) {
    case VerifySource::kIngress:
      return "ingress";
    case VerifySource::kRpc:
      return "rpc";
    case VerifySource::kPeer:
      return "peer";
    case VerifySource::kProposal:
      return "proposal";
    case VerifySource::kCount:
      break;
  }
  return "unknown";
}

Status TxRing::init(std::size_t capacity_bytes) {
  if (capacity_bytes < kCapacityBytesMin || capacity_bytes > kCapacityBytesMax ||
      (capacity_bytes & (capacity_bytes - 1)) != 0) {
    return invalid_argument("transaction ring capacity " + std::to_string(capacity_bytes) +
                            " bytes is not a power of two in [" +
                            std::to_string(kCapacityBytesMin) + ", 2^34]");
  }
  const std::size_t cells = capacity_bytes / kCellBytes;
  cells_ = std::make_unique<TxRecord[]>(cells);
  mask_ = cells - 1;
  return Status::ok();
}

TxRecord* TxRing::reserve(std::size_t length) {
  if (length > kMaxTransactionBytes) return nullptr;
  const std::uint64_t capacity = mask_ + 1;
  const std::uint32_t cells = record_cells(length);
  const std::uint64_t offset = tail_ & mask_;
  // A record never wraps: the cells left before the end become a padding record.
  const std::uint64_t padding = offset + cells > capacity ? capacity - offset : 0;
  if (capacity - (tail_ - cached_head_) < padding + cells) {
    cached_head_ = head_.load(std::memory_order_acquire);
    if (capacity - (tail_ - cached_head_) < padding + cells) return nullptr;
  }
  std::uint64_t at = tail_;
  if (padding != 0) {
    TxRecord& pad = cell(at);
    pad = TxRecord{};
    pad.cells = static_cast<std::uint32_t>(padding);
    pad.padding = true;
    at += padding;
  }
  reserved_at_ = at;
  reserved_cells_ = cells;
  TxRecord& record = cell(at);
  record = TxRecord{};
  record.cells = cells;
  record.length = static_cast<std::uint32_t>(length);
  return &record;
}

void TxRing::publish() {
  tail_ = reserved_at_ + reserved_cells_;
  published_tail_.store(tail_, std::memory_order_release);
}

bool TxRing::push(ByteSpan transaction, const TxRecord& header) {
  TxRecord* record = reserve(transaction.size());
  if (record == nullptr) return false;
  record->tag = header.tag;
  record->height = header.height;
  record->origin = header.origin;
  record->source = header.source;
  record->txid = header.txid;
  if (!transaction.empty()) std::memcpy(record->bytes(), transaction.data(), transaction.size());
  publish();
  return true;
}

std::uint64_t TxRing::skip_padding(std::uint64_t index) {
  const TxRecord& record = cell(index);
  return record.padding ? index + record.cells : index;
}

const TxRecord* TxRing::next() {
  if (read_ == cached_tail_) {
    cached_tail_ = published_tail_.load(std::memory_order_acquire);
    if (read_ == cached_tail_) return nullptr;
  }
  // A padding record is published together with the record after it.
  read_ = skip_padding(read_);
  const TxRecord& record = cell(read_);
  read_ += record.cells;
  return &record;
}

void TxRing::release_oldest() {
  consumer_head_ = skip_padding(consumer_head_);
  consumer_head_ += cell(consumer_head_).cells;
  head_.store(consumer_head_, std::memory_order_release);
}

}  // namespace tc::node
