// FaultFileSystem: a RocksDB FileSystem wrapper for storage tests that (a) keeps every written byte
// in memory until the file is synced, so a SIGKILL loses exactly the unsynced data, as a power
// loss would, and (b) fails writes on demand, to test that the store refuses writes after a
// failure.
//
// Data reaches the wrapped file only on Sync/Fsync/Close. Metadata operations (create, rename,
// delete) pass straight through. With skip_fsync, a Sync hands the data to the kernel but does not
// fsync it (nor directories): enough for SIGKILL tests, where the page cache survives, and much
// faster on slow disks. Used by tests/storage/*_test.cpp only; the fail switch may be
// flipped from any thread.
#pragma once

#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace tc::storage::testing {

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  struct Options {
    bool skip_fsync = false;
  };
  FaultFileSystem(std::shared_ptr<rocksdb::FileSystem> base, Options options)
      : FileSystemWrapper(std::move(base)), options_(options) {}
  const char* Name() const override { return "TcFaultFileSystem"; }

  // While set, every Append, Sync and new writable file fails with an IOError.
  void set_fail_writes(bool fail) { fail_writes_.store(fail); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (fail_writes_.load()) return rocksdb::IOStatus::IOError("injected: create " + fname);
    std::unique_ptr<rocksdb::FSWritableFile> base;
    rocksdb::IOStatus status = target()->NewWritableFile(fname, options, &base, dbg);
    if (!status.ok()) return status;
    *result = std::make_unique<File>(std::move(base), &fail_writes_, options_.skip_fsync);
    return status;
  }

  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewDirectory(name, options, result, dbg);
    if (status.ok() && options_.skip_fsync)
      *result = std::make_unique<Directory>(std::move(*result));
    return status;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> base, const std::atomic<bool>* fail,
         bool skip_fsync)
        : FSWritableFileOwnerWrapper(std::move(base)), fail_(fail), skip_fsync_(skip_fsync) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override {
      if (fail_->load()) return rocksdb::IOStatus::IOError("injected: append");
      pending_.append(data.data(), data.size());
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo&,
                             rocksdb::IODebugContext* dbg) override {
      return Append(data, options, dbg);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fail_->load()) return rocksdb::IOStatus::IOError("injected: sync");
      rocksdb::IOStatus status = write_out(options, dbg);
      if (!status.ok() || skip_fsync_) return status;
      return target()->Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      return Sync(options, dbg);
    }
    rocksdb::IOStatus RangeSync(std::uint64_t, std::uint64_t, const rocksdb::IOOptions&,
                                rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus Truncate(std::uint64_t size, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
      rocksdb::IOStatus status = write_out(options, dbg);
      return status.ok() ? target()->Truncate(size, options, dbg) : status;
    }
    rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      rocksdb::IOStatus status = write_out(options, dbg);
      return status.ok() ? target()->Close(options, dbg) : status;
    }
    std::uint64_t GetFileSize(const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
      return target()->GetFileSize(options, dbg) + pending_.size();
    }

   private:
    rocksdb::IOStatus write_out(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
      if (pending_.empty()) return rocksdb::IOStatus::OK();
      rocksdb::IOStatus status = target()->Append(pending_, options, dbg);
      if (status.ok()) status = target()->Flush(options, dbg);
      pending_.clear();
      return status;
    }

    const std::atomic<bool>* fail_;
    bool skip_fsync_;
    std::string pending_;
  };

  class Directory : public rocksdb::FSDirectoryWrapper {
   public:
    using FSDirectoryWrapper::FSDirectoryWrapper;
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions&, rocksdb::IODebugContext*,
                                          const rocksdb::DirFsyncOptions&) override {
      return rocksdb::IOStatus::OK();
    }
  };

  Options options_;

  std::atomic<bool> fail_writes_{false};
};

}  // namespace tc::storage::testing
