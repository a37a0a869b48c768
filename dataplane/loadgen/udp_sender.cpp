#include "dataplane/loadgen/udp_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tc::dataplane {

UdpSender::~UdpSender() {
  close();
}

Status UdpSender::open(const std::string& address, std::uint16_t port) {
  close();
  sockaddr_storage target{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&target);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&target);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    return config_error("loadgen target '" + address + "' is not an IP literal");
  }
  fd_ = socket(target.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return io_error(std::string("loadgen socket: ") + std::strerror(errno));
  const int buffer_bytes = 4 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof(buffer_bytes));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&target), length) != 0) {
    return io_error("loadgen connect " + address + " port " + std::to_string(port) + ": " +
                    std::strerror(errno));
  }
  return Status::ok();
}

Result<std::size_t> UdpSender::send(std::span<const Bytes> payloads) {
  constexpr std::size_t kBatch = 64;
  std::size_t sent = 0;
  while (sent < payloads.size()) {
    mmsghdr headers[kBatch] = {};
    iovec iovecs[kBatch];
    const std::size_t batch = std::min(kBatch, payloads.size() - sent);
    for (std::size_t i = 0; i < batch; ++i) {
      const Bytes& payload = payloads[sent + i];
      iovecs[i].iov_base = const_cast<std::uint8_t*>(payload.data());
      iovecs[i].iov_len = payload.size();
      headers[i].msg_hdr.msg_iov = &iovecs[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
    const int rc = sendmmsg(fd_, headers, static_cast<unsigned>(batch), 0);
    if (rc < 0) {
      if (errno == EAGAIN || errno == ENOBUFS) return sent;
      if (errno == ECONNREFUSED) continue;  // an earlier datagram met no listener; keep sending
      return io_error(std::string("loadgen sendmmsg: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(rc);
  }
  return sent;
}

void UdpSender::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace tc::dataplane
