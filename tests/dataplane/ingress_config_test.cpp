// Goal: the backends take every ingress setting from the node's configuration file.
// Method: parse_config() on inline TOML, then the dataplane mapping functions; compare fields.
// Scenarios: profile defaults reach the socket backend, the stage's rate limit and the recent set;
// a full [ingress] section with cores.ingress reaches DpdkConfig (queues, pool, descriptors,
// burst, lcores, local IPv4 endpoint, UDP checksum) and the EAL arguments (vdevs appended as
// --vdev=); an IPv6 listen address gives an IPv6 endpoint; an unspecified address is refused for
// DPDK with kConfig. Needs no DPDK: the mapping builds in every configuration.
#include "dataplane/ingress_config.h"

#include <gtest/gtest.h>

namespace tc::dataplane {
namespace {

NodeConfig parse(const std::string& text) {
  Result<NodeConfig> config = parse_config(text, "test.toml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  return config.is_ok() ? *config : NodeConfig{};
}

TEST(IngressConfigTest, ProfileDefaultsReachTheSocketBackend) {
  const NodeConfig config = parse("[node]\nprofile = \"testnet\"\n");
  const SocketBackendConfig socket = socket_backend_config(config);
  EXPECT_EQ(socket.listen_address, "0.0.0.0");
  EXPECT_EQ(socket.port, 24102);
  EXPECT_EQ(socket.burst_max, 32u);
  EXPECT_EQ(socket.buffer_count, 1024u);
  EXPECT_EQ(socket.ingress.rate_limit.rate_per_s, 0u);
  EXPECT_EQ(recent_set_config(config).capacity, 1u << 20);
  EXPECT_EQ(recent_set_config(config).test_key_seed, 0u);  // a getrandom key
  EXPECT_EQ(dpdk_backend_config(config).status().code(), StatusCode::kConfig);
}

// One socket per queue in an SO_REUSEPORT group; "cpu" spread counts the group's sockets.
TEST(IngressConfigTest, QueuesAndSpreadReachTheSocketBackend) {
  const SocketBackendConfig one =
      socket_backend_config(parse("[ingress]\nsocket_spread = \"cpu\"\n"));
  EXPECT_FALSE(one.reuse_port);
  EXPECT_EQ(one.reuse_port_spread, ReusePortSpread::kHash);
  const SocketBackendConfig hashed = socket_backend_config(parse("[ingress]\nqueues = 3\n"));
  EXPECT_TRUE(hashed.reuse_port);
  EXPECT_EQ(hashed.reuse_port_spread, ReusePortSpread::kHash);
  const SocketBackendConfig by_cpu =
      socket_backend_config(parse("[ingress]\nqueues = 3\nsocket_spread = \"cpu\"\n"));
  EXPECT_TRUE(by_cpu.reuse_port);
  EXPECT_EQ(by_cpu.reuse_port_spread, ReusePortSpread::kCpu);
  EXPECT_EQ(by_cpu.reuse_port_sockets, 3u);
}

TEST(IngressConfigTest, FullSectionReachesTheDpdkBackend) {
  const NodeConfig config = parse(R"(
[net]
ingress_listen_address = "10.1.2.3"
ingress_udp_port = 25000
[cores]
ingress = [4, 5]
[ingress]
backend = "dpdk"
eal_args = ["--in-memory", "-l", "3-5"]
dpdk_port = "0000:3b:00.0"
dpdk_vdevs = ["net_null0"]
queues = 2
mbufs = 16383
mbuf_cache = 128
rx_descriptors = 2048
tx_descriptors = 128
burst_max = 64
rate_limit_per_s = 1000
rate_limit_burst = 50
rate_limit_sources = 4096
recent_set_capacity = 65536
udp_checksum = true
)");
  Result<DpdkConfig> dpdk = dpdk_backend_config(config);
  ASSERT_TRUE(dpdk.is_ok()) << dpdk.status().to_string();
  EXPECT_EQ(dpdk->port_name, "0000:3b:00.0");
  EXPECT_EQ(dpdk->rx_queues, 2);
  EXPECT_EQ(dpdk->mbuf_count, 16383u);
  EXPECT_EQ(dpdk->mbuf_cache, 128u);
  EXPECT_EQ(dpdk->rx_descriptors, 2048);
  EXPECT_EQ(dpdk->tx_descriptors, 128);
  EXPECT_EQ(dpdk->burst_max, 64);
  EXPECT_EQ(dpdk->lcores, (std::vector<unsigned>{4, 5}));
  EXPECT_TRUE(dpdk->local.has_ipv4);
  EXPECT_FALSE(dpdk->local.has_ipv6);
  EXPECT_EQ(dpdk->local.ipv4, 0x0a010203u);
  EXPECT_EQ(dpdk->local.udp_port, 25000);
  EXPECT_TRUE(dpdk->local.verify_udp_checksum);
  EXPECT_EQ(dpdk->ingress.rate_limit.rate_per_s, 1000u);
  EXPECT_EQ(dpdk->ingress.rate_limit.burst, 50u);
  EXPECT_EQ(dpdk->ingress.rate_limit.sources, 4096u);
  EXPECT_EQ(dpdk_eal_arguments(config),
            (std::vector<std::string>{"--in-memory", "-l", "3-5", "--vdev=net_null0"}));
  EXPECT_EQ(recent_set_config(config).capacity, 65536u);
  EXPECT_EQ(socket_backend_config(config).buffer_count, 1024u);
}

TEST(IngressConfigTest, Ipv6AddressGivesAnIpv6Endpoint) {
  const NodeConfig config = parse("[net]\ningress_listen_address = \"2001:db8::7\"\n");
  Result<DpdkConfig> dpdk = dpdk_backend_config(config);
  ASSERT_TRUE(dpdk.is_ok()) << dpdk.status().to_string();
  EXPECT_FALSE(dpdk->local.has_ipv4);
  EXPECT_TRUE(dpdk->local.has_ipv6);
  EXPECT_EQ(dpdk->local.ipv6[0], 0x20);
  EXPECT_EQ(dpdk->local.ipv6[15], 0x07);
}

}  // namespace
}  // namespace tc::dataplane
