// Test support for the timecoind process tests: DaemonProcess starts build/bin/timecoind as a
// child with its output in a log file, signals it and waits for it; committed_blocks() reads the
// "block committed" lines of such a log. Header-only; included by tests/node/daemon_*_test.cpp.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tc::node::testing {

inline const std::string kTimecoind = std::string(TC_BIN_DIR) + "/timecoind";

// The value of `key=` in a text log line, or empty.
inline std::string log_field(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  const std::size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  const std::size_t start = at + needle.size();
  const std::size_t end = line.find(' ', start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

struct CommittedBlock {
  std::string hash;
  std::string state;
};

// height -> the block a node logged as committed at that height.
inline std::map<std::uint64_t, CommittedBlock> committed_blocks(const std::string& log_path) {
  std::map<std::uint64_t, CommittedBlock> blocks;
  std::ifstream in(log_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" block committed ") == std::string::npos) continue;
    const std::string height = log_field(line, "height");
    if (height.empty()) continue;
    blocks[std::stoull(height)] = CommittedBlock{log_field(line, "hash"), log_field(line, "state")};
  }
  return blocks;
}

inline std::uint64_t committed_height(const std::string& log_path) {
  const auto blocks = committed_blocks(log_path);
  return blocks.empty() ? 0 : blocks.rbegin()->first;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class DaemonProcess {
 public:
  // Starts `timecoind args...` with stdout and stderr appended to `log_path`.
  DaemonProcess(std::vector<std::string> args, std::string log_path)
      : log_path_(std::move(log_path)) {
    // Built before fork: the child of a threaded process may only make async-signal-safe calls.
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kTimecoind.c_str()));
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(kTimecoind.c_str(), argv.data());
      std::_Exit(127);
    }
  }
  ~DaemonProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::seconds(10));
    }
  }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool running() const { return pid_ > 0 && !status_.has_value(); }
  void signal(int signal_number) {
    if (running()) ::kill(pid_, signal_number);
  }
  // The exit status (WEXITSTATUS, or 128 + the signal that ended it), or nullopt when it is still
  // running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

// Runs timecoind to completion (it must exit within `timeout`); returns its exit status and
// output, or -1 when it did not exit.
inline std::pair<int, std::string> run_timecoind(const std::vector<std::string>& args,
                                                 const std::string& log_path,
                                                 std::chrono::milliseconds timeout) {
  DaemonProcess process(args, log_path);
  const auto status = process.wait(timeout);
  return {status.value_or(-1), read_text(log_path)};
}

}  // namespace tc::node::testing
