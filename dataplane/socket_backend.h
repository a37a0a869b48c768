// SocketBackend: transaction ingress on an ordinary UDP socket, for machines without DPDK or a
// bound NIC (laptops, CI, cloud VMs). The kernel does Ethernet, IP, ARP and UDP; this feeds the
// payloads to the same IngressStage the DPDK backend uses.
//
// Receive uses io_uring multishot recvmsg into a provided-buffer ring where the kernel supports it
// (Linux 6.0+), otherwise recvmmsg; with kAuto the choice is made in init() by arming the multishot
// request and falling back when the kernel refuses it, and the choice is logged. All buffers are
// allocated in init(). A SocketBackend is a stage for core/stage_loop.h (step, housekeeping): one
// thread owns it and runs it, or calls step() from its own poll loop.
//
// Several queues: N SocketBackends, one per queue (each with its own ring and IngressConfig::queue,
// all sharing one RecentSet), set reuse_port and bind the same address and port; the kernel's
// SO_REUSEPORT group then hands each datagram to one of them. By default it picks the socket by a
// hash of the 4-tuple, so one sender always reaches the same queue (as RSS does for the DPDK
// backend) and many senders spread over all of them. ReusePortSpread::kCpu instead attaches a
// classic-BPF program that picks socket (receiving CPU mod N), the kernel's own recipe for queues
// pinned to the CPUs that take the NIC's interrupts: the datagram is then read on the core that
// received it. It only spreads when the NIC (RSS, RPS) spreads its softirqs over those CPUs; with
// one interrupt CPU (a single-queue virtio NIC, loopback) every datagram lands on one queue, which
// is why hashing is the default and the node uses it (node/ingress/ingress_service.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/status.h"
#include "dataplane/ingress.h"

namespace tc::dataplane {

enum class SocketReceiveMode : std::uint8_t { kAuto, kIoUringMultishot, kRecvmmsg };
// "auto", "io_uring_multishot", "recvmmsg".
std::string_view socket_receive_mode_name(SocketReceiveMode mode);

// How an SO_REUSEPORT group chooses the socket of a datagram (see the file comment).
enum class ReusePortSpread : std::uint8_t {
  kHash,  // the kernel's hash of (source address, source port, destination address, port)
  kCpu,   // socket (CPU that received the datagram) mod reuse_port_sockets, by classic BPF
};
// "hash", "cpu".
std::string_view reuse_port_spread_name(ReusePortSpread spread);

struct SocketBackendConfig {
  std::string listen_address = "0.0.0.0";  // IPv4 or IPv6 literal; "::" listens on both families
  std::uint16_t port = 0;                  // 0 picks a free port (tests); see bound_port()
  SocketReceiveMode mode = SocketReceiveMode::kAuto;
  std::uint32_t burst_max = 64;        // datagrams per step, <= kMaxBurst
  std::uint32_t buffer_count = 1024;   // io_uring provided buffers / recvmmsg slots per burst
  int receive_buffer_bytes = 8 << 20;  // SO_RCVBUF request (the kernel may cap it)
  IngressConfig ingress;
  // SO_REUSEPORT, set before bind: every socket of one group sets it, binds the same address and
  // port, and belongs to the same user. With port 0 the first socket picks the port and the others
  // are given its bound_port(). (The kernel may then pick a port where another SO_REUSEPORT group
  // of the same user listens, since it counts such a port as shareable; the node always names its
  // port, so only tests bind port 0.)
  bool reuse_port = false;
  ReusePortSpread reuse_port_spread = ReusePortSpread::kHash;
  // kCpu only: the sockets in the group, N, the program's modulus. The program attaches to the
  // group (every socket attaches the same one) and indexes sockets in the order they joined, so
  // queue i must be the i-th to bind; a CPU whose index falls beyond the group (a socket closed)
  // goes back to the hash.
  std::uint32_t reuse_port_sockets = 0;
};

class SocketBackend {
 public:
  SocketBackend();
  SocketBackend(const SocketBackend&) = delete;
  SocketBackend& operator=(const SocketBackend&) = delete;
  ~SocketBackend();

  // Opens and binds the socket, sets up the receive mode, and inits the ingress stage on `recent`
  // and `ring` (which must outlive this), registering its series in `metrics` when given.
  // Errors: kConfig for a bad address, burst or buffer count, a port in use (naming address and
  // port; with reuse_port, a port held by a socket without it or by another user), kCpu without
  // reuse_port or with reuse_port_sockets 0; kUnavailable when kIoUringMultishot is
  // demanded and the kernel refuses it, or when the kernel refuses the kCpu program.
  Status init(const SocketBackendConfig& config, RecentSet* recent, IngressRing* ring,
              MetricsRegistry* metrics = nullptr);

  // Receives at most one burst of min(burst_max, config.burst_max) datagrams without blocking and
  // runs it through the stage. Returns how many datagrams it handled (0 when none was waiting). A
  // receive error other than "nothing waiting" is counted (kTooShort) rather than returned: the
  // poll loop keeps going.
  std::uint32_t step(std::uint32_t burst_max = kMaxBurst);
  // Flushes the stage's counters into the registry (IngressStage::housekeeping).
  void housekeeping(std::uint64_t now_ns);

  // Closes the socket and the ring; the stage flushes its counters. Safe to call twice.
  void fini();

  SocketReceiveMode mode() const;    // the mode chosen by init()
  std::uint16_t bound_port() const;  // the port actually bound
  IngressStage& stage();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tc::dataplane
