#include "node/signing_state_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "consensus/signed_state.h"

namespace tc::node {
namespace {

constexpr std::string_view kRecordName = "signing_state";
constexpr std::string_view kPayloadPrefix = "signing_payload_";
constexpr std::string_view kTempSuffix = ".tmp";

std::string payload_name(const Hash256& hash) {
  return std::string(kPayloadPrefix) + to_hex(hash);
}

Status errno_error(const std::string& what, const std::string& path) {
  return io_error(what + " " + path + ": " + std::strerror(errno));
}

// Reads the whole file at `path`, refusing one above `size_max` before reading it. A missing file
// is kNotFound.
Result<Bytes> read_file(const std::string& path, std::size_t size_max) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return not_found(path);
    return errno_error("cannot open", path);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const Status error = errno_error("cannot stat", path);
    ::close(fd);
    return error;
  }
  if (static_cast<std::uint64_t>(info.st_size) > size_max) {
    ::close(fd);
    return corruption(path + ": " + std::to_string(info.st_size) + " bytes, above the limit of " +
                      std::to_string(size_max));
  }
  Bytes bytes(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Status error =
          n < 0 ? errno_error("cannot read", path) : corruption(path + ": shrank while being read");
      ::close(fd);
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace

Result<std::unique_ptr<SigningStateFile>> SigningStateFile::open(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    return io_error("cannot create signing state directory " + dir + ": " + error.message());
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open signing state directory", dir);
  return std::unique_ptr<SigningStateFile>(new SigningStateFile(dir, fd));
}

SigningStateFile::~SigningStateFile() {
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

Result<consensus::SignedState> SigningStateFile::load() {
  const std::string record_path = dir_ + "/" + std::string(kRecordName);
  stored_payloads_.clear();
  consensus::SignedState state;
  auto record = read_file(record_path, consensus::kSignedStateBytesMax);
  if (record.is_ok()) {
    auto decoded = consensus::decode_signed_state(*record);
    if (!decoded.is_ok()) return decoded.status().with_context(record_path);
    state = std::move(decoded).value();
  } else if (record.status().code() != StatusCode::kNotFound) {
    return record.status();
  }
  auto load_payload = [&](const Hash256& hash, Bytes& payload) -> Status {
    const std::string path = dir_ + "/" + payload_name(hash);
    auto bytes = read_file(path, consensus::kSignedPayloadBytesMax);
    if (!bytes.is_ok()) {
      if (bytes.status().code() == StatusCode::kNotFound) {
        return corruption(record_path + ": names block " + to_hex(hash) + " but " + path +
                          " is missing");
      }
      return bytes.status();
    }
    auto decoded = consensus::decode_signed_payload(*bytes, hash);
    if (!decoded.is_ok()) return decoded.status().with_context(path);
    payload = std::move(decoded).value();
    stored_payloads_.push_back(hash);
    return Status::ok();
  };
  if (state.locked_round >= 0) {
    TC_RETURN_IF_ERROR(load_payload(state.locked_hash, state.locked_payload));
  }
  if (state.valid_round >= 0) {
    TC_RETURN_IF_ERROR(load_payload(state.valid_hash, state.valid_payload));
  }
  // What a crash left behind: a half-written file, or a payload whose unlink did not happen. Only
  // removed once the record loaded, so that a damaged directory stays as it was for the operator.
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const std::string name = entry.path().filename().string();
    const bool named = std::any_of(stored_payloads_.begin(), stored_payloads_.end(),
                                   [&](const Hash256& hash) { return name == payload_name(hash); });
    if (name.ends_with(kTempSuffix) || (name.starts_with(kPayloadPrefix) && !named)) {
      std::filesystem::remove(entry.path(), error);
    }
  }
  return state;
}

Status SigningStateFile::store(const consensus::SignedState& state) {
  if (!failure_.is_ok()) return failure_;
  Status status;
  if (state.locked_round >= 0) status = store_payload(state.locked_hash, state.locked_payload);
  if (status.is_ok() && state.valid_round >= 0) {
    status = store_payload(state.valid_hash, state.valid_payload);
  }
  if (status.is_ok()) {
    Bytes record;
    consensus::encode_signed_state(state, record);
    status = write_durably(std::string(kRecordName), record);
  }
  if (!status.is_ok()) {
    failure_ = status;
    return status;
  }
  remove_unnamed_payloads(state);
  return Status::ok();
}

Status SigningStateFile::store_payload(const Hash256& hash, ByteSpan payload) {
  if (std::find(stored_payloads_.begin(), stored_payloads_.end(), hash) != stored_payloads_.end()) {
    return Status::ok();
  }
  Bytes record;
  consensus::encode_signed_payload(hash, payload, record);
  TC_RETURN_IF_ERROR(write_durably(payload_name(hash), record));
  stored_payloads_.push_back(hash);
  return Status::ok();
}

void SigningStateFile::remove_unnamed_payloads(const consensus::SignedState& state) {
  // Only after the record that stopped naming them is durable; a file that survives a crash here is
  // removed by a later store.
  auto named = [&](const Hash256& hash) {
    return (state.locked_round >= 0 && hash == state.locked_hash) ||
           (state.valid_round >= 0 && hash == state.valid_hash);
  };
  std::erase_if(stored_payloads_, [&](const Hash256& hash) {
    if (named(hash)) return false;
    ::unlinkat(dir_fd_, payload_name(hash).c_str(), 0);
    return true;
  });
}

Status SigningStateFile::write_durably(const std::string& name, ByteSpan bytes) {
  const std::string temp = name + std::string(kTempSuffix);
  const std::string path = dir_ + "/" + temp;
  const int fd = ::openat(dir_fd_, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot create", path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const Status error = errno_error("cannot write", path);
      ::close(fd);
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const Status error = errno_error("cannot fsync", path);
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return errno_error("cannot close", path);
  if (::renameat(dir_fd_, temp.c_str(), dir_fd_, name.c_str()) != 0) {
    return errno_error("cannot rename " + path + " over", dir_ + "/" + name);
  }
  if (::fsync(dir_fd_) != 0) return errno_error("cannot fsync directory", dir_);
  return Status::ok();
}

}  // namespace tc::node
