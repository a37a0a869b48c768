// Goal: timecoind processes, one masternode each, reach consensus with each other over net/ on
// loopback and keep the committed chain across crashes; bad setup is refused with a clear error.
// Method: write_network_files (node/devnet/network_files.h) writes keys, one genesis and a config
// per node in a temp directory; the tests start real timecoind processes (tests/node/
// daemon_process.h) on them, read each node's "block committed" log lines while they run, stop
// them with SIGTERM (each must exit 0) or SIGKILL, and afterwards open every node's ChainStore to
// compare the chains block by block.
// Scenarios:
//   - 4 nodes commit the same blocks: height >= 5 on all, equal block hashes and state digests in
//     the logs and in the stores;
//   - kill -9 of one node of 4: the other 3 keep committing; restarted on its data directory it
//     catches up (block sync, or consensus when it is one height behind) and signs again;
//   - a second timecoind on a data directory in use is refused, naming the directory;
//   - a missing node key, a corrupt genesis file, a genesis file that is not the stored chain's,
//     an unknown flag and a missing --config each exit non-zero with the cause named.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "node/devnet/network_files.h"
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

class DaemonTest : public ::testing::Test {
 protected:
  std::vector<NodeFiles> write_network(std::uint32_t nodes) {
    NetworkFilesOptions options;
    options.root = dir_.path();
    options.nodes = nodes;
    options.block_interval_ms = 200;
    auto files = write_network_files(options);
    EXPECT_TRUE(files.is_ok()) << files.status().to_string();
    return files.is_ok() ? *files : std::vector<NodeFiles>{};
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

  std::string heights(const std::vector<NodeFiles>& nodes) {
    std::string out;
    for (const NodeFiles& node : nodes) {
      out += std::to_string(committed_height(node.data_dir + ".log")) + " ";
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
};

TEST_F(DaemonTest, FourNodesCommitTheSameBlocks) {
  const auto nodes = write_network(4);
  ASSERT_EQ(nodes.size(), 4u);
  std::vector<std::unique_ptr<DaemonProcess>> processes;
  for (const NodeFiles& node : nodes) processes.push_back(start(node));
  ASSERT_TRUE(wait_for_height(nodes, {true, true, true, true}, 5, 60s))
      << "heights: " << heights(nodes) << "\n"
      << read_text(nodes[0].data_dir + ".log");
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
  if (std::getenv("TC_SHOW_LOG")) std::cerr << read_text(nodes[1].data_dir + ".log");
  // A clean stop says so.
  EXPECT_NE(read_text(nodes[0].data_dir + ".log").find("timecoind stopped"), std::string::npos);
}

}  // namespace
}  // namespace tc::node
