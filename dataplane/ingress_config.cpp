#include "dataplane/ingress_config.h"

#include <arpa/inet.h>

#include <cstring>

namespace tc::dataplane {

RecentSetConfig recent_set_config(const NodeConfig& config) {
  RecentSetConfig out;
  out.capacity = config.ingress.recent_set_capacity;
  return out;
}

IngressConfig ingress_stage_config(const NodeConfig& config) {
  IngressConfig out;
  out.rate_limit.rate_per_s = config.ingress.rate_limit_per_s;
  out.rate_limit.burst = config.ingress.rate_limit_burst;
  out.rate_limit.sources = config.ingress.rate_limit_sources;
  return out;
}

SocketBackendConfig socket_backend_config(const NodeConfig& config) {
  SocketBackendConfig out;
  out.listen_address = config.net.ingress_listen_address;
  out.port = config.net.ingress_udp_port;
  out.mode = SocketReceiveMode::kAuto;
  out.burst_max = config.ingress.burst_max;
  // A power of two of at least four bursts, so the kernel can fill buffers while one is handled.
  std::uint32_t buffers = 1024;
  while (buffers < 4 * out.burst_max) buffers *= 2;
  out.buffer_count = buffers;
  out.ingress = ingress_stage_config(config);
  out.reuse_port = config.ingress.queues > 1;
  if (out.reuse_port && config.ingress.socket_spread == SocketSpread::kCpu) {
    out.reuse_port_spread = ReusePortSpread::kCpu;
    out.reuse_port_sockets = config.ingress.queues;
  }
  return out;
}

std::vector<std::string> dpdk_eal_arguments(const NodeConfig& config) {
  std::vector<std::string> args = config.ingress.eal_args;
  for (const std::string& vdev : config.ingress.dpdk_vdevs) args.push_back("--vdev=" + vdev);
  return args;
}

Result<DpdkConfig> dpdk_backend_config(const NodeConfig& config) {
  const IngressSection& in = config.ingress;
  DpdkConfig out;
  out.port_name = in.dpdk_port;
  out.rx_queues = static_cast<std::uint16_t>(in.queues);
  out.rx_descriptors = static_cast<std::uint16_t>(in.rx_descriptors);
  out.tx_descriptors = static_cast<std::uint16_t>(in.tx_descriptors);
  out.mbuf_count = in.mbufs;
  out.mbuf_cache = in.mbuf_cache;
  out.burst_max = static_cast<std::uint16_t>(in.burst_max);
  for (int core : config.cores.ingress) out.lcores.push_back(static_cast<unsigned>(core));
  out.ingress = ingress_stage_config(config);

  const std::string& address = config.net.ingress_listen_address;
  LocalEndpoint& local = out.local;
  std::uint8_t bytes[16] = {};
  static constexpr std::uint8_t kZero[16] = {};
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1 && std::memcmp(bytes, kZero, 4) != 0) {
    local.has_ipv4 = true;
    local.ipv4 = load_u32_be(bytes);
  } else if (inet_pton(AF_INET6, address.c_str(), bytes) == 1 &&
             std::memcmp(bytes, kZero, 16) != 0) {
    local.has_ipv6 = true;
    std::memcpy(local.ipv6.data(), bytes, 16);
  } else {
    return config_error("net.ingress_listen_address '" + address +
                        "' is not a specific address; the DPDK backend answers ARP and neighbour "
                        "solicitation for the node's own address");
  }
  local.udp_port = config.net.ingress_udp_port;
  local.verify_udp_checksum = in.udp_checksum;
  return out;
}

}  // namespace tc::dataplane
