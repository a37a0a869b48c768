// DataDir: the node's data directory, held exclusively by one timecoind process for its whole life.
//
//   DATA_DIR/timecoind.lock   the lock: flock(LOCK_EX) held while the process runs; holds its pid
//   DATA_DIR/node_key.json    the node's consensus key (node/wallet/key_file.h format); also its
//                             P2P identity. Written by the operator (or `timecoind devnet`).
//   DATA_DIR/genesis.json     the network's genesis (node/genesis_file.h)
//   DATA_DIR/chain/           the ChainStore (RocksDB): blocks, certificates, UTXO set, peers
//   DATA_DIR/signing_state/   what this validator last signed (node/signing_state_file.h)
//
// The lock is advisory and released by the kernel when the process ends, even by kill -9, so a
// crashed node restarts without manual cleanup; a second daemon on the same directory is refused.
// One owner thread.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace tc::node {

class DataDir {
 public:
  // Creates `path` when missing (with parents) and takes its lock. Errors: kIoError naming the
  // path (cannot create the directory or the lock file), kUnavailable when another process holds
  // the lock ("data directory D is in use by another timecoind (pid N)").
  static Result<std::unique_ptr<DataDir>> lock(const std::string& path);
  // Releases the lock.
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::string& path() const { return path_; }
  std::string key_file() const { return path_ + "/node_key.json"; }
  std::string genesis_file() const { return path_ + "/genesis.json"; }
  std::string chain_store() const { return path_ + "/chain"; }
  std::string signing_state() const { return path_ + "/signing_state"; }

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}

  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace tc::node
