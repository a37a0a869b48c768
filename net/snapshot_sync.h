// Snapshot sync: how a node far behind fetches a UTXO snapshot file in chunks instead of every
// block, and how a node serves the snapshot it exported.
//
// SnapshotSync is the fetching side. The caller names the snapshot (height and content hash, as
// storage/chain_store.h export_utxo_snapshot reports them) and a file to assemble it in, and gives
// it peers that hold it. It fetches the chunks from one peer at a time, at most
// chunks_in_flight_max at once, checks each chunk against the snapshot asked for (height, content
// hash, index, the size every chunk of that file must have, at most chunk_bytes_max), and writes it
// at its offset, so the bytes in flight are bounded by chunks_in_flight_max × chunk_bytes_max and
// none are held here once written. When every chunk is there it hands the file to
// SnapshotSink::install, which for the daemon is ChainStore::import_utxo_snapshot with the
// utxo_digest of the certified header at that height: a file whose content or UTXO digest does not
// match is refused there, and the snapshot is never used. A peer that sends a chunk no correct peer
// sends, or whose file is refused, is reported; a peer that is too slow is left for the next one.
// Either way the fetch starts over from chunk 0 with the next peer, so the file is always one
// peer's and a refusal blames that peer alone. When no peer is left the sync ends (kRefused after a
// refusal); the caller may start another with other peers or another snapshot.
//
// SnapshotFileServer is the serving side: chunks of one exported file.
//
// Threads: one owner thread per object; callbacks run on it. Rules: docs/formats/p2p.md,
// "Snapshot sync".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "net/proto/p2p.pb.h"

namespace tc::net {

// What SnapshotSync needs from the node.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // Checks and loads the assembled file (see the file comment). An error refuses the snapshot.
  virtual Status install(const std::string& file) = 0;
};

class SnapshotSyncNetwork {
 public:
  virtual ~SnapshotSyncNetwork() = default;
  // False when the request could not be queued; it is tried again at the next poll.
  virtual bool send_request(const Pubkey& peer, const proto::SnapshotChunkRequest& request) = 0;
  virtual void report_bad_peer(const Pubkey& peer, const Status& why) = 0;
};

// The largest chunk a server cuts and a fetcher accepts by default: the frame stays far below the
// 65 MiB maximum, and eight in flight are 64 MiB.
inline constexpr std::uint32_t kMaxSnapshotChunkBytes = 8u << 20;

struct SnapshotTarget {
  std::uint64_t height = 0;
  Hash256 content_hash;
};

struct SnapshotSyncConfig {
  std::size_t chunks_in_flight_max = 8;
  std::uint32_t chunk_bytes_max = kMaxSnapshotChunkBytes;      // a larger chunk is bad data
  std::uint64_t snapshot_bytes_max = std::uint64_t{64} << 30;  // a larger claim is refused
  std::chrono::milliseconds request_timeout{10'000};
};

enum class SnapshotSyncState : std::uint8_t {
  kFetching,   // waiting for chunks, or for a peer
  kInstalled,  // install() accepted the file
  kRefused,    // install() refused the file of every peer (failure() says why, for the last)
  kFailed,     // the file could not be written here (failure() says why)
};

struct SnapshotSyncCounters {
  std::uint64_t chunks_requested = 0;
  std::uint64_t chunks_received = 0;
  std::uint64_t requests_timed_out = 0;
  std::uint64_t unsolicited_chunks = 0;  // not asked for, or from a peer no longer asked; ignored
  std::uint64_t bad_peers = 0;
  std::uint64_t restarts = 0;
};

class SnapshotSync {
 public:
  // Assembles the snapshot in `file` (created or truncated at the first chunk). `sink` and
  // `network` must outlive the SnapshotSync. REQUIRES: chunks_in_flight_max > 0.
  SnapshotSync(const SnapshotSyncConfig& config, const SnapshotTarget& target, std::string file,
               SnapshotSink* sink, SnapshotSyncNetwork* network);
  ~SnapshotSync();
  SnapshotSync(const SnapshotSync&) = delete;
  SnapshotSync& operator=(const SnapshotSync&) = delete;

  // A peer that holds the snapshot; peers are tried in the order added, each once.
  void add_peer(const Pubkey& peer);
  void on_chunk(const Pubkey& peer, const proto::SnapshotChunkResponse& response,
                std::chrono::steady_clock::time_point now);
  // Expires a timed-out request (moving to the next peer) and sends requests. Call on a timer.
  void poll(std::chrono::steady_clock::time_point now);

  SnapshotSyncState state() const { return state_; }
  const Status& failure() const { return failure_; }
  const SnapshotSyncCounters& counters() const { return counters_; }

 private:
  // Checks a chunk against the target and the chunks before it; an error blames the peer.
  Status check_chunk(const proto::SnapshotChunkResponse& response) const;
  // Drops everything fetched so far and moves to the next peer.
  void restart();
  void drop_bad_peer(const Status& why);
  void request_chunks(std::chrono::steady_clock::time_point now);
  // Hands the complete file to the sink; on a refusal, reports the peer and goes on with the next.
  void install(std::chrono::steady_clock::time_point now);
  std::uint64_t chunk_size(std::uint32_t index) const;

  SnapshotSyncConfig config_;
  SnapshotTarget target_;
  std::string file_;
  SnapshotSink* sink_;
  SnapshotSyncNetwork* network_;
  int fd_ = -1;

  std::vector<Pubkey> peers_;
  std::size_t peer_index_ = 0;  // peers_[peer_index_] is asked now, when in range
  // What chunk 0 said about the file; chunk_count_ == 0 until it arrived.
  std::uint32_t chunk_count_ = 0;
  std::uint64_t snapshot_bytes_ = 0;
  std::uint64_t chunk_bytes_ = 0;
  std::uint32_t next_chunk_ = 0;  // the next index to ask for
  std::uint32_t chunks_written_ = 0;
  std::map<std::uint32_t, std::chrono::steady_clock::time_point> in_flight_;  // index -> deadline
  SnapshotSyncState state_ = SnapshotSyncState::kFetching;
  Status failure_;
  SnapshotSyncCounters counters_;
};

struct SnapshotFileInfo {
  std::uint64_t height = 0;
  Hash256 content_hash;
};

// Serves chunks of one snapshot file. Chunk i is bytes [i * chunk_bytes, (i + 1) * chunk_bytes) of
// the file, the last one shorter. One owner thread.
class SnapshotFileServer {
 public:
  // Opens `file`. kIoError naming the file when it cannot be opened or sized; kInvalidArgument when
  // chunk_bytes is 0 or above kMaxSnapshotChunkBytes, or the file is empty.
  static Result<std::unique_ptr<SnapshotFileServer>> open(const std::string& file,
                                                          const SnapshotFileInfo& info,
                                                          std::uint32_t chunk_bytes);
  ~SnapshotFileServer();
  SnapshotFileServer(const SnapshotFileServer&) = delete;
  SnapshotFileServer& operator=(const SnapshotFileServer&) = delete;

  // Fills *response with the chunk asked for. kNotFound when the request names another snapshot
  // or a chunk past the end (the caller does not answer); kIoError when the read fails.
  Status answer(const proto::SnapshotChunkRequest& request,
                proto::SnapshotChunkResponse* response) const;

 private:
  SnapshotFileServer(int fd, const SnapshotFileInfo& info, std::uint64_t file_bytes,
                     std::uint32_t chunk_bytes);

  int fd_;
  SnapshotFileInfo info_;
  std::uint64_t file_bytes_;
  std::uint32_t chunk_bytes_;
  std::uint32_t chunk_count_;
};

}  // namespace tc::net
