// Reading a tool's input (standard input, a key file) with a bound on the memory it may take, so
// that `timecoin-wallet decode-tx - < /dev/zero` or an endless pipe into timecoin-verify ends with
// an error instead of growing until the kernel kills the process.
//
// Two shapes: read_to_end() for an input read whole (one transaction, one key file), LineReader
// for an input read line by line (timecoin-verify's signature lines). Both read a file descriptor
// with read(2), retried on EINTR; neither owns or closes it. One thread per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tc::cli {

// Reads `fd` to its end into *out, which holds exactly the bytes read (on success and on error
// alike, so a caller reading a secret can wipe them). *out is sized once to bytes_max + 1 and never
// reallocated: no copy of the bytes is left behind in freed memory. Errors, each message starting
// "<what>: ": kOutOfRange "more than <bytes_max> bytes" (the input is not read past
// bytes_max + 1), kIoError "cannot read: <the system's reason>".
Status read_to_end(int fd, std::size_t bytes_max, std::string_view what, std::string* out);

// Lines of `fd`, each at most `line_bytes_max` bytes without its newline ("\n"; a "\r" before it
// is kept). Memory: one buffer of 2 x line_bytes_max bytes, allocated by the constructor.
class LineReader {
 public:
  // REQUIRES: line_bytes_max >= 1.
  LineReader(int fd, std::size_t line_bytes_max, std::string_view what);

  // Sets *line to the next line (without its newline; valid until the next call) and returns true,
  // or returns false at the end of the input. A last line without a newline is still a line; an
  // input that ends with a newline has no empty line after it. Errors, each message starting
  // "<what>: ": kOutOfRange "line <n> is longer than <line_bytes_max> bytes", kIoError "cannot
  // read: <the system's reason>". After an error every later call fails the same way.
  Result<bool> next(std::string_view* line);

  // The number of the line next() returned last, from 1.
  std::uint64_t line_number() const { return line_number_; }

 private:
  // Moves the unread bytes to the front and reads more behind them; sets at_end_ when there are
  // none.
  Status fill();

  int fd_;
  std::size_t line_bytes_max_;
  std::string what_;
  std::string buffer_;
  std::size_t begin_ = 0;  // first unread byte
  std::size_t end_ = 0;    // one past the last byte read
  bool at_end_ = false;
  std::uint64_t line_number_ = 0;
  Status failure_;
};

}  // namespace tc::cli
