// Goal: timecoind processes, one masternode each, reach consensus with each other over net/ on
// loopback and keep the committed chain across crashes; bad setup is refused with a clear error.
// Method: write_network_files (node/devnet/network_files.h) writes keys, one genesis and a config
// per node in a temp directory; the tests start real timecoind processes (tests/node/
// daemon_process.h) on them, read each node's "block committed" log lines while they run, stop
// them with SIGTERM (each must exit 0) or SIGKILL, and afterwards open every node's ChainStore to
// compare the chains block by block.
// Scenarios:
//   - 4 nodes started a second apart commit the same blocks: height >= 5 on all, equal block
//     hashes and state digests in the logs and in the stores;
//   - transactions sent over UDP to two of 4 nodes become final on all, with the same state
//     digests, and the other two admitted forwarded ones;
//   - kill -9 of one node of 4: the other 3 keep committing; restarted on its data directory it
//     catches up (block sync, or consensus when it is one height behind) and signs again;
//   - a second timecoind on a data directory in use is refused, naming the directory;
//   - a missing node key, a corrupt genesis file, a genesis file that is not the stored chain's,
//     a chain past genesis without its signing state, an unknown flag and a missing --config each
//     exit non-zero with the cause named;
//   - over JSON-RPC (real HTTP with each node's cookie): getblockcount advances on every node, a
//     transaction sent with sendrawtransaction to one node is finalized on all
//     (gettransactionstatus), a bad one is refused with the ledger's reason, /metrics serves the
//     verify stage's series (and passes `promtool check metrics` when promtool is installed), and
//     `stop` makes the node exit 0;
//   - --check prints every effective value with its source (the file's line or the profile's
//     default) and exits 0 without starting; a bad file exits 2 naming file, line and key.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "node/devnet/network_files.h"
#include "node/rpc/cookie.h"
#include "storage/chain_store.h"
#include "tests/node/daemon_process.h"

namespace tc::node {
namespace {

using namespace std::chrono_literals;
using testing::committed_blocks;
using testing::committed_height;
using testing::DaemonProcess;
using testing::read_text;
using testing::run_timecoind;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tc-daemon-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// `json` with the first number after "key": replaced by `value`.
std::string with_number(std::string json, const std::string& key, const std::string& value) {
  const std::size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return json;
  const std::size_t start = at + key.size() + 4;
  std::size_t end = start;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
  return json.replace(start, end - start, value);
}

class DaemonTest : public ::testing::Test {
 protected:
  std::vector<NodeFiles> write_network(std::uint32_t nodes) {
    NetworkFilesOptions options;
    options.root = dir_.path();
    options.nodes = nodes;
    options.block_interval_ms = 200;
    options.log_level = "debug";
    options.allocations = allocations_;
    auto files = write_network_files(options);
    EXPECT_TRUE(files.is_ok()) << files.status().to_string();
    if (!files.is_ok()) return {};
    genesis_txid_ = files->genesis_txid;
    return files->nodes;
  }

  std::unique_ptr<DaemonProcess> start(const NodeFiles& node) {
    return std::make_unique<DaemonProcess>(std::vector<std::string>{"--config", node.config_file},
                                           node.data_dir + ".log");
  }

  // Waits until every running node's log shows `height` committed.
  bool wait_for_height(const std::vector<NodeFiles>& nodes, const std::vector<bool>& which,
                       std::uint64_t height, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (which[i] && committed_height(nodes[i].data_dir + ".log") < height) all = false;
      }
      if (all) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // Every node's committed height, then its log without the block lines (for failures).
  std::string heights(const std::vector<NodeFiles>& nodes) {
    std::string out;
    for (const NodeFiles& node : nodes) {
      out += std::to_string(committed_height(node.data_dir + ".log")) + " ";
    }
    for (const NodeFiles& node : nodes) {
      out += "\n--- " + node.data_dir + ".log\n";
      std::ifstream in(node.data_dir + ".log");
      for (std::string line; std::getline(in, line);) {
        if (line.find(" block committed ") == std::string::npos) out += line + "\n";
      }
    }
    return out;
  }

  // Opens every node's store (the daemons have stopped) and checks that all agree on every height
  // they share, and that the lowest tip's state digest is the same on all.
  void expect_stores_agree(const std::vector<NodeFiles>& nodes, std::uint64_t at_least) {
    std::vector<std::unique_ptr<storage::ChainStore>> stores;
    std::uint64_t common = ~std::uint64_t{0};
    for (const NodeFiles& node : nodes) {
      storage::StoreOptions options;
      options.path = node.data_dir + "/chain";
      options.create_if_missing = false;
      auto store = storage::ChainStore::open(options);
      ASSERT_TRUE(store.is_ok()) << store.status().to_string();
      ASSERT_TRUE((*store)->tip().has_value());
      common = std::min(common, (*store)->tip()->height);
      stores.push_back(std::move(store).value());
    }
    ASSERT_GE(common, at_least);
    for (std::uint64_t height = 0; height <= common; ++height) {
      auto first = stores[0]->block_hash_at(height);
      ASSERT_TRUE(first.is_ok());
      for (std::size_t i = 1; i < stores.size(); ++i) {
        auto other = stores[i]->block_hash_at(height);
        ASSERT_TRUE(other.is_ok());
        EXPECT_EQ(*other, *first) << "node " << i << " height " << height;
      }
    }
    const Hash256 tip_hash = *stores[0]->block_hash_at(common);
    const Hash256 digest = stores[0]->header(tip_hash)->utxo_digest;
    for (std::size_t i = 1; i < stores.size(); ++i) {
      EXPECT_EQ(stores[i]->header(tip_hash)->utxo_digest, digest);
    }
  }

  TempDir dir_;
  std::vector<TxOutput> allocations_;  // empty: write_network_files' default
  Hash256 genesis_txid_;
};

TEST_F(DaemonTest, FourNodesCommitTheSameBlocks) {
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  // Started a second apart: what the first nodes sign before their peers listen is lost, and only
  // the engine's retransmission brings the set together.
  std::vector<std::unique_ptr<DaemonProcess>> processes;
  for (const NodeFiles& node : nodes) {
    processes.push_back(start(node));
    std::this_thread::sleep_for(1s);
  }
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, 5, 60s))
      << "heights: " << heights(nodes);
  for (auto& process : processes) process->signal(SIGTERM);
  for (std::size_t i = 0; i < processes.size(); ++i) {
    EXPECT_EQ(processes[i]->wait(30s), std::optional<int>(0))
        << read_text(processes[i]->log_path());
  }
  // The logs agree block by block.
  const auto reference = committed_blocks(nodes[0].data_dir + ".log");
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const auto blocks = committed_blocks(nodes[i].data_dir + ".log");
    for (std::uint64_t height = 1; height <= 5; ++height) {
      ASSERT_TRUE(blocks.contains(height) && reference.contains(height));
      EXPECT_EQ(blocks.at(height).hash, reference.at(height).hash) << "node " << i;
      EXPECT_EQ(blocks.at(height).state, reference.at(height).state) << "node " << i;
    }
  }
  expect_stores_agree(nodes, 5);
  // A clean stop says so.
  EXPECT_NE(read_text(nodes[0].data_dir + ".log").find("timecoind stopped"), std::string::npos);
}

// The "txs=" of every block a node logged, summed.
std::uint64_t committed_transactions(const std::string& log_path) {
  std::uint64_t total = 0;
  std::ifstream in(log_path);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" block committed ") == std::string::npos) continue;
    const std::string txs = testing::log_field(line, "txs");
    if (!txs.empty()) total += std::stoull(txs);
  }
  return total;
}

TEST_F(DaemonTest, TransactionsSentToAnyNodeBecomeFinalOnAll) {
  constexpr std::uint32_t kTransfers = 200;
  dataplane::TxGeneratorConfig generator_config;
  generator_config.chain_id = kChainIdDevnet;
  allocations_ = dataplane::TxGenerator(generator_config).funding_outputs(kTransfers);
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  generator_config.funding_txid = genesis_txid_;
  const dataplane::TxGenerator generator(generator_config);
  std::vector<std::unique_ptr<DaemonProcess>> processes;
  for (const NodeFiles& node : nodes) processes.push_back(start(node));
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, 2, 60s)) << heights(nodes);

  // Half to node 0, half to node 2, in small bursts (loopback UDP drops nothing at this pace).
  for (std::uint32_t half = 0; half < 2; ++half) {
    dataplane::UdpSender sender;
    ASSERT_TRUE(sender.open("127.0.0.1", nodes[half * 2].ingress_port).is_ok());
    for (std::uint32_t n = half * kTransfers / 2; n < (half + 1) * kTransfers / 2; n += 10) {
      std::vector<Bytes> burst;
      for (std::uint32_t k = n; k < n + 10; ++k) burst.push_back(generator.transfer(k));
      ASSERT_TRUE(sender.send(burst).is_ok());
      std::this_thread::sleep_for(5ms);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool all_final = false;
  while (!all_final && std::chrono::steady_clock::now() < deadline) {
    all_final = true;
    for (const NodeFiles& node : nodes) {
      all_final = all_final && committed_transactions(node.data_dir + ".log") >= kTransfers;
    }
    std::this_thread::sleep_for(100ms);
  }
  for (auto& process : processes) process->signal(SIGTERM);
  for (auto& process : processes) {
    EXPECT_EQ(process->wait(30s), std::optional<int>(0)) << read_text(process->log_path());
  }
  for (const NodeFiles& node : nodes) {
    EXPECT_EQ(committed_transactions(node.data_dir + ".log"), kTransfers)
        << read_text(node.data_dir + ".log");
  }
  // Nodes 1 and 3 received none over UDP: what their mempools admitted came forwarded by peers.
  for (std::size_t i : {1u, 3u}) {
    std::string stopped;
    std::ifstream in(nodes[i].data_dir + ".log");
    for (std::string line; std::getline(in, line);) {
      if (line.find(" timecoind stopped ") != std::string::npos) stopped = line;
    }
    const std::string admitted = testing::log_field(stopped, "tx_admitted_from_peers");
    ASSERT_FALSE(admitted.empty()) << stopped;
    EXPECT_GT(std::stoull(admitted), 0u) << "node " << i;
  }
  expect_stores_agree(nodes, 2);
}

// One JSON-RPC call to `node` with its cookie; the response object, or null when there was no 200.
nlohmann::json rpc_call(const NodeFiles& node, const std::string& method,
                        const nlohmann::json& params = nlohmann::json::array()) {
  auto cookie = rpc::read_cookie(node.data_dir);
  if (!cookie.is_ok()) return nullptr;
  httplib::Client http("127.0.0.1", node.rpc_port);
  http.set_read_timeout(std::chrono::seconds(10));
  const httplib::Headers headers{{"Authorization", rpc::basic_authorization(*cookie)}};
  const nlohmann::json request = {
      {"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  httplib::Result response = http.Post("/", headers, request.dump(), "application/json");
  if (!response || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, false);
}

TEST_F(DaemonTest, RpcServesTheChainTakesTransactionsAndStops) {
  dataplane::TxGeneratorConfig generator_config;
  generator_config.chain_id = kChainIdDevnet;
  allocations_ = dataplane::TxGenerator(generator_config).funding_outputs(1);
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  generator_config.funding_txid = genesis_txid_;
  const dataplane::TxGenerator generator(generator_config);
  std::vector<std::unique_ptr<DaemonProcess>> processes;
  for (const NodeFiles& node : nodes) processes.push_back(start(node));
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, 2, 60s)) << heights(nodes);

  // Every node answers with its own height, and it advances.
  std::vector<std::uint64_t> first_counts;
  for (const NodeFiles& node : nodes) {
    nlohmann::json response = rpc_call(node, "getblockcount");
    ASSERT_TRUE(response.is_object() && response["result"].is_number_unsigned())
        << response.dump() << "\n"
        << read_text(node.data_dir + ".log");
    first_counts.push_back(response["result"].get<std::uint64_t>());
    EXPECT_GE(first_counts.back(), 2u);
  }
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, first_counts[0] + 3, 60s));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_GT(rpc_call(nodes[i], "getblockcount")["result"].get<std::uint64_t>(), first_counts[i]);
  }

  // Each node's consensus position: a height past what it committed, all four validators, and the
  // latency of the last commit it took part in.
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nlohmann::json info = rpc_call(nodes[i], "getconsensusinfo");
    ASSERT_TRUE(info.is_object() && info["result"].is_object()) << info.dump();
    EXPECT_GT(info["result"]["height"].get<std::uint64_t>(), first_counts[i]) << info.dump();
    EXPECT_EQ(info["result"]["validators"].size(), nodes.size()) << info.dump();
    EXPECT_TRUE(info["result"]["last_commit_latency_seconds"].is_number()) << info.dump();
  }

  // Each node lists the other three as connected peers, by key.
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nlohmann::json peers = rpc_call(nodes[i], "getpeerinfo");
    ASSERT_TRUE(peers.is_object() && peers["result"].is_array()) << peers.dump();
    std::vector<std::string> keys;
    for (const nlohmann::json& peer : peers["result"]) keys.push_back(peer["pubkey"]);
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> expected;
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      if (j != i) expected.push_back(to_hex(nodes[j].pubkey));
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(keys, expected) << "node " << i << ": " << peers.dump();
  }

  // A valid transaction to node 1 is admitted there and finalized on all four.
  const Bytes transfer = generator.transfer(0);
  nlohmann::json sent = rpc_call(nodes[1], "sendrawtransaction", {to_hex(transfer)});
  ASSERT_TRUE(sent.is_object() && sent["result"].is_string()) << sent.dump();
  const std::string sent_txid = sent["result"];
  // Transfer 1 spends genesis output 1, which does not exist: refused with the ledger's reason.
  nlohmann::json refused =
      rpc_call(nodes[2], "sendrawtransaction", {to_hex(generator.transfer(1))});
  ASSERT_TRUE(refused.is_object() && refused["error"].is_object()) << refused.dump();
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("missing_input"), std::string::npos)
      << refused.dump();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::vector<std::string> states(nodes.size());
  while (std::chrono::steady_clock::now() < deadline &&
         std::any_of(states.begin(), states.end(),
                     [](const std::string& state) { return state != "finalized"; })) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      nlohmann::json status = rpc_call(nodes[i], "gettransactionstatus", {sent_txid});
      if (status.is_object() && status["result"].is_object()) states[i] = status["result"]["state"];
    }
    std::this_thread::sleep_for(100ms);
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) EXPECT_EQ(states[i], "finalized") << "node " << i;

  // getverifyinfo on node 1: its backend, and at least the RPC transaction's signature verified.
  nlohmann::json verify = rpc_call(nodes[1], "getverifyinfo");
  ASSERT_TRUE(verify.is_object() && verify["result"].is_object()) << verify.dump();
  EXPECT_TRUE(verify["result"]["backend"] == "cpu" || verify["result"]["backend"] == "gpu")
      << verify.dump();
  EXPECT_GE(verify["result"]["signatures"].get<std::uint64_t>(), 1u) << verify.dump();

  // /metrics without credentials, with the verify stage's series counting the RPC transaction.
  httplib::Client metrics_client("127.0.0.1", nodes[1].rpc_port);
  httplib::Result metrics = metrics_client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  std::string rpc_admitted;
  std::istringstream lines(metrics->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("timecoin_verify_transactions_total{") &&
        line.find("source=\"rpc\"") != std::string::npos &&
        line.find("outcome=\"admitted\"") != std::string::npos) {
      rpc_admitted = line.substr(line.rfind(' ') + 1);
    }
  }
  EXPECT_EQ(rpc_admitted, "1") << metrics->body;
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    const std::string path = dir_.path() + "/metrics.txt";
    std::ofstream(path) << metrics->body;
    EXPECT_EQ(std::system(("promtool check metrics < " + path).c_str()), 0) << metrics->body;
  }

  // `stop` shuts node 0 down as SIGTERM does: exit 0 and its cookie removed.
  nlohmann::json stopping = rpc_call(nodes[0], "stop");
  EXPECT_TRUE(stopping.is_object() && stopping["result"].is_string()) << stopping.dump();
  EXPECT_EQ(processes[0]->wait(30s), std::optional<int>(0))
      << read_text(nodes[0].data_dir + ".log");
  EXPECT_FALSE(std::filesystem::exists(rpc::cookie_path(nodes[0].data_dir)));
  for (std::size_t i = 1; i < processes.size(); ++i) processes[i]->signal(SIGTERM);
  for (std::size_t i = 1; i < processes.size(); ++i) {
    EXPECT_EQ(processes[i]->wait(30s), std::optional<int>(0))
        << read_text(nodes[i].data_dir + ".log");
  }
}

TEST_F(DaemonTest, KilledNodeCatchesUpAndSignsAgain) {
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  std::vector<std::unique_ptr<DaemonProcess>> processes;
  for (const NodeFiles& node : nodes) processes.push_back(start(node));
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, 3, 60s)) << heights(nodes);

  processes[3]->signal(SIGKILL);
  ASSERT_EQ(processes[3]->wait(10s), std::optional<int>(128 + SIGKILL));
  const std::uint64_t killed_at = committed_height(nodes[3].data_dir + ".log");
  // 3 of 4 equal votes are more than 2/3: the chain goes on without it.
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, false}, killed_at + 5, 60s))
      << heights(nodes);

  const std::uint64_t restarted_at = committed_height(nodes[0].data_dir + ".log");
  processes[3] = start(nodes[3]);
  ASSERT_TRUE(wait_for_height(nodes, {false, false, false, true}, restarted_at + 3, 90s))
      << heights(nodes) << "\n"
      << read_text(nodes[3].data_dir + ".log");
  // It was more than one height behind: only block sync brings it back (consensus drops messages
  // beyond its next height).
  EXPECT_NE(read_text(nodes[3].data_dir + ".log").find("block sync started"), std::string::npos);
  // Caught up; from here on it takes part again.
  const std::uint64_t caught_up_at = committed_height(nodes[0].data_dir + ".log");
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, caught_up_at + 8, 60s))
      << heights(nodes);
  for (auto& process : processes) process->signal(SIGTERM);
  for (auto& process : processes) {
    EXPECT_EQ(process->wait(30s), std::optional<int>(0)) << read_text(process->log_path());
  }
  expect_stores_agree(nodes, caught_up_at + 8);

  // It signs again: over 8 heights it signs certificates or proposes blocks (proposers rotate).
  storage::StoreOptions options;
  options.path = nodes[0].data_dir + "/chain";
  options.create_if_missing = false;
  auto store = storage::ChainStore::open(options);
  ASSERT_TRUE(store.is_ok());
  std::uint64_t signed_by_restarted = 0;
  for (std::uint64_t height = caught_up_at + 1; height <= caught_up_at + 8; ++height) {
    auto certificate = (*store)->certificate_at(height);
    ASSERT_TRUE(certificate.is_ok());
    for (const CommitSignature& signature : certificate->signatures) {
      signed_by_restarted += signature.validator == nodes[3].pubkey;
    }
    auto header = (*store)->header(*(*store)->block_hash_at(height));
    ASSERT_TRUE(header.is_ok());
    signed_by_restarted += header->proposer == nodes[3].pubkey;
  }
  EXPECT_GT(signed_by_restarted, 0u) << read_text(nodes[3].data_dir + ".log");
}

TEST_F(DaemonTest, SecondDaemonOnTheSameDataDirectoryIsRefused) {
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  auto first = start(nodes[0]);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (read_text(first->log_path()).find("timecoind running") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const auto [status, output] =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/second.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("data directory " + nodes[0].data_dir + " is in use by another timecoind"),
            std::string::npos)
      << output;
  // The first one is untouched and stops cleanly (SIGINT as from a terminal).
  EXPECT_TRUE(first->running());
  first->signal(SIGINT);
  EXPECT_EQ(first->wait(30s), std::optional<int>(0)) << read_text(first->log_path());
}

TEST_F(DaemonTest, MissingNodeKeyIsNamed) {
  const auto nodes = write_network(1);
  ASSERT_EQ(nodes.size(), 1u);
  std::filesystem::remove(nodes[0].data_dir + "/node_key.json");
  const auto [status, output] =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/out.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("key file " + nodes[0].data_dir + "/node_key.json: cannot open"),
            std::string::npos)
      << output;
}

TEST_F(DaemonTest, CorruptGenesisFileIsNamed) {
  const auto nodes = write_network(1);
  ASSERT_EQ(nodes.size(), 1u);
  const std::string genesis = nodes[0].data_dir + "/genesis.json";
  const std::string text = read_text(genesis);

  std::ofstream(genesis, std::ios::trunc) << text.substr(0, text.size() / 2);  // truncated
  auto [status, output] =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/truncated.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("genesis file " + genesis + ": not a JSON document"), std::string::npos)
      << output;

  std::ofstream(genesis, std::ios::trunc) << with_number(text, "p2p_port", "70000");
  std::tie(status, output) =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/port.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("masternodes[0].p2p_port: expected an integer in 1..65535"),
            std::string::npos)
      << output;
}

TEST_F(DaemonTest, GenesisFileOfAnotherChainIsRefusedOnRestart) {
  const auto nodes = write_network(1);
  ASSERT_EQ(nodes.size(), 1u);
  // One masternode of one: it commits alone.
  auto process = start(nodes[0]);
  ASSERT_TRUE(wait_for_height(nodes, {true}, 1, 30s)) << read_text(process->log_path());
  process->signal(SIGTERM);
  ASSERT_EQ(process->wait(30s), std::optional<int>(0));

  const std::string genesis = nodes[0].data_dir + "/genesis.json";
  const std::string changed = with_number(read_text(genesis), "timestamp_ms", "1");
  std::ofstream(genesis, std::ios::trunc) << changed;
  const auto [status, output] =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/restart.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("is not the stored chain's genesis"), std::string::npos) << output;
}

TEST_F(DaemonTest, ChainWithoutSigningStateIsRefused) {
  const auto nodes = write_network(1);
  ASSERT_EQ(nodes.size(), 1u);
  auto process = start(nodes[0]);
  ASSERT_TRUE(wait_for_height(nodes, {true}, 2, 30s)) << read_text(process->log_path());
  process->signal(SIGTERM);
  ASSERT_EQ(process->wait(30s), std::optional<int>(0));
  std::filesystem::remove_all(nodes[0].data_dir + "/signing_state");
  const auto [status, output] =
      run_timecoind({"--config", nodes[0].config_file}, dir_.path() + "/restart.log", 30s);
  EXPECT_EQ(status, 1);
  EXPECT_NE(output.find("without the " + nodes[0].data_dir + "/signing_state directory"),
            std::string::npos)
      << output;
}

TEST_F(DaemonTest, BadCommandLineExitsTwoNamingTheOption) {
  auto [status, output] = run_timecoind({"--bogus"}, dir_.path() + "/bogus.log", 30s);
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("--bogus"), std::string::npos) << output;

  std::tie(status, output) = run_timecoind({}, dir_.path() + "/none.log", 30s);
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("--config"), std::string::npos) << output;

  std::tie(status, output) =
      run_timecoind({"--config", dir_.path() + "/absent.toml"}, dir_.path() + "/absent.log", 30s);
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find(dir_.path() + "/absent.toml"), std::string::npos) << output;

  std::tie(status, output) = run_timecoind({"--help"}, dir_.path() + "/help.log", 30s);
  EXPECT_EQ(status, 0);
  EXPECT_NE(output.find("--config"), std::string::npos) << output;
}

TEST_F(DaemonTest, CheckPrintsEachValueWithItsSourceAndStartsNothing) {
  const std::string config_path = dir_.path() + "/check.toml";
  const std::string data_dir = dir_.path() + "/never-created";
  {
    std::ofstream out(config_path);
    out << "[node]\nprofile = \"devnet\"\ndata_dir = \"" << data_dir << "\"\n\n"
        << "[mempool]\nttl_ms = 123000\n";
  }
  auto [status, output] =
      run_timecoind({"--config", config_path, "--check"}, dir_.path() + "/check.log", 30s);
  EXPECT_EQ(status, 0) << output;
  // A key the file set names its line; one it did not names the profile.
  EXPECT_NE(output.find("ttl_ms = 123000  # " + config_path + ":6"), std::string::npos) << output;
  EXPECT_NE(output.find("tx_count_max = "), std::string::npos) << output;
  EXPECT_NE(output.find("# devnet profile default"), std::string::npos) << output;
  EXPECT_NE(output.find("[cores]"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(data_dir)) << "--check must not open the data directory";

  // A misspelt key: exit 2, naming the file, the line and the key.
  {
    std::ofstream out(config_path, std::ios::app);
    out << "max_transactions = 5\n";
  }
  std::tie(status, output) =
      run_timecoind({"--config", config_path, "--check"}, dir_.path() + "/typo.log", 30s);
  EXPECT_EQ(status, 2) << output;
  EXPECT_NE(output.find(config_path + ":7"), std::string::npos) << output;
  EXPECT_NE(output.find("mempool.max_transactions"), std::string::npos) << output;
}

}  // namespace
}  // namespace tc::node
