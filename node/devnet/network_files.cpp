#include "node/devnet/network_files.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/hashing.h"
#include "core/masternode_tier.h"
#include "node/genesis_file.h"
#include "node/wallet/key_file.h"

namespace tc::node {
namespace {

constexpr std::uint32_t kNetworkNodesMax = 64;

// A port the kernel gives out free for `type` (SOCK_STREAM or SOCK_DGRAM) on 127.0.0.1, released
// again.
Result<std::uint16_t> free_port(int type) {
  const int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return io_error("socket: cannot create");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return io_error("cannot bind a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return io_error("cannot write " + path);
  return Status::ok();
}

}  // namespace

Result<NetworkFiles> write_network_files(const NetworkFilesOptions& options) {
  if (options.nodes == 0 || options.nodes > kNetworkNodesMax) {
    return invalid_argument("devnet nodes must be 1 to " + std::to_string(kNetworkNodesMax) +
                            ", got " + std::to_string(options.nodes));
  }
  std::vector<NodeFiles> nodes(options.nodes);
  std::vector<KeyPair> keys;
  GenesisFile genesis;
  genesis.network = Network::kDevnet;
  genesis.genesis.timestamp_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    NodeFiles& node = nodes[i];
    node.data_dir = (std::filesystem::path(options.root) / ("node-" + std::to_string(i))).string();
    node.config_file = node.data_dir + ".toml";
    std::error_code error;
    std::filesystem::create_directories(node.data_dir, error);
    if (error) return io_error("cannot create " + node.data_dir + ": " + error.message());
    TC_ASSIGN_OR_RETURN(KeyPair key, KeyPair::generate());
    TC_RETURN_IF_ERROR(wallet::write_key_file(node.data_dir + "/node_key.json", key));
    node.pubkey = key.pubkey();
    TC_ASSIGN_OR_RETURN(node.p2p_port, free_port(SOCK_STREAM));
    do {
      TC_ASSIGN_OR_RETURN(node.rpc_port, free_port(SOCK_STREAM));
    } while (node.rpc_port == node.p2p_port);
    TC_ASSIGN_OR_RETURN(node.ingress_port, free_port(SOCK_DGRAM));
    ledger::MasternodeRecord record;
    record.tier = MasternodeTier::kGold;
    record.consensus_pubkey = key.pubkey();
    record.reward_pubkey_hash = pubkey_hash(key.pubkey());
    record.p2p_address.bytes[10] = 0xff;  // 127.0.0.1, IPv4-mapped
    record.p2p_address.bytes[11] = 0xff;
    record.p2p_address.bytes[12] = 127;
    record.p2p_address.bytes[15] = 1;
    record.p2p_port = node.p2p_port;
    genesis.genesis.masternodes.push_back(record);
    keys.push_back(key);
  }
  genesis.genesis.allocations = options.allocations;
  if (genesis.genesis.allocations.empty()) {
    genesis.genesis.allocations.push_back(
        TxOutput{Amount::from_time(1000), pubkey_hash(keys.front().pubkey())});
  }
  const std::string genesis_text = genesis_file_text(genesis);
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    const NodeFiles& node = nodes[i];
    TC_RETURN_IF_ERROR(write_text(node.data_dir + "/genesis.json", genesis_text));
    std::string seeds;
    for (std::uint32_t j = 0; j < options.nodes; ++j) {
      if (j == i) continue;
      seeds += (seeds.empty() ? "\"127.0.0.1:" : ", \"127.0.0.1:") +
               std::to_string(nodes[j].p2p_port) + "\"";
    }
    std::string config;
    config += "# timecoind devnet node " + std::to_string(i) + " (written by timecoind devnet)\n";
    config += "[node]\nprofile = \"devnet\"\ndata_dir = \"" + node.data_dir + "\"\n\n";
    config +=
        "[net]\np2p_listen_address = \"127.0.0.1\"\np2p_port = " + std::to_string(node.p2p_port) +
        "\nrpc_port = " + std::to_string(node.rpc_port) +
        "\ningress_listen_address = \"127.0.0.1\"\ningress_udp_port = " +
        std::to_string(node.ingress_port) + "\nseed_peers = [" + seeds + "]\n\n";
    config +=
        "[consensus]\nblock_interval_ms = " + std::to_string(options.block_interval_ms) + "\n\n";
    config += "[log]\nlevel = \"" + options.log_level + "\"\n";
    config += options.extra_config;
    TC_RETURN_IF_ERROR(write_text(node.config_file, config));
  }
  NetworkFiles files;
  files.nodes = std::move(nodes);
  files.genesis_txid =
      txid(ledger::make_genesis_block(genesis.genesis, network_chain_id(genesis.network))
               .transactions[0]);
  return files;
}

}  // namespace tc::node
