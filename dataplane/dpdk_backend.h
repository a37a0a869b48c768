// DpdkBackend: kernel-bypass transaction ingress on a DPDK port (DPDK 22.11). It owns the port, its
// RX queues and mbuf pool, answers ARP and IPv6 neighbour solicitation for the configured address
// (the kernel no longer sees the NIC), and feeds each queue's UDP payloads to that queue's
// IngressStage straight from the mbufs, which are freed as soon as the burst is handled.
//
// The EAL is initialised once per process (dpdk_eal_init); init() then configures one port with
// rx_queues queues (RSS on UDP/IP when the port offers it and there is more than one queue). Each
// queue is one ingress stage polled by exactly one thread: either step(queue) and
// housekeeping(queue) from the caller's loop, or core/stage_loop.h's run_stage_loop on one EAL
// worker lcore per queue through start_lcores(). Queue 0's housekeeping also exports the port's own
// drops (NIC RX ring full, no mbuf) and the pool's free mbufs to the metrics registry. No DPDK type
// appears here, so the header compiles in every build (ingress_config.h fills a DpdkConfig from the
// node's config); the functions are defined, and may be called, only where TC_HAVE_DPDK is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/stage_loop.h"
#include "core/status.h"
#include "dataplane/ingress.h"
#include "dataplane/packet.h"

namespace tc::dataplane {

// Initialises the DPDK EAL with `args` (without the program name), e.g. {"--no-huge", "--no-pci",
// "--file-prefix=tc123", "-m", "256", "--vdev=net_pcap0,rx_pcap=/tmp/x.pcap", "-l", "0"}. A
// process may call it once; a second call returns kUnavailable. Errors name the EAL's reason
// (kConfig: bad arguments, no memory, prefix in use). Call from the main thread before any port
// use. rte_eal_init pins the calling thread to the main lcore's core; this gives the thread back
// the CPU set it had before, because the node's other stages (verify, consensus, storage) are
// started from it later and pin themselves to their own cores from that set
// (core/cpu_affinity.h checks cores against the startup thread's set). The data path runs on the
// EAL's worker lcores, which stay pinned; only the main lcore's thread is not.
Status dpdk_eal_init(const std::vector<std::string>& args);

struct DpdkConfig {
  std::string port_name;        // ethdev name ("net_pcap0", "0000:3b:00.0"); empty = port 0
  std::uint16_t rx_queues = 1;  // one polling thread per queue
  std::uint16_t rx_descriptors = 1024;
  std::uint16_t tx_descriptors = 256;  // one TX queue per RX queue, for ARP/ND replies
  std::uint32_t mbuf_count = 8191;     // per port; best 2^n - 1
  std::uint32_t mbuf_cache = 256;      // per-lcore mempool cache
  std::uint16_t burst_max = 32;        // frames per rx burst, <= kMaxBurst
  std::vector<unsigned> lcores;        // worker lcore per queue for start_lcores(); may be empty
  LocalEndpoint local;                 // mac all zero = use the port's own MAC
  IngressConfig ingress;               // queue id is set per queue
  // How start_lcores() runs each queue's loop. `core` and `burst_max` are ignored: the EAL pins
  // its lcores itself and bursts are burst_max above.
  StageLoopOptions loop;
};

class DpdkBackend {
 public:
  DpdkBackend();
  DpdkBackend(const DpdkBackend&) = delete;
  DpdkBackend& operator=(const DpdkBackend&) = delete;
  ~DpdkBackend();

  // Bytes of mbuf pool init() will ask for (count x (buffer + headroom + mbuf header)).
  static std::size_t footprint(const DpdkConfig& config);

  // Finds the port, creates the mbuf pool, configures and starts the port with `rings.size()` ==
  // rx_queues queues, each feeding its ring through its own IngressStage; `recent` is shared by all
  // queues. With `metrics`, each queue's stage and the port register their series there (the
  // registry must outlive the backend). REQUIRES: dpdk_eal_init() succeeded. Errors (kConfig) name
  // the port and the failing step: unknown port, queue count above what the port offers, pool
  // allocation, port start.
  Status init(const DpdkConfig& config, RecentSet* recent, std::span<IngressRing* const> rings,
              MetricsRegistry* metrics = nullptr);

  // One receive burst of at most min(burst_max, config.burst_max) frames on `queue`: classify,
  // answer ARP/NS, hand payloads to the stage, free every mbuf. Returns the frames received. Only
  // the queue's own polling thread may call it.
  std::size_t step(std::uint16_t queue, std::uint32_t burst_max = kMaxBurst);
  // The queue's housekeeping for its polling thread: flushes the stage's counters; on queue 0 also
  // the port's drop counters and free-mbuf gauge (at most once a second).
  void housekeeping(std::uint16_t queue, std::uint64_t now_ns);

  // Runs run_stage_loop for each queue on config.lcores[queue] until *stop is true: once it is set
  // a queue stops receiving, runs a last housekeeping and returns. kConfig when lcores has fewer
  // entries than queues or an lcore is busy.
  Status start_lcores(const std::atomic<bool>* stop);
  // Waits for the loops started by start_lcores() to return.
  void wait_lcores();

  // Waits for the lcores, stops the port (which stays configured for a later init()) and frees the
  // pool. Safe to call twice; every mbuf must be back.
  void fini();

  const LocalEndpoint& local() const;
  std::uint16_t port_id() const;
  IngressStage& stage(std::uint16_t queue);
  std::uint32_t mbufs_available() const;  // free mbufs in the pool (rte_mempool_avail_count)
  std::uint32_t mbufs_total() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tc::dataplane
