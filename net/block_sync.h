// Block sync: how a node that is behind fetches the committed blocks it lacks, with their commit
// certificates, from several peers at once, and how a node answers such requests.
//
// BlockSync is the fetching side. It is a state machine with no sockets and no clock of its own:
// the caller tells it which peers there are and how high their chains reach (set_peer_height),
// hands it each BlockRangeResponse (on_response) and calls poll(now) on a timer; it sends requests
// and reports bad peers through a BlockSyncNetwork, and checks and commits blocks through a
// BlockSyncChain. It splits the heights it lacks into ranges of at most page_blocks_max, assigns
// them round-robin to the peers whose height covers the range's first height, and asks for each
// page with a byte bound (page_bytes_max). It holds at most pages_in_window_max ranges at once
// (requested or received, not yet committed) and at most window_bytes_max bytes of entries
// (received pages at their size, outstanding requests at the bytes they asked for), so its memory
// is bounded in bytes whatever the peers send. An entry alone over the page bound comes back as an
// empty page that says its size; its range is asked again with room for it, and when that range is
// the next to commit, pages further ahead are given back (asked again later) to make the room.
// Pages arrive in any order; entries are checked and committed strictly in height order, each
// through BlockSyncChain::check_entry (the certificate against the validator set of its height, the
// block against the certified hash) before commit_entry. A peer that answers with anything no
// correct peer sends (an entry that fails its check, an entry of another height, more entries or
// more bytes than asked, a headers-only entry, an empty page for a height it claimed, an entry
// claimed larger than the window) is reported once through BlockSyncNetwork::report_bad_peer and
// dropped from the sync, and every range it held is asked again of the others. A request not
// answered within request_timeout goes to another peer too (the slow peer is not reported:
// slowness is not proof of malice).
//
// answer_block_range() is the serving side: a bounded page from the caller's BlockSource.
//
// Threads: a BlockSync has one owner thread (in the daemon, the io_context's); every method and
// every callback runs on it. Rules and bounds: docs/formats/p2p.md, "Block sync".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "net/proto/p2p.pb.h"

namespace tc::net {

// What the fetching side needs from the chain. node/ implements it with
// consensus::verify_certificate (against the validator set of `height`) and
// ledger::check_block_binding, then execute and commit through the engine's on_committed_block
// path.
class BlockSyncChain {
 public:
  virtual ~BlockSyncChain() = default;
  // Whether `certificate` commits a block at `height` under the validator set of that height and
  // `block` is exactly the block it certifies. Called in height order, each height once it is the
  // next to commit, so the validator set of every earlier height is known. An error blames the peer
  // that served the entry.
  virtual Status check_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) = 0;
  // Executes and commits a checked entry. An error is local (the store failed): the sync stops.
  virtual Status commit_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) = 0;
};

// How BlockSync reaches peers; the daemon routes these to connections and the peer manager.
class BlockSyncNetwork {
 public:
  virtual ~BlockSyncNetwork() = default;
  // Sends `request` to `peer`; false when it could not be queued (the request then waits for
  // another peer at the next poll).
  virtual bool send_request(const Pubkey& peer, const proto::BlockRangeRequest& request) = 0;
  // `peer` served bad data (`why` names the height and the rule); the caller scores or bans it.
  // Called once per peer; BlockSync does not ask that peer again unless set_peer_height re-adds it.
  virtual void report_bad_peer(const Pubkey& peer, const Status& why) = 0;
};

struct BlockSyncConfig {
  std::uint32_t page_blocks_max = 128;  // heights per request
  // Block and certificate bytes a page may hold, summed over its entries: each request's
  // bytes_max. A larger entry is asked for alone, with room for its size.
  std::uint64_t page_bytes_max = 8u << 20;
  // Ranges requested or received and not yet committed, over all peers.
  std::size_t pages_in_window_max = 16;
  // Bytes of entries in the window: received pages not yet committed at their size, plus
  // outstanding requests at their bytes_max. Must hold the largest entry a chain can have (a
  // 64 MiB block and its certificate); an entry claimed larger is bad data.
  std::uint64_t window_bytes_max = 128u << 20;
  std::size_t requests_per_peer_max = 4;
  std::chrono::milliseconds request_timeout{10'000};
};

struct BlockSyncCounters {
  std::uint64_t requests_sent = 0;
  std::uint64_t pages_received = 0;
  std::uint64_t entries_committed = 0;
  std::uint64_t short_pages = 0;  // fewer entries than asked; the rest is asked again
  std::uint64_t requests_timed_out = 0;
  std::uint64_t ranges_reassigned = 0;      // after a timeout or a bad peer
  std::uint64_t unsolicited_responses = 0;  // unknown request id, or from another peer; ignored
  std::uint64_t bad_peers = 0;
  std::uint64_t pages_held_peak = 0;    // requested + received, the bound's witness
  std::uint64_t window_bytes_peak = 0;  // received + asked-for bytes, the byte bound's witness
  std::uint64_t large_entries = 0;      // empty pages naming an entry over the page bound
  std::uint64_t pages_given_back = 0;   // received or requested, dropped to make room for the head
};

class BlockSync {
 public:
  // Fetches heights first_height .. the highest height a peer reports. `chain` and `network` must
  // outlive the BlockSync. REQUIRES: config's maxima > 0, window_bytes_max >= page_bytes_max.
  BlockSync(const BlockSyncConfig& config, std::uint64_t first_height, BlockSyncChain* chain,
            BlockSyncNetwork* network);

  // Adds `peer` or updates how high its chain reaches (its tip height). Heights above every
  // earlier report extend the sync's target.
  void set_peer_height(const Pubkey& peer, std::uint64_t tip_height);
  // Forgets `peer` (disconnected): its outstanding ranges are asked again elsewhere; pages it
  // already delivered are kept and checked as usual.
  void remove_peer(const Pubkey& peer);

  // Handles a response from `peer` (see the file comment). Then commits what is next in order and
  // sends requests for free window slots.
  void on_response(const Pubkey& peer, const proto::BlockRangeResponse& response,
                   std::chrono::steady_clock::time_point now);
  // Expires timed-out requests and sends requests for free window slots. Call it on a timer
  // (a fraction of request_timeout) and after peers change.
  void poll(std::chrono::steady_clock::time_point now);

  // A peer has reported its height, and every height up to the highest reported is committed.
  bool done() const { return !peers_.empty() && next_height_ > target_height_ && failed_.is_ok(); }
  // OK unless commit_entry failed; the sync then does nothing more.
  const Status& failure() const { return failed_; }
  std::uint64_t next_height() const { return next_height_; }
  std::size_t peer_count() const { return peers_.size(); }
  const BlockSyncCounters& counters() const { return counters_; }

 private:
  struct Peer {
    std::uint64_t tip_height = 0;
    std::size_t requests_in_flight = 0;
  };
  struct Request {
    Pubkey peer;
    std::uint64_t start_height = 0;
    std::uint32_t count = 0;
    std::uint64_t bytes_max = 0;  // as asked; counted in window_bytes_ until answered
    std::chrono::steady_clock::time_point deadline;
  };
  struct Entry {
    Bytes block;
    Bytes certificate;
  };
  // Heights to ask again, and the peer that last failed to deliver them (timed out), which is
  // passed over while another peer can take them.
  struct Range {
    std::uint64_t count = 0;
    std::optional<Pubkey> avoid;
    std::uint64_t bytes_max = 0;  // above page_bytes_max: the size its first entry was said to have
  };
  struct Page {
    Pubkey peer;
    std::vector<Entry> entries;  // heights start .. start + size - 1
    std::uint64_t bytes = 0;     // of its entries' blocks and certificates
  };

  // Checks a response's shape against its request; an error blames the peer.
  static Status check_page(const Request& request, const proto::BlockRangeResponse& response);
  // Checks and commits the pages that are next in height order.
  void commit_in_order();
  void assign_ranges(std::chrono::steady_clock::time_point now);
  // Gives back received pages, then outstanding requests, highest heights first, until `bytes` more
  // fit in the window. Only for the range that is next to commit, which therefore always gets room.
  void make_room_for_head(std::uint64_t bytes);
  // Hands [start, start + count) back to be asked again, preferably not of `avoid`, with room for
  // `bytes_max` bytes when that is above the page bound.
  void requeue(std::uint64_t start_height, std::uint64_t count,
               std::optional<Pubkey> avoid = std::nullopt, std::uint64_t bytes_max = 0);
  // The next peer in round-robin order whose chain reaches `start` and that has room for a request,
  // `avoid` only when no other qualifies; null when none does.
  const Pubkey* choose_peer(std::uint64_t start, const std::optional<Pubkey>& avoid);
  // Reports `peer`, drops it and every range it holds (requested or received).
  void drop_bad_peer(const Pubkey& peer, const Status& why);
  std::size_t pages_held() const { return requests_.size() + pages_.size(); }
  void note_window_peaks();

  BlockSyncConfig config_;
  BlockSyncChain* chain_;
  BlockSyncNetwork* network_;
  std::uint64_t next_height_;                // the next height to commit
  std::uint64_t target_height_ = 0;          // the highest height a peer reported
  std::uint64_t next_unassigned_;            // heights from here up have never been asked for
  std::map<std::uint64_t, Range> requeued_;  // by start height; asked for before fresh heights
  std::vector<Pubkey> peer_order_;           // round-robin order
  std::size_t next_peer_ = 0;
  std::unordered_map<Pubkey, Peer> peers_;
  std::unordered_map<std::uint64_t, Request> requests_;  // by request id
  std::map<std::uint64_t, Page> pages_;                  // received, by start height
  std::uint64_t window_bytes_ = 0;                       // pages_' bytes + requests_' bytes_max
  std::uint64_t next_request_id_ = 1;
  Status failed_;
  BlockSyncCounters counters_;
};

// Where the serving side reads committed blocks (node/: the chain store).
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // The highest committed height.
  virtual std::uint64_t tip_height() const = 0;
  // Appends the canonical block and certificate of committed `height` to *block and *certificate.
  // kNotFound when the body was pruned or the height is above the tip.
  virtual Status read_entry(std::uint64_t height, Bytes* block, Bytes* certificate) const = 0;
};

struct BlockPageLimits {
  std::uint32_t blocks_max = 128;
  // Entries are added while the page stays within this many bytes of block and certificate; the
  // first entry is always sent when the request's bytes_max allows it (a block alone fits a frame).
  std::size_t bytes_max = 8u << 20;
};

// Fills *response (request_id echoed) with consecutive entries from request.start_height: at most
// request.count and limits.blocks_max of them, never more than request.bytes_max bytes of block
// (or header) and certificate, and within limits.bytes_max after the first, stopping at the
// source's tip or at the first height it cannot read (pruned). headers_only requests get the
// 192-byte header in place of the block. An empty page means nothing from start_height could be
// served; when that is because the first entry alone is over request.bytes_max, first_entry_bytes
// says its size. Errors only when the source fails for another reason than kNotFound (the response
// is then empty).
Status answer_block_range(const proto::BlockRangeRequest& request, const BlockSource& source,
                          const BlockPageLimits& limits, proto::BlockRangeResponse* response);

}  // namespace tc::net
