#include "net/block_sync.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "core/codec.h"

namespace tc::net {

namespace {

std::string page_context(const Pubkey& peer, std::uint64_t height) {
  return "block sync: peer " + to_hex(ByteSpan(peer.data(), 8)) + " height " +
         std::to_string(height);
}

// The bytes a request's bytes_max bounds: each entry's block (or header) and certificate.
std::uint64_t entry_bytes_of(const proto::BlockRangeResponse& response) {
  std::uint64_t bytes = 0;
  for (const proto::BlockEntry& entry : response.blocks()) {
    bytes += (entry.has_header() ? entry.header().size() : entry.block().size()) +
             entry.certificate().size();
  }
  return bytes;
}

}  // namespace

BlockSync::BlockSync(const BlockSyncConfig& config, std::uint64_t first_height,
                     BlockSyncChain* chain, BlockSyncNetwork* network)
    : config_(config),
      chain_(chain),
      network_(network),
      next_height_(first_height),
      target_height_(first_height == 0 ? 0 : first_height - 1),
      next_unassigned_(first_height) {
  assert(config_.page_blocks_max > 0 && config_.pages_in_window_max > 0 &&
         config_.requests_per_peer_max > 0 && config_.page_bytes_max > 0 &&
         config_.window_bytes_max >= config_.page_bytes_max);
}

void BlockSync::set_peer_height(const Pubkey& peer, std::uint64_t tip_height) {
  auto [it, added] = peers_.try_emplace(peer);
  if (added) peer_order_.push_back(peer);
  it->second.tip_height = tip_height;
  target_height_ = std::max(target_height_, tip_height);
}

void BlockSync::remove_peer(const Pubkey& peer) {
  if (peers_.erase(peer) == 0) return;
  std::erase(peer_order_, peer);
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.peer == peer) {
      requeue(it->second.start_height, it->second.count, std::nullopt, it->second.bytes_max);
      window_bytes_ -= it->second.bytes_max;
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
}

Status BlockSync::check_page(const Request& request, const proto::BlockRangeResponse& response) {
  const std::uint64_t start = request.start_height;
  if (response.blocks_size() == 0) {
    return invalid_argument(page_context(request.peer, start) +
                            ": empty page for a height the peer reported");
  }
  if (static_cast<std::uint64_t>(response.blocks_size()) > request.count) {
    return invalid_argument(page_context(request.peer, start) + ": " +
                            std::to_string(response.blocks_size()) + " entries, " +
                            std::to_string(request.count) + " asked");
  }
  if (const std::uint64_t bytes = entry_bytes_of(response); bytes > request.bytes_max) {
    return invalid_argument(page_context(request.peer, start) + ": page of " +
                            std::to_string(bytes) + " bytes, " + std::to_string(request.bytes_max) +
                            " asked");
  }
  for (int i = 0; i < response.blocks_size(); ++i) {
    const proto::BlockEntry& entry = response.blocks(i);
    const std::uint64_t height = start + static_cast<std::uint64_t>(i);
    if (!entry.has_block()) {
      return invalid_argument(page_context(request.peer, height) + ": entry without a block");
    }
    // The frame decoder already checked that both decode; their heights are cheap to compare here,
    // before the page takes a window slot.
    const ByteSpan block(reinterpret_cast<const std::uint8_t*>(entry.block().data()),
                         entry.block().size());
    const ByteSpan certificate(reinterpret_cast<const std::uint8_t*>(entry.certificate().data()),
                               entry.certificate().size());
    BlockView block_view;
    CommitCertificateView certificate_view;
    if (decode_block_view(block, &block_view) != DecodeError::kOk ||
        decode_certificate_view(certificate, &certificate_view) != DecodeError::kOk) {
      return malformed(page_context(request.peer, height) + ": entry does not decode");
    }
    if (block_view.height() != height || certificate_view.height() != height) {
      return invalid_argument(page_context(request.peer, height) + ": entry is for block " +
                              std::to_string(block_view.height()) + ", certificate " +
                              std::to_string(certificate_view.height()));
    }
  }
  return Status::ok();
}

void BlockSync::on_response(const Pubkey& peer, const proto::BlockRangeResponse& response,
                            std::chrono::steady_clock::time_point now) {
  auto found = requests_.find(response.request_id());
  if (found == requests_.end() || found->second.peer != peer) {
    // A late answer to a request that timed out and went elsewhere, or noise: not proof of malice.
    ++counters_.unsolicited_responses;
    return;
  }
  const Request request = found->second;
  requests_.erase(found);
  window_bytes_ -= request.bytes_max;
  if (auto p = peers_.find(peer); p != peers_.end()) --p->second.requests_in_flight;
  if (!failed_.is_ok()) return;

  const std::uint64_t first_entry_bytes = response.first_entry_bytes();
  if (response.blocks_size() == 0 && first_entry_bytes > request.bytes_max &&
      first_entry_bytes <= config_.window_bytes_max) {
    // Not an error: the entry is larger than a page; ask again with room for it.
    ++counters_.large_entries;
    requeue(request.start_height, request.count, std::nullopt, first_entry_bytes);
  } else if (response.blocks_size() == 0 && first_entry_bytes > config_.window_bytes_max) {
    requeue(request.start_height, request.count, std::nullopt, request.bytes_max);
    drop_bad_peer(peer, invalid_argument(page_context(peer, request.start_height) +
                                         ": an entry of " + std::to_string(first_entry_bytes) +
                                         " bytes claimed, above the window of " +
                                         std::to_string(config_.window_bytes_max)));
  } else if (Status shape = check_page(request, response); !shape.is_ok()) {
    requeue(request.start_height, request.count, std::nullopt, request.bytes_max);
    drop_bad_peer(peer, shape);
  } else {
    ++counters_.pages_received;
    const auto received = static_cast<std::uint32_t>(response.blocks_size());
    if (received < request.count) {
      ++counters_.short_pages;
      requeue(request.start_height + received, request.count - received);
    }
    Page page{peer, {}, entry_bytes_of(response)};
    page.entries.reserve(received);
    for (const proto::BlockEntry& entry : response.blocks()) {
      page.entries.push_back(Entry{Bytes(entry.block().begin(), entry.block().end()),
                                   Bytes(entry.certificate().begin(), entry.certificate().end())});
    }
    window_bytes_ += page.bytes;
    pages_.emplace(request.start_height, std::move(page));
    note_window_peaks();
    commit_in_order();
  }
  assign_ranges(now);
}

void BlockSync::poll(std::chrono::steady_clock::time_point now) {
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.deadline <= now) {
      ++counters_.requests_timed_out;
      ++counters_.ranges_reassigned;
      if (auto p = peers_.find(it->second.peer); p != peers_.end()) {
        --p->second.requests_in_flight;
      }
      requeue(it->second.start_height, it->second.count, it->second.peer, it->second.bytes_max);
      window_bytes_ -= it->second.bytes_max;
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
  assign_ranges(now);
}

void BlockSync::commit_in_order() {
  while (failed_.is_ok() && !pages_.empty() && pages_.begin()->first == next_height_) {
    Page page = std::move(pages_.begin()->second);
    const std::uint64_t start = pages_.begin()->first;
    pages_.erase(pages_.begin());
    window_bytes_ -= page.bytes;
    for (std::size_t i = 0; i < page.entries.size(); ++i) {
      const std::uint64_t height = start + i;
      const Entry& entry = page.entries[i];
      if (Status checked = chain_->check_entry(height, entry.block, entry.certificate);
          !checked.is_ok()) {
        requeue(height, page.entries.size() - i);
        drop_bad_peer(page.peer, checked.with_context(page_context(page.peer, height)));
        return;
      }
      if (Status committed = chain_->commit_entry(height, entry.block, entry.certificate);
          !committed.is_ok()) {
        failed_ = committed;
        return;
      }
      ++counters_.entries_committed;
      next_height_ = height + 1;
    }
  }
}

void BlockSync::assign_ranges(std::chrono::steady_clock::time_point now) {
  while (failed_.is_ok() && pages_held() < config_.pages_in_window_max && !peer_order_.empty()) {
    // The lowest height not yet asked for: a requeued range first, else the next fresh one.
    std::uint64_t start;
    std::uint64_t count;
    std::uint64_t bytes_max = config_.page_bytes_max;
    std::optional<Pubkey> avoid;
    const bool from_requeued = !requeued_.empty();
    if (from_requeued) {
      start = requeued_.begin()->first;
      count = requeued_.begin()->second.count;
      avoid = requeued_.begin()->second.avoid;
      bytes_max = std::max(bytes_max, requeued_.begin()->second.bytes_max);
    } else {
      if (next_unassigned_ > target_height_) return;
      start = next_unassigned_;
      count = target_height_ - start + 1;
    }
    const Pubkey* chosen = choose_peer(start, avoid);
    if (chosen == nullptr) return;
    if (window_bytes_ + bytes_max > config_.window_bytes_max) {
      // Heights are asked for lowest first, so a range that does not fit waits until it is the
      // next to commit, and then gets its room.
      if (start != next_height_) return;
      make_room_for_head(bytes_max);
      chosen = choose_peer(start, avoid);  // giving back requests may have freed a better peer
      if (chosen == nullptr) return;
    }
    Peer& peer = peers_.at(*chosen);
    count = std::min<std::uint64_t>({count, config_.page_blocks_max, peer.tip_height - start + 1});

    proto::BlockRangeRequest request;
    request.set_start_height(start);
    request.set_count(static_cast<std::uint32_t>(count));
    request.set_request_id(next_request_id_++);
    request.set_bytes_max(bytes_max);
    if (!network_->send_request(*chosen, request)) return;
    ++counters_.requests_sent;
    ++peer.requests_in_flight;
    requests_.emplace(request.request_id(),
                      Request{*chosen, start, static_cast<std::uint32_t>(count), bytes_max,
                              now + config_.request_timeout});
    window_bytes_ += bytes_max;
    note_window_peaks();

    if (from_requeued) {
      Range rest = requeued_.begin()->second;
      requeued_.erase(requeued_.begin());
      rest.count -= count;
      rest.bytes_max = 0;  // the large entry was the first, and is asked for now
      if (rest.count > 0) requeued_.emplace(start + count, rest);
    } else {
      next_unassigned_ = start + count;
    }
  }
}

void BlockSync::make_room_for_head(std::uint64_t bytes) {
  while (window_bytes_ + bytes > config_.window_bytes_max && !pages_.empty()) {
    auto last = std::prev(pages_.end());
    requeue(last->first, last->second.entries.size());
    window_bytes_ -= last->second.bytes;
    pages_.erase(last);
    ++counters_.pages_given_back;
  }
  while (window_bytes_ + bytes > config_.window_bytes_max && !requests_.empty()) {
    auto highest = requests_.begin();
    for (auto it = requests_.begin(); it != requests_.end(); ++it) {
      if (it->second.start_height > highest->second.start_height) highest = it;
    }
    const Request& request = highest->second;
    // Its answer, if one comes, is unsolicited.
    if (auto p = peers_.find(request.peer); p != peers_.end()) --p->second.requests_in_flight;
    requeue(request.start_height, request.count, std::nullopt, request.bytes_max);
    window_bytes_ -= request.bytes_max;
    requests_.erase(highest);
    ++counters_.pages_given_back;
  }
}

void BlockSync::note_window_peaks() {
  counters_.pages_held_peak = std::max<std::uint64_t>(counters_.pages_held_peak, pages_held());
  counters_.window_bytes_peak = std::max(counters_.window_bytes_peak, window_bytes_);
}

const Pubkey* BlockSync::choose_peer(std::uint64_t start, const std::optional<Pubkey>& avoid) {
  const Pubkey* fallback = nullptr;
  for (std::size_t tries = 0; tries < peer_order_.size(); ++tries) {
    const Pubkey& candidate = peer_order_[next_peer_ % peer_order_.size()];
    next_peer_ = (next_peer_ + 1) % peer_order_.size();
    const Peer& peer = peers_.at(candidate);
    if (peer.tip_height < start || peer.requests_in_flight >= config_.requests_per_peer_max) {
      continue;
    }
    if (avoid && candidate == *avoid) {
      fallback = &candidate;
      continue;
    }
    return &candidate;
  }
  return fallback;
}

void BlockSync::requeue(std::uint64_t start_height, std::uint64_t count,
                        std::optional<Pubkey> avoid, std::uint64_t bytes_max) {
  if (count > 0) requeued_.emplace(start_height, Range{count, std::move(avoid), bytes_max});
}

void BlockSync::drop_bad_peer(const Pubkey& peer, const Status& why) {
  if (peers_.find(peer) == peers_.end()) return;  // already reported
  ++counters_.bad_peers;
  for (auto it = pages_.begin(); it != pages_.end();) {
    if (it->second.peer == peer) {
      requeue(it->first, it->second.entries.size());
      window_bytes_ -= it->second.bytes;
      ++counters_.ranges_reassigned;
      it = pages_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, request] : requests_) {
    if (request.peer == peer) ++counters_.ranges_reassigned;
  }
  remove_peer(peer);
  ++counters_.ranges_reassigned;  // the range that showed the fault
  network_->report_bad_peer(peer, why);
}

Status answer_block_range(const proto::BlockRangeRequest& request, const BlockSource& source,
                          const BlockPageLimits& limits, proto::BlockRangeResponse* response) {
  response->Clear();
  response->set_request_id(request.request_id());
  const std::uint64_t tip = source.tip_height();
  const std::uint64_t count = std::min<std::uint64_t>(request.count(), limits.blocks_max);
  std::size_t page_bytes = 0;
  Bytes block;
  Bytes certificate;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t height = request.start_height() + i;
    if (height < request.start_height() || height > tip) break;  // past the tip (or wrapped)
    block.clear();
    certificate.clear();
    if (Status read = source.read_entry(height, &block, &certificate); !read.is_ok()) {
      if (read.code() == StatusCode::kNotFound) break;
      response->clear_blocks();
      return read;
    }
    const std::size_t body_bytes =
        request.headers_only() ? std::min(block.size(), kBlockHeaderBytes) : block.size();
    const std::size_t entry_bytes = body_bytes + certificate.size();
    if (page_bytes + entry_bytes > request.bytes_max()) {
      if (i == 0) response->set_first_entry_bytes(entry_bytes);
      break;
    }
    if (i > 0 && page_bytes + entry_bytes > limits.bytes_max) break;
    page_bytes += entry_bytes;
    proto::BlockEntry* entry = response->add_blocks();
    if (request.headers_only()) {
      entry->set_header(block.data(), body_bytes);
    } else {
      entry->set_block(block.data(), block.size());
    }
    entry->set_certificate(certificate.data(), certificate.size());
  }
  return Status::ok();
}

}  // namespace tc::net
