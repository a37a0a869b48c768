// UringFileSystem: a RocksDB FileSystem whose random-access files serve MultiRead through io_uring.
//
// It sits under ChainStore (storage/chain_store.h) on the read path of UTXO lookups: RocksDB's
// MultiGet hands each SST file one MultiRead with all the block reads that file owes the batch, and
// this wrapper submits them to the kernel at once instead of one pread after another (Debian's
// RocksDB is built without io_uring). Everything else (writes, sequential reads, single Reads) goes
// to the wrapped file system unchanged. Direct reads (use_direct_reads) are honoured: RocksDB
// passes aligned offsets, lengths and buffers, and the wrapper opens its descriptor with O_DIRECT.
// Thread model: RocksDB calls MultiRead from any thread; each thread gets its own ring, created
// lazily and torn down when the thread exits, so no lock is taken on the read path.
#pragma once

#include <cstdint>
#include <memory>

#include "core/status.h"

namespace rocksdb {
class FileSystem;
}

namespace tc::storage {

struct UringOptions {
  // Submission queue entries per thread's ring; a MultiRead with more requests submits in waves.
  unsigned queue_depth = 128;
};

// Probes whether this process may create an io_uring (kernel support, io_uring_disabled sysctl,
// seccomp). Returns OK, or kUnavailable naming the errno from io_uring_queue_init. Any thread.
Status probe_io_uring();

// Wraps `base` so that random-access files read batches through io_uring. Returns kUnavailable
// (with the reason from probe_io_uring) when io_uring cannot be used here; the caller then keeps
// `base`. The returned file system shares ownership of `base`.
Result<std::shared_ptr<rocksdb::FileSystem>> make_uring_file_system(
    std::shared_ptr<rocksdb::FileSystem> base, const UringOptions& options);

// Reads submitted through io_uring by every UringFileSystem in this process since start (relaxed
// counter, for tests and benchmarks to see that the path is taken). Any thread.
std::uint64_t uring_reads_submitted();

}  // namespace tc::storage
