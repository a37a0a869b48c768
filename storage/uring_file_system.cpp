#include "storage/uring_file_system.h"

#include <fcntl.h>
#include <liburing.h>
#include <rocksdb/file_system.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace tc::storage {
namespace {

// One ring per thread, created on the thread's first MultiRead and closed when the thread exits. A
// forked child inherits its parent's mapping; the pid check gives the child a ring of its own.
class ThreadRing {
 public:
  ~ThreadRing() {
    if (ready_) io_uring_queue_exit(&ring_);
  }

  // Returns this thread's ring, or nullptr when it cannot be created (the caller then reads with
  // pread). A failed creation is not retried on this thread.
  io_uring* get(unsigned queue_depth) {
    if (ready_ && owner_pid_ != getpid()) {
      io_uring_queue_exit(&ring_);
      ready_ = false;
      tried_ = false;
    }
    if (!tried_) {
      tried_ = true;
      ready_ = io_uring_queue_init(queue_depth, &ring_, 0) == 0;
      owner_pid_ = getpid();
      depth_ = queue_depth;
    }
    return ready_ ? &ring_ : nullptr;
  }
  unsigned depth() const { return depth_; }

 private:
  io_uring ring_{};
  bool tried_ = false;
  bool ready_ = false;
  pid_t owner_pid_ = 0;
  unsigned depth_ = 0;
};

thread_local ThreadRing thread_ring;
std::atomic<std::uint64_t> reads_submitted{0};

// Per-thread scratch for MultiRead, reused across calls so a batch allocates only when it is larger
// than any batch this thread has read before.
struct MultiReadScratch {
  std::vector<std::size_t> bytes_done;
  std::vector<std::uint8_t> finished;
  std::vector<std::uint32_t> submit_queue;
};
thread_local MultiReadScratch multi_read_scratch;

rocksdb::IOStatus errno_status(const char* what, int error) {
  return rocksdb::IOStatus::IOError(std::string(what) + ": " + std::strerror(error));
}

class UringRandomAccessFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  UringRandomAccessFile(std::unique_ptr<rocksdb::FSRandomAccessFile> base, int fd,
                        unsigned queue_depth)
      : FSRandomAccessFileOwnerWrapper(std::move(base)), fd_(fd), queue_depth_(queue_depth) {}
  ~UringRandomAccessFile() override { close(fd_); }

  // Submits every request of the batch (in waves of the ring's depth), then reaps completions;
  // short reads are resubmitted for their remainder, except at end of file. Each request gets its
  // own status; the call's status is OK unless the batch could not be attempted at all.
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, std::size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    io_uring* ring = thread_ring.get(queue_depth_);
    if (ring == nullptr || num_reqs <= 1) {
      return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, options, dbg);
    }
    for (std::size_t i = 0; i < num_reqs; ++i) {
      if (reqs[i].scratch == nullptr) {
        return rocksdb::IOStatus::InvalidArgument("MultiRead request without a scratch buffer");
      }
    }
    const bool direct = use_direct_io();
    const std::size_t alignment = GetRequiredBufferAlignment();
    auto& done = multi_read_scratch.bytes_done;
    auto& finished = multi_read_scratch.finished;
    auto& queue = multi_read_scratch.submit_queue;
    done.assign(num_reqs, 0);
    finished.assign(num_reqs, 0);
    queue.clear();
    for (std::size_t i = 0; i < num_reqs; ++i) queue.push_back(static_cast<std::uint32_t>(i));

    std::size_t next = 0;  // position in `queue` of the next request to submit
    std::size_t in_flight = 0;
    std::size_t remaining = num_reqs;
    auto finish = [&](std::uint32_t i, rocksdb::IOStatus status) {
      reqs[i].status = std::move(status);
      reqs[i].result = rocksdb::Slice(reqs[i].scratch, done[i]);
      finished[i] = 1;
      --remaining;
    };

    const unsigned depth = thread_ring.depth();
    while (remaining > 0) {
      while (next < queue.size() && in_flight < depth) {
        io_uring_sqe* sqe = io_uring_get_sqe(ring);
        if (sqe == nullptr) break;
        const std::uint32_t i = queue[next++];
        io_uring_prep_read(sqe, fd_, reqs[i].scratch + done[i],
                           static_cast<unsigned>(reqs[i].len - done[i]), reqs[i].offset + done[i]);
        io_uring_sqe_set_data64(sqe, i);
        ++in_flight;
      }
      const int rc = io_uring_submit_and_wait(ring, 1);
      if (rc > 0)
        reads_submitted.fetch_add(static_cast<std::uint64_t>(rc), std::memory_order_relaxed);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
        // The ring is unusable; requests already in the kernel must complete before their
        // buffers return to the caller, so drain them, then read the rest with pread.
        drain(ring, &in_flight);
        for (std::size_t p = 0; p < num_reqs; ++p) {
          if (!finished[p]) {
            reqs[p].status =
                Read(reqs[p].offset, reqs[p].len, options, &reqs[p].result, reqs[p].scratch, dbg);
          }
        }
        return rocksdb::IOStatus::OK();
      }
      unsigned head;
      unsigned seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(ring, head, cqe) {
        ++seen;
        --in_flight;
        const auto i = static_cast<std::uint32_t>(io_uring_cqe_get_data64(cqe));
        const int res = cqe->res;
        if (res == -EINTR || res == -EAGAIN) {
          queue.push_back(i);
        } else if (res < 0) {
          finish(i, errno_status("io_uring read", -res));
        } else {
          done[i] += static_cast<std::size_t>(res);
          const bool end_of_file = res == 0 || (direct && res % alignment != 0);
          if (done[i] < reqs[i].len && !end_of_file) {
            queue.push_back(i);
          } else {
            finish(i, rocksdb::IOStatus::OK());
          }
        }
      }
      io_uring_cq_advance(ring, seen);
    }
    return rocksdb::IOStatus::OK();
  }

 private:
  static void drain(io_uring* ring, std::size_t* in_flight) {
    while (*in_flight > 0) {
      io_uring_cqe* cqe;
      if (io_uring_wait_cqe(ring, &cqe) != 0) continue;
      io_uring_cqe_seen(ring, cqe);
      --*in_flight;
    }
  }

  int fd_;
  unsigned queue_depth_;
};

class UringFileSystem : public rocksdb::FileSystemWrapper {
 public:
  UringFileSystem(std::shared_ptr<rocksdb::FileSystem> base, const UringOptions& options)
      : FileSystemWrapper(base), options_(options) {}

  const char* Name() const override { return "TcUringFileSystem"; }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& fname,
                                        const rocksdb::FileOptions& file_opts,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSRandomAccessFile> base_file;
    rocksdb::IOStatus status = target()->NewRandomAccessFile(fname, file_opts, &base_file, dbg);
    if (!status.ok()) return status;
    int flags = O_RDONLY | O_CLOEXEC;
    if (file_opts.use_direct_reads) flags |= O_DIRECT;
    const int fd = open(fname.c_str(), flags);
    if (fd < 0) return errno_status(("open " + fname).c_str(), errno);
    *result =
        std::make_unique<UringRandomAccessFile>(std::move(base_file), fd, options_.queue_depth);
    return rocksdb::IOStatus::OK();
  }

 private:
  UringOptions options_;
};

}  // namespace

Status probe_io_uring() {
  io_uring ring;
  const int rc = io_uring_queue_init(4, &ring, 0);
  if (rc != 0) {
    return unavailable(std::string("io_uring_queue_init failed: ") + std::strerror(-rc));
  }
  io_uring_queue_exit(&ring);
  return Status::ok();
}

std::uint64_t uring_reads_submitted() {
  return reads_submitted.load(std::memory_order_relaxed);
}

Result<std::shared_ptr<rocksdb::FileSystem>> make_uring_file_system(
    std::shared_ptr<rocksdb::FileSystem> base, const UringOptions& options) {
  TC_RETURN_IF_ERROR(probe_io_uring());
  if (options.queue_depth == 0) return invalid_argument("io_uring queue_depth must be > 0");
  return std::shared_ptr<rocksdb::FileSystem>(
      std::make_shared<UringFileSystem>(std::move(base), options));
}

}  // namespace tc::storage
