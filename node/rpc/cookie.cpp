#include "node/rpc/cookie.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/bytes.h"

namespace tc::rpc {
namespace {

Status errno_error(const std::string& what, const std::string& path) {
  return io_error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string cookie_path(const std::string& data_dir) {
  return data_dir + "/" + std::string(kCookieFileName);
}

Result<std::string> write_cookie(const std::string& data_dir) {
  std::array<std::uint8_t, kCookiePasswordBytes> secret{};
  std::size_t filled = 0;
  while (filled < secret.size()) {
    const ssize_t n = getrandom(secret.data() + filled, secret.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(std::string("getrandom: ") + std::strerror(errno));
    filled += static_cast<std::size_t>(n);
  }
  const std::string credentials = std::string(kCookieUser) + ":" + to_hex(ByteSpan(secret));
  const std::string path = cookie_path(data_dir);
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("creating", temporary);
  // An older temporary file may carry other bits; the password must be readable by the owner only.
  bool written = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (written && done < credentials.size()) {
    const ssize_t n = ::write(fd, credentials.data() + done, credentials.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<std::size_t>(n);
  }
  if (!written) {
    Status error = errno_error("writing", temporary);
    ::close(fd);
    ::unlink(temporary.c_str());
    return error;
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    Status error = errno_error("installing", path);
    ::unlink(temporary.c_str());
    return error;
  }
  return credentials;
}

Result<std::string> read_cookie(const std::string& data_dir) {
  const std::string path = cookie_path(data_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return not_found(path + " does not exist (is timecoind running with this data directory?)");
    }
    return errno_error("opening", path);
  }
  // A cookie is the user, a colon and the hex password; one more byte tells a larger file apart.
  std::array<char, kCookieUser.size() + 1 + 2 * kCookiePasswordBytes + 2> buffer{};
  std::size_t size = 0;
  while (size < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + size, buffer.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status error = errno_error("reading", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::string text(buffer.data(), size);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  const std::string prefix = std::string(kCookieUser) + ":";
  if (size == buffer.size() || text.size() <= prefix.size() || !text.starts_with(prefix) ||
      text.find_first_of(" \r\n\t", prefix.size()) != std::string::npos) {
    return malformed(path + ": not a cookie (expected \"" + prefix + "<password>\")");
  }
  return text;
}

void remove_cookie(const std::string& data_dir) {
  ::unlink(cookie_path(data_dir).c_str());
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16) |
                                (std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8) |
                                std::uint32_t{static_cast<std::uint8_t>(bytes[i + 2])};
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += kAlphabet[(group >> 6) & 63];
    out += kAlphabet[group & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16;
    if (rest == 2) group |= std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8;
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += rest == 2 ? kAlphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string basic_authorization(std::string_view credentials) {
  return "Basic " + base64_encode(credentials);
}

std::string bearer_authorization(std::string_view token) {
  return "Bearer " + std::string(token);
}

}  // namespace tc::rpc
