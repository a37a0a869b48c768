// Goal: backend "dpdk" on a machine where DPDK finds no port is a startup error that says so, and
// nothing keeps running.
// Method: its own process, because the EAL is initialised once per process and here it must come
// up without any port: the service initialises it from ingress.eal_args (--no-huge --no-pci, a
// unique --file-prefix, -m 256) with no vdev.
// Scenarios: "dpdk" with neither ingress.dpdk_port nor vdevs fails with kConfig naming the backend
// and "no port available"; with the EAL now up, a dpdk_port that names no port fails naming it.
#include <gtest/gtest.h>

#include <string>

#include "node/ingress/ingress_service.h"

#ifdef TC_HAVE_DPDK
#include <unistd.h>

namespace tc::node {
namespace {

TEST(IngressServiceDpdkNoPortTest, DpdkWithNoPortFailsNamingTheReason) {
  NodeConfig config = default_config(Network::kTestnet);
  config.net.ingress_listen_address = "10.0.0.2";
  config.ingress.backend = IngressBackend::kDpdk;
  config.ingress.mbufs = 1023;
  config.ingress.mbuf_cache = 32;
  config.ingress.rx_descriptors = 256;
  config.ingress.recent_set_capacity = 4096;
  config.ingress.eal_args = {
      "--no-huge", "--no-pci", "--no-telemetry",
      "-m",        "256",      "--file-prefix=tc_ingress_no_port_" + std::to_string(getpid()),
      "-l",        "0",        "--log-level=4"};
  auto started = IngressService::start(config);
  ASSERT_FALSE(started.is_ok());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  const std::string message = started.status().to_string();
  EXPECT_NE(message.find("ingress backend dpdk"), std::string::npos) << message;
  EXPECT_NE(message.find("no port available"), std::string::npos) << message;

  config.ingress.dpdk_port = "net_pcap7";
  IngressServiceOptions options;
  options.dpdk_eal = DpdkEalSetup::kAlreadyInitialised;
  started = IngressService::start(config, options);
  ASSERT_FALSE(started.is_ok());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  EXPECT_NE(started.status().to_string().find("no port named 'net_pcap7'"), std::string::npos)
      << started.status().to_string();
}

}  // namespace
}  // namespace tc::node

#else

TEST(IngressServiceDpdkNoPortTest, BuiltWithoutDpdk) {
  GTEST_SKIP() << "built with TC_DPDK off or no libdpdk";
}

#endif
