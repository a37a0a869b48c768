#include "net/snapshot_sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

namespace tc::net {

namespace {

std::string chunk_context(const Pubkey& peer, std::uint32_t index) {
  return "snapshot sync: peer " + to_hex(ByteSpan(peer.data(), 8)) + " chunk " +
         std::to_string(index);
}

Status write_all(int fd, const std::string& data, std::uint64_t offset, const std::string& file) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + written, data.size() - written,
                               static_cast<off_t>(offset + written));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("snapshot sync: write " + file + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

}  // namespace

SnapshotSync::SnapshotSync(const SnapshotSyncConfig& config, const SnapshotTarget& target,
                           std::string file, SnapshotSink* sink, SnapshotSyncNetwork* network)
    : config_(config), target_(target), file_(std::move(file)), sink_(sink), network_(network) {
  assert(config_.chunks_in_flight_max > 0);
}

SnapshotSync::~SnapshotSync() {
  if (fd_ >= 0) ::close(fd_);
}

void SnapshotSync::add_peer(const Pubkey& peer) {
  peers_.push_back(peer);
}

Status SnapshotSync::check_chunk(const proto::SnapshotChunkResponse& response) const {
  const Pubkey& peer = peers_[peer_index_];
  const std::uint32_t index = response.chunk_index();
  const std::string context = chunk_context(peer, index);
  if (response.height() != target_.height ||
      response.content_hash() !=
          std::string_view(reinterpret_cast<const char*>(target_.content_hash.data()),
                           target_.content_hash.size())) {
    return invalid_argument(context + ": a chunk of another snapshot (height " +
                            std::to_string(response.height()) + ")");
  }
  if (response.snapshot_bytes() == 0 || response.snapshot_bytes() > config_.snapshot_bytes_max) {
    return invalid_argument(context + ": snapshot of " + std::to_string(response.snapshot_bytes()) +
                            " bytes, at most " + std::to_string(config_.snapshot_bytes_max));
  }
  if (response.data().size() > config_.chunk_bytes_max) {
    return invalid_argument(context + ": " + std::to_string(response.data().size()) +
                            " bytes, above the chunk bound of " +
                            std::to_string(config_.chunk_bytes_max));
  }
  if (chunk_count_ == 0) {
    // Chunk 0 sets the chunk size; the count must be what that size gives.
    const std::uint64_t size = response.data().size();
    if (size == 0 || size > response.snapshot_bytes() ||
        response.chunk_count() != (response.snapshot_bytes() + size - 1) / size) {
      return invalid_argument(context + ": " + std::to_string(response.chunk_count()) +
                              " chunks of " + std::to_string(size) + " bytes for " +
                              std::to_string(response.snapshot_bytes()) + " bytes");
    }
    return Status::ok();
  }
  if (response.chunk_count() != chunk_count_ || response.snapshot_bytes() != snapshot_bytes_) {
    return invalid_argument(context + ": the file's size changed between chunks");
  }
  if (response.data().size() != chunk_size(index)) {
    return invalid_argument(context + ": " + std::to_string(response.data().size()) + " bytes, " +
                            std::to_string(chunk_size(index)) + " expected");
  }
  return Status::ok();
}

std::uint64_t SnapshotSync::chunk_size(std::uint32_t index) const {
  return std::min(chunk_bytes_, snapshot_bytes_ - std::uint64_t{index} * chunk_bytes_);
}

void SnapshotSync::on_chunk(const Pubkey& peer, const proto::SnapshotChunkResponse& response,
                            std::chrono::steady_clock::time_point now) {
  if (state_ != SnapshotSyncState::kFetching || peer_index_ >= peers_.size() ||
      peers_[peer_index_] != peer || in_flight_.erase(response.chunk_index()) == 0) {
    ++counters_.unsolicited_chunks;
    return;
  }
  if (Status checked = check_chunk(response); !checked.is_ok()) {
    drop_bad_peer(checked);
    request_chunks(now);
    return;
  }
  if (chunk_count_ == 0) {
    chunk_count_ = response.chunk_count();
    snapshot_bytes_ = response.snapshot_bytes();
    chunk_bytes_ = response.data().size();
    next_chunk_ = 1;
  }
  if (Status written = write_all(fd_, response.data(),
                                 std::uint64_t{response.chunk_index()} * chunk_bytes_, file_);
      !written.is_ok()) {
    state_ = SnapshotSyncState::kFailed;
    failure_ = written;
    return;
  }
  ++counters_.chunks_received;
  if (++chunks_written_ == chunk_count_) {
    install(now);
    return;
  }
  request_chunks(now);
}

void SnapshotSync::poll(std::chrono::steady_clock::time_point now) {
  if (state_ != SnapshotSyncState::kFetching) return;
  for (const auto& [index, deadline] : in_flight_) {
    if (deadline <= now) {
      ++counters_.requests_timed_out;
      ++peer_index_;
      restart();
      break;
    }
  }
  request_chunks(now);
}

void SnapshotSync::restart() {
  ++counters_.restarts;
  in_flight_.clear();
  chunk_count_ = 0;
  snapshot_bytes_ = 0;
  chunk_bytes_ = 0;
  next_chunk_ = 0;
  chunks_written_ = 0;
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void SnapshotSync::drop_bad_peer(const Status& why) {
  ++counters_.bad_peers;
  const Pubkey peer = peers_[peer_index_];
  ++peer_index_;
  restart();
  network_->report_bad_peer(peer, why);
}

void SnapshotSync::request_chunks(std::chrono::steady_clock::time_point now) {
  if (state_ != SnapshotSyncState::kFetching || peer_index_ >= peers_.size()) return;
  if (fd_ < 0) {
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      state_ = SnapshotSyncState::kFailed;
      failure_ = io_error("snapshot sync: open " + file_ + ": " + std::strerror(errno));
      return;
    }
  }
  // Until chunk 0 says how many there are, only chunk 0 is asked for.
  const std::uint32_t end = chunk_count_ == 0 ? 1 : chunk_count_;
  while (next_chunk_ < end && in_flight_.size() < config_.chunks_in_flight_max) {
    if (chunk_count_ == 0 && !in_flight_.empty()) return;
    proto::SnapshotChunkRequest request;
    request.set_height(target_.height);
    request.set_content_hash(target_.content_hash.data(), target_.content_hash.size());
    request.set_chunk_index(next_chunk_);
    if (!network_->send_request(peers_[peer_index_], request)) return;
    ++counters_.chunks_requested;
    in_flight_.emplace(next_chunk_, now + config_.request_timeout);
    if (chunk_count_ == 0) return;  // chunk 0 stays next until it arrives
    ++next_chunk_;
  }
}

void SnapshotSync::install(std::chrono::steady_clock::time_point now) {
  const bool synced = ::fsync(fd_) == 0;
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  if (!synced) {
    state_ = SnapshotSyncState::kFailed;
    failure_ = io_error("snapshot sync: fsync " + file_ + ": " + std::strerror(error));
    return;
  }
  Status installed = sink_->install(file_);
  if (installed.is_ok()) {
    state_ = SnapshotSyncState::kInstalled;
    return;
  }
  const Pubkey& peer = peers_[peer_index_];
  failure_ = installed.with_context("snapshot sync: peer " + to_hex(ByteSpan(peer.data(), 8)) +
                                    " snapshot at height " + std::to_string(target_.height));
  drop_bad_peer(failure_);
  if (peer_index_ >= peers_.size()) {
    state_ = SnapshotSyncState::kRefused;
    return;
  }
  request_chunks(now);
}

Result<std::unique_ptr<SnapshotFileServer>> SnapshotFileServer::open(const std::string& file,
                                                                     const SnapshotFileInfo& info,
                                                                     std::uint32_t chunk_bytes) {
  if (chunk_bytes == 0 || chunk_bytes > kMaxSnapshotChunkBytes) {
    return invalid_argument("snapshot server: chunk_bytes " + std::to_string(chunk_bytes) +
                            " is not in 1.." + std::to_string(kMaxSnapshotChunkBytes));
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("snapshot server: open " + file + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return io_error("snapshot server: stat " + file + ": " + std::strerror(error));
  }
  if (st.st_size == 0) {
    ::close(fd);
    return invalid_argument("snapshot server: " + file + " is empty");
  }
  return std::unique_ptr<SnapshotFileServer>(
      new SnapshotFileServer(fd, info, static_cast<std::uint64_t>(st.st_size), chunk_bytes));
}

SnapshotFileServer::SnapshotFileServer(int fd, const SnapshotFileInfo& info,
                                       std::uint64_t file_bytes, std::uint32_t chunk_bytes)
    : fd_(fd),
      info_(info),
      file_bytes_(file_bytes),
      chunk_bytes_(chunk_bytes),
      chunk_count_(static_cast<std::uint32_t>((file_bytes + chunk_bytes - 1) / chunk_bytes)) {}

SnapshotFileServer::~SnapshotFileServer() {
  ::close(fd_);
}

Status SnapshotFileServer::answer(const proto::SnapshotChunkRequest& request,
                                  proto::SnapshotChunkResponse* response) const {
  if (request.height() != info_.height ||
      request.content_hash() !=
          std::string_view(reinterpret_cast<const char*>(info_.content_hash.data()),
                           info_.content_hash.size())) {
    return not_found("snapshot server: no snapshot at height " + std::to_string(request.height()) +
                     " with that content hash");
  }
  if (request.chunk_index() >= chunk_count_) {
    return not_found("snapshot server: chunk " + std::to_string(request.chunk_index()) + " of " +
                     std::to_string(chunk_count_));
  }
  const std::uint64_t offset = std::uint64_t{request.chunk_index()} * chunk_bytes_;
  const std::size_t size =
      static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes_, file_bytes_ - offset));
  std::string* data = response->mutable_data();
  data->resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd_, data->data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return io_error("snapshot server: read chunk " + std::to_string(request.chunk_index()) +
                      ": " + (n < 0 ? std::strerror(errno) : "file shrank"));
    }
    done += static_cast<std::size_t>(n);
  }
  response->set_height(info_.height);
  response->set_content_hash(request.content_hash());
  response->set_chunk_index(request.chunk_index());
  response->set_chunk_count(chunk_count_);
  response->set_snapshot_bytes(file_bytes_);
  return Status::ok();
}

}  // namespace tc::net
