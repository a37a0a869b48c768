#include "dataplane/socket_backend.h"

#include <arpa/inet.h>
#include <liburing.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.h"
#include "core/stage_loop.h"

namespace tc::dataplane {
namespace {

constexpr std::uint16_t kBufferGroup = 7;
// user_data of the one multishot request and of the cancel that ends it.
constexpr std::uint64_t kMultishotTag = 1;
constexpr std::uint64_t kCancelTag = 2;
// A provided buffer holds io_uring_recvmsg_out, the source sockaddr, and the payload; one byte more
// than the largest accepted payload so that an oversize datagram is seen as oversize.
constexpr std::size_t kNameBytes = sizeof(sockaddr_in6);
constexpr std::size_t kProvidedBufferBytes =
    sizeof(io_uring_recvmsg_out) + kNameBytes + kMaxDatagramTransactionBytes + 1;
constexpr std::size_t kRecvBufferBytes = kMaxDatagramTransactionBytes + 1;

SourceAddress source_from_sockaddr(const void* name) {
  SourceAddress source;
  sockaddr_storage storage;
  std::memcpy(&storage, name, kNameBytes);
  if (storage.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
    return SourceAddress::from_ipv4(ntohl(v4->sin_addr.s_addr), ntohs(v4->sin_port));
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
  std::memcpy(source.ip.data(), &v6->sin6_addr, 16);
  source.port = ntohs(v6->sin6_port);
  return source;
}

// Attaches to `fd`'s SO_REUSEPORT group the classic-BPF program "return CPU % sockets" (socket(7),
// SO_ATTACH_REUSEPORT_CBPF; the kernel's tools/testing/selftests/net/reuseport_bpf_cpu.c).
Status attach_cpu_spread(int fd, std::uint32_t sockets) {
  sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_CPU)},
      {BPF_ALU | BPF_MOD | BPF_K, 0, 0, sockets},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  sock_fprog program{static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof(program)) != 0) {
    return unavailable(std::string("SO_ATTACH_REUSEPORT_CBPF: ") + std::strerror(errno));
  }
  return Status::ok();
}

}  // namespace

std::string_view reuse_port_spread_name(ReusePortSpread spread) {
  switch (spread) {
    case ReusePortSpread::kHash:
      return "hash";
    case ReusePortSpread::kCpu:
      return "cpu";
  }
  return "unknown";
}

std::string_view socket_receive_mode_name(SocketReceiveMode mode) {
  switch (mode) {
    case SocketReceiveMode::kAuto:
      return "auto";
    case SocketReceiveMode::kIoUringMultishot:
      return "io_uring_multishot";
    case SocketReceiveMode::kRecvmmsg:
      return "recvmmsg";
  }
  return "unknown";
}

struct SocketBackend::State {
  SocketBackendConfig config;
  IngressStage stage;
  int fd = -1;
  std::uint16_t bound_port = 0;
  SocketReceiveMode mode = SocketReceiveMode::kRecvmmsg;
  std::array<Datagram, kMaxBurst> datagrams{};

  // io_uring multishot state.
  bool ring_ready = false;
  io_uring ring{};
  io_uring_buf_ring* buffer_ring = nullptr;
  std::size_t buffer_ring_bytes = 0;
  std::vector<std::uint8_t> provided;  // buffer_count x kProvidedBufferBytes
  msghdr multishot_msg{};
  bool multishot_armed = false;  // a multishot request is live in the kernel
  std::array<std::uint16_t, kMaxBurst> used_buffers{};

  // recvmmsg state.
  std::vector<std::uint8_t> recv_buffers;  // burst_max x kRecvBufferBytes
  std::vector<mmsghdr> headers;
  std::vector<iovec> iovecs;
  std::vector<sockaddr_in6> names;

  Status open_socket();
  Status setup_io_uring();
  void arm_multishot();
  void cancel_multishot();
  void teardown_io_uring();
  void setup_recvmmsg();
  std::size_t step_io_uring(std::uint32_t burst_max);
  std::size_t step_recvmmsg(std::uint32_t burst_max);
};

Status SocketBackend::State::open_socket() {
  sockaddr_storage address{};
  socklen_t length = 0;
  const std::string where = config.listen_address + " port " + std::to_string(config.port);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, config.listen_address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(config.port);
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, config.listen_address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(config.port);
    length = sizeof(sockaddr_in6);
  } else {
    return config_error("ingress listen address '" + config.listen_address +
                        "' is not an IP literal");
  }
  fd = socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error("ingress socket " + where + ": " + std::strerror(errno));
  if (address.ss_family == AF_INET6) {
    const int v6_only = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof(v6_only));
  }
  // A smaller buffer than asked is not an error: the kernel caps it at net.core.rmem_max.
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &config.receive_buffer_bytes,
             sizeof(config.receive_buffer_bytes));
  if (config.reuse_port) {
    const int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
      return io_error("ingress socket " + where + ": SO_REUSEPORT: " + std::strerror(errno));
    }
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return config_error("ingress socket: cannot bind " + where +
                        (config.reuse_port ? " with SO_REUSEPORT: " : ": ") + std::strerror(errno));
  }
  // After bind: the group exists then, and each member attaching the same program is harmless.
  if (config.reuse_port_spread == ReusePortSpread::kCpu) {
    TC_RETURN_IF_ERROR(
        attach_cpu_spread(fd, config.reuse_port_sockets).with_context("ingress socket " + where));
  }
  sockaddr_storage bound{};
  socklen_t bound_length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length);
  bound_port =
      ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return Status::ok();
}

Status SocketBackend::State::setup_io_uring() {
  const unsigned entries = 64;
  int rc = io_uring_queue_init(entries, &ring, 0);
  if (rc < 0) return unavailable(std::string("io_uring_queue_init: ") + std::strerror(-rc));
  ring_ready = true;
  const std::uint32_t count = config.buffer_count;
  buffer_ring_bytes = count * sizeof(io_uring_buf);
  void* memory =
      mmap(nullptr, buffer_ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) {
    buffer_ring_bytes = 0;
    return unavailable(std::string("io_uring buffer ring: ") + std::strerror(errno));
  }
  buffer_ring = static_cast<io_uring_buf_ring*>(memory);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uint64_t>(buffer_ring);
  registration.ring_entries = count;
  registration.bgid = kBufferGroup;
  rc = io_uring_register_buf_ring(&ring, &registration, 0);
  if (rc < 0) return unavailable(std::string("io_uring_register_buf_ring: ") + std::strerror(-rc));
  provided.assign(std::size_t{count} * kProvidedBufferBytes, 0);
  io_uring_buf_ring_init(buffer_ring);
  const int mask = io_uring_buf_ring_mask(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    io_uring_buf_ring_add(buffer_ring, provided.data() + std::size_t{i} * kProvidedBufferBytes,
                          kProvidedBufferBytes, static_cast<std::uint16_t>(i), mask,
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffer_ring, static_cast<int>(count));
  multishot_msg = msghdr{};
  multishot_msg.msg_namelen = kNameBytes;
  arm_multishot();
  io_uring_submit(&ring);
  // An unsupported multishot request completes at once with an error; a supported one stays armed.
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&ring, &cqe) == 0 && cqe != nullptr && cqe->res < 0 &&
      cqe->res != -ENOBUFS) {
    const int error = -cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    multishot_armed = false;
    return unavailable(std::string("multishot recvmsg refused: ") + std::strerror(error));
  }
  return Status::ok();
}

void SocketBackend::State::arm_multishot() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_recvmsg_multishot(sqe, fd, &multishot_msg, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, kMultishotTag);
  multishot_armed = true;
}

// The multishot request holds a reference to the socket. io_uring_queue_exit() leaves a live one
// to a kernel worker that reaps it later, and until then the port stays bound, so a stop followed
// by a new bind of the same port could fail. Cancelling it and waiting (at most a second per
// completion) for its last completion lets close() release the port at once.
void SocketBackend::State::cancel_multishot() {
  if (!multishot_armed) return;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_cancel64(sqe, kMultishotTag, 0);
  io_uring_sqe_set_data64(sqe, kCancelTag);
  io_uring_submit(&ring);
  __kernel_timespec timeout{1, 0};
  while (multishot_armed) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe_timeout(&ring, &cqe, &timeout) != 0) break;
    if (cqe->user_data == kMultishotTag && (cqe->flags & IORING_CQE_F_MORE) == 0) {
      multishot_armed = false;
    }
    io_uring_cqe_seen(&ring, cqe);
  }
}

void SocketBackend::State::teardown_io_uring() {
  if (ring_ready) {
    cancel_multishot();
    io_uring_queue_exit(&ring);
    ring_ready = false;
    multishot_armed = false;
  }
  if (buffer_ring != nullptr) {
    munmap(buffer_ring, buffer_ring_bytes);
    buffer_ring = nullptr;
  }
  provided.clear();
  provided.shrink_to_fit();
}

void SocketBackend::State::setup_recvmmsg() {
  const std::size_t burst = config.burst_max;
  recv_buffers.assign(burst * kRecvBufferBytes, 0);
  headers.assign(burst, mmsghdr{});
  iovecs.assign(burst, iovec{});
  names.assign(burst, sockaddr_in6{});
  for (std::size_t i = 0; i < burst; ++i) {
    iovecs[i].iov_base = recv_buffers.data() + i * kRecvBufferBytes;
    iovecs[i].iov_len = kRecvBufferBytes;
    headers[i].msg_hdr.msg_iov = &iovecs[i];
    headers[i].msg_hdr.msg_iovlen = 1;
    headers[i].msg_hdr.msg_name = &names[i];
  }
}

std::size_t SocketBackend::State::step_recvmmsg(std::uint32_t burst_max) {
  const std::size_t burst = burst_max < config.burst_max ? burst_max : config.burst_max;
  for (std::size_t i = 0; i < burst; ++i) {
    headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in6);
    headers[i].msg_hdr.msg_flags = 0;
  }
  const int received =
      recvmmsg(fd, headers.data(), static_cast<unsigned>(burst), MSG_DONTWAIT, nullptr);
  if (received <= 0) return 0;
  const std::uint64_t now_ns = steady_now_ns();
  std::size_t bytes = 0;
  for (int i = 0; i < received; ++i) {
    const std::size_t length = headers[i].msg_len;
    bytes += length;
    datagrams[i].payload = ByteSpan(recv_buffers.data() + i * kRecvBufferBytes, length);
    datagrams[i].source = source_from_sockaddr(&names[i]);
  }
  stage.count_burst(bytes);
  stage.process_burst(std::span<const Datagram>(datagrams.data(), received), now_ns);
  return static_cast<std::size_t>(received);
}

std::size_t SocketBackend::State::step_io_uring(std::uint32_t burst_max) {
  io_uring_cqe* cqes[kMaxBurst];
  const unsigned ready = io_uring_peek_batch_cqe(
      &ring, cqes, burst_max < config.burst_max ? burst_max : config.burst_max);
  if (ready == 0) return 0;
  const std::uint64_t now_ns = steady_now_ns();
  std::size_t handed = 0;
  std::size_t used = 0;
  std::size_t bytes = 0;
  bool rearm = false;
  for (unsigned i = 0; i < ready; ++i) {
    const io_uring_cqe* cqe = cqes[i];
    if ((cqe->flags & IORING_CQE_F_MORE) == 0) rearm = true;
    if ((cqe->flags & IORING_CQE_F_BUFFER) == 0) continue;  // an error without data (ENOBUFS)
    const auto buffer_id = static_cast<std::uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    used_buffers[used++] = buffer_id;
    if (cqe->res < 0) continue;
    std::uint8_t* buffer = provided.data() + std::size_t{buffer_id} * kProvidedBufferBytes;
    io_uring_recvmsg_out* out = io_uring_recvmsg_validate(buffer, cqe->res, &multishot_msg);
    if (out == nullptr) {
      stage.count_frame(IngressOutcome::kTooShort, 0);
      continue;
    }
    const auto length =
        static_cast<std::size_t>(io_uring_recvmsg_payload_length(out, cqe->res, &multishot_msg));
    bytes += length;
    if ((out->flags & MSG_TRUNC) != 0) {
      stage.count_frame(IngressOutcome::kTooLong, length);
      continue;
    }
    datagrams[handed].payload = ByteSpan(
        static_cast<const std::uint8_t*>(io_uring_recvmsg_payload(out, &multishot_msg)), length);
    datagrams[handed].source = source_from_sockaddr(io_uring_recvmsg_name(out));
    ++handed;
  }
  stage.count_burst(bytes);
  stage.process_burst(std::span<const Datagram>(datagrams.data(), handed), now_ns);
  // The payloads are copied into the verify ring; hand the buffers back to the kernel.
  const int mask = io_uring_buf_ring_mask(config.buffer_count);
  for (std::size_t i = 0; i < used; ++i) {
    io_uring_buf_ring_add(buffer_ring,
                          provided.data() + std::size_t{used_buffers[i]} * kProvidedBufferBytes,
                          kProvidedBufferBytes, used_buffers[i], mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffer_ring, static_cast<int>(used));
  io_uring_cq_advance(&ring, ready);
  if (rearm) {
    arm_multishot();
    io_uring_submit(&ring);
  }
  return ready;
}

SocketBackend::SocketBackend() : state_(std::make_unique<State>()) {}
SocketBackend::~SocketBackend() {
  fini();
}

Status SocketBackend::init(const SocketBackendConfig& config, RecentSet* recent, IngressRing* ring,
                           MetricsRegistry* metrics) {
  fini();
  State& s = *state_;
  s.config = config;
  if (config.burst_max == 0 || config.burst_max > kMaxBurst) {
    return config_error("ingress burst_max " + std::to_string(config.burst_max) + " outside 1.." +
                        std::to_string(kMaxBurst));
  }
  if (config.buffer_count < config.burst_max || config.buffer_count > 32768 ||
      (config.buffer_count & (config.buffer_count - 1)) != 0) {
    return config_error("ingress buffer_count " + std::to_string(config.buffer_count) +
                        " must be a power of two in [burst_max, 32768]");
  }
  if (config.reuse_port_spread == ReusePortSpread::kCpu &&
      (!config.reuse_port || config.reuse_port_sockets == 0)) {
    return config_error(
        "ingress socket: reuse_port_spread \"cpu\" needs reuse_port and "
        "reuse_port_sockets >= 1");
  }
  TC_RETURN_IF_ERROR(s.stage.init(config.ingress, recent, ring, metrics));
  TC_RETURN_IF_ERROR(s.open_socket());
  if (config.mode != SocketReceiveMode::kRecvmmsg) {
    Status uring = s.setup_io_uring();
    if (uring.is_ok()) {
      s.mode = SocketReceiveMode::kIoUringMultishot;
    } else {
      s.teardown_io_uring();
      if (config.mode == SocketReceiveMode::kIoUringMultishot) {
        return uring.with_context("ingress socket");
      }
      TC_LOG_INFO("ingress socket: io_uring multishot unavailable, using recvmmsg",
                  {{"reason", uring.message()}});
    }
  }
  if (s.mode == SocketReceiveMode::kRecvmmsg) s.setup_recvmmsg();
  TC_LOG_INFO("ingress socket bound",
              {{"address", config.listen_address},
               {"port", s.bound_port},
               {"queue", config.ingress.queue},
               {"mode", socket_receive_mode_name(s.mode)},
               {"reuse_port", config.reuse_port ? reuse_port_spread_name(config.reuse_port_spread)
                                                : std::string_view("off")}});
  return Status::ok();
}

std::uint32_t SocketBackend::step(std::uint32_t burst_max) {
  State& s = *state_;
  if (s.fd < 0) return 0;
  return static_cast<std::uint32_t>(s.mode == SocketReceiveMode::kIoUringMultishot
                                        ? s.step_io_uring(burst_max)
                                        : s.step_recvmmsg(burst_max));
}

void SocketBackend::housekeeping(std::uint64_t now_ns) {
  state_->stage.housekeeping(now_ns);
}

void SocketBackend::fini() {
  State& s = *state_;
  s.teardown_io_uring();
  if (s.fd >= 0) {
    close(s.fd);
    s.fd = -1;
    s.stage.fini();
  }
  s.mode = SocketReceiveMode::kRecvmmsg;
}

SocketReceiveMode SocketBackend::mode() const {
  return state_->mode;
}
std::uint16_t SocketBackend::bound_port() const {
  return state_->bound_port;
}
IngressStage& SocketBackend::stage() {
  return state_->stage;
}

}  // namespace tc::dataplane
