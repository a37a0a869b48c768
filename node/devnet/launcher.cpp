#include "node/devnet/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/codec.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "node/devnet/network_files.h"

namespace tc::node {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kAllocationsMax = 65'535;

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// "2026-12-02T09:11:27.214047Z ..." -> Unix milliseconds, or 0.
std::uint64_t log_time_ms(const std::string& line) {
  std::tm tm{};
  unsigned micros = 0;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6uZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros) != 7) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::uint64_t>(timegm(&tm)) * 1000 + micros / 1000;
}

std::string field(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  const std::size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  const std::size_t start = at + needle.size();
  return line.substr(start, line.find(' ', start) - start);
}

struct LoggedBlock {
  std::uint64_t txs = 0;
  std::uint64_t committed_ms = 0;
  std::string hash;
  std::string state;
};

// height -> block, from a node's log.
std::map<std::uint64_t, LoggedBlock> logged_blocks(const std::string& log) {
  std::map<std::uint64_t, LoggedBlock> blocks;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" block committed ") == std::string::npos) continue;
    const std::string height = field(line, "height");
    const std::string txs = field(line, "txs");
    if (height.empty() || txs.empty()) continue;
    blocks[std::stoull(height)] =
        LoggedBlock{std::stoull(txs), log_time_ms(line), field(line, "hash"), field(line, "state")};
  }
  return blocks;
}

bool log_contains(const std::string& log, const std::string& text) {
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

pid_t spawn(const std::string& program, const std::string& config, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    // The child takes SIGTERM and SIGINT itself (the parent blocked them for its signal thread).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    // Its own process group: a terminal's Ctrl-C reaches the devnet, which stops the nodes itself.
    ::setpgid(0, 0);
    ::execl(program.c_str(), program.c_str(), "--config", config.c_str(), nullptr);
    std::_Exit(127);
  }
  return pid;
}

// SIGTERM to every node, then waits (SIGKILL after 30 s). Returns whether all exited 0.
bool stop_nodes(std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (pid > 0) ::kill(pid, SIGTERM);
  }
  bool clean = true;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (pid_t& pid : pids) {
    if (pid <= 0) continue;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    clean = clean && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    pid = -1;
  }
  return clean;
}

std::uint64_t percentile(std::vector<std::uint64_t> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace

int run_devnet(const DevnetLaunchOptions& options, const std::atomic<bool>& stop) {
  std::string root = (std::filesystem::temp_directory_path() / "timecoind-devnet-XXXXXX").string();
  if (::mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "devnet: cannot create a temporary directory\n");
    return 1;
  }
  struct RemoveRoot {
    std::string path;
    ~RemoveRoot() {
      std::error_code error;
      std::filesystem::remove_all(path, error);
    }
  } remove_root{root};

  dataplane::TxGeneratorConfig load;
  load.chain_id = kChainIdDevnet;
  const std::uint64_t wanted = options.rate * options.duration_s;
  const std::uint32_t funded =
      static_cast<std::uint32_t>(std::clamp<std::uint64_t>(wanted, 1, kAllocationsMax));
  NetworkFilesOptions files_options;
  files_options.root = root;
  files_options.nodes = options.nodes;
  files_options.block_interval_ms = options.block_interval_ms;
  files_options.allocations = dataplane::TxGenerator(load).funding_outputs(funded);
  auto files = write_network_files(files_options);
  if (!files.is_ok()) {
    std::fprintf(stderr, "devnet: %s\n", files.status().to_string().c_str());
    return 1;
  }
  load.funding_txid = files->genesis_txid;
  const std::vector<NodeFiles>& nodes = files->nodes;

  std::vector<pid_t> pids;
  for (const NodeFiles& node : nodes) {
    pids.push_back(spawn(options.timecoind, node.config_file, node.data_dir + ".log"));
  }
  const auto up_deadline = Clock::now() + std::chrono::seconds(30);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string log = nodes[i].data_dir + ".log";
    while (!log_contains(log, "timecoind running") && !stop.load() && Clock::now() < up_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!log_contains(log, "timecoind running")) {
      std::fprintf(stderr, "devnet: node %zu did not start; its log %s:\n", i, log.c_str());
      std::ifstream in(log);
      for (std::string line; std::getline(in, line);) std::fprintf(stderr, "  %s\n", line.c_str());
      stop_nodes(pids);
      return 1;
    }
    std::printf("node %zu: rpc=http://127.0.0.1:%u p2p=127.0.0.1:%u ingress=127.0.0.1:%u data=%s\n",
                i, nodes[i].rpc_port, nodes[i].p2p_port, nodes[i].ingress_port,
                nodes[i].data_dir.c_str());
  }
  std::fflush(stdout);

  // Load: every 10 ms, the transfers due by then, round-robin over the nodes.
  const dataplane::TxGenerator generator(load);
  std::vector<dataplane::UdpSender> senders(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (Status opened = senders[i].open("127.0.0.1", nodes[i].ingress_port); !opened.is_ok()) {
      std::fprintf(stderr, "devnet: %s\n", opened.to_string().c_str());
      stop_nodes(pids);
      return 1;
    }
  }
  std::vector<std::uint64_t> sent_ms;  // by transfer sequence
  sent_ms.reserve(funded);
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(options.duration_s);
  auto next_progress = start + std::chrono::seconds(1);
  std::vector<Bytes> burst(1);
  while (!stop.load() && Clock::now() < end) {
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    const std::uint64_t due = std::min<std::uint64_t>(
        funded, static_cast<std::uint64_t>(elapsed_s * static_cast<double>(options.rate)));
    while (sent_ms.size() < due) {
      const std::uint64_t sequence = sent_ms.size();
      burst[0] = generator.transfer(sequence);
      (void)senders[sequence % senders.size()].send(burst);
      sent_ms.push_back(wall_ms());
    }
    if (Clock::now() >= next_progress) {
      const auto blocks = logged_blocks(nodes[0].data_dir + ".log");
      std::uint64_t final_count = 0;
      for (const auto& [height, block] : blocks) final_count += block.txs;
      std::printf(
          "progress: t=%llds height=%llu sent=%zu final=%llu\n",
          static_cast<long long>(
              std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()),
          static_cast<unsigned long long>(blocks.empty() ? 0 : blocks.rbegin()->first),
          sent_ms.size(), static_cast<unsigned long long>(final_count));
      std::fflush(stdout);
      next_progress += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Let what was sent become final (a few blocks), unless asked to stop.
  const auto drain_deadline =
      Clock::now() + std::chrono::milliseconds(4 * options.block_interval_ms + 2000);
  while (!stop.load() && Clock::now() < drain_deadline) {
    std::uint64_t final_count = 0;
    for (const auto& [height, block] : logged_blocks(nodes[0].data_dir + ".log")) {
      final_count += block.txs;
    }
    if (final_count >= sent_ms.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const bool clean = stop_nodes(pids);

  // Agreement: every node logged the same block and state at the lowest of their last heights.
  std::vector<std::map<std::uint64_t, LoggedBlock>> logs;
  std::uint64_t common = ~std::uint64_t{0};
  for (const NodeFiles& node : nodes) {
    logs.push_back(logged_blocks(node.data_dir + ".log"));
    common = std::min<std::uint64_t>(common, logs.back().empty() ? 0 : logs.back().rbegin()->first);
  }
  bool agree = common > 0;
  for (const auto& log : logs) {
    agree = agree && log.contains(common) && log.at(common).hash == logs[0].at(common).hash &&
            log.at(common).state == logs[0].at(common).state;
  }
  // Finality latency, submission to commit on node 0, taking transfers to become final in the
  // order they were sent (equal fees; the k-th final transaction is the k-th sent).
  std::vector<std::uint64_t> latencies;
  std::uint64_t final_count = 0;
  for (const auto& [height, block] : logs[0]) {
    for (std::uint64_t k = 0; k < block.txs && final_count < sent_ms.size(); ++k, ++final_count) {
      const std::uint64_t sent = sent_ms[final_count];
      latencies.push_back(block.committed_ms > sent ? block.committed_ms - sent : 0);
    }
  }
  const double seconds =
      std::max(1e-3, std::chrono::duration<double>(std::min(Clock::now(), end) - start).count());
  std::printf("devnet: blocks=%llu nodes_clean_exit=%s\n",
              static_cast<unsigned long long>(logs[0].empty() ? 0 : logs[0].rbegin()->first),
              clean ? "yes" : "no");
  std::printf(
      "devnet: nodes=%u sent=%zu final=%llu final_tps=%.1f p50_ms=%llu p99_ms=%llu agree=%s\n",
      options.nodes, sent_ms.size(), static_cast<unsigned long long>(final_count),
      static_cast<double>(final_count) / seconds,
      static_cast<unsigned long long>(percentile(latencies, 0.50)),
      static_cast<unsigned long long>(percentile(latencies, 0.99)), agree ? "yes" : "no");
  std::fflush(stdout);
  return agree && clean && (sent_ms.empty() || final_count > 0) ? 0 : 1;
}

}  // namespace tc::node
