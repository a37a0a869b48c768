// SigningStateFile: the durable copy of a validator's consensus SignedState (consensus/engine.h),
// kept in a directory of its own beside the chain store. The consensus engine's host calls store()
// after each signature and before the message leaves, and the node calls load() once before
// Engine::start; a validator that forgot what it signed could sign a conflicting message.
//
// Files: `signing_state` (the record of consensus/signed_state.h, rewritten after each signature)
// and one `signing_payload_<block hash hex>` per locked or valid block, written once when the lock
// or valid value changes and removed once no record names it. Each file is written as
// `<name>.tmp`, fsync'd, renamed over the old one, and the directory fsync'd, so a crash leaves
// either the old or the new file. One owner thread; not for concurrent use across processes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "core/bytes.h"
#include "core/status.h"

namespace tc::node {

class SigningStateFile {
 public:
  // Creates `dir` (and its parents) when missing and opens it. Reads nothing. Errors: kIoError
  // naming the directory.
  static Result<std::unique_ptr<SigningStateFile>> open(const std::string& dir);
  ~SigningStateFile();
  SigningStateFile(const SigningStateFile&) = delete;
  SigningStateFile& operator=(const SigningStateFile&) = delete;

  // The last stored state, with its locked and valid payloads; a default-constructed SignedState
  // when no record exists (first start). Once it has loaded, files an interrupted store left
  // (`.tmp` files, payloads no longer named) are removed.
  // Errors, which must stop the node rather than start it from an empty state: kCorruption naming
  // the file (a record or payload that fails its checksum or format, a payload file missing for
  // the lock or valid value the record names) and kIoError.
  Result<consensus::SignedState> load();

  // Makes `state` durable before returning OK: writes the payload file of its locked and valid
  // blocks when not already stored, then the record, then removes payload files no longer named.
  // After any failure every later call returns that failure: what reached the disk is unknown, so
  // the engine must not sign again until an operator restarts the node (which then loads what
  // survived). Errors: kIoError naming the file and the failed call.
  Status store(const consensus::SignedState& state);

  const std::string& dir() const { return dir_; }

 private:
  SigningStateFile(std::string dir, int dir_fd) : dir_(std::move(dir)), dir_fd_(dir_fd) {}
  Status write_durably(const std::string& name, ByteSpan bytes);
  Status store_payload(const Hash256& hash, ByteSpan payload);
  void remove_unnamed_payloads(const consensus::SignedState& state);

  std::string dir_;
  int dir_fd_ = -1;
  std::vector<Hash256> stored_payloads_;  // payload files on disk, durable
  Status failure_;                        // sticky
};

}  // namespace tc::node
