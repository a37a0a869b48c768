#include "dataplane/dpdk_backend.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <chrono>
#include <cstring>

#include "core/log.h"

namespace tc::dataplane {
namespace {

std::uint64_t steady_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

std::string dpdk_error(int error) {
  return rte_strerror(error < 0 ? -error : error);
}

std::atomic<bool> g_eal_initialised{false};
std::atomic<unsigned> g_pool_serial{0};

}  // namespace

Status dpdk_eal_init(const std::vector<std::string>& args) {
  if (g_eal_initialised.exchange(true)) {
    return unavailable("DPDK EAL already initialised in this process");
  }
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back("timecoind");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
  if (rc < 0) {
    return config_error("DPDK EAL init failed: " + dpdk_error(rte_errno));
  }
  TC_LOG_INFO("DPDK EAL initialised",
              {{"lcores", rte_lcore_count()}, {"ports", rte_eth_dev_count_avail()}});
  return Status::ok();
}

struct DpdkBackend::State {
  DpdkConfig config;
  std::uint16_t port = 0;
  bool port_started = false;
  rte_mempool* pool = nullptr;
  LocalEndpoint local;
  std::vector<std::unique_ptr<IngressStage>> stages;
  bool checksum_offload = false;
  const std::atomic<bool>* stop = nullptr;
  std::vector<unsigned> launched;

  struct LoopArgument {
    State* state;
    std::uint16_t queue;
  };
  std::vector<LoopArgument> loop_arguments;

  std::size_t step(std::uint16_t queue);
  void reply(std::uint16_t queue, const rte_mbuf* request, const FrameInfo& info);
  static int poll_loop(void* argument);
};

void DpdkBackend::State::reply(std::uint16_t queue, const rte_mbuf* request,
                               const FrameInfo& info) {
  IngressStage& stage = *stages[queue];
  const ByteSpan frame(rte_pktmbuf_mtod(request, const std::uint8_t*), request->data_len);
  rte_mbuf* answer = rte_pktmbuf_alloc(pool);
  if (answer == nullptr) return stage.count_frame(IngressOutcome::kReplyFailed, frame.size());
  MutableByteSpan room(rte_pktmbuf_mtod(answer, std::uint8_t*), rte_pktmbuf_tailroom(answer));
  const bool arp = info.kind == FrameKind::kArpRequest;
  const std::size_t bytes = arp ? build_arp_reply(frame, info, local, room)
                                : build_neighbor_advertisement(frame, info, local, room);
  answer->data_len = static_cast<std::uint16_t>(bytes);
  answer->pkt_len = static_cast<std::uint32_t>(bytes);
  if (bytes == 0 || rte_eth_tx_burst(port, queue, &answer, 1) != 1) {
    rte_pktmbuf_free(answer);
    return stage.count_frame(IngressOutcome::kReplyFailed, frame.size());
  }
  stage.count_frame(arp ? IngressOutcome::kArpReplied : IngressOutcome::kNeighborAdvertised,
                    frame.size());
}

std::size_t DpdkBackend::State::step(std::uint16_t queue) {
  rte_mbuf* mbufs[kMaxBurst];
  const std::uint16_t received = rte_eth_rx_burst(port, queue, mbufs, config.burst_max);
  if (received == 0) return 0;
  const std::uint64_t now_ns = steady_now_ns();
  IngressStage& stage = *stages[queue];
  Datagram datagrams[kMaxBurst];
  std::size_t count = 0;
  std::size_t bytes = 0;
  FrameInfo info;
  for (std::uint16_t i = 0; i < received; ++i) {
    if (i + 1 < received) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void*));
    const rte_mbuf* m = mbufs[i];
    if (m->nb_segs != 1) {  // frames we accept fit one default-sized buffer
      stage.count_frame(IngressOutcome::kTooLong, m->pkt_len);
      continue;
    }
    if (checksum_offload) {
      if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
        stage.count_frame(IngressOutcome::kBadIpHeader, m->data_len);
        continue;
      }
      if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
        stage.count_frame(IngressOutcome::kBadUdpChecksum, m->data_len);
        continue;
      }
    }
    const ByteSpan frame(rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len);
    classify_frame(frame, local, &info);
    switch (info.kind) {
      case FrameKind::kDatagram:
        datagrams[count].payload = info.payload;
        datagrams[count].source = info.source;
        ++count;
        bytes += frame.size();
        break;
      case FrameKind::kArpRequest:
      case FrameKind::kNeighborSolicitation:
        reply(queue, m, info);
        break;
      case FrameKind::kDrop:
        stage.count_frame(info.drop, frame.size());
        break;
    }
  }
  stage.count_burst(bytes);
  stage.process_burst(std::span<const Datagram>(datagrams, count), now_ns);
  // The accepted transactions were copied into the verify ring: every mbuf goes back now.
  rte_pktmbuf_free_bulk(mbufs, received);
  return received;
}

int DpdkBackend::State::poll_loop(void* argument) {
  auto* loop = static_cast<LoopArgument*>(argument);
  State& state = *loop->state;
  std::uint32_t bursts = 0;
  while (!state.stop->load(std::memory_order_relaxed)) {
    state.step(loop->queue);
    if ((++bursts & 1023) == 0) state.stages[loop->queue]->flush_counters();
  }
  state.stages[loop->queue]->flush_counters();
  return 0;
}

DpdkBackend::DpdkBackend() : state_(std::make_unique<State>()) {}
DpdkBackend::~DpdkBackend() {
  fini();
}

std::size_t DpdkBackend::footprint(const DpdkConfig& config) {
  return std::size_t{config.mbuf_count} *
         (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(rte_mbuf) + RTE_CACHE_LINE_SIZE);
}

Status DpdkBackend::init(const DpdkConfig& config, RecentSet* recent,
                         std::span<IngressRing* const> rings) {
  fini();
  State& s = *state_;
  s.config = config;
  s.stages.clear();
  const std::string port_label = config.port_name.empty() ? "port 0" : config.port_name;
  if (config.rx_queues == 0 || rings.size() != config.rx_queues) {
    return config_error("dpdk " + port_label + ": rx_queues " + std::to_string(config.rx_queues) +
                        " needs as many rings, got " + std::to_string(rings.size()));
  }
  if (config.burst_max == 0 || config.burst_max > kMaxBurst) {
    return config_error("dpdk " + port_label + ": burst_max outside 1.." +
                        std::to_string(kMaxBurst));
  }
  if (config.port_name.empty()) {
    if (!rte_eth_dev_is_valid_port(0)) return config_error("dpdk: no port available");
    s.port = 0;
  } else if (rte_eth_dev_get_port_by_name(config.port_name.c_str(), &s.port) != 0) {
    return config_error("dpdk: no port named '" + config.port_name + "'");
  }
  rte_eth_dev_info info;
  int rc = rte_eth_dev_info_get(s.port, &info);
  if (rc != 0) return config_error("dpdk " + port_label + ": dev_info: " + dpdk_error(rc));
  if (config.rx_queues > info.max_rx_queues || config.rx_queues > info.max_tx_queues) {
    return config_error("dpdk " + port_label + ": " + std::to_string(config.rx_queues) +
                        " queues asked, the port offers " + std::to_string(info.max_rx_queues));
  }
  const int socket = rte_eth_dev_socket_id(s.port);
  const std::string pool_name = "tc_rx" + std::to_string(g_pool_serial.fetch_add(1));
  s.pool = rte_pktmbuf_pool_create(pool_name.c_str(), config.mbuf_count, config.mbuf_cache, 0,
                                   RTE_MBUF_DEFAULT_BUF_SIZE,
                                   socket < 0 ? static_cast<int>(SOCKET_ID_ANY) : socket);
  if (s.pool == nullptr) {
    return config_error("dpdk " + port_label + ": mbuf pool of " +
                        std::to_string(config.mbuf_count) + ": " + dpdk_error(rte_errno));
  }
  rte_eth_conf port_conf{};
  if (config.rx_queues > 1 && info.flow_type_rss_offloads != 0) {
    port_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    port_conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  const std::uint64_t checksum_offloads =
      RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
  if ((info.rx_offload_capa & checksum_offloads) == checksum_offloads) {
    port_conf.rxmode.offloads |= checksum_offloads;
    s.checksum_offload = true;
  }
  rc = rte_eth_dev_configure(s.port, config.rx_queues, config.rx_queues, &port_conf);
  if (rc != 0) return config_error("dpdk " + port_label + ": configure: " + dpdk_error(rc));
  std::uint16_t rx_descriptors = config.rx_descriptors;
  std::uint16_t tx_descriptors = config.tx_descriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(s.port, &rx_descriptors, &tx_descriptors);
  for (std::uint16_t q = 0; q < config.rx_queues; ++q) {
    rc = rte_eth_rx_queue_setup(s.port, q, rx_descriptors, static_cast<unsigned>(socket), nullptr,
                                s.pool);
    if (rc != 0) {
      return config_error("dpdk " + port_label + ": rx queue " + std::to_string(q) + ": " +
                          dpdk_error(rc));
    }
    rc = rte_eth_tx_queue_setup(s.port, q, tx_descriptors, static_cast<unsigned>(socket), nullptr);
    if (rc != 0) {
      return config_error("dpdk " + port_label + ": tx queue " + std::to_string(q) + ": " +
                          dpdk_error(rc));
    }
  }
  rc = rte_eth_dev_start(s.port);
  if (rc != 0) return config_error("dpdk " + port_label + ": start: " + dpdk_error(rc));
  s.port_started = true;
  s.local = config.local;
  if (s.local.mac == MacAddress{}) {
    rte_ether_addr mac;
    rte_eth_macaddr_get(s.port, &mac);
    std::memcpy(s.local.mac.data(), mac.addr_bytes, 6);
  }
  for (std::uint16_t q = 0; q < config.rx_queues; ++q) {
    IngressConfig stage_config = config.ingress;
    stage_config.queue = q;
    s.stages.push_back(std::make_unique<IngressStage>());
    TC_RETURN_IF_ERROR(s.stages.back()->init(stage_config, recent, rings[q]));
  }
  TC_LOG_INFO("dpdk ingress port started", {{"port", port_label},
                                            {"driver", info.driver_name},
                                            {"queues", config.rx_queues},
                                            {"rss", port_conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS},
                                            {"mbufs", config.mbuf_count}});
  return Status::ok();
}

std::size_t DpdkBackend::step(std::uint16_t queue) {
  return state_->step(queue);
}

Status DpdkBackend::start_lcores(const std::atomic<bool>* stop) {
  State& s = *state_;
  if (s.config.lcores.size() < s.config.rx_queues) {
    return config_error("dpdk: " + std::to_string(s.config.rx_queues) + " queues need as many " +
                        "lcores, " + std::to_string(s.config.lcores.size()) + " configured");
  }
  s.stop = stop;
  s.loop_arguments.clear();
  for (std::uint16_t q = 0; q < s.config.rx_queues; ++q) s.loop_arguments.push_back({&s, q});
  for (std::uint16_t q = 0; q < s.config.rx_queues; ++q) {
    const unsigned lcore = s.config.lcores[q];
    const int rc = rte_eal_remote_launch(&State::poll_loop, &s.loop_arguments[q], lcore);
    if (rc != 0) {
      return config_error("dpdk: cannot launch queue " + std::to_string(q) + " on lcore " +
                          std::to_string(lcore) + ": " + dpdk_error(rc));
    }
    s.launched.push_back(lcore);
  }
  return Status::ok();
}

void DpdkBackend::wait_lcores() {
  for (unsigned lcore : state_->launched) rte_eal_wait_lcore(lcore);
  state_->launched.clear();
}

void DpdkBackend::fini() {
  State& s = *state_;
  wait_lcores();
  for (auto& stage : s.stages) stage->fini();
  if (s.port_started) {
    // Stopped, not closed: closing a virtual device removes its port, and a later init() in the
    // same process (tests, benchmark repetitions) must find it again. The EAL releases it at exit.
    rte_eth_dev_stop(s.port);
    s.port_started = false;
  }
  if (s.pool != nullptr) {
    rte_mempool_free(s.pool);
    s.pool = nullptr;
  }
}

const LocalEndpoint& DpdkBackend::local() const {
  return state_->local;
}
std::uint16_t DpdkBackend::port_id() const {
  return state_->port;
}
IngressStage& DpdkBackend::stage(std::uint16_t queue) {
  return *state_->stages[queue];
}
std::uint32_t DpdkBackend::mbufs_available() const {
  return state_->pool == nullptr ? 0 : rte_mempool_avail_count(state_->pool);
}
std::uint32_t DpdkBackend::mbufs_total() const {
  return state_->pool == nullptr ? 0 : state_->pool->size;
}

}  // namespace tc::dataplane
