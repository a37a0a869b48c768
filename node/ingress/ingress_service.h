// IngressService: the node's transaction ingress, wired from the configuration. It chooses the
// backend ([ingress] backend), owns the recent set every queue dedups against, one verify ring per
// queue (ingress.ring_depth slots) and the backend, and runs each queue's receive loop
// (core/stage_loop.h) on its own thread until stop(). The verify stage consumes ring(queue).
//
// The choice: "socket" is the UDP socket backend; "dpdk" is the DPDK backend, and every reason it
// cannot run (a build without DPDK, an unspecified net.ingress_listen_address, the EAL refusing its
// arguments, no such port) is a startup error naming it; "auto" is DPDK when the build has it, a
// port is configured (ingress.dpdk_port or ingress.dpdk_vdevs) and the listen address is specific,
// and the socket backend otherwise. The decision is made from the configuration alone, so once auto
// has chosen DPDK a failure to start it is an error too, not a silent fall back to sockets: the
// operator named a port, and a node that quietly took the slow path would hide it. One log line
// gives the backend and the reason.
//
// Threads, by backend:
//   socket: one SocketBackend per queue, all on net.ingress_listen_address and the same UDP port,
//     with SO_REUSEPORT when there is more than one queue, so the kernel spreads datagrams over
//     the queues by a hash of their 4-tuple, or by receiving CPU with ingress.socket_spread = "cpu"
//     (dataplane/socket_backend.h says when that helps); the queues bind in order. Each
//     queue has a thread pinned to cores.ingress[queue] (unpinned when cores.ingress is empty).
//   dpdk with cores.ingress: DpdkBackend::start_lcores, one EAL worker lcore per queue; the lcore
//     ids are cores.ingress, so ingress.eal_args must enable them (-l/--lcores) and none may be the
//     main lcore. The EAL pins them and gives them their mempool caches.
//   dpdk without cores.ingress: one unpinned thread per queue calling DpdkBackend::step. They are
//     not EAL lcores, so they have no mempool cache: for tests and small setups, not line rate.
// Shutdown is ordered: stop() sets the loops' stop flag (a loop then receives nothing more, runs a
// last housekeeping and returns), joins them, and closes the sockets or stops the port; the rings
// stay readable until the service is destroyed, so the verify stage can drain them.
//
// start(), stop() and the destructor belong to one thread (the node's startup thread); ring(q) is
// for its one consumer thread; the other accessors and counters() are for any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/metrics.h"
#include "core/stage_loop.h"
#include "core/status.h"
#include "dataplane/ingress_ring.h"
#include "dataplane/packet.h"

namespace tc::node {

// Who initialises the DPDK EAL, which a process may do once. The node lets the service do it from
// ingress.eal_args and ingress.dpdk_vdevs; a process that starts several services (tests) does it
// once itself (dataplane::dpdk_eal_init), and the config's EAL arguments and vdevs are then unused.
enum class DpdkEalSetup : std::uint8_t { kInitialise, kAlreadyInitialised };

struct IngressServiceOptions {
  // Every queue's series (dataplane/ingress.h) and the DPDK port's; must outlive the service. When
  // null the service keeps a registry of its own, which counters() reads.
  MetricsRegistry* metrics = nullptr;
  DpdkEalSetup dpdk_eal = DpdkEalSetup::kInitialise;
  // The receive loops' housekeeping interval and idle backoff. `core` and `burst_max` are ignored:
  // they come from cores.ingress and ingress.burst_max.
  StageLoopOptions loop;
};

// One queue's counts as its loop last flushed them (every loop.housekeeping_interval_ns, and once
// more when it stops, so they are exact after stop()).
struct IngressQueueCounters {
  std::array<std::uint64_t, dataplane::kIngressOutcomeCount> outcomes{};
  std::uint64_t frames = 0;  // every frame or datagram received: the sum of outcomes
  std::uint64_t bytes = 0;   // their bytes

  std::uint64_t outcome(dataplane::IngressOutcome o) const {
    return outcomes[static_cast<std::size_t>(o)];
  }
};

class IngressService {
 public:
  // Bytes start() allocates for the recent set, the rings and the queues' stages under `config`
  // (not the backends' receive buffers or the DPDK mbuf pool: DpdkBackend::footprint).
  static std::size_t footprint(const NodeConfig& config);

  // Chooses the backend, allocates the recent set and rings, starts the backend and one receive
  // loop per queue. `config` is read here only. Errors, each with the key or reason named: kConfig
  // for ingress.queues outside 1..64, a cores.ingress that lists another number of cores than
  // queues, a ring depth that is not a power of two (kInvalidArgument), any "dpdk" failure listed
  // in the file comment (kConfig; kUnavailable when the EAL was already initialised and kInitialise
  // was asked), a socket that cannot be bound, a core that cannot be pinned. On error nothing keeps
  // running. A port of 0 binds a free UDP port (tests; see udp_port()).
  static Result<std::unique_ptr<IngressService>> start(const NodeConfig& config,
                                                       const IngressServiceOptions& options = {});

  // stop().
  ~IngressService();
  IngressService(const IngressService&) = delete;
  IngressService& operator=(const IngressService&) = delete;

  // kSocket or kDpdk (never kAuto), and why it was chosen.
  IngressBackend backend() const;
  const std::string& reason() const;

  std::uint32_t queue_count() const;
  // The verify ring of `queue`, for its one consumer thread. REQUIRES: queue < queue_count().
  dataplane::IngressRing& ring(std::uint32_t queue);
  // The UDP port the queues receive on: the bound port for the socket backend (the one chosen when
  // net.ingress_udp_port is 0), net.ingress_udp_port for DPDK.
  std::uint16_t udp_port() const;

  // Reads `queue`'s counters (see IngressQueueCounters) from the metrics registry's
  // timecoin_ingress_* series: one service per registry, or two services' queues would share
  // series. Any thread. REQUIRES: queue < queue_count().
  IngressQueueCounters counters(std::uint32_t queue) const;

  // Stops and joins every receive loop, then closes the sockets or stops the DPDK port; the rings
  // and counters stay readable. Safe to call twice.
  void stop();

 private:
  struct State;
  IngressService();

  std::unique_ptr<State> state_;
};

}  // namespace tc::node
