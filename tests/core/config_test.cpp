// Goal: NodeConfig parsing is strict and its errors point the operator at the exact file, line,
// column and dotted key; profiles give the documented defaults; the shipped example files parse.
// Method: parse_config on inline TOML with a fixed origin name and compare whole error messages;
// load_config_file on node/config/*.toml (found under TC_SOURCE_DIR) and on a missing path.
// Scenarios:
//   - profile defaults (ports, chain id, block interval, mempool bounds) for all three profiles;
//   - an empty file is mainnet; keys override defaults; the profile's defaults follow the profile;
//   - errors: syntax, unknown section, unknown key (nested), section that is not a table, wrong
//     type, out of range, port 0, unknown enum word (profile, backend, log level, log format),
//     empty string, a string holding NUL, bad listen address, bad seed peer, duplicate core in one
//     list, core out of range, non-integer core, P2P port equal to RPC port; every one has code
//     kConfig;
//   - [ingress]: profile defaults, every key overridden, and its own errors (unknown backend word,
//     non-boolean udp_checksum, non-string EAL argument, ring depth not a power of two, rate limit
//     without a burst, too few mbufs for the queues, queue count against cores.ingress from either
//     side, backend "dpdk" on an unspecified address);
//   - the example files for mainnet, testnet and devnet load with their documented values;
//   - the four inputs that crashed toml++ 3.3.0, and what the TOML subset leaves out, are errors
//     naming the key; the first error in file order is the one reported;
//   - [mempool] has MempoolConfig's names and units and no fee; [cores] has the daemon's stages;
//   - sources: the line of each key the file set; the effective configuration names each value's
//     source and reads back to the same values (defaults, example files, strings with escapes);
//   - a missing file is a kConfig error naming the path.
#include "core/config.h"

#include <gtest/gtest.h>

#include <string>

#include "core/types.h"

namespace tc {
namespace {

Result<NodeConfig> parse(const std::string& text) {
  return parse_config(text, "test.toml");
}

void expect_error(const std::string& text, const std::string& message) {
  Result<NodeConfig> result = parse(text);
  ASSERT_FALSE(result.is_ok()) << "expected an error for:\n" << text;
  EXPECT_EQ(result.status().code(), StatusCode::kConfig);
  EXPECT_EQ(result.status().message(), message);
}

TEST(ConfigTest, ProfileDefaults) {
  NodeConfig mainnet = default_config(Network::kMainnet);
  EXPECT_EQ(mainnet.node.chain_id, kChainIdMainnet);
  EXPECT_EQ(mainnet.net.p2p_port, 24000);
  EXPECT_EQ(mainnet.net.rpc_port, 24001);
  EXPECT_EQ(mainnet.net.ingress_udp_port, 24002);
  EXPECT_EQ(mainnet.net.rpc_listen_address, "127.0.0.1");
  EXPECT_EQ(mainnet.consensus.block_interval_ms, 30000u);
  EXPECT_EQ(mainnet.mempool.tx_count_max, 10000u);
  EXPECT_EQ(mainnet.mempool.bytes_max, 300ull * 1024 * 1024);
  EXPECT_EQ(mainnet.mempool.ttl_ms, 3'600'000u);
  EXPECT_EQ(mainnet.verify.backend, VerifyBackend::kAuto);
  EXPECT_EQ(mainnet.log.level, LogLevel::kInfo);
  EXPECT_TRUE(mainnet.cores.verify.empty());

  NodeConfig testnet = default_config(Network::kTestnet);
  EXPECT_EQ(testnet.node.chain_id, kChainIdTestnet);
  EXPECT_EQ(testnet.net.p2p_port, 24100);
  EXPECT_EQ(testnet.net.rpc_port, 24101);
  EXPECT_EQ(testnet.net.ingress_udp_port, 24102);
  EXPECT_EQ(testnet.consensus.block_interval_ms, 30000u);

  NodeConfig devnet = default_config(Network::kDevnet);
  EXPECT_EQ(devnet.node.chain_id, kChainIdDevnet);
  EXPECT_EQ(devnet.net.p2p_port, 24100);
  EXPECT_EQ(devnet.consensus.block_interval_ms, 1000u);
  EXPECT_EQ(devnet.node.data_dir, "/var/lib/timecoind/devnet");
  EXPECT_EQ(devnet.mempool.ttl_ms, 600'000u);
  EXPECT_TRUE(devnet.sources.file_keys.empty());
}

TEST(ConfigTest, EmptyFileIsMainnet) {
  Result<NodeConfig> config = parse("");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->node.profile, Network::kMainnet);
  EXPECT_EQ(config->node.chain_id, kChainIdMainnet);
  EXPECT_EQ(config->net.p2p_port, 24000);
}

TEST(ConfigTest, KeysOverrideTheProfileDefaults) {
  Result<NodeConfig> config = parse(R"(
[node]
profile = "devnet"
data_dir = "/tmp/x"
[net]
rpc_port = 30001
rpc_listen_address = "::1"
seed_peers = ["a.example:1", "[::1]:24100"]
[consensus]
block_interval_ms = 50
timeout_propose_delta_ms = 0
[mempool]
bytes_max = 1048576
ttl_ms = 5000
[cores]
verify = [1, 0]
[verify]
backend = "gpu"
gpu_device = 2
[log]
level = "warn"
format = "json"
)");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->node.profile, Network::kDevnet);
  EXPECT_EQ(config->node.chain_id, kChainIdDevnet);
  EXPECT_EQ(config->node.data_dir, "/tmp/x");
  EXPECT_EQ(config->net.rpc_port, 30001);
  EXPECT_EQ(config->net.p2p_port, 24100);  // devnet default kept
  EXPECT_EQ(config->net.rpc_listen_address, "::1");
  ASSERT_EQ(config->net.seed_peers.size(), 2u);
  EXPECT_EQ(config->net.seed_peers[1], "[::1]:24100");
  EXPECT_EQ(config->consensus.block_interval_ms, 50u);
  EXPECT_EQ(config->consensus.timeout_propose_delta_ms, 0u);
  EXPECT_EQ(config->consensus.timeout_propose_ms, 300u);  // devnet default kept
  EXPECT_EQ(config->mempool.bytes_max, 1048576u);
  EXPECT_EQ(config->mempool.ttl_ms, 5000u);
  EXPECT_EQ(config->mempool.tx_count_max, 10000u);  // profile default kept
  EXPECT_EQ(config->cores.verify, (std::vector<int>{1, 0}));
  EXPECT_EQ(config->verify.backend, VerifyBackend::kGpu);
  EXPECT_EQ(config->verify.gpu_device, 2u);
  EXPECT_EQ(config->log.level, LogLevel::kWarn);
  EXPECT_EQ(config->log.format, LogFormat::kJson);
}

TEST(ConfigTest, IngressDefaultsAndOverrides) {
  const IngressSection mainnet = default_config(Network::kMainnet).ingress;
  EXPECT_EQ(mainnet.backend, IngressBackend::kAuto);
  EXPECT_EQ(mainnet.queues, 1u);
  EXPECT_EQ(mainnet.mbufs, 8191u);
  EXPECT_EQ(mainnet.ring_depth, 4096u);
  EXPECT_EQ(mainnet.recent_set_capacity, 1u << 20);
  EXPECT_EQ(mainnet.rate_limit_per_s, 0u);
  EXPECT_FALSE(mainnet.udp_checksum);
  EXPECT_EQ(mainnet.socket_spread, SocketSpread::kHash);
  EXPECT_EQ(default_config(Network::kDevnet).ingress.backend, IngressBackend::kSocket);

  Result<NodeConfig> config = parse(R"(
[net]
ingress_listen_address = "10.0.0.5"
[cores]
ingress = [2, 3]
[ingress]
backend = "dpdk"
eal_args = ["--in-memory", "-l", "2-3"]
dpdk_port = "0000:3b:00.0"
dpdk_vdevs = ["net_pcap0,rx_pcap=/tmp/in.pcap"]
queues = 2
mbufs = 16383
mbuf_cache = 128
rx_descriptors = 2048
tx_descriptors = 128
burst_max = 64
ring_depth = 8192
rate_limit_per_s = 1000
rate_limit_burst = 50
rate_limit_sources = 4096
recent_set_capacity = 4194304
udp_checksum = true
socket_spread = "cpu"
)");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  const IngressSection& in = config->ingress;
  EXPECT_EQ(in.backend, IngressBackend::kDpdk);
  EXPECT_EQ(in.eal_args, (std::vector<std::string>{"--in-memory", "-l", "2-3"}));
  EXPECT_EQ(in.dpdk_port, "0000:3b:00.0");
  EXPECT_EQ(in.dpdk_vdevs, (std::vector<std::string>{"net_pcap0,rx_pcap=/tmp/in.pcap"}));
  EXPECT_EQ(in.queues, 2u);
  EXPECT_EQ(in.mbufs, 16383u);
  EXPECT_EQ(in.mbuf_cache, 128u);
  EXPECT_EQ(in.rx_descriptors, 2048u);
  EXPECT_EQ(in.tx_descriptors, 128u);
  EXPECT_EQ(in.burst_max, 64u);
  EXPECT_EQ(in.ring_depth, 8192u);
  EXPECT_EQ(in.rate_limit_per_s, 1000u);
  EXPECT_EQ(in.rate_limit_burst, 50u);
  EXPECT_EQ(in.rate_limit_sources, 4096u);
  EXPECT_EQ(in.recent_set_capacity, 4194304u);
  EXPECT_TRUE(in.udp_checksum);
  EXPECT_EQ(in.socket_spread, SocketSpread::kCpu);
}

TEST(ConfigTest, IngressErrorsNameTheKey) {
  expect_error("[ingress]\nbackend = \"xdp\"\n",
               "test.toml:2:11: key 'ingress.backend': unknown backend 'xdp' (expected auto, dpdk "
               "or socket)");
  expect_error("[ingress]\nsocket_spread = \"rss\"\n",
               "test.toml:2:17: key 'ingress.socket_spread': unknown socket spread 'rss' "
               "(expected hash or cpu)");
  expect_error("[ingress]\nudp_checksum = 1\n",
               "test.toml:2:16: key 'ingress.udp_checksum': expected true or false, got an "
               "integer");
  expect_error("[ingress]\neal_args = [\"-l\", 2]\n",
               "test.toml:2:19: key 'ingress.eal_args': expected strings, got an integer");
  expect_error("[ingress]\nring_depth = 3000\n",
               "test.toml:2:14: key 'ingress.ring_depth': 3000 is not a power of two");
  expect_error("[ingress]\nrate_limit_per_s = 100\n",
               "test.toml:2:20: key 'ingress.rate_limit_per_s': a rate limit of 100 per second "
               "needs rate_limit_burst >= 1");
  expect_error("[ingress]\nqueues = 8\n",
               "test.toml:2:10: key 'ingress.queues': mbufs 8191 is below the 10496 that 8 queues "
               "hold (rx_descriptors + mbuf_cache + burst_max each)");
  expect_error("[ingress]\nqueues = 8\nmbufs = 4000\n",
               "test.toml:3:9: key 'ingress.mbufs': mbufs 4000 is below the 10496 that 8 queues "
               "hold (rx_descriptors + mbuf_cache + burst_max each)");
  expect_error("[cores]\ningress = [2, 3]\n",
               "test.toml:2:11: key 'cores.ingress': 1 ingress queues need as many cores in "
               "cores.ingress, which lists 2");
  expect_error("[cores]\ningress = [2, 3]\n[ingress]\nqueues = 3\n",
               "test.toml:4:10: key 'ingress.queues': 3 ingress queues need as many cores in "
               "cores.ingress, which lists 2");
  expect_error("[ingress]\nbackend = \"dpdk\"\n",
               "test.toml:2:11: key 'ingress.backend': backend \"dpdk\" answers ARP for "
               "net.ingress_listen_address, which must then be the node's own address, not "
               "0.0.0.0");
}

TEST(ConfigTest, SyntaxErrorNamesFileLineColumnAndKey) {
  expect_error("[node]\nprofile = \n",
               "test.toml:2:11: key 'node.profile': expected a value, found the end of the line");
  expect_error(
      "[net]\np2p_port = 24000 24001\n",
      "test.toml:2:18: expected the end of the line after the value of key 'net.p2p_port', "
      "found '2'");
}

// Each of these aborted the node through toml++ 3.3.0 (an assertion, or __builtin_unreachable for
// the lone U+00A1: upstream issues 190 and 295).
TEST(ConfigTest, InputsThatCrashedTomlPlusPlusAreConfigErrors) {
  expect_error("[!]", "test.toml:1:2: expected a section name, found '!'");
  expect_error("a=[}", "test.toml:1:4: key 'a': expected a value, found '}'");
  expect_error(std::string("a=1980-05-27T\x01"
                           "7:00"),
               "test.toml:1:3: key 'a': a date or time (1980-05-27T) is not supported");
  expect_error("\xC2\xA1",
               "test.toml:1:1: expected a key, a [section] or a comment, found character U+00A1");
}

TEST(ConfigTest, WhatTheSubsetLeavesOutIsAnErrorNamingTheKey) {
  expect_error("[consensus]\nblock_interval_ms = 1.5\n",
               "test.toml:2:21: key 'consensus.block_interval_ms': a float (1.5) is not supported");
  expect_error("[verify]\nbackend = { name = \"cpu\" }\n",
               "test.toml:2:11: key 'verify.backend': an inline table is not supported");
  expect_error("[verify]\nbackend = cpu\n",
               "test.toml:2:11: key 'verify.backend': 'cpu' is not a value (strings are written in "
               "quotes)");
  expect_error("[[net]]\n", "test.toml:1:1: arrays of tables ([[...]]) are not supported");
  expect_error("[net]\np2p_port = 1\np2p_port = 2\n",
               "test.toml:3:1: key 'net.p2p_port' is set twice (first at line 2)");
}

TEST(ConfigTest, TheFirstErrorInTheFileIsReported) {
  // A bad value in [log] (line 2) comes before an unknown key in [net] (line 4), though [net] is
  // read first.
  expect_error("[log]\nlevel = \"loud\"\n[net]\nmax_pears = 3\n",
               "test.toml:2:9: key 'log.level': unknown log level 'loud' (expected trace, debug, "
               "info, warn, error or off)");
  expect_error("[net]\nmax_pears = 3\n[log]\nlevel = \"loud\"\n",
               "test.toml:2:1: unknown key 'net.max_pears'");
}

TEST(ConfigTest, MempoolKeysHaveTheMempoolsNamesAndNoFee) {
  Result<NodeConfig> config =
      parse("[mempool]\ntx_count_max = 7\nbytes_max = 2097152\nttl_ms = 90000\n");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->mempool.tx_count_max, 7u);
  EXPECT_EQ(config->mempool.bytes_max, 2'097'152u);
  EXPECT_EQ(config->mempool.ttl_ms, 90'000u);
  // The minimum fee is a consensus rule (ledger::LedgerParams), not a node's setting; the old
  // names and units are gone.
  expect_error("[mempool]\nmin_fee_sat = 1000\n",
               "test.toml:2:1: unknown key 'mempool.min_fee_sat'");
  expect_error("[mempool]\nmax_transactions = 5\n",
               "test.toml:2:1: unknown key 'mempool.max_transactions'");
  expect_error("[mempool]\nttl_s = 600\n", "test.toml:2:1: unknown key 'mempool.ttl_s'");
  expect_error("[mempool]\nttl_ms = 999\n",
               "test.toml:2:10: key 'mempool.ttl_ms': expected an integer in 1000..604800000, got "
               "999");
}

TEST(ConfigTest, CoresKeysAreTheDaemonsStages) {
  Result<NodeConfig> config = parse(
      "[cores]\ningress = [1]\nverify = [2, 3]\nmempool = [4]\nconsensus = [4]\ncommit = [5]\n"
      "net = [6]\nrpc = [6]\n");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->cores.verify, (std::vector<int>{2, 3}));
  EXPECT_EQ(config->cores.commit, (std::vector<int>{5}));
  EXPECT_EQ(config->cores.net, (std::vector<int>{6}));
  EXPECT_EQ(config->cores.rpc, (std::vector<int>{6}));
  // Execute and commit are one stage.
  expect_error("[cores]\nexecute = [5]\n", "test.toml:2:1: unknown key 'cores.execute'");
}

TEST(ConfigTest, UnknownKeysAreErrorsAtTheKey) {
  expect_error("[mempool]\ntx_count_max = 5\nmax_txs = 5\n",
               "test.toml:3:1: unknown key 'mempool.max_txs'");
  expect_error("[node]\nprofile = \"devnet\"\n\n[storage]\npath = \"x\"\n",
               "test.toml:4:2: unknown key 'storage'");
  expect_error("chain_id = 3\n", "test.toml:1:1: unknown key 'chain_id'");
  expect_error("[node]\nchain_id = 3\n", "test.toml:2:1: unknown key 'node.chain_id'");
  expect_error("[cores]\nverfy = [1]\n", "test.toml:2:1: unknown key 'cores.verfy'");
}

TEST(ConfigTest, SectionMustBeATable) {
  expect_error("mempool = 5\n", "test.toml:1:11: key 'mempool': expected a table, got an integer");
}

TEST(ConfigTest, WrongTypeIsAnError) {
  expect_error("[net]\np2p_port = \"24000\"\n",
               "test.toml:2:12: key 'net.p2p_port': expected an integer, got a string");
  expect_error("[node]\ndata_dir = 7\n",
               "test.toml:2:12: key 'node.data_dir': expected a string, got an integer");
  expect_error("[cores]\nverify = 3\n",
               "test.toml:2:10: key 'cores.verify': expected an array of core numbers, got an "
               "integer");
  expect_error("[cores]\nverify = [1, \"2\"]\n",
               "test.toml:2:14: key 'cores.verify': expected core numbers, got a string");
}

TEST(ConfigTest, OutOfRangeIsAnError) {
  expect_error("[net]\np2p_port = 0\n",
               "test.toml:2:12: key 'net.p2p_port': expected an integer in 1..65535, got 0");
  expect_error("[net]\ningress_udp_port = 70000\n",
               "test.toml:2:20: key 'net.ingress_udp_port': expected an integer in 1..65535, got "
               "70000");
  expect_error("[mempool]\ntx_count_max = -1\n",
               "test.toml:2:16: key 'mempool.tx_count_max': expected an integer in 1..10000000, "
               "got -1");
  expect_error("[consensus]\nblock_interval_ms = 0\n",
               "test.toml:2:21: key 'consensus.block_interval_ms': expected an integer in "
               "1..3600000, got 0");
  expect_error("[cores]\ncommit = [1024]\n",
               "test.toml:2:11: key 'cores.commit': core 1024 is outside 0..1023");
}

TEST(ConfigTest, UnknownWordsAreErrors) {
  expect_error("[node]\nprofile = \"regtest\"\n",
               "test.toml:2:11: key 'node.profile': unknown network \"regtest\" (expected mainnet, "
               "testnet or devnet)");
  expect_error("[verify]\nbackend = \"fpga\"\n",
               "test.toml:2:11: key 'verify.backend': unknown backend 'fpga' (expected auto, cpu "
               "or gpu)");
  expect_error("[log]\nlevel = \"verbose\"\n",
               "test.toml:2:9: key 'log.level': unknown log level 'verbose' (expected trace, "
               "debug, info, warn, error or off)");
  expect_error("[log]\nformat = \"xml\"\n",
               "test.toml:2:10: key 'log.format': unknown log format 'xml' (expected text or "
               "json)");
}

TEST(ConfigTest, BadStringsAreErrors) {
  expect_error("[node]\ndata_dir = \"\"\n",
               "test.toml:2:12: key 'node.data_dir': must not be empty");
  expect_error("[net]\np2p_listen_address = \"localhost\"\n",
               "test.toml:2:22: key 'net.p2p_listen_address': 'localhost' is not an IPv4 or IPv6 "
               "address");
  expect_error("[net]\nseed_peers = [\"10.0.0.1:24000\", \"10.0.0.2\"]\n",
               "test.toml:2:33: key 'net.seed_peers': '10.0.0.2' is not \"host:port\" with a port "
               "in 1..65535");
  expect_error("[node]\ndata_dir = \"/srv/a\\u0000b\"\n",
               "test.toml:2:12: key 'node.data_dir': must not hold a NUL character");
  expect_error("[net]\nrpc_listen_address = \"127.0.0.1\\u0000x\"\n",
               "test.toml:2:22: key 'net.rpc_listen_address': must not hold a NUL character");
  expect_error("[ingress]\neal_args = [\"-l\", \"1\\u0000\"]\n",
               "test.toml:2:19: key 'ingress.eal_args': must not hold a NUL character");
  expect_error("[net]\nseed_peers = [\"::1:24000\"]\n",
               "test.toml:2:15: key 'net.seed_peers': '::1:24000' is not \"host:port\" with a port "
               "in 1..65535");
}

TEST(ConfigTest, DuplicateCoreInOneListIsAnError) {
  expect_error("[cores]\nverify = [2, 3, 2]\n",
               "test.toml:2:17: key 'cores.verify': core 2 is listed twice");
  // The same core in two lists is allowed: small machines share cores between stages.
  Result<NodeConfig> shared = parse("[cores]\nmempool = [1]\nconsensus = [1]\n");
  EXPECT_TRUE(shared.is_ok()) << shared.status().to_string();
}

TEST(ConfigTest, P2pAndRpcPortsMustDiffer) {
  expect_error("[net]\nrpc_port = 24000\n",
               "test.toml:2:12: key 'net.rpc_port': port 24000 is used by both net.p2p_port and "
               "net.rpc_port (both TCP)");
}

TEST(ConfigTest, ExampleFilesLoad) {
  const std::string dir = std::string(TC_SOURCE_DIR) + "/node/config/";

  Result<NodeConfig> mainnet = load_config_file(dir + "mainnet.toml");
  ASSERT_TRUE(mainnet.is_ok()) << mainnet.status().to_string();
  EXPECT_EQ(mainnet->node.profile, Network::kMainnet);
  EXPECT_EQ(mainnet->net.p2p_port, 24000);
  EXPECT_EQ(mainnet->cores.verify, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(mainnet->log.format, LogFormat::kJson);
  EXPECT_EQ(mainnet->ingress.queues, 2u);
  EXPECT_EQ(mainnet->ingress.backend, IngressBackend::kAuto);

  Result<NodeConfig> testnet = load_config_file(dir + "testnet.toml");
  ASSERT_TRUE(testnet.is_ok()) << testnet.status().to_string();
  EXPECT_EQ(testnet->node.chain_id, kChainIdTestnet);
  EXPECT_EQ(testnet->net.ingress_udp_port, 24102);
  EXPECT_EQ(testnet->net.seed_peers.size(), 2u);

  Result<NodeConfig> devnet = load_config_file(dir + "devnet.toml");
  ASSERT_TRUE(devnet.is_ok()) << devnet.status().to_string();
  EXPECT_EQ(devnet->node.chain_id, kChainIdDevnet);
  EXPECT_EQ(devnet->consensus.block_interval_ms, 1000u);
  EXPECT_EQ(devnet->verify.backend, VerifyBackend::kCpu);
  EXPECT_TRUE(devnet->cores.ingress.empty());
  EXPECT_EQ(devnet->ingress.backend, IngressBackend::kSocket);
}

TEST(ConfigTest, SourcesRecordTheLineOfEachKeyTheFileSets) {
  Result<NodeConfig> config =
      parse("[node]\nprofile = \"devnet\"\n\n[mempool]\n# an hour\nttl_ms = 3600000\n");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->sources.origin_name, "test.toml");
  EXPECT_EQ(config->sources.line_of("node.profile"), 2u);
  EXPECT_EQ(config->sources.line_of("mempool.ttl_ms"), 6u);
  EXPECT_EQ(config->sources.line_of("mempool.tx_count_max"), 0u);
  EXPECT_EQ(config->sources.file_keys.size(), 2u);
}

TEST(ConfigTest, EffectiveConfigNamesEachValuesSource) {
  Result<NodeConfig> config = parse(
      "[node]\nprofile = \"devnet\"\n\n[mempool]\nttl_ms = 3600000\n[ingress]\n"
      "eal_args = [\"--in-memory\",\n  \"-l\", \"1-2\"]\n");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  const std::string text = render_effective_config(*config);
  const auto contains = [&](const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << "missing:\n" << part << "\nin:\n" << text;
  };
  contains(
      "[node]\nprofile = \"devnet\"  # test.toml:2\n"
      "data_dir = \"/var/lib/timecoind/devnet\"  # devnet profile default\n\n[net]\n");
  contains(
      "[mempool]\ntx_count_max = 10000  # devnet profile default\n"
      "bytes_max = 314572800  # devnet profile default\n"
      "ttl_ms = 3600000  # test.toml:5\n\n[cores]\ningress = []  # devnet profile default\n");
  contains(
      "eal_args = [\"--in-memory\", \"-l\", \"1-2\"]  # test.toml:7\n"
      "# dpdk_port not set: the first DPDK port  # devnet profile default\n");
  contains("[log]\nlevel = \"debug\"  # devnet profile default\n");

  // A file that sets nothing shows the mainnet profile.
  const std::string defaults = render_effective_config(*parse(""));
  EXPECT_NE(defaults.find("profile = \"mainnet\"  # mainnet profile default\n"), std::string::npos)
      << defaults;
}

// Rendering then parsing gives back the same values, with every key now set by the rendered text
// (dpdk_port, unset, stays a comment): the rendering leaves no key out.
void expect_round_trip(const NodeConfig& config) {
  const std::string text = render_effective_config(config);
  Result<NodeConfig> reparsed = parse_config(text, "rendered.toml");
  ASSERT_TRUE(reparsed.is_ok()) << reparsed.status().to_string() << "\n" << text;
  NodeConfig values = *reparsed;
  values.sources = config.sources;
  EXPECT_EQ(values, config) << text;
  const std::string again = render_effective_config(*reparsed);
  std::size_t defaults = 0;
  for (std::size_t at = again.find("profile default"); at != std::string::npos;
       at = again.find("profile default", at + 1)) {
    ++defaults;
  }
  EXPECT_EQ(defaults, config.ingress.dpdk_port.empty() ? 1u : 0u) << again;
}

TEST(ConfigTest, EffectiveConfigReadsBackToTheSameValues) {
  for (Network network : {Network::kMainnet, Network::kTestnet, Network::kDevnet}) {
    expect_round_trip(default_config(network));
  }
  for (const char* name : {"mainnet.toml", "testnet.toml", "devnet.toml"}) {
    Result<NodeConfig> example =
        load_config_file(std::string(TC_SOURCE_DIR) + "/node/config/" + name);
    ASSERT_TRUE(example.is_ok()) << example.status().to_string();
    expect_round_trip(*example);
  }
  // Strings that need escapes, and non-ASCII text, survive.
  Result<NodeConfig> odd = parse(
      "[node]\ndata_dir = \"/srv/t\\u00e9\\\"q\\\\\\t\"\n[ingress]\ndpdk_port = 'C:\\pci'\n"
      "eal_args = [\"a\\nb\", \"\\u0001\"]\n");
  ASSERT_TRUE(odd.is_ok()) << odd.status().to_string();
  EXPECT_EQ(odd->node.data_dir, "/srv/t\xC3\xA9\"q\\\t");
  EXPECT_EQ(odd->ingress.dpdk_port, "C:\\pci");
  EXPECT_EQ(odd->ingress.eal_args, (std::vector<std::string>{"a\nb", "\x01"}));
  expect_round_trip(*odd);
}

TEST(ConfigTest, MissingFileIsAConfigError) {
  Result<NodeConfig> result = load_config_file("/nonexistent/timecoind.toml");
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), StatusCode::kConfig);
  EXPECT_EQ(result.status().message(),
            "/nonexistent/timecoind.toml: cannot open: No such file or directory");
}

}  // namespace
}  // namespace tc
