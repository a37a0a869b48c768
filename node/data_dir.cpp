#include "node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace tc::node {

Result<std::unique_ptr<DataDir>> DataDir::lock(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return io_error("data directory " + path + ": cannot create: " + error.message());
  const std::string lock_path = path + "/timecoind.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("data directory " + path + ": cannot open " + lock_path + ": " +
                    std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    ::close(fd);
    if (saved == EWOULDBLOCK) {
      std::string holder(pid, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
      return unavailable("data directory " + path + " is in use by another timecoind (pid " +
                         (holder.empty() ? std::string("unknown") : holder) + ", lock " +
                         lock_path + ")");
    }
    return io_error("data directory " + path + ": cannot lock " + lock_path + ": " +
                    std::strerror(saved));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // The pid is for the operator's error message only; failing to write it is not fatal.
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<DataDir>(new DataDir(path, fd));
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

}  // namespace tc::node
