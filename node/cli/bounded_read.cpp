#include "node/cli/bounded_read.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tc::cli {
namespace {

// One read(2) into [data, data + size), retried on EINTR: the bytes read, 0 at the end.
Result<std::size_t> read_some(int fd, char* data, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return io_error(std::string("cannot read: ") + std::strerror(errno));
  }
}

}  // namespace

Status read_to_end(int fd, std::size_t bytes_max, std::string_view what, std::string* out) {
  // One byte more than the limit tells an input over it from one exactly at it.
  out->assign(bytes_max + 1, '\0');
  std::size_t filled = 0;
  while (filled < out->size()) {
    Result<std::size_t> n = read_some(fd, out->data() + filled, out->size() - filled);
    if (!n.is_ok()) {
      out->resize(filled);
      return n.status().with_context(what);
    }
    if (*n == 0) break;
    filled += *n;
  }
  out->resize(filled);
  if (filled > bytes_max) {
    return out_of_range(std::string(what) + ": more than " + std::to_string(bytes_max) + " bytes");
  }
  return Status::ok();
}

LineReader::LineReader(int fd, std::size_t line_bytes_max, std::string_view what)
    : fd_(fd), line_bytes_max_(line_bytes_max), what_(what), buffer_(2 * line_bytes_max, '\0') {}

Result<bool> LineReader::next(std::string_view* line) {
  if (!failure_.is_ok()) return failure_;
  std::size_t scanned = begin_;  // bytes before this hold no newline
  for (;;) {
    const void* newline = std::memchr(buffer_.data() + scanned, '\n', end_ - scanned);
    const std::size_t stop =
        newline != nullptr
            ? static_cast<std::size_t>(static_cast<const char*>(newline) - buffer_.data())
            : end_;
    if (stop - begin_ > line_bytes_max_) {
      failure_ = out_of_range(what_ + ": line " + std::to_string(line_number_ + 1) +
                              " is longer than " + std::to_string(line_bytes_max_) + " bytes");
      return failure_;
    }
    if (newline != nullptr || (at_end_ && begin_ < end_)) {
      *line = std::string_view(buffer_.data() + begin_, stop - begin_);
      begin_ = newline != nullptr ? stop + 1 : end_;
      ++line_number_;
      return true;
    }
    if (at_end_) return false;
    scanned = end_ - begin_;
    if (Status filled = fill(); !filled.is_ok()) {
      failure_ = filled;
      return failure_;
    }
  }
}

Status LineReader::fill() {
  // The unread bytes (at most line_bytes_max, checked by next) move to the front, leaving at
  // least line_bytes_max bytes free.
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  Result<std::size_t> n = read_some(fd_, buffer_.data() + end_, buffer_.size() - end_);
  if (!n.is_ok()) return n.status().with_context(what_);
  end_ += *n;
  at_end_ = *n == 0;
  return Status::ok();
}

}  // namespace tc::cli
