// The mapping from the node's configuration (core/config.h: [ingress], with net.ingress_* and
// cores.ingress) onto the dataplane's own config structs, so that the backends take every setting
// from the one TOML file and the node wires them without repeating field by field.
//
// Pure functions of a NodeConfig that parse_config() accepted (its validation is not repeated
// here); they allocate only the returned values. Any thread. The DPDK mapping is available in
// every build (DpdkConfig is a plain struct); only starting the DPDK backend needs TC_HAVE_DPDK.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "dataplane/dpdk_backend.h"
#include "dataplane/ingress.h"
#include "dataplane/recent_set.h"
#include "dataplane/socket_backend.h"

namespace tc::dataplane {

// ingress.recent_set_capacity, with a getrandom() hash key.
RecentSetConfig recent_set_config(const NodeConfig& config);

// The per-queue stage settings: the rate limit (ingress.rate_limit_*). The queue id is the
// backend's to set.
IngressConfig ingress_stage_config(const NodeConfig& config);

// The socket backend on net.ingress_listen_address and net.ingress_udp_port, mode auto, with
// ingress.burst_max and the stage settings. Its receive buffers hold at least 4 bursts. With more
// than one of ingress.queues it sets reuse_port, spread as ingress.socket_spread says (for "cpu",
// over ingress.queues sockets), so that one such backend per queue can bind the port; the queue id
// is the caller's to set, per backend, and the backends must bind in queue order.
SocketBackendConfig socket_backend_config(const NodeConfig& config);

// ingress.eal_args followed by one --vdev=<value> per ingress.dpdk_vdevs entry.
std::vector<std::string> dpdk_eal_arguments(const NodeConfig& config);

// The DPDK port: ingress.dpdk_port, queues, pool and ring sizes, burst, UDP checksum; the local
// endpoint from net.ingress_listen_address (IPv4 or IPv6) and net.ingress_udp_port, with the
// port's own MAC; one lcore per queue from cores.ingress (empty when cores.ingress is). kConfig
// when the listen address is unspecified (0.0.0.0 or ::): DPDK must know the node's own address
// to answer ARP and neighbour solicitation for it, so "auto" then means the socket backend.
Result<DpdkConfig> dpdk_backend_config(const NodeConfig& config);

}  // namespace tc::dataplane
