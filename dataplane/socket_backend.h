// SocketBackend: transaction ingress on an ordinary UDP socket, for machines without DPDK or a
// bound NIC (laptops, CI, cloud VMs). The kernel does Ethernet, IP, ARP and UDP; this feeds the
// payloads to the same IngressStage the DPDK backend uses.
//
// Receive uses io_uring multishot recvmsg into a provided-buffer ring where the kernel supports it
// (Linux 6.0+), otherwise recvmmsg; with kAuto the choice is made in init() by arming the multishot
// request and falling back when the kernel refuses it, and the choice is logged. All buffers are
// allocated in init(). A SocketBackend is a stage for core/stage_loop.h (step, housekeeping): one
// thread owns it and runs it, or calls step() from its own poll loop.
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

struct SocketBackendConfig {
  std::string listen_address = "0.0.0.0";  // IPv4 or IPv6 literal; "::" listens on both families
  std::uint16_t port = 0;                  // 0 picks a free port (tests); see bound_port()
  SocketReceiveMode mode = SocketReceiveMode::kAuto;
  std::uint32_t burst_max = 64;        // datagrams per step, <= kMaxBurst
  std::uint32_t buffer_count = 1024;   // io_uring provided buffers / recvmmsg slots per burst
  int receive_buffer_bytes = 8 << 20;  // SO_RCVBUF request (the kernel may cap it)
  IngressConfig ingress;
};

class SocketBackend {
 public:
  SocketBackend();
  SocketBackend(const SocketBackend&) = delete;
  SocketBackend& operator=(const SocketBackend&) = delete;
  ~SocketBackend();

  // Opens and binds the socket, sets up the receive mode, and inits the ingress stage on `recent`
  // and `ring` (which must outlive this), registering its series in `metrics` when given.
  // Errors: kConfig for a bad address, burst or buffer count, or a port in use (naming address and
  // port); kUnavailable when kIoUringMultishot is demanded and the kernel refuses it.
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
